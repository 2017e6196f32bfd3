//! `{:?}` of the values that hold a credential never shows it: a stray
//! debug print in a log line or a panic message must not leak a token, a
//! Basic value or what an HMAC secret hashes to (contract sections 3, 4).

mod common;

use common::{fixtures, keyset, rsa_a, view, AUDIENCE, HS_SECRET, ISSUER};
use edge_authz::config::Config;
use edge_authz::decision::{decide, Request, Verdict};
use edge_authz::extract::{extract, Credentials};
use edge_authz::forward::ForwardPlan;
use edge_authz::jwks::Jwk;
use edge_authz::signature::RustCrypto;
use edge_authz::token;
use serde_json::json;

/// The parts of a compact token that must not show: payload and signature
/// (the header is printed decoded, and is not secret).
fn secret_parts(token: &str) -> Vec<&str> {
    token.split('.').skip(1).collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn credentials_hide_the_bearer_token_and_the_basic_value() {
    let jwt = fixtures::valid_rs256();
    let bearer = extract(&[&format!("Bearer {jwt}")], 8192, true).unwrap();
    assert!(matches!(bearer, Credentials::Bearer(_)));
    let shown = format!("{bearer:?} {bearer:#?}");
    assert!(!shown.contains(&jwt), "{shown}");
    for part in jwt.split('.') {
        assert!(!shown.contains(part), "{shown}");
    }

    // "svc-a:hunter2-very-secret"
    let value = "c3ZjLWE6aHVudGVyMi12ZXJ5LXNlY3JldA==";
    let basic = extract(&[&format!("Basic {value}")], 8192, true).unwrap();
    let shown = format!("{basic:?}");
    assert!(
        !shown.contains(value) && !shown.contains("hunter2"),
        "{shown}"
    );
    assert!(shown.contains("svc-a"), "the client id is not a secret");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_unverified_token_shows_its_header_only() {
    let jwt = fixtures::valid_rs256();
    let t = token::decode(&jwt).unwrap();
    let shown = format!("{t:?} {t:#?}");
    for part in secret_parts(&jwt) {
        assert!(!shown.contains(part), "{shown}");
    }
    assert!(!shown.contains(&format!("{:?}", t.signature())), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", t.signing_input())),
        "{shown}"
    );
    assert!(shown.contains("RS256"), "the header is shown: {shown}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_forward_plan_hides_the_authorization_it_sets() {
    let cfg = Config::from_value(json!({
        "origin": "https://api.internal.example",
        "issuers": [{"issuer": ISSUER, "jwks_uri": "https://sso.example.com/certs", "audiences": [AUDIENCE]}],
        "forward": {"x-auth-subject": "sub"},
    }))
    .unwrap();
    let jwt = fixtures::valid_rs256();
    let headers = vec![("authorization".to_string(), format!("Bearer {jwt}"))];
    let req = Request {
        method: "GET",
        path: "/things",
        query: "",
        headers: &view(&headers),
    };
    let keys = keyset(&[rsa_a()]);
    let o = decide(&cfg, &req, |_| Some(&keys), &RustCrypto, common::NOW);
    let Verdict::Forward(plan) = &o.verdict else {
        panic!("a valid token is forwarded")
    };
    for shown in [format!("{plan:?}"), format!("{o:?}")] {
        for part in secret_parts(&jwt) {
            assert!(!shown.contains(part), "{shown}");
        }
        assert!(
            shown.contains("f:1234:alice"),
            "other headers show: {shown}"
        );
    }

    let plan = ForwardPlan {
        strip_prefix: None,
        remove: vec!["authorization".into()],
        set: vec![("Authorization".into(), "Basic c2VjcmV0".into())],
    };
    assert!(!format!("{plan:?}").contains("c2VjcmV0"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_jwk_hides_the_hmac_secret_and_its_fingerprint() {
    let jwk = Jwk::hmac(HS_SECRET).unwrap();
    let shown = format!("{jwk:?} {jwk:#?}");
    let secret = std::str::from_utf8(HS_SECRET).unwrap();
    assert!(!shown.contains(secret), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", jwk.fingerprint)),
        "{shown}"
    );
    let first = jwk.fingerprint[0];
    assert!(!shown.contains(&format!("{first:02x}{:02x}", jwk.fingerprint[1])));
    assert!(shown.contains("Hmac"), "the kind is shown: {shown}");

    let rsa = keyset(&[rsa_a()]);
    let shown = format!("{:?}", rsa.keys[0]);
    assert!(shown.contains("rsa-a") && shown.contains("Rsa"), "{shown}");
}
