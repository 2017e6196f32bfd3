//! The Cloudflare Workers face: reads `AUTHZ`, fetches keys, checks
//! signatures with WebCrypto, proxies to origin. Everything it decides comes
//! from the core; this module only does I/O.

mod config_var;
mod discovery;
mod exchange;
mod http;
mod keys;
mod proxy;
mod respond;
mod shared_cache;
mod webcrypto;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Request, Response};
use worker::{event, Context, Date, Env, Result};

use crate::config::Config;
use crate::decision::{self, LogFields, Outcome, PendingBearer, Start, Verdict};
use crate::error::AuthError;
use crate::target::{self, Target};
use crate::verified_cache::VerifiedCache;

/// Milliseconds since the epoch. workerd advances the clock only across
/// I/O, so sub-millisecond durations read as 0.
fn now_ms() -> f64 {
    Date::now().as_millis() as f64
}

/// Unix seconds, the clock the core's decisions and caches take.
fn now_secs() -> u64 {
    (now_ms() / 1000.0) as u64
}

/// Whole milliseconds since `started`: the clock has no finer grain here,
/// and whole numbers keep float formatting out of the worker.
fn elapsed_ms(started: f64) -> u64 {
    (now_ms() - started).max(0.0) as u64
}

// The runtime's own Request and Response, not the `worker` crate's
// wrappers: converting reads `request.cf` and copies headers on every
// request, which showed in profiles as a good part of our cost.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let started = now_ms();
    // Read once: the decision, the proxy and the log line all use them.
    let url = req.url();
    let target = target::split(&url);
    let method = req.method();
    let (fields, answer) = match &target {
        Some(url) => handle(&req, &method, url, &env, started).await,
        None => {
            let err = AuthError::Internal;
            (denied(err.code()), Answered::Refused(None, err))
        }
    };
    let dur = elapsed_ms(started);
    log_line(&fields, &method, target.as_ref(), dur);
    match answer {
        Answered::Origin(resp) => Ok(resp),
        Answered::Refused(cfg, err) => respond::refusal(cfg.as_deref(), &err, dur)
            .map_err(|e| worker::Error::JsError(format!("{e:?}"))),
    }
}

enum Answered {
    Origin(Response),
    Refused(Option<Rc<Config>>, AuthError),
}

/// The decision and, when allowed, the origin's answer. Every failure comes
/// back as a refusal with a problem body: a runtime error never becomes a
/// bare 500 without one, and never a forward.
async fn handle(
    req: &Request,
    method: &str,
    url: &Target<'_>,
    env: &Env,
    started: f64,
) -> (LogFields, Answered) {
    let cfg = match config_var::load(env) {
        Ok(cfg) => cfg,
        Err(err) => {
            let fields = LogFields {
                decision: "deny",
                code: Some(err.code()),
                ..LogFields::default()
            };
            return (fields, Answered::Refused(None, err));
        }
    };
    let headers = header_pairs(&req.headers());
    let core_req = decision::Request {
        method,
        path: url.path,
        query: url.query.unwrap_or(""),
        headers: &headers,
    };

    let start = remembered(&cfg, |cache, now| {
        decision::begin_with(&cfg, &core_req, Some((&*cache, now)))
    });
    let outcome = match start {
        Start::Done(o) => o,
        Start::NeedKeys(pending) => verify(&cfg, env, &core_req, pending).await,
        Start::NeedExchange(pending) => exchange::run(&cfg, env, &core_req, pending).await,
    };
    let mut fields = outcome.log;
    match outcome.verdict {
        Verdict::Refuse(err) => (fields, Answered::Refused(Some(cfg), err)),
        Verdict::Forward(plan) => {
            // Server-Timing is the authorizer's own time, not the origin's.
            let dur = elapsed_ms(started);
            match proxy::forward(&cfg, req, &core_req, url, &plan, dur).await {
                Ok(resp) => (fields, Answered::Origin(resp)),
                Err(err) => {
                    fields.code = Some(err.code());
                    (fields, Answered::Refused(Some(cfg), err))
                }
            }
        }
    }
}

fn denied(code: &'static str) -> LogFields {
    LogFields {
        decision: "deny",
        code: Some(code),
        ..LogFields::default()
    }
}

thread_local! {
    /// Tokens verified in this isolate, with the configuration they were
    /// checked against (held, so a new `AUTHZ` cannot reuse its address).
    static VERIFIED: RefCell<Option<(Rc<Config>, VerifiedCache)>> = const { RefCell::new(None) };
}

/// Runs `f` with this isolate's verified tokens for `cfg` (emptied when
/// the configuration changed) and the time.
fn remembered<T>(cfg: &Rc<Config>, f: impl FnOnce(&mut VerifiedCache, u64) -> T) -> T {
    let now = now_secs();
    VERIFIED.with(|v| {
        let mut v = v.borrow_mut();
        if !matches!(&*v, Some((seen, _)) if Rc::ptr_eq(seen, cfg)) {
            *v = None;
        }
        let (_, cache) = v.get_or_insert_with(|| (cfg.clone(), VerifiedCache::default()));
        f(cache, now)
    })
}

async fn verify(
    cfg: &Rc<Config>,
    env: &Env,
    req: &decision::Request<'_>,
    pending: PendingBearer,
) -> Outcome {
    let now = now_secs();
    let issuer = pending.issuer_index();
    let mut set = match keys::get(cfg, env, issuer, now).await {
        Ok(set) => set,
        Err(err) => return pending.fail(cfg, err),
    };
    if let Err(AuthError::UnknownKey) = pending.check(cfg, &set) {
        // Rotation: one refetch, throttled per issuer inside `keys`.
        match keys::refetch_for_unknown_kid(cfg, env, issuer, now).await {
            Some(fresh) => set = fresh,
            None => return pending.fail(cfg, AuthError::UnknownKey),
        }
    }
    let valid = match pending.check(cfg, &set) {
        Ok(check) => webcrypto::verify(&check).await,
        Err(err) => return pending.fail(cfg, err),
    };
    let outcome = pending.finish(cfg, req, valid, now);
    if let Some(verified) = &outcome.verified {
        remembered(cfg, |cache, _| cache.remember(verified.clone(), now));
    }
    outcome
}

/// Every header as the runtime holds it: names lowercased, repeats joined
/// with ", ".
fn header_pairs(headers: &web_sys::Headers) -> Vec<(String, String)> {
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|pair| {
            let pair: js_sys::Array = pair.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// One JSON line per request. Only fields written by the core from
/// verified claims and configuration, the method and the path (no query:
/// tokens sometimes travel there): never a token or a secret.
fn log_line(fields: &LogFields, method: &str, url: Option<&Target<'_>>, dur_ms: u64) {
    let path = url.map(|u| u.path).unwrap_or_default();
    let line = serde_json::json!({
        "authz": fields,
        "method": method,
        "path": path,
        "dur_ms": dur_ms,
    });
    worker::console_log!("{}", line);
}
