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
mod webcrypto;

use std::rc::Rc;

use worker::{event, Context, Date, Env, Request, Response, Result, Url};

use crate::config::Config;
use crate::decision::{self, LogFields, Outcome, PendingBearer, Start, Verdict};
use crate::error::AuthError;

/// Milliseconds since the epoch. workerd advances the clock only across
/// I/O, so sub-millisecond durations read as 0.
fn now_ms() -> f64 {
    Date::now().as_millis() as f64
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let started = now_ms();
    // Parsed once: the decision, the proxy and the log line all read it.
    let url = req.url().ok();
    let (fields, answer) = match &url {
        Some(url) => handle(&req, url, &env, started).await,
        None => {
            let err = AuthError::Internal;
            (denied(err.code()), Answered::Refused(None, err))
        }
    };
    let dur = now_ms() - started;
    log_line(&fields, &req, url.as_ref(), dur);
    match answer {
        Answered::Origin(resp) => Ok(resp),
        Answered::Refused(cfg, err) => respond::refusal(cfg.as_deref(), &err, dur),
    }
}

enum Answered {
    Origin(Response),
    Refused(Option<Rc<Config>>, AuthError),
}

/// The decision and, when allowed, the origin's answer. Every failure comes
/// back as a refusal with a problem body: a runtime error never becomes a
/// bare 500 without one, and never a forward.
async fn handle(req: &Request, url: &Url, env: &Env, started: f64) -> (LogFields, Answered) {
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
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    // As sent: the `worker` crate maps methods it does not name to GET.
    let method = req.inner().method();
    let core_req = decision::Request {
        method: &method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        headers: &headers,
    };

    let outcome = match decision::begin(&cfg, &core_req) {
        Start::Done(o) => o,
        Start::NeedKeys(pending) => verify(&cfg, env, &core_req, pending).await,
        Start::NeedExchange(pending) => exchange::run(&cfg, env, &core_req, pending).await,
    };
    let mut fields = outcome.log;
    match outcome.verdict {
        Verdict::Refuse(err) => (fields, Answered::Refused(Some(cfg), err)),
        Verdict::Forward(plan) => {
            // Server-Timing is the authorizer's own time, not the origin's.
            let dur = now_ms() - started;
            match proxy::forward(&cfg, req, url, &plan, dur).await {
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

async fn verify(
    cfg: &Config,
    env: &Env,
    req: &decision::Request<'_>,
    pending: PendingBearer,
) -> Outcome {
    let now = (now_ms() / 1000.0) as u64;
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
    pending.finish(cfg, req, valid, now)
}

/// One JSON line per request. Only fields written by the core from
/// verified claims and configuration, the method and the path (no query:
/// tokens sometimes travel there): never a token or a secret.
fn log_line(fields: &LogFields, req: &Request, url: Option<&Url>, dur_ms: f64) {
    let path = url.map(Url::path).unwrap_or_default();
    let line = serde_json::json!({
        "authz": fields,
        "method": req.inner().method(),
        "path": path,
        "dur_ms": dur_ms,
    });
    worker::console_log!("{}", line);
}
