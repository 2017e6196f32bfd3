//! Signature vectors shared by both engines: `tests/fixtures/vectors.json`
//! holds tokens for every algorithm, valid and tampered, with the JWKS and
//! HMAC secret that verify them. This test checks them with the pure-Rust
//! engine; `tests/e2e/vectors.test.mjs` sends the same tokens through the
//! worker, whose engine is WebCrypto. Both must give the same verdicts.
//!
//! Regenerate (only when adding vectors; PS* signatures are randomised):
//! `cargo test --test vectors -- --ignored write_vectors`

mod common;

use common::*;
use edge_authz::alg::Alg;
use edge_authz::config::Config;
use edge_authz::decision::{decide, Request, Verdict};
use edge_authz::jwks::{parse_jwks, Jwk};
use edge_authz::signature::RustCrypto;
use serde_json::{json, Value};

const FILE: &str = include_str!("fixtures/vectors.json");
// Only for writing the vectors, which wasm32 test runs do not.
#[cfg(not(target_arch = "wasm32"))]
const VECTOR_ISSUER: &str = "https://vectors.example.com/realms/v";

/// Valid far into the future, so that the end-to-end run (real clock) and
/// this one (fixed clock) accept the same tokens.
#[cfg(not(target_arch = "wasm32"))]
fn vector_claims() -> Value {
    json!({
        "iss": VECTOR_ISSUER,
        "sub": "vector",
        "iat": 1_600_000_000u64,
        "exp": 4_102_444_800u64,
        "organizationId": "org-v",
    })
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "writes tests/fixtures/vectors.json"]
fn write_vectors() {
    let mut vectors = Vec::new();
    for alg in EVERY_ALG {
        let key = key_for(alg);
        let token = mint(&vector_claims(), &json!({"alg": alg.name()}), key);
        vectors.push(json!({"name": format!("{alg} valid"), "token": token, "valid": true}));
        let tampered = tamper(&token);
        vectors.push(
            json!({"name": format!("{alg} tampered signature"), "token": tampered, "valid": false}),
        );
        let other = with(vector_claims(), json!({"sub": "someone-else"}));
        let swapped = swap_payload(&token, &other);
        vectors.push(
            json!({"name": format!("{alg} payload swapped"), "token": swapped, "valid": false}),
        );
    }
    let doc = json!({
        "issuer": VECTOR_ISSUER,
        "jwks": serde_json::from_str::<Value>(&jwks(&[rsa_a().jwk(), ec().jwk(), ed().jwk()])).unwrap(),
        "hs_secret": String::from_utf8(HS_SECRET.to_vec()).unwrap(),
        "vectors": vectors,
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json");
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
}

#[cfg(not(target_arch = "wasm32"))]
fn tamper(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = edge_authz::b64::decode(sig).unwrap();
    bytes[0] ^= 0x01;
    format!("{input}.{}", edge_authz::b64::encode(&bytes))
}

#[cfg(not(target_arch = "wasm32"))]
fn swap_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let payload = edge_authz::b64::encode(claims.to_string().as_bytes());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_pure_rust_engine_agrees_with_the_vectors() {
    let doc: Value = serde_json::from_str(FILE).unwrap();
    let mut keys = parse_jwks(doc["jwks"].to_string().as_bytes()).unwrap();
    let secret = doc["hs_secret"].as_str().unwrap();
    keys.keys.push(Jwk::hmac(secret.as_bytes()).unwrap().into());
    let cfg = Config::from_value(json!({
        "origin": "https://api.internal.example",
        "issuers": [{
            "issuer": doc["issuer"],
            "jwks_uri": "https://vectors.example.com/certs",
            "algorithms": EVERY_ALG.map(Alg::name),
            "hs_secret_var": "VECTORS_HS",
        }],
    }))
    .unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3 * EVERY_ALG.len());
    for v in vectors {
        let headers = vec![(
            "authorization".to_string(),
            format!("Bearer {}", v["token"].as_str().unwrap()),
        )];
        let req = Request {
            method: "GET",
            path: "/v",
            query: "",
            headers: &view(&headers),
        };
        let out = decide(&cfg, &req, |_| Some(&keys), &RustCrypto, NOW);
        let name = v["name"].as_str().unwrap();
        match (&out.verdict, v["valid"].as_bool().unwrap()) {
            (Verdict::Forward(_), true) => {}
            (Verdict::Refuse(e), false) => assert_eq!(e.code(), "bad_signature", "{name}"),
            (verdict, _) => panic!("{name}: {verdict:?}"),
        }
    }
}
