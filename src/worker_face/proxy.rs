//! The request to origin: same method (as sent, not narrowed to the ones
//! the `worker` crate names), path, query and body; inbound identity
//! headers stripped, the plan's headers set; redirects not followed; the
//! answer streamed back as it is, with `Server-Timing` added.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, RequestRedirect, Response, WorkerGlobalScope};

use super::respond;
use crate::config::Config;
use crate::decision;
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
    inbound: &decision::Request<'_>,
    url: &Target<'_>,
    plan: &ForwardPlan,
    dur_ms: u64,
) -> Result<Response, AuthError> {
    let internal = |e: JsValue| {
        let reason = e
            .as_string()
            .unwrap_or_else(|| "the runtime refused".into());
        log_event("proxy_failed", &reason);
        AuthError::Internal
    };
    let target = url.at(&cfg.origin);

    // Copied inside the runtime in one call; only the names the plan or
    // the hop rules drop cross back to be deleted (a few, not every header).
    let headers = Headers::new_with_headers(&req.headers()).map_err(internal)?;
    for (name, _) in inbound.headers {
        if plan.drops(name)
            || HOP_BY_HOP.contains(&name.as_str())
            || SET_BY_RUNTIME.contains(&name.as_str())
        {
            headers.delete(name).map_err(internal)?;
        }
    }
    for (name, value) in &plan.set {
        headers.set(name, value).map_err(internal)?;
    }

    let method = inbound.method;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(headers.as_ref());
    init.set_redirect(RequestRedirect::Manual);
    if !matches!(method, "GET" | "HEAD") {
        if let Some(body) = req.body() {
            init.set_body(&body);
        }
    }
    let upstream = Request::new_with_str_and_init(&target, &init).map_err(internal)?;

    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp: Response = JsFuture::from(scope.fetch_with_request(&upstream))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(|e| {
            let reason = e.as_string().unwrap_or_else(|| format!("{e:?}"));
            log_event("origin_unreachable", &reason);
            AuthError::OriginUnreachable
        })?;
    // The origin's answer as it is (status, headers, streamed body), with
    // our Server-Timing added. Its own headers cannot be changed, so it is
    // copied, by the runtime: the answer serves as its own ResponseInit.
    let out =
        Response::new_with_opt_readable_stream_and_init(resp.body().as_ref(), resp.unchecked_ref())
            .map_err(internal)?;
    out.headers()
        .append("server-timing", &respond::server_timing(dur_ms))
        .map_err(internal)?;
    Ok(out)
}

fn log_event(event: &str, reason: &str) {
    worker::console_error!(
        "{}",
        serde_json::json!({"authz": {"event": event, "reason": reason}})
    );
}
