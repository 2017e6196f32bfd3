// Most cases need TOML, read only with the page build (feature browser).
#![cfg_attr(not(feature = "browser"), allow(dead_code, unused_imports))]

use super::*;
use crate::b64;
use jwt_compact::alg::{Rsa, RsaPrivateKey};
use jwt_compact::{Algorithm, AlgorithmSignature};
use rsa::pkcs8::DecodePrivateKey;
use serde_json::json;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000;
const ISS: &str = "https://sso.example.com/realms/ScpCloud";

fn key() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(include_str!("../../tests/fixtures/rsa2048-a.pem")).unwrap()
}

fn jwks() -> String {
    let public = key().to_public_key();
    let mut jwk = serde_json::to_value(jwt_compact::jwk::JsonWebKey::from(&public)).unwrap();
    jwk["kid"] = json!("k1");
    json!({"keys": [jwk]}).to_string()
}

fn token(claims: Value) -> String {
    let mut c = json!({"iss": ISS, "sub": "u1", "aud": "scpCloud", "typ": "Bearer",
        "azp": "integration-api-service", "iat": NOW - 60, "exp": NOW + 300,
        "organizationId": "org-a"});
    for (k, v) in claims.as_object().unwrap() {
        c[k] = v.clone();
    }
    let input = format!(
        "{}.{}",
        b64::encode(br#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
        b64::encode(c.to_string().as_bytes())
    );
    let sig = Rsa::rs256().sign(&key(), input.as_bytes());
    format!("{input}.{}", b64::encode(sig.as_bytes().as_ref()))
}

const TOML: &str = r#"
name = "edge-authz"
[vars.AUTHZ]
origin = "https://api.internal.example"
realm = "api"

[[vars.AUTHZ.issuers]]
issuer = "https://sso.example.com/realms/ScpCloud"
audiences = ["scpCloud"]

[[vars.AUTHZ.routes]]
path = "/public/*"
auth = "public"

[[vars.AUTHZ.routes]]
path = "/orgs/{org}/*"

[[vars.AUTHZ.routes]]
path = "/shadow/*"
mode = "shadow"

[vars.AUTHZ.forward]
"x-auth-subject" = "sub"
"x-auth-org" = "$org"
"#;

fn keys() -> String {
    json!({ ISS: {"jwks": jwks()} }).to_string()
}

fn request(path: &str, headers: Value) -> String {
    json!({"method": "GET", "path": path, "headers": headers}).to_string()
}

fn run(path: &str, headers: Value) -> Explanation {
    explain(TOML, &request(path, headers), &keys(), NOW)
}

fn bearer(t: &str) -> Value {
    json!({ "Authorization": format!("Bearer {t}") })
}

#[cfg(feature = "browser")]
#[test]
fn allowed_with_the_forward_plan() {
    let e = run("/orgs/org-a/things?x=1", bearer(&token(json!({}))));
    assert_eq!(
        (e.decision, e.status, e.code),
        ("allow", None, None),
        "{e:?}"
    );
    let f = e.forward.unwrap();
    assert_eq!(f.strip_prefix.as_deref(), Some("x-auth-"));
    assert!(f
        .set
        .contains(&("authorization".into(), "Bearer <token>".into())));
    assert!(f.set.contains(&("x-auth-org".into(), "org-a".into())));
    let stages: Vec<Stage> = e.trail.iter().map(|s| s.stage).collect();
    assert_eq!(
        stages,
        [
            Stage::Route,
            Stage::Credentials,
            Stage::Issuer,
            Stage::Signature,
            Stage::Claims,
            Stage::Scope,
            Stage::Forward
        ]
    );
    assert_eq!(e.keys[0].keys[0].kid.as_deref(), Some("k1"));
}

#[cfg(feature = "browser")]
#[test]
fn refusals_carry_the_workers_challenge_and_body() {
    let e = run("/orgs/org-a/things", json!({}));
    assert_eq!(
        (e.decision, e.status, e.code),
        ("deny", Some(401), Some("missing_credentials"))
    );
    assert_eq!(e.www_authenticate.as_deref(), Some(r#"Bearer realm="api""#));
    assert_eq!(e.problem.as_ref().unwrap()["code"], "missing_credentials");

    let e = run("/orgs/org-b/things", bearer(&token(json!({}))));
    assert_eq!((e.status, e.code), (Some(403), Some("org_mismatch")));
    assert!(e
        .www_authenticate
        .unwrap()
        .contains(r#"error="insufficient_scope""#));
    assert!(!e.trail.last().unwrap().ok);

    let e = run("/orgs/org-a/x", bearer(&token(json!({"exp": NOW - 600}))));
    assert_eq!((e.status, e.code), (Some(401), Some("token_expired")));

    let e = run(
        "/orgs/org-a/x",
        json!([["authorization", "Bearer a"], ["Authorization", "Bearer b"]]),
    );
    assert_eq!((e.status, e.code), (Some(400), Some("invalid_request")));

    let e = run(
        "/orgs/org-a/x",
        json!({"authorization": "Basic Zm9vOmJhcg=="}),
    );
    assert_eq!((e.status, e.code), (Some(400), Some("invalid_request")));

    // A pasted URL's query counts, as at the edge: a second token is 400.
    let e = run(
        "https://api.example/orgs/org-a/x?access_token=t#f",
        bearer(&token(json!({}))),
    );
    assert_eq!((e.status, e.code), (Some(400), Some("invalid_request")));
}

#[cfg(feature = "browser")]
#[test]
fn public_and_shadow_routes() {
    let e = run("/public/x", json!({}));
    assert_eq!(e.decision, "public");
    assert!(e.forward.unwrap().set.is_empty());
    let e = run("/shadow/x", json!({}));
    assert_eq!(
        (e.decision, e.code, e.status),
        ("shadow_deny", Some("missing_credentials"), None)
    );
}

#[cfg(feature = "browser")]
#[test]
fn the_page_stops_where_the_edge_goes_to_the_network() {
    let e = explain(
        TOML,
        &request("/orgs/org-a/x", bearer(&token(json!({})))),
        "{}",
        NOW,
    );
    assert_eq!(e.decision, "stopped");
    assert!(e.stopped.as_deref().unwrap().contains("no keys for"));
    assert!(e.trail.last().unwrap().detail.contains("paste its JWKS"));

    let with_exchange = format!("{TOML}\n[vars.AUTHZ.basic_exchange]\nissuer = \"{ISS}\"\n");
    let e = explain(
        &with_exchange,
        &request(
            "/orgs/org-a/x",
            json!({"authorization": "Basic Zm9vOmJhcg=="}),
        ),
        &keys(),
        NOW,
    );
    assert_eq!(e.decision, "stopped");
    let last = e.trail.last().unwrap();
    assert_eq!(last.stage, Stage::Exchange);
    assert!(last.detail.contains("cannot exchange"));
    // Garbage keys are the edge's failed fetch: 503.
    let junk = json!({ ISS: {"jwks": "{\"keys\": [{\"kty\": \"oct\"}]}"} }).to_string();
    let e = explain(
        TOML,
        &request("/orgs/org-a/x", bearer(&token(json!({})))),
        &junk,
        NOW,
    );
    assert_eq!(
        (e.status, e.code, e.retry_after),
        (Some(503), Some("keys_unavailable"), Some(5))
    );
    assert!(e.keys[0]
        .problem
        .as_deref()
        .unwrap()
        .contains("no usable key"));
}

/// An HS secret the edge could not use is its configuration error, as
/// the worker checks it with `AUTHZ`; a usable one verifies HS256 tokens.
#[test]
fn a_pasted_hs_secret_is_checked_as_the_worker_checks_it() {
    let config = json!({"origin": "https://o.example", "issuers": [
        {"issuer": ISS, "algorithms": ["HS256"], "hs_secret_var": "SSO_HS_SECRET"}]})
    .to_string();
    let short = "too-short-a-secret";
    let keys = |secret: &str| json!({ ISS: {"hs_secret": secret} }).to_string();
    let req = request("/x", bearer(&token(json!({}))));
    let e = explain(&config, &req, &keys(short), NOW);
    assert_eq!((e.status, e.code), (Some(500), Some("config_error")));
    let detail = e.problem.unwrap()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("issuers[0].hs_secret_var"), "{detail}");
    assert!(
        detail.contains("under 32 bytes") && !detail.contains(short),
        "{detail}"
    );

    let secret = "a-secret-of-at-least-32-bytes-long!";
    let input = format!(
        "{}.{}",
        b64::encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64::encode(
            json!({"iss": ISS, "sub": "u1", "exp": NOW + 300})
                .to_string()
                .as_bytes()
        )
    );
    let mac = jwt_compact::alg::Hs256Key::new(secret.as_bytes());
    let sig = jwt_compact::alg::Hs256.sign(&mac, input.as_bytes());
    let hs = format!("{input}.{}", b64::encode(sig.as_bytes().as_ref()));
    let e = explain(&config, &request("/x", bearer(&hs)), &keys(secret), NOW);
    assert_eq!(e.decision, "allow", "{:?}", e.trail);
}

/// Someone whose token names a slightly other issuer sees both spellings.
#[cfg(feature = "browser")]
#[test]
fn an_unknown_issuer_is_shown_beside_the_configured_ones() {
    let other = token(json!({"iss": format!("{ISS}/")}));
    let e = run("/orgs/org-a/x", bearer(&other));
    assert_eq!(e.code, Some("unknown_issuer"));
    let step = e.trail.last().unwrap();
    assert_eq!(step.stage, Stage::Issuer);
    assert_eq!(
        step.detail,
        format!("the token's iss \"{ISS}/\" is none of the configured issuers: \"{ISS}\"")
    );
    // The problem body stays the worker's, which never quotes the token.
    let body = e.problem.unwrap();
    assert!(!body["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("{ISS}/")));
}

#[test]
fn config_errors_are_the_workers_500() {
    let e = explain(
        r#"{"origin": "https://o.example", "issuers": []}"#,
        "{}",
        "{}",
        NOW,
    );
    assert_eq!(
        (e.status, e.code, e.www_authenticate.clone()),
        (Some(500), Some("config_error"), None)
    );
    assert!(e.problem.unwrap()["detail"]
        .as_str()
        .unwrap()
        .contains("issuers"));
    assert_eq!(e.trail[0].stage, Stage::Config);
    let e = explain("", "{}", "{}", NOW);
    assert_eq!(e.code, Some("config_error"));
}

#[cfg(feature = "browser")]
#[test]
fn toml_in_three_shapes_and_json() {
    let table = TOML
        .split_once("[vars.AUTHZ]\n")
        .unwrap()
        .1
        .replace("vars.AUTHZ.", "");
    let json = r#"{"origin":"https://api.internal.example","issuers":[{"issuer":"https://sso.example.com/realms/ScpCloud"}]}"#;
    let quoted = serde_json::to_string(json).unwrap();
    for text in [TOML.to_string(), table, json.to_string(), quoted] {
        let cfg = config_from_text(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(cfg.issuers[0].issuer, ISS);
    }
    let err = config_from_text("origin = ").unwrap_err();
    assert!(
        err.message.contains("TOML") && err.message.contains("line 1"),
        "{err:?}"
    );
    let err =
        config_from_text("[vars.AUTHZ]\norigin = \"https://o.example\"\nissuers = []\nbogus = 1")
            .unwrap_err();
    assert!(err.key == "bogus" || err.key == "issuers", "{err:?}");
}

#[test]
fn requests_as_pasted() {
    let r = request_from_json(
        r#"{"method":"post","path":"https://api.example/orgs/a/x?token=1#f","headers":"Authorization: Bearer t\nX-Org: a\nx-org: b"}"#,
    )
    .unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/orgs/a/x"));
    assert_eq!(r.query, "token=1");
    assert_eq!(
        r.headers,
        [
            ("authorization".into(), "Bearer t".into()),
            ("x-org".into(), "a, b".into())
        ]
    );
    let r = request_from_json(r#"{"headers":{"A":["1","2"]}}"#).unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/"));
    assert_eq!(r.headers, [("a".into(), "1, 2".into())]);
    for bad in [
        "[]",
        r#"{"method":"GE T"}"#,
        r#"{"headers":{"bad name":"x"}}"#,
        r#"{"headers":"no colon"}"#,
        r#"{"headers":[["a"]]}"#,
        r#"{"path":5}"#,
    ] {
        assert!(request_from_json(bad).is_err(), "{bad}");
    }
}

#[cfg(feature = "browser")]
#[test]
fn a_token_without_its_signature_says_why_it_does_not_verify() {
    let (signed, _) = token(json!({}))
        .rsplit_once('.')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unwrap();
    let e = run("/orgs/org-a/x", bearer(&format!("{signed}.")));
    assert_eq!((e.status, e.code), (Some(401), Some("bad_signature")));
    let step = e.trail.last().unwrap();
    assert_eq!(step.stage, Stage::Signature);
    let edge = AuthError::NoSignature.detail();
    assert_eq!(
        step.detail,
        format!("{edge}: links from the page leave it out")
    );
    // The problem body is the worker's, word for word.
    assert_eq!(e.problem.unwrap()["detail"], edge);
    // A signature that is there but wrong gets no such hint.
    let e = run("/orgs/org-a/x", bearer(&format!("{signed}.AAAA")));
    assert_eq!(e.code, Some("bad_signature"));
    assert!(!e
        .trail
        .last()
        .unwrap()
        .detail
        .contains("links from the page"));
}
