//! The whole core decision (contract section 3), driven through
//! `decision::decide` with a fixed clock: statuses, challenges and codes of
//! the contract's table, shadow mode, public routes, preflights, and the
//! organisation scope.

mod common;

use common::{claims, ec, ed, fixtures, hs, keyset, mint, rsa_a, rsa_b, view, with, AUDIENCE, ORG};
use edge_authz::config::Config;
use edge_authz::decision::{begin, decide, Outcome, PendingExchange, Request, Start, Verdict};
use edge_authz::error::AuthError;
use edge_authz::forward::ForwardPlan;
use edge_authz::jwks::KeySet;
use edge_authz::signature::{RustCrypto, SignatureEngine};
use serde_json::{json, Value};

use common::NOW;
const ISS: &str = common::ISSUER;

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

/// A CORS preflight's headers (with method OPTIONS).
const PREFLIGHT: [(&str, &str); 2] = [
    ("origin", "https://app.example.com"),
    ("access-control-request-method", "GET"),
];

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
        query: "",
        headers: &view(&headers),
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
fn a_refused_basic_value_says_what_is_wrong_with_it() {
    // Someone debugging a 400 reads the detail: valid base64 of the wrong
    // thing must not be called bad base64.
    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    let cases = [
        ("Basic not*base64", "not valid base64"),
        ("Basic Y2xpZW50", "no client_id:secret"), // "client"
        ("Basic //79", "no client_id:secret"),     // not UTF-8
        (
            "Basic JUZGOnM=",
            "client id has a broken %-escape or is not UTF-8",
        ), // "%FF:s"
    ];
    for (auth, said) in cases {
        let o = run(&cfg, "GET", "/things", &[("authorization", auth)]);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{auth}");
        assert!(e.detail().contains(said), "{auth}: {}", e.detail());
        let others = cases.iter().filter(|(_, s)| *s != said);
        for (_, other) in others {
            assert!(!e.detail().contains(other), "{auth}: {}", e.detail());
        }
    }
    // No credentials: the detail names both ways in, as the challenge does.
    let o = run(&cfg, "GET", "/things", &[]);
    let e = refused(&o);
    assert!(e.detail().contains("Bearer <token>"), "{}", e.detail());
    assert!(
        e.detail().contains("Basic <base64 of client_id:secret>"),
        "{}",
        e.detail()
    );
}

/// A header that is not `scheme SP credential` is told what the worker
/// reads instead (a token pasted with `Bearer:` or a tab after the
/// scheme, or with no scheme at all), without echoing any of it.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_header_with_no_usable_scheme_says_which_are() {
    let cfg = config(base());
    for auth in [
        "Bearer\tabc.def.ghi",
        "Bearer: abc.def.ghi",
        "abc.def.ghi",
        "Token abc.def.ghi",
    ] {
        let o = run(&cfg, "GET", "/things", &[("authorization", auth)]);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{auth:?}");
        assert!(
            e.detail().contains("`Bearer <token>`"),
            "{auth:?}: {}",
            e.detail()
        );
        assert!(!e.detail().contains("abc"), "{auth:?}: {}", e.detail());
    }
    // Over the limit: the limit is named, so the caller knows by how much.
    let long = format!("Bearer {}", "a".repeat(9000));
    let e = refused(&run(&cfg, "GET", "/things", &[("authorization", &long)])).clone();
    assert_eq!((e.status(), e.code()), (401, "token_too_long"));
    assert!(e.detail().ends_with("(8192 bytes)"), "{}", e.detail());
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
fn basic_credentials_never_pass_through_to_the_origin_when_exchanged() {
    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    let preflight = PREFLIGHT;
    for basic in [
        "Basic Y2xpZW50OnNlY3JldA==",
        "basic Y2xpZW50OnNlY3JldA",
        "  BASIC\tY2xpZW50OnNlY3JldA==",
        "Bearer a.b.c, Basic Y2xpZW50OnNlY3JldA==",
        "Basic not base64!",
    ] {
        let mut with_preflight = preflight.to_vec();
        with_preflight.push(("authorization", basic));
        for (method, path, h) in [
            ("GET", "/health", vec![("authorization", basic)]),
            ("OPTIONS", "/things", with_preflight),
        ] {
            let o = run(&cfg, method, path, &h);
            assert_eq!(o.log.decision, "public", "{method} {basic:?}");
            assert!(forwarded(&o).drops("authorization"), "{method} {basic:?}");
        }
        // A shadow route refusing a malformed or repeated Basic header
        // forwards it no more than one refusing a well-formed one.
        let o = run(
            &cfg,
            "GET",
            "/shadow/x",
            &[("authorization", basic), ("authorization", basic)],
        );
        assert_eq!(o.log.decision, "shadow_deny", "{basic:?}");
        assert!(forwarded(&o).drops("authorization"), "{basic:?}");
    }
    // Bearer tokens (and anything else) on a public route are the origin's.
    for other in ["Bearer a.b.c", "Basicx y", "Bäsic y", "é", "Basi"] {
        let o = run(&cfg, "GET", "/health", &[("authorization", other)]);
        assert_eq!(forwarded(&o), &ForwardPlan::untouched(&cfg), "{other:?}");
    }
    // Without the exchange, Basic credentials are the origin's business.
    let o = run(
        &config(base()),
        "GET",
        "/health",
        &[("authorization", "Basic Y2xpZW50OnNlY3JldA==")],
    );
    assert!(!forwarded(&o).drops("authorization"));
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
        "/admin;jsessionid=1/x",
    ] {
        let o = run(&cfg, "GET", path, &[]);
        assert_eq!(refused(&o).code(), "missing_credentials", "{path}");
        assert_eq!(o.log.route.as_deref(), Some("/admin/*"), "{path}");
    }
    assert_eq!(run(&cfg, "GET", "/other", &[]).log.decision, "public");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_route_for_get_also_covers_head() {
    let mut v = base();
    v["routes"] = json!([
        {"path": "/admin/*", "methods": ["GET"], "roles_any": ["admin"]},
        {"path": "/reports/*", "methods": ["HEAD"], "roles_any": ["admin"]},
        {"path": "/*", "auth": "public"},
    ]);
    let cfg = config(v);
    for method in ["GET", "HEAD", "head"] {
        let o = run(&cfg, method, "/admin/x", &[]);
        assert_eq!(refused(&o).code(), "missing_credentials", "{method}");
        assert_eq!(o.log.route.as_deref(), Some("/admin/*"), "{method}");
    }
    assert_eq!(run(&cfg, "POST", "/admin/x", &[]).log.decision, "public");
    // HEAD is GET without a body, not the other way round.
    assert_eq!(
        run(&cfg, "HEAD", "/reports/x", &[]).log.route.as_deref(),
        Some("/reports/*")
    );
    assert_eq!(run(&cfg, "GET", "/reports/x", &[]).log.decision, "public");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_path_hiding_a_slash_or_broken_text_is_400_before_any_route() {
    let mut v = base();
    v["routes"] = json!([
        {"path": "/admin/*", "roles_any": ["admin"]},
        {"path": "/public/*", "auth": "public"},
        {"path": "/shadow/*", "mode": "shadow"},
    ]);
    let cfg = config(v);
    let preflight = PREFLIGHT;
    for path in [
        "/public/..%2Fadmin/x",
        "/public/..%2fadmin/x",
        "/public/%2F",
        "/public/a%00b",
        "/public/a%0Ab",
        "/public/a%7Fb",
        "/public/a%C2%85b",
        "/public/%FF",
        "/public/%C3",
        "/public/%zz",
        "/public/100%",
        "/shadow/a%2Fb",
        "/elsewhere/a%2Fb",
    ] {
        for h in [&[][..], &preflight[..]] {
            let o = run(&cfg, "GET", path, h);
            let e = refused(&o);
            assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{path}");
            assert_eq!(
                e.www_authenticate("api", false).as_deref(),
                Some("Bearer realm=\"api\", error=\"invalid_request\""),
                "{path}"
            );
            assert_eq!(o.log.decision, "deny", "{path}: never shadowed");
            assert_eq!(o.log.route, None, "{path}");
        }
    }
    // Dot segments, encoded or not, are still resolved, not refused.
    for path in ["/public/%2e%2e/admin/x", "/public/%2E%2E/admin"] {
        let o = run(&cfg, "GET", path, &[]);
        assert_eq!(refused(&o).code(), "missing_credentials", "{path}");
        assert_eq!(o.log.route.as_deref(), Some("/admin/*"), "{path}");
    }
    assert_eq!(
        run(&cfg, "GET", "/public/a%20b", &[]).log.decision,
        "public"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_valid_token_does_not_take_an_unmatchable_org_path_past_its_route() {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["routes"] = json!([{"path": "/orgs/{org}/*"}]);
    let cfg = config(v);
    let keys = keyset(&[rsa_a()]);
    let auth = format!("Bearer {}", fixtures::valid_rs256());
    let h = [("authorization", auth.as_str())];
    for path in ["/orgs/victim%2F/x", "/orgs/victim%2Fx", "/orgs/%FFvictim/x"] {
        let o = run_keys(&cfg, &keys, "GET", path, &h);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{path}");
    }
    let ours = format!("/orgs/{ORG}/x");
    assert_eq!(
        run_keys(&cfg, &keys, "GET", &ours, &h).log.decision,
        "allow"
    );
}

// ---------------------------------------------------------------------------
// Bearer tokens, verified with real keys.

/// `base()` with the audience set, as the minted tokens expect.
fn bearer_config() -> Config {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    config(v)
}

/// Decides with the issuer's keys (`rsa_a`, `ec`, `ed`) at hand.
fn run_keys(cfg: &Config, keys: &KeySet, method: &str, path: &str, h: &[(&str, &str)]) -> Outcome {
    let headers = headers(h);
    let req = Request {
        method,
        path,
        query: "",
        headers: &view(&headers),
    };
    decide(cfg, &req, |_| Some(keys), &RustCrypto, NOW)
}

fn bearer(cfg: &Config, token: &str) -> Outcome {
    let keys = keyset(&[rsa_a(), ec(), ed()]);
    let auth = format!("Bearer {token}");
    run_keys(cfg, &keys, "GET", "/things", &[("authorization", &auth)])
}

fn set_of(plan: &ForwardPlan, name: &str) -> Option<String> {
    plan.set
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// Nothing a refusal says may carry the token or a piece of it.
fn assert_no_echo(o: &Outcome, token: &str) {
    let e = refused(o);
    let said = format!(
        "{} {} {:?} {:?}",
        e.problem_body(),
        e.www_authenticate("api", true).unwrap_or_default(),
        o.log,
        o.trail
    );
    for part in token.split('.').filter(|p| p.len() > 8) {
        assert!(!said.contains(part), "a token part was echoed: {said}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_valid_token_of_each_key_type_is_forwarded_with_its_claims() {
    let cfg = bearer_config();
    for token in [
        fixtures::valid_rs256(),
        fixtures::valid_ps256(),
        fixtures::valid_es256(),
        fixtures::valid_eddsa(),
    ] {
        let o = bearer(&cfg, &token);
        let plan = forwarded(&o);
        assert_eq!(
            set_of(plan, "authorization"),
            Some(format!("Bearer {token}"))
        );
        assert_eq!(
            set_of(plan, "x-auth-subject").as_deref(),
            Some("f:1234:alice")
        );
        assert_eq!(set_of(plan, "x-auth-org").as_deref(), Some(ORG));
        assert!(plan.drops("authorization") && plan.drops("x-auth-whatever"));
        assert_eq!(o.log.decision, "allow");
        assert_eq!(o.log.code, None);
        assert_eq!(o.log.issuer.as_deref(), Some(ISS));
        assert_eq!(o.log.subject.as_deref(), Some("f:1234:alice"));
        assert_eq!(o.log.org.as_deref(), Some(ORG));
        let logged = format!("{:?} {:?}", o.log, o.trail);
        assert!(!logged.contains(&token));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_token_in_the_query_beside_the_header_is_400() {
    // RFC 6750 2 and 3.1: one method per request, more is invalid_request.
    // Otherwise the query's token reaches the origin unverified.
    let cfg = bearer_config();
    let keys = keyset(&[rsa_a(), ec(), ed()]);
    let token = fixtures::valid_rs256();
    let auth = format!("Bearer {token}");
    let headers = headers(&[("authorization", &auth)]);
    let with_query = |query: &str| {
        let req = Request {
            method: "GET",
            path: "/things",
            query,
            headers: &view(&headers),
        };
        decide(&cfg, &req, |_| Some(&keys), &RustCrypto, NOW)
    };
    for query in [
        "access_token=other",
        "x=1&access_token=",
        "access%5Ftoken=a",
    ] {
        let o = with_query(query);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{query}");
        assert_no_echo(&o, &token);
    }
    forwarded(&with_query("x=1&access_token_hint=a"));
    // A query token alone is not read: no credentials.
    let req = Request {
        method: "GET",
        path: "/things",
        query: &format!("access_token={token}"),
        headers: &[],
    };
    let o = decide(&cfg, &req, |_| Some(&keys), &RustCrypto, NOW);
    assert_eq!(refused(&o), &AuthError::MissingCredentials);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn invalid_tokens_are_401_invalid_token_with_their_code() {
    let cfg = bearer_config();
    let cases = [
        (fixtures::expired(), "token_expired"),
        (fixtures::not_yet_valid(), "token_not_yet_valid"),
        (fixtures::issued_in_future(), "issued_in_future"),
        (fixtures::wrong_audience(), "wrong_audience"),
        (fixtures::refresh_token(), "wrong_token_type"),
        (fixtures::id_token(), "wrong_token_type"),
        (fixtures::unknown_issuer(), "unknown_issuer"),
        (fixtures::bad_signature(), "bad_signature"),
        (fixtures::unknown_kid(), "unknown_key"),
        (fixtures::no_exp(), "invalid_token"),
    ];
    for (token, code) in cases {
        let o = bearer(&cfg, &token);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (401, code), "{code}");
        let challenge = e.www_authenticate("api", false).unwrap_or_default();
        let expected = format!(
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"{}\"",
            e.detail()
        );
        assert_eq!(challenge, expected, "{code}");
        assert_eq!(o.log.decision, "deny");
        assert_eq!(o.log.code, Some(code));
        assert_no_echo(&o, &token);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn alg_none_and_disallowed_algorithms_never_pass() {
    let cfg = bearer_config();
    let o = bearer(&cfg, &fixtures::alg_none());
    assert_eq!(refused(&o).status(), 401);
    // HS256 is not allowed without hs_secret_var, whatever key it names.
    let hs_token = fixtures::valid_hs256();
    let e = refused(&bearer(&cfg, &hs_token)).clone();
    assert_eq!((e.status(), e.code()), (401, "algorithm_not_allowed"));
    // An issuer limited to RS256 refuses an EdDSA token from its own JWKS.
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["issuers"][0]["algorithms"] = json!(["RS256"]);
    let e = refused(&bearer(&config(v), &fixtures::valid_eddsa())).clone();
    assert_eq!(e.code(), "algorithm_not_allowed");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hs256_through_a_secret_var() {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["issuers"][0]["algorithms"] = json!(["HS256"]);
    v["issuers"][0]["hs_secret_var"] = json!("SSO_HS_SECRET");
    let cfg = config(v);
    let keys = keyset(&[hs()]);
    let auth = format!("Bearer {}", fixtures::valid_hs256());
    let o = run_keys(&cfg, &keys, "GET", "/x", &[("authorization", &auth)]);
    assert_eq!(o.log.decision, "allow");
    let auth = format!("Bearer {}", fixtures::valid_rs256());
    let o = run_keys(&cfg, &keys, "GET", "/x", &[("authorization", &auth)]);
    assert_eq!(refused(&o).code(), "algorithm_not_allowed");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_leeway_applies_to_exp() {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["leeway_seconds"] = json!(30);
    let cfg = config(v);
    let last_second = mint(
        &with(claims(), json!({"exp": NOW - 29})),
        &json!({}),
        rsa_a(),
    );
    assert_eq!(bearer(&cfg, &last_second).log.decision, "allow");
    // RFC 7519 4.1.4: expired on or after exp; the leeway only moves it.
    let at_the_end = mint(
        &with(claims(), json!({"exp": NOW - 30})),
        &json!({}),
        rsa_a(),
    );
    assert_eq!(refused(&bearer(&cfg, &at_the_end)).code(), "token_expired");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn lifetime_and_token_types_from_the_issuer() {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["issuers"][0]["max_lifetime_seconds"] = json!(600);
    v["issuers"][0]["token_types"] = json!(["Bearer", "Service"]);
    let cfg = config(v);
    let long = mint(
        &with(claims(), json!({"iat": NOW - 60, "exp": NOW + 3600})),
        &json!({}),
        rsa_a(),
    );
    assert_eq!(refused(&bearer(&cfg, &long)).code(), "lifetime_too_long");
    let service = mint(
        &with(claims(), json!({"typ": "service"})),
        &json!({}),
        rsa_a(),
    );
    assert_eq!(bearer(&cfg, &service).log.decision, "allow");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn unreachable_keys_are_503_with_retry_after() {
    let cfg = bearer_config();
    let auth = format!("Bearer {}", fixtures::valid_rs256());
    let o = run(&cfg, "GET", "/x", &[("authorization", &auth)]);
    let e = refused(&o);
    assert_eq!((e.status(), e.code()), (503, "keys_unavailable"));
    assert_eq!(e.www_authenticate("api", false), None);
    assert!(e.retry_after().is_some());
    assert_eq!(o.log.issuer.as_deref(), Some(ISS));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn forbidden_is_403_insufficient_scope() {
    let mut v = base();
    v["issuers"][0]["audiences"] = json!([AUDIENCE]);
    v["routes"] = json!([
        {"path": "/orgs/{org}/*"},
        {"path": "/admin/*", "roles_any": ["kas-fleet-manager-admin-full"]},
        {"path": "/write/*", "scopes_all": ["api:read", "api:write", "openid"]},
    ]);
    let cfg = config(v);
    let keys = keyset(&[rsa_a()]);
    let auth = format!("Bearer {}", fixtures::valid_rs256());
    let h = [("authorization", auth.as_str())];
    let cases = [
        ("/orgs/someone-else/x", "org_mismatch", None),
        ("/admin/x", "missing_role", None),
        ("/write/x", "missing_scope", Some("api:write")),
    ];
    for (path, code, scope) in cases {
        let o = run_keys(&cfg, &keys, "GET", path, &h);
        let e = refused(&o);
        assert_eq!((e.status(), e.code()), (403, code), "{path}");
        let mut expected = format!(
            "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"{}\"",
            e.detail()
        );
        if let Some(s) = scope {
            expected.push_str(&format!(", scope=\"{s}\""));
        }
        assert_eq!(
            e.www_authenticate("api", false).as_deref(),
            Some(&*expected)
        );
        assert_eq!(o.log.decision, "deny");
        assert_eq!(o.log.subject.as_deref(), Some("f:1234:alice"));
        assert_eq!(o.log.org.as_deref(), Some(ORG));
        assert_eq!(o.log.issuer.as_deref(), Some(ISS));
    }
    let ours = format!("/orgs/{ORG}/x");
    assert_eq!(
        run_keys(&cfg, &keys, "GET", &ours, &h).log.decision,
        "allow"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn shadow_mode_forwards_bad_tokens_untouched_and_good_ones_as_usual() {
    let cfg = bearer_config();
    let keys = keyset(&[rsa_a()]);
    let bad = format!("Bearer {}", fixtures::expired());
    let o = run_keys(&cfg, &keys, "GET", "/shadow/x", &[("authorization", &bad)]);
    assert_eq!(forwarded(&o), &ForwardPlan::untouched(&cfg));
    assert_eq!(o.log.decision, "shadow_deny");
    assert_eq!(o.log.code, Some("token_expired"));
    let good = format!("Bearer {}", fixtures::valid_rs256());
    let o = run_keys(&cfg, &keys, "GET", "/shadow/x", &[("authorization", &good)]);
    assert_eq!(o.log.decision, "allow");
    assert_eq!(set_of(forwarded(&o), "x-auth-org").as_deref(), Some(ORG));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_request_matching_no_route_takes_any_configured_issuer() {
    let mut v = base();
    v["issuers"] = json!([
        {"issuer": ISS, "jwks_uri": "https://sso.example.com/certs", "audiences": [AUDIENCE]},
        {"issuer": "https://partner.example.com", "jwks_uri": "https://partner.example.com/certs"},
    ]);
    let cfg = config(v);
    let ours = keyset(&[rsa_a()]);
    let theirs = keyset(&[rsa_b()]);
    let partner = mint(
        &with(claims(), json!({"iss": "https://partner.example.com"})),
        &json!({}),
        rsa_b(),
    );
    let headers = headers(&[("authorization", &format!("Bearer {partner}"))]);
    let req = Request {
        method: "GET",
        path: "/anything",
        query: "",
        headers: &view(&headers),
    };
    let keys = |i: usize| match i {
        0 => Some(&ours),
        1 => Some(&theirs),
        _ => None,
    };
    let o = decide(&cfg, &req, keys, &RustCrypto, NOW);
    assert_eq!(o.log.decision, "allow");
    assert_eq!(o.log.issuer.as_deref(), Some("https://partner.example.com"));
    // A key is used only for its own issuer: the partner's token naming
    // our issuer finds no key with its kid there.
    let forged = mint(&claims(), &json!({}), rsa_b());
    let headers = headers_of(&forged);
    let req = Request {
        method: "GET",
        path: "/anything",
        query: "",
        headers: &view(&headers),
    };
    let o = decide(&cfg, &req, keys, &RustCrypto, NOW);
    assert_eq!(refused(&o).code(), "unknown_key");
}

fn headers_of(token: &str) -> Vec<(String, String)> {
    headers(&[("authorization", &format!("Bearer {token}"))])
}

/// The Basic value the exchange tests send ("client:secret").
const BASIC: &str = "Y2xpZW50OnNlY3JldA==";

/// `GET path` with `Authorization: Basic value`, which must go to the exchange.
fn start_exchange(cfg: &Config, path: &str, value: &str) -> PendingExchange {
    let headers = headers(&[("authorization", &format!("Basic {value}"))]);
    let req = Request {
        method: "GET",
        path,
        query: "",
        headers: &view(&headers),
    };
    match begin(cfg, &req) {
        Start::NeedExchange(p) => p,
        _ => panic!("Basic credentials must go to the exchange"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn basic_exchange_continues_as_a_bearer_of_the_exchange_issuer() {
    let mut v = base();
    v["issuers"] = json!([
        {"issuer": ISS, "jwks_uri": "https://sso.example.com/certs", "audiences": [AUDIENCE]},
        {"issuer": "https://partner.example.com", "jwks_uri": "https://partner.example.com/certs"},
    ]);
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    let keys = keyset(&[rsa_a()]);
    let basic = BASIC;
    let headers = headers(&[("authorization", &format!("Basic {basic}"))]);
    let req = Request {
        method: "GET",
        path: "/things",
        query: "",
        headers: &view(&headers),
    };
    let exchange = |cfg: &Config| start_exchange(cfg, "/things", basic);

    // The token the issuer answered with is verified like any other.
    let p = exchange(&cfg);
    assert_eq!(p.basic().expose(), basic);
    assert!(!format!("{p:?}").contains(basic));
    let access = fixtures::valid_rs256();
    let pending = p
        .into_bearer(&cfg, access.clone())
        .expect("our issuer's token");
    let check = pending.check(&cfg, &keys).expect("a key");
    let valid = RustCrypto.verify(&check);
    let o = pending.finish(&cfg, &req, valid, NOW);
    let plan = forwarded(&o);
    assert_eq!(
        set_of(plan, "authorization"),
        Some(format!("Bearer {access}"))
    );

    // A token from another configured issuer is a bad upstream answer.
    let partner = mint(
        &with(claims(), json!({"iss": "https://partner.example.com"})),
        &json!({}),
        rsa_b(),
    );
    let o = match exchange(&cfg).into_bearer(&cfg, partner) {
        Err(o) => *o,
        Ok(_) => panic!("a token of another issuer must not be accepted"),
    };
    let e = refused(&o);
    assert_eq!((e.status(), e.code()), (502, "bad_upstream_token"));
    assert_eq!(e.www_authenticate("api", true), None);

    // Refused by the issuer: 401 with a Basic challenge.
    let o = exchange(&cfg).fail(&cfg, AuthError::BasicRefused);
    let e = refused(&o);
    assert_eq!(e.status(), 401);
    assert_eq!(
        e.www_authenticate("api", true).as_deref(),
        Some("Basic realm=\"api\"")
    );
    assert!(!e.problem_body().contains(basic));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn one_client_id_whatever_the_padding_or_the_form_encoding() {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine;

    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    let pending = |value: &str| start_exchange(&cfg, "/things", value);
    // Each text's length is not a multiple of 3, so its base64 is padded.
    for text in ["svc-a:s3cret!", "svc%2Da:s3cret", "svc%2da:other"] {
        let padded = STANDARD.encode(text);
        assert!(padded.ends_with('='), "{text}");
        for value in [padded, STANDARD_NO_PAD.encode(text)] {
            let p = pending(&value);
            assert_eq!(p.client_id(), "svc-a", "{text} as {value}");
            assert_eq!(p.basic().expose(), value, "sent on unchanged");
        }
    }
    assert_eq!(pending(&STANDARD.encode("svc+a:x")).client_id(), "svc a");
    // Ids the issuer cannot form-decode are refused before any exchange.
    for text in ["svc%zz:x", "%FF:x"] {
        let auth = format!("Basic {}", STANDARD.encode(text));
        let o = run(&cfg, "GET", "/things", &[("authorization", &auth)]);
        assert_eq!(refused(&o).code(), "invalid_request", "{text}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_exchanged_token_that_fails_verification_is_the_endpoints_fault() {
    let mut v = base();
    v["issuers"] = json!([{"issuer": ISS, "jwks_uri": "https://sso.example.com/certs", "audiences": [AUDIENCE]}]);
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    let keys = keyset(&[rsa_a()]);
    let headers = headers(&[("authorization", &format!("Basic {BASIC}"))]);
    let req = Request {
        method: "GET",
        path: "/things",
        query: "",
        headers: &view(&headers),
    };
    let run = |token: String| {
        let p = start_exchange(&cfg, "/things", BASIC);
        match p.into_bearer(&cfg, token) {
            Err(o) => *o,
            Ok(pending) => match pending.check(&cfg, &keys) {
                Ok(check) => {
                    let valid = RustCrypto.verify(&check);
                    pending.finish(&cfg, &req, valid, NOW)
                }
                Err(e) => pending.fail(&cfg, e),
            },
        }
    };
    // The same tokens as a caller's bearer would be 401s; from the token
    // endpoint they are 502s, and nothing reaches the origin.
    for (name, token) in [
        ("expired", fixtures::expired()),
        ("bad signature", fixtures::bad_signature()),
        ("unknown kid", fixtures::unknown_kid()),
        ("garbage", "not-a-jwt".to_string()),
    ] {
        let o = run(token);
        let e = refused(&o);
        assert_eq!(
            (e.status(), e.code()),
            (502, "bad_upstream_token"),
            "{name}"
        );
        assert!(o.verified.is_none(), "{name}: must not be cached");
    }
    // A valid token reports its exp so that the face can cache it.
    let o = run(fixtures::valid_rs256());
    forwarded(&o);
    assert!(o.verified.as_ref().is_some_and(|v| v.exp() > NOW));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_shadow_route_refusing_basic_forwards_without_the_secret() {
    let mut v = base();
    v["issuers"] = json!([{"issuer": ISS, "jwks_uri": "https://sso.example.com/certs"}]);
    v["basic_exchange"] = json!({"issuer": ISS});
    v["routes"] = json!([{"path": "/shadow/*", "mode": "shadow"}]);
    let cfg = config(v);
    let p = start_exchange(&cfg, "/shadow/x", BASIC);
    let o = p.fail(&cfg, AuthError::BasicRefused);
    assert_eq!(o.log.decision, "shadow_deny");
    let plan = forwarded(&o);
    assert!(
        plan.drops("authorization"),
        "the Basic value must not reach the origin"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_shadow_route_forwards_past_a_bad_exchanged_token() {
    let mut v = base();
    v["issuers"] = json!([{"issuer": ISS, "jwks_uri": "https://sso.example.com/certs"}]);
    v["basic_exchange"] = json!({"issuer": ISS});
    v["routes"] = json!([{"path": "/shadow/*", "mode": "shadow"}]);
    let cfg = config(v);
    // Garbage, and a well-formed token of an issuer not configured.
    for token in ["not-a-jwt".to_string(), fixtures::unknown_issuer()] {
        let p = start_exchange(&cfg, "/shadow/x", BASIC);
        let o = match p.into_bearer(&cfg, token) {
            Err(o) => *o,
            Ok(_) => panic!("a token that does not decode or has no known issuer"),
        };
        assert_eq!(o.log.decision, "shadow_deny");
        assert_eq!(o.log.code, Some("bad_upstream_token"));
        let plan = forwarded(&o);
        assert!(
            plan.drops("authorization"),
            "the Basic value must not reach the origin"
        );
        assert!(plan.set.is_empty());
    }
}

/// A refused exchange verified no token, so its log line names the client
/// id that failed (as the issuer reads it), never the secret or the value.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_refused_exchange_logs_its_client_id() {
    let mut v = base();
    v["basic_exchange"] = json!({"issuer": ISS});
    let cfg = config(v);
    for err in [
        AuthError::BasicRefused,
        AuthError::RateLimited { retry_after: 9 },
    ] {
        let out = start_exchange(&cfg, "/things", BASIC).fail(&cfg, err.clone());
        assert_eq!(out.log.code, Some(err.code()));
        assert_eq!(out.log.client.as_deref(), Some("client"));
        let line = serde_json::to_string(&out.log).unwrap();
        assert!(!line.contains("secret") && !line.contains(BASIC), "{line}");
    }
    // `curl -u KEY:`: no secret after the id, which may then be a key.
    let key_as_id = "c2stbGl2ZS1hYmNkZWZnaGlqOg=="; // "sk-live-abcdefghij:"
    let out = start_exchange(&cfg, "/things", key_as_id).fail(&cfg, AuthError::BasicRefused);
    assert_eq!(out.log.code, Some("invalid_client"));
    assert_eq!(out.log.client, None);
    // A bearer's line has no client member at all.
    let out = run(&cfg, "GET", "/things", &[("authorization", "Bearer a.b.c")]);
    assert_eq!(out.log.code, Some("invalid_token"));
    assert!(!serde_json::to_string(&out.log).unwrap().contains("client"));
}
