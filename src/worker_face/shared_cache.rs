//! Issuer documents (a JWKS) kept in the data centre's Cache API
//! (`caches.default`), so that a cold isolate reads the keys another
//! isolate fetched instead of going to the issuer. Only bytes fetched
//! from the issuer's own endpoint are stored, under that endpoint's URL.
//! Every failure here is a miss: the network path stays the authority.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Response, ResponseInit};

use crate::keycache;

/// When the copy was stored (Unix seconds), for the freshness left.
const STORED_AT: &str = "x-authz-stored-at";

fn cache() -> Option<Cache> {
    let caches = Reflect::get(&js_sys::global(), &JsValue::from_str("caches")).ok()?;
    if caches.is_undefined() {
        return None;
    }
    Reflect::get(&caches, &JsValue::from_str("default"))
        .ok()?
        .dyn_into()
        .ok()
}

/// The stored body and how many seconds it stays fresh, if any copy does.
pub async fn get(url: &str, now: u64) -> Option<(Vec<u8>, u64)> {
    let found = JsFuture::from(cache()?.match_with_str(url)).await.ok()?;
    let resp: Response = found.dyn_into().ok()?;
    let headers = resp.headers();
    let stored_at = headers.get(STORED_AT).ok()??.parse::<u64>().ok()?;
    let max_age = keycache::max_age(headers.get("cache-control").ok()?.as_deref());
    let left = keycache::remaining(stored_at, max_age, now)?;
    let body = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    Some((Uint8Array::new(&body).to_vec(), left))
}

/// Stores `body` for `max_age` seconds. A failure is only logged: the
/// keys are already in this isolate.
pub async fn put(url: &str, body: &[u8], max_age: u64, now: u64) {
    if let Err(e) = try_put(url, body, max_age, now).await {
        worker::console_error!(
            "{}",
            serde_json::json!({"authz": {"event": "shared_cache_put_failed", "reason": e}})
        );
    }
}

async fn try_put(url: &str, body: &[u8], max_age: u64, now: u64) -> Result<(), String> {
    let Some(cache) = cache() else {
        return Ok(());
    };
    let js_err = |e: JsValue| e.as_string().unwrap_or_else(|| "Cache API error".into());
    let headers = Headers::new().map_err(js_err)?;
    headers
        .set("content-type", "application/json")
        .map_err(js_err)?;
    headers
        .set("cache-control", &format!("max-age={max_age}"))
        .map_err(js_err)?;
    headers.set(STORED_AT, &now.to_string()).map_err(js_err)?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    let mut copy = body.to_vec();
    let resp = Response::new_with_opt_u8_array_and_init(Some(&mut copy), &init).map_err(js_err)?;
    JsFuture::from(cache.put_with_str(url, &resp))
        .await
        .map(|_| ())
        .map_err(js_err)
}
