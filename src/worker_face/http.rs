//! Outbound requests to the issuer, bounded in time and size.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, Request, RequestInit, RequestRedirect, Response, WorkerGlobalScope,
};

pub const TIMEOUT_MS: u32 = 5_000;
/// A JWKS, discovery document or token answer is a few KB; refuse to
/// buffer more.
const MAX_BODY: usize = 512 * 1024;

pub struct Answer {
    pub status: u16,
    pub cache_control: Option<String>,
    pub body: Vec<u8>,
}

/// A GET of a JSON document that must answer 200.
pub async fn get_json(url: &str) -> Result<Answer, String> {
    let answer = send(url, "GET", &[], None).await?;
    if answer.status != 200 {
        return Err(format!("answered {}", answer.status));
    }
    Ok(answer)
}

/// A form POST to a token endpoint with the caller's `Authorization`
/// value; any status comes back for the caller to read.
pub async fn post_form(url: &str, authorization: &str, body: String) -> Result<Answer, String> {
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("authorization", authorization),
    ];
    send(url, "POST", &headers, Some(body)).await
}

/// `Err` carries a short reason for the log: never a header value, so
/// never the credentials.
async fn send(
    url: &str,
    method: &str,
    extra: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, String> {
    let js = |e: JsValue| {
        e.as_string()
            .unwrap_or_else(|| "the runtime refused".into())
    };
    let headers = Headers::new().map_err(js)?;
    for (name, value) in [("accept", "application/json")].iter().chain(extra) {
        headers
            .set(name, value)
            .map_err(|_| format!("{name} is not a valid header value"))?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    // Never follow: a redirect could lead off https (past the endpoint
    // check) or re-send the caller's Basic value elsewhere.
    init.set_redirect(RequestRedirect::Manual);
    init.set_headers(headers.as_ref());
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_signal(Some(&AbortSignal::timeout_with_u32(TIMEOUT_MS)));
    let req = Request::new_with_str_and_init(url, &init).map_err(js)?;
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp: Response = JsFuture::from(scope.fetch_with_request(&req))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(|e| format!("unreachable: {}", js(e)))?;
    let status = resp.status();
    let header = |name: &str| resp.headers().get(name).ok().flatten();
    let cache_control = header("cache-control");
    if header("content-length")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY)
    {
        return Err("body too large".into());
    }
    let buffer = resp.array_buffer().map_err(js)?;
    let body = JsFuture::from(buffer)
        .await
        .map(|b| js_sys::Uint8Array::new(&b).to_vec())
        .map_err(|e| format!("body: {}", js(e)))?;
    if body.len() > MAX_BODY {
        return Err("body too large".into());
    }
    Ok(Answer {
        status,
        cache_control,
        body,
    })
}
