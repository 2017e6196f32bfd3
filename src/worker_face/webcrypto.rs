//! The worker's signature engine: WebCrypto (`crypto.subtle`), many times
//! faster inside workerd than pure-Rust crypto compiled to wasm. Imported
//! `CryptoKey`s are kept per isolate by key fingerprint; they are not I/O
//! objects, so sharing them across requests is allowed.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Promise};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::alg::Alg;
use crate::b64;
use crate::jwks::{Jwk, KeyMaterial};
use crate::signature::SignatureCheck;

thread_local! {
    static IMPORTED: RefCell<HashMap<([u8; 32], Alg), CryptoKey>> = RefCell::new(HashMap::new());
    /// Plain parameter objects, built once per algorithm per isolate.
    static VERIFY_PARAMS: RefCell<HashMap<Alg, Object>> = RefCell::new(HashMap::new());
}

fn verify_params_object(alg: Alg) -> Option<Object> {
    if let Some(o) = VERIFY_PARAMS.with(|m| m.borrow().get(&alg).cloned()) {
        return Some(o);
    }
    let o = object(verify_params(alg))?;
    VERIFY_PARAMS.with(|m| m.borrow_mut().insert(alg, o.clone()));
    Some(o)
}

/// The algorithm and key arguments of `crypto.subtle.verify` for `check`
/// when its key is already imported in this isolate, so the entry can make
/// the call itself and the request needs no future of ours (the bytes go
/// to the entry as places in memory: see `waiting`). `None`: the key is
/// not imported yet, or `check` pairs a key with an algorithm it does not
/// take; [`verify`] answers those.
pub fn arguments(check: &SignatureCheck<'_>) -> Option<(JsValue, JsValue)> {
    if !check.key.accepts(check.alg) {
        return None;
    }
    let key = already_imported(check.key, check.alg)?;
    Some((verify_params_object(check.alg)?.into(), key.into()))
}

/// `true` only for a valid signature; any failure (import, length,
/// rejection) is `false`.
pub async fn verify(check: &SignatureCheck<'_>) -> bool {
    // The core selected this key for this alg; the engine checks again, as
    // the pure-Rust one does, so that no caller can pair them wrongly.
    if !check.key.accepts(check.alg) {
        return false;
    }
    let Some(subtle) = subtle() else { return false };
    let Some(key) = imported(&subtle, check.key, check.alg).await else {
        return false;
    };
    let Some(params) = verify_params_object(check.alg) else {
        return false;
    };
    let Ok(promise) = subtle.verify_with_object_and_u8_array_and_u8_array(
        &params,
        &key,
        check.signature,
        check.signing_input,
    ) else {
        return false;
    };
    matches!(JsFuture::from(promise).await, Ok(v) if v.as_bool() == Some(true))
}

fn subtle() -> Option<SubtleCrypto> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    Some(crypto.dyn_into::<web_sys::Crypto>().ok()?.subtle())
}

/// The `CryptoKey` this isolate imported for `key` and `alg`, if any.
fn already_imported(key: &Jwk, alg: Alg) -> Option<CryptoKey> {
    IMPORTED.with(|m| m.borrow().get(&(key.fingerprint, alg)).cloned())
}

async fn imported(subtle: &SubtleCrypto, key: &Jwk, alg: Alg) -> Option<CryptoKey> {
    if let Some(k) = already_imported(key, alg) {
        return Some(k);
    }
    let usages = Array::of1(&JsValue::from_str("verify"));
    let params = object(import_params(alg))?;
    let promise: Promise = match &key.material {
        KeyMaterial::Hmac { secret } => {
            let raw = js_sys::Uint8Array::from(secret.expose().as_bytes());
            subtle
                .import_key_with_object("raw", &raw.unchecked_into(), &params, false, &usages)
                .ok()?
        }
        material => {
            let jwk = object(public_jwk(material)?)?;
            subtle
                .import_key_with_object("jwk", &jwk, &params, false, &usages)
                .ok()?
        }
    };
    let id = (key.fingerprint, alg);
    let key: CryptoKey = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    IMPORTED.with(|m| m.borrow_mut().insert(id, key.clone()));
    Some(key)
}

fn public_jwk(material: &KeyMaterial) -> Option<serde_json::Value> {
    Some(match material {
        KeyMaterial::Rsa { n, e } => {
            json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e)})
        }
        KeyMaterial::EcP256 { x, y } => {
            json!({"kty": "EC", "crv": "P-256", "x": b64::encode(x), "y": b64::encode(y)})
        }
        KeyMaterial::Ed25519 { x } => json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(x)}),
        KeyMaterial::Hmac { .. } => return None,
    })
}

fn hash(alg: Alg) -> &'static str {
    match alg {
        Alg::Rs384 | Alg::Ps384 | Alg::Hs384 => "SHA-384",
        Alg::Rs512 | Alg::Ps512 | Alg::Hs512 => "SHA-512",
        _ => "SHA-256",
    }
}

fn import_params(alg: Alg) -> serde_json::Value {
    match alg {
        Alg::Rs256 | Alg::Rs384 | Alg::Rs512 => {
            json!({"name": "RSASSA-PKCS1-v1_5", "hash": hash(alg)})
        }
        Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => json!({"name": "RSA-PSS", "hash": hash(alg)}),
        Alg::Es256 => json!({"name": "ECDSA", "namedCurve": "P-256"}),
        Alg::EdDsa => json!({"name": "Ed25519"}),
        Alg::Hs256 | Alg::Hs384 | Alg::Hs512 => json!({"name": "HMAC", "hash": hash(alg)}),
    }
}

fn verify_params(alg: Alg) -> serde_json::Value {
    match alg {
        Alg::Rs256 | Alg::Rs384 | Alg::Rs512 => json!({"name": "RSASSA-PKCS1-v1_5"}),
        // RFC 7518 3.5: the salt is as long as the hash.
        Alg::Ps256 => json!({"name": "RSA-PSS", "saltLength": 32}),
        Alg::Ps384 => json!({"name": "RSA-PSS", "saltLength": 48}),
        Alg::Ps512 => json!({"name": "RSA-PSS", "saltLength": 64}),
        Alg::Es256 => json!({"name": "ECDSA", "hash": "SHA-256"}),
        Alg::EdDsa => json!({"name": "Ed25519"}),
        Alg::Hs256 | Alg::Hs384 | Alg::Hs512 => json!({"name": "HMAC"}),
    }
}

fn object(v: serde_json::Value) -> Option<Object> {
    js_sys::JSON::parse(&v.to_string()).ok()?.dyn_into().ok()
}
