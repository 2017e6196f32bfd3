//! The browser page face: `#[wasm_bindgen]` exports over `crate::inspect`,
//! built with `wasm-pack build --target web` into `www/pkg`. Every export
//! returns a plain JSON object (an `error` member when the input is
//! unusable) and never throws, so the page's JavaScript only displays.
//! Times come in as `Date.now()` milliseconds: the core has no clock.
//!
//! Keep doc comments of exports free of the C comment terminator: the
//! generated JS glue copies them into block comments.

use serde::Serialize;
use serde_json::json;
use wasm_bindgen::prelude::*;

use crate::inspect::{self, assertion, basic, issuers};

/// Any serialisable value as a JS object, through JSON (no second
/// serialiser in the wasm).
fn to_js<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

fn error(message: impl Into<String>) -> JsValue {
    to_js(&json!({ "error": message.into() }))
}

fn seconds(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        (now_ms / 1000.0) as u64
    } else {
        0
    }
}

/// The crate version, for the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A token, `Bearer <token>` or a whole `Authorization` line: its parts,
/// times, documented claims, notes, and where it is malformed.
#[wasm_bindgen]
pub fn decode(input: &str, now_ms: f64) -> JsValue {
    to_js(&inspect::decode::decode(input, seconds(now_ms)))
}

/// A token against a pasted JWKS, JWK, PEM public key or HMAC secret,
/// with the edge's codes.
#[wasm_bindgen]
pub fn verify(token: &str, key_input: &str, now_ms: f64) -> JsValue {
    to_js(&inspect::verify::verify(token, key_input, seconds(now_ms)))
}

/// The edge's decision for an AUTHZ config (TOML or JSON), a request
/// (JSON: method, path, headers) and keys per issuer (JSON).
#[wasm_bindgen]
pub fn explain(config_text: &str, request_json: &str, keys_json: &str, now_ms: f64) -> JsValue {
    to_js(&inspect::explain::explain(
        config_text,
        request_json,
        keys_json,
        seconds(now_ms),
    ))
}

/// The issuers, routes and exchange issuer of a config, for the key fields.
#[wasm_bindgen]
pub fn config_summary(config_text: &str) -> JsValue {
    to_js(&issuers::summary(config_text))
}

/// Where the issuer's discovery document is, if the edge could fetch it.
#[wasm_bindgen]
pub fn discovery_url(issuer: &str) -> JsValue {
    match issuers::discovery_url(issuer) {
        Ok(url) => to_js(&json!({ "url": url })),
        Err(e) => error(e),
    }
}

/// The jwks_uri a fetched discovery document names, checked as the edge
/// checks it.
#[wasm_bindgen]
pub fn jwks_uri_from_discovery(issuer: &str, discovery_json: &str) -> JsValue {
    match issuers::jwks_uri_from_discovery(issuer, discovery_json) {
        Ok(uri) => to_js(&json!({ "jwks_uri": uri })),
        Err(e) => error(e),
    }
}

/// A client_secret_basic Authorization value (RFC 6749 2.3.1) and the
/// curl line of a client-credentials request.
#[wasm_bindgen]
pub fn build_basic(
    client_id: &str,
    secret: &str,
    token_endpoint: Option<String>,
    scope: Option<String>,
) -> JsValue {
    match basic::build(
        client_id,
        secret,
        token_endpoint.as_deref(),
        scope.as_deref(),
    ) {
        Ok(h) => to_js(&h),
        Err(e) => error(e),
    }
}

/// A signed jwt-bearer assertion from a service-account JSON key, with a
/// fresh random jti, and the curl line of the grant. The private key is
/// used in this call only.
#[wasm_bindgen]
pub fn build_assertion(
    service_account_json: &str,
    now_ms: f64,
    token_uri_override: Option<String>,
    scope: Option<String>,
    lifetime_seconds: Option<u32>,
) -> JsValue {
    let mut id = [0u8; 16];
    if getrandom::getrandom(&mut id).is_err() {
        return error("no randomness available for the jti");
    }
    let opts = assertion::Options {
        token_uri: token_uri_override.as_deref(),
        scope: scope.as_deref(),
        lifetime: lifetime_seconds.map(u64::from),
    };
    let jti = crate::b64::encode(&id);
    match assertion::build(service_account_json, seconds(now_ms), &jti, &opts) {
        Ok(a) => to_js(&a),
        Err(e) => error(e),
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests;

// The worker's allocator here too: about 3 KB less gzip than dlmalloc
// (201,611 against 204,578 bytes, 2026-12-07), with the page at the edge
// of its 200 KiB.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
