//! Outbound requests to the issuer, bounded in time and size.

use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

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
    let answer = send(url, Method::Get, &[], None).await?;
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
    send(url, Method::Post, &headers, Some(body)).await
}

/// `Err` carries a short reason for the log: never a header value, so
/// never the credentials.
async fn send(
    url: &str,
    method: Method,
    extra: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, String> {
    let headers = Headers::new();
    for (name, value) in [("accept", "application/json")].iter().chain(extra) {
        headers
            .set(name, value)
            .map_err(|_| format!("{name} is not a valid header value"))?;
    }
    let mut init = RequestInit::new();
    // Never follow: a redirect could lead off https (past the endpoint
    // check) or re-send the caller's Basic value elsewhere.
    init.with_method(method)
        .with_redirect(RequestRedirect::Manual)
        .with_headers(headers)
        .with_body(body.map(Into::into));
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let signal: AbortSignal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS).into();
    let mut resp = Fetch::Request(req)
        .send_with_signal(&signal)
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    let status = resp.status_code();
    let cache_control = resp.headers().get("cache-control").ok().flatten();
    let declared = resp.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY)
    {
        return Err("body too large".into());
    }
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if body.len() > MAX_BODY {
        return Err("body too large".into());
    }
    Ok(Answer {
        status,
        cache_control,
        body,
    })
}
