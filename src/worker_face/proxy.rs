//! The request to origin: same method, path, query and body; inbound
//! identity headers stripped, the plan's headers set; the answer streamed
//! back as it is, with `Server-Timing` added.

use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result};

use super::respond;
use crate::config::Config;
use crate::error::AuthError;
use crate::forward::ForwardPlan;

/// Connection-level headers (RFC 9110 7.6.1) and those the runtime sets.
const NOT_FORWARDED: [&str; 9] = [
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
];

pub async fn forward(
    cfg: &Config,
    req: Request,
    plan: &ForwardPlan,
    dur_ms: f64,
) -> Result<Response> {
    let url = req.url()?;
    let mut target = format!("{}{}", cfg.origin.trim_end_matches('/'), url.path());
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }

    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if plan.drops(&name) || NOT_FORWARDED.contains(&name.as_str()) {
            continue;
        }
        headers.append(&name, &value)?;
    }
    for (name, value) in &plan.set {
        headers.set(name, value)?;
    }

    let method = req.method();
    let mut init = RequestInit::new();
    init.with_method(method.clone())
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !matches!(method, Method::Get | Method::Head) {
        init.with_body(req.inner().body().map(Into::into));
    }
    let upstream = Request::new_with_init(&target, &init)?;

    let resp = match Fetch::Request(upstream).send().await {
        Ok(r) => r,
        Err(e) => {
            worker::console_error!(
                "{}",
                serde_json::json!({"authz": {"event": "origin_unreachable", "reason": e.to_string()}})
            );
            return respond::refusal(Some(cfg), &AuthError::OriginUnreachable, dur_ms);
        }
    };
    let headers = Headers::new();
    for (name, value) in resp.headers().entries() {
        headers.append(&name, &value)?;
    }
    headers.append("server-timing", &respond::server_timing(dur_ms))?;
    Ok(resp.with_headers(headers))
}
