//! Outbound GETs to the issuer, bounded in time and size.

use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit};

pub const TIMEOUT_MS: u32 = 5_000;
/// A JWKS or discovery document is a few KB; refuse to buffer more.
const MAX_BODY: usize = 512 * 1024;

pub struct Fetched {
    pub cache_control: Option<String>,
    pub body: Vec<u8>,
}

/// `Err` carries a short reason for the log (never a body or a secret).
pub async fn get_json(url: &str) -> Result<Fetched, String> {
    let headers = Headers::new();
    headers
        .set("accept", "application/json")
        .map_err(|e| e.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let signal: AbortSignal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS).into();
    let mut resp = Fetch::Request(req)
        .send_with_signal(&signal)
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    if resp.status_code() != 200 {
        return Err(format!("answered {}", resp.status_code()));
    }
    let cache_control = resp.headers().get("cache-control").ok().flatten();
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if body.len() > MAX_BODY {
        return Err("body too large".into());
    }
    Ok(Fetched {
        cache_control,
        body,
    })
}

/// A form POST to a token endpoint with the caller's `Authorization`
/// value. Gives the status and body; `Err` is a reason for the log that
/// never contains the credentials.
pub async fn post_form(
    url: &str,
    authorization: &str,
    body: String,
) -> Result<(u16, Vec<u8>), String> {
    let headers = Headers::new();
    headers
        .set("content-type", "application/x-www-form-urlencoded")
        .map_err(|e| e.to_string())?;
    headers
        .set("accept", "application/json")
        .map_err(|e| e.to_string())?;
    headers
        .set("authorization", authorization)
        .map_err(|_| "the credentials are not a valid header value".to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let signal: AbortSignal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS).into();
    let mut resp = Fetch::Request(req)
        .send_with_signal(&signal)
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    let status = resp.status_code();
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if body.len() > MAX_BODY {
        return Err("body too large".into());
    }
    Ok((status, body))
}
