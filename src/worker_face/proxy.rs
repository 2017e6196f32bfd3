//! The request to origin: same method (as sent, not narrowed to the ones
//! the `worker` crate names), path, query and body; inbound identity
//! headers stripped, the plan's headers set; redirects not followed; the
//! answer streamed back as it is, with `Server-Timing` added.

use wasm_bindgen::JsValue;
use worker::{Fetch, Request, Response};

use super::respond;
use crate::config::Config;
use crate::error::AuthError;
use crate::forward::{ForwardPlan, HOP_BY_HOP};
use crate::target::Target;

/// Set by the runtime for the request to origin, whatever came in.
const SET_BY_RUNTIME: [&str; 2] = ["host", "content-length"];

/// `Err` is what the caller answers and logs instead (the origin could not
/// be reached, or the runtime refused to build the request).
pub async fn forward(
    cfg: &Config,
    req: &Request,
    inbound: &[(String, String)],
    url: &Target<'_>,
    plan: &ForwardPlan,
    dur_ms: u64,
) -> Result<Response, AuthError> {
    let internal = |e: &dyn std::fmt::Display| {
        log_event("proxy_failed", &e.to_string());
        AuthError::Internal
    };
    let js = |e: JsValue| {
        e.as_string()
            .unwrap_or_else(|| "the runtime refused".into())
    };
    let target = url.at(&cfg.origin);

    // Copied inside the runtime in one call; only the names the plan or
    // the hop rules drop cross back to be deleted (a few, not every header).
    let headers =
        web_sys::Headers::new_with_headers(&req.inner().headers()).map_err(|e| internal(&js(e)))?;
    for (name, _) in inbound {
        if plan.drops(name)
            || HOP_BY_HOP.contains(&name.as_str())
            || SET_BY_RUNTIME.contains(&name.as_str())
        {
            headers.delete(name).map_err(|e| internal(&js(e)))?;
        }
    }
    for (name, value) in &plan.set {
        headers.set(name, value).map_err(|e| internal(&js(e)))?;
    }

    let method = req.inner().method();
    let init = web_sys::RequestInit::new();
    init.set_method(&method);
    init.set_headers(headers.as_ref());
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if !matches!(method.as_str(), "GET" | "HEAD") {
        if let Some(body) = req.inner().body() {
            init.set_body(&body);
        }
    }
    let upstream =
        web_sys::Request::new_with_str_and_init(&target, &init).map_err(|e| internal(&js(e)))?;

    let resp = Fetch::Request(upstream.into()).send().await.map_err(|e| {
        log_event("origin_unreachable", &e.to_string());
        AuthError::OriginUnreachable
    })?;
    let out =
        web_sys::Headers::new_with_headers(&resp.headers().0).map_err(|e| internal(&js(e)))?;
    out.append("server-timing", &respond::server_timing(dur_ms))
        .map_err(|e| internal(&js(e)))?;
    Ok(resp.with_headers(worker::Headers(out)))
}

fn log_event(event: &str, reason: &str) {
    worker::console_error!(
        "{}",
        serde_json::json!({"authz": {"event": event, "reason": reason}})
    );
}
