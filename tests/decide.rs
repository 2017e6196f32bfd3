//! The whole core decision (contract section 3), driven through
//! `decision::decide` with a fixed clock: statuses, challenges and codes of
//! the contract's table, shadow mode, public routes, preflights, and the
//! organisation scope.

use edge_authz::config::Config;
use edge_authz::decision::{decide, Outcome, Request, Verdict};
use edge_authz::error::AuthError;
use edge_authz::forward::ForwardPlan;
use edge_authz::jwks::KeySet;
use edge_authz::signature::RustCrypto;
use serde_json::{json, Value};

const NOW: u64 = 1_700_000_000;
const ISS: &str = "https://sso.example.com/realms/ScpCloud";

fn config(v: Value) -> Config {
    match Config::from_value(v) {
        Ok(c) => c,
        Err(e) => panic!("test config refused: {e:?}"),
    }
}

/// One issuer with explicit keys, the contract's routes and forward table.
fn base() -> Value {
    json!({
        "origin": "https://api.internal.example",
        "issuers": [{"issuer": ISS, "jwks_uri": "https://sso.example.com/certs"}],
        "routes": [
            {"path": "/health", "auth": "public"},
            {"path": "/shadow/*", "mode": "shadow"},
        ],
        "forward": {"x-auth-subject": "sub", "x-auth-org": "$org"},
    })
}

fn headers(h: &[(&str, &str)]) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect()
}

/// Decides with no keys at hand: enough for everything before a signature.
fn run(cfg: &Config, method: &str, path: &str, h: &[(&str, &str)]) -> Outcome {
    let headers = headers(h);
    let req = Request {
        method,
        path,
        headers: &headers,
    };
    decide(cfg, &req, |_| None::<&KeySet>, &RustCrypto, NOW)
}

fn refused(o: &Outcome) -> &AuthError {
    match &o.verdict {
        Verdict::Refuse(e) => e,
        Verdict::Forward(_) => panic!("expected a refusal, got {:?}", o.log),
    }
}

fn forwarded(o: &Outcome) -> &ForwardPlan {
    match &o.verdict {
        Verdict::Forward(p) => p,
        Verdict::Refuse(e) => panic!("expected a forward, got {e:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn no_credentials_is_401_with_a_bare_challenge() {
    let cfg = config(base());
    let o = run(&cfg, "GET", "/things", &[]);
    let e = refused(&o);
    assert_eq!(e.status(), 401);
    assert_eq!(e.code(), "missing_credentials");
    assert_eq!(
        e.www_authenticate(&cfg.realm, false).as_deref(),
        Some("Bearer realm=\"api\"")
    );
    assert_eq!(o.log.decision, "deny");
    assert_eq!(o.log.route, None, "no route matched");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn no_credentials_offers_basic_when_exchange_is_on() {
    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    v["realm"] = json!("partners");
    let cfg = config(v);
    let o = run(&cfg, "GET", "/things", &[]);
    let e = refused(&o);
    assert_eq!(
        e.www_authenticate(&cfg.realm, cfg.basic_exchange.is_some())
            .as_deref(),
        Some("Bearer realm=\"partners\", Basic realm=\"partners\"")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn malformed_requests_are_400_invalid_request() {
    let cfg = config(base());
    let cases: &[&[(&str, &str)]] = &[
        &[
            ("authorization", "Bearer a.b.c"),
            ("authorization", "Bearer a.b.c"),
        ],
        &[("authorization", "Bearer a.b.c, Bearer d.e.f")],
        &[("authorization", "Token abc")],
        &[("authorization", "Bearer")],
        &[("authorization", "Bearer a.b.c extra")],
        &[("authorization", "Basic Y2xpZW50OnNlY3JldA==")],
    ];
    for h in cases {
        let o = run(&cfg, "GET", "/things", h);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{h:?}");
        assert_eq!(
            e.www_authenticate("api", false).as_deref(),
            Some("Bearer realm=\"api\", error=\"invalid_request\""),
            "{h:?}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn basic_too_long_is_400_but_bearer_too_long_is_401() {
    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    v["max_token_bytes"] = json!(256);
    let cfg = config(v);
    let long_basic = format!("Basic {}", "QUFB".repeat(100));
    let e = refused(&run(&cfg, "GET", "/x", &[("authorization", &long_basic)])).clone();
    assert_eq!((e.status(), e.code()), (400, "invalid_request"));
    let long_bearer = format!("Bearer {}", "a".repeat(257));
    let e = refused(&run(&cfg, "GET", "/x", &[("authorization", &long_bearer)])).clone();
    assert_eq!((e.status(), e.code()), (401, "token_too_long"));
    assert!(e
        .www_authenticate("api", true)
        .is_some_and(|c| c.starts_with("Bearer realm=\"api\", error=\"invalid_token\"")));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn garbage_bearer_is_401_invalid_token() {
    let cfg = config(base());
    for token in ["abc", "a.b", "a.b.c", "a+b.c.d", "a.b.c.d.e"] {
        let h = format!("Bearer {token}");
        let e = refused(&run(&cfg, "GET", "/x", &[("authorization", &h)])).clone();
        assert_eq!(e.status(), 401, "{token}");
        let challenge = e.www_authenticate("api", false).unwrap_or_default();
        assert!(
            challenge
                .starts_with("Bearer realm=\"api\", error=\"invalid_token\", error_description=\""),
            "{token}: {challenge}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn public_routes_pass_untouched_whatever_the_credentials() {
    let cfg = config(base());
    for h in [
        vec![],
        vec![("authorization", "Bearer not-a-token")],
        vec![("authorization", "Token x"), ("authorization", "Token y")],
    ] {
        let o = run(&cfg, "GET", "/health", &h);
        let plan = forwarded(&o);
        assert_eq!(plan, &ForwardPlan::untouched(&cfg));
        assert!(plan.set.is_empty());
        assert!(plan.drops("x-auth-subject"));
        assert!(!plan.drops("authorization"));
        assert_eq!(o.log.decision, "public");
        assert_eq!(o.log.code, None);
        assert_eq!(o.log.route.as_deref(), Some("/health"));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn cors_preflights_pass_untouched() {
    let cfg = config(base());
    let preflight = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "DELETE"),
    ];
    let o = run(&cfg, "OPTIONS", "/orgs/o1/things", &preflight);
    assert_eq!(forwarded(&o), &ForwardPlan::untouched(&cfg));
    assert_eq!(o.log.decision, "public");
    // An OPTIONS that is not a preflight needs a token like any request.
    let o = run(&cfg, "OPTIONS", "/orgs/o1/things", &preflight[..1]);
    assert_eq!(refused(&o).code(), "missing_credentials");
    let o = run(&cfg, "GET", "/orgs/o1/things", &preflight);
    assert_eq!(refused(&o).code(), "missing_credentials");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn shadow_routes_log_the_refusal_and_forward_untouched() {
    let cfg = config(base());
    for h in [vec![], vec![("authorization", "Bearer x.y.z")]] {
        let o = run(&cfg, "GET", "/shadow/x", &h);
        assert_eq!(forwarded(&o), &ForwardPlan::untouched(&cfg));
        assert_eq!(o.log.decision, "shadow_deny");
        assert!(o.log.code.is_some());
        assert_eq!(o.log.route.as_deref(), Some("/shadow/*"));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_respelt_path_does_not_reach_a_public_route() {
    let mut v = base();
    v["routes"] = json!([
        {"path": "/admin/*", "roles_any": ["admin"]},
        {"path": "/*", "auth": "public"},
    ]);
    let cfg = config(v);
    for path in [
        "/admin",
        "/%61dmin/x",
        "/public/../admin",
        "//admin/",
        "/x/%2e%2e/admin",
    ] {
        let o = run(&cfg, "GET", path, &[]);
        assert_eq!(refused(&o).code(), "missing_credentials", "{path}");
        assert_eq!(o.log.route.as_deref(), Some("/admin/*"), "{path}");
    }
    assert_eq!(run(&cfg, "GET", "/other", &[]).log.decision, "public");
}
