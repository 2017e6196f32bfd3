//! Responses the worker makes itself: refusals as problem+json with the
//! contract's challenge, and the `Server-Timing` every response carries.

use wasm_bindgen::JsValue;
use web_sys::{Headers, Response, ResponseInit};

use crate::config::Config;
use crate::error::AuthError;

pub fn server_timing(dur_ms: u64) -> String {
    format!("authz;dur={dur_ms}")
}

/// `cfg` is `None` when the configuration itself is the problem; the
/// default realm is used then.
pub fn refusal(cfg: Option<&Config>, err: &AuthError, dur_ms: u64) -> Result<Response, JsValue> {
    let realm = cfg.map_or("api", |c| c.realm.as_str());
    let exchange = cfg.is_some_and(|c| c.basic_exchange.is_some());
    let headers = Headers::new()?;
    headers.set("content-type", "application/problem+json")?;
    headers.set("cache-control", "no-store")?;
    headers.set("server-timing", &server_timing(dur_ms))?;
    if let Some(challenge) = err.www_authenticate(realm, exchange) {
        headers.set("www-authenticate", &challenge)?;
    }
    if let Some(secs) = err.retry_after() {
        headers.set("retry-after", &secs.to_string())?;
    }
    let init = ResponseInit::new();
    init.set_status(err.status());
    init.set_headers(headers.as_ref());
    Response::new_with_opt_str_and_init(Some(&err.problem_body()), &init)
}
