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

use worker::{event, Context, Date, Env, Request, Response, Result};

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
    let cfg = match config_var::load(&env) {
        Ok(cfg) => cfg,
        Err(err) => {
            let dur = now_ms() - started;
            log_line(
                &LogFields {
                    decision: "deny",
                    code: Some(err.code()),
                    ..LogFields::default()
                },
                &req,
                dur,
            );
            return respond::refusal(None, &err, dur);
        }
    };

    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let url = req.url()?;
    let method = req.method().to_string();
    let core_req = decision::Request {
        method: &method,
        path: url.path(),
        headers: &headers,
    };

    let outcome = match decision::begin(&cfg, &core_req) {
        Start::Done(o) => o,
        Start::NeedKeys(pending) => verify(&cfg, &env, &core_req, pending).await,
        Start::NeedExchange(pending) => exchange::run(&cfg, &env, &core_req, pending).await,
    };
    let dur = now_ms() - started;
    log_line(&outcome.log, &req, dur);

    match outcome.verdict {
        Verdict::Refuse(err) => respond::refusal(Some(&cfg), &err, dur),
        Verdict::Forward(plan) => proxy::forward(&cfg, req, &plan, dur).await,
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
fn log_line(fields: &LogFields, req: &Request, dur_ms: f64) {
    let path = req.url().map(|u| u.path().to_string()).unwrap_or_default();
    let line = serde_json::json!({
        "authz": fields,
        "method": req.method().to_string(),
        "path": path,
        "dur_ms": dur_ms,
    });
    worker::console_log!("{}", line);
}
