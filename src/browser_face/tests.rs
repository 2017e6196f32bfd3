//! The exports as the page calls them, in a real JS engine (Chromium under
//! `wasm-pack test --headless --chrome --features browser`).

use super::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, k| {
        js_sys::Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    })
}

const NOW_MS: f64 = 1_700_000_000_000.0;

#[test]
fn decode_reports_where_it_breaks() {
    let v = decode("Bearer e30.e30+.", NOW_MS);
    assert_eq!(get(&v, "input").as_string().unwrap(), "bearer");
    assert_eq!(get(&v, "problem.segment").as_string().unwrap(), "payload");
    assert_eq!(get(&v, "problem.offset").as_f64().unwrap(), 14.0);
    let ok = decode("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAzMDB9.", NOW_MS);
    assert!(get(&ok, "problem").is_null());
    assert_eq!(
        get(&ok, "times.0.summary").as_string().unwrap(),
        "expires in 5 min"
    );
}

#[test]
fn basic_and_errors_are_objects() {
    let v = build_basic("svc", "p w", None, None);
    assert_eq!(get(&v, "encoded_id").as_string().unwrap(), "svc:p+w");
    let e = build_basic("", "x", None, None);
    assert!(get(&e, "error").as_string().unwrap().contains("client id"));
    let e = build_assertion("{}", NOW_MS, None, None, None);
    assert!(get(&e, "error").is_string());
}

#[test]
fn assertions_sign_in_the_browser() {
    let file = serde_json::json!({
        "private_key_id": "kid-1",
        "private_key": include_str!("../../tests/fixtures/rsa2048-a.pem"),
        "client_email": "svc@example.com",
        "token_uri": "https://issuer.example/oauth/token",
    })
    .to_string();
    let a = build_assertion(&file, NOW_MS, None, Some("api".into()), Some(600));
    assert_eq!(get(&a, "claims.exp").as_f64().unwrap(), 1_700_000_600.0);
    let jti = get(&a, "claims.jti").as_string().unwrap();
    assert_eq!(jti.len(), 22);
    let token = get(&a, "assertion").as_string().unwrap();
    let jwk = js_sys::JSON::stringify(&get(&a, "public_jwk"))
        .unwrap()
        .as_string()
        .unwrap();
    let v = verify(&token, &jwk, NOW_MS);
    assert_eq!(get(&v, "ok").as_bool(), Some(true));
    let other = build_assertion(&file, NOW_MS, None, None, None);
    assert_ne!(get(&other, "claims.jti").as_string().unwrap(), jti);
}

#[test]
fn explain_a_missing_token() {
    let cfg = r#"
[vars.AUTHZ]
origin = "https://o.example"
[[vars.AUTHZ.issuers]]
issuer = "https://sso.example.com/realms/x"
"#;
    let v = explain(cfg, r#"{"method":"GET","path":"/x"}"#, "{}", NOW_MS);
    assert_eq!(get(&v, "status").as_f64(), Some(401.0));
    assert_eq!(get(&v, "code").as_string().unwrap(), "missing_credentials");
    assert_eq!(
        get(&v, "www_authenticate").as_string().unwrap(),
        r#"Bearer realm="api""#
    );
    let s = config_summary(cfg);
    assert_eq!(
        get(&s, "issuers.0.discovery_url").as_string().unwrap(),
        "https://sso.example.com/realms/x/.well-known/openid-configuration"
    );
}
