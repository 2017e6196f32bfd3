//! Per-request decision time with a cached key set: route, extraction,
//! decode, key selection, signature (pure Rust), claims, scope, forward
//! plan; and for a token remembered as verified (the worker's common case:
//! no decode, no signature), as the worker asks for it (a quiet trail).
//! Prints figures; asserts nothing about speed.
//!
//! Native: `cargo bench --bench decide`. `DECIDE_ITERS=N` runs each case
//! exactly N times after one warm-up call, for instruction counts under
//! callgrind (README, "Figures"); `DECIDE_ONLY=TEXT` keeps the sections
//! whose title contains TEXT, `DECIDE_CASE=NAME` the case of that name.
//! Wasm (node): `cargo bench --bench decide --target wasm32-unknown-unknown`
//! (runner: wasm-bindgen-test-runner, see .cargo/config.toml).
//!
//! The worker itself checks signatures with WebCrypto, not with this
//! engine; this measures the core and the engine the page uses.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use edge_authz::config::Config;
use edge_authz::decision::{begin_with, decide, Request, Start, Verdict};
use edge_authz::jwks::KeySet;
use edge_authz::signature::RustCrypto;
use edge_authz::trail::Trail;
use edge_authz::verified_cache::VerifiedCache;
use serde_json::{json, Value};

struct Case {
    name: &'static str,
    cfg: Config,
    keys: KeySet,
    path: String,
    authorization: String,
}

impl Case {
    /// What a request of this case carries; [`Case::request`] borrows it.
    fn headers(&self) -> [(&str, &str); 1] {
        [("authorization", &self.authorization)]
    }

    fn request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request {
            method: "GET",
            path: &self.path,
            query: "",
            headers,
        }
    }
}

fn cases() -> Vec<Case> {
    let cfg = Config::from_value(json!({
        "origin": "https://api.internal.example",
        "issuers": [{"issuer": ISSUER, "audiences": [AUDIENCE]}],
        "routes": [{"path": "/orgs/{org}/*"}],
        "forward": {"x-auth-subject": "sub", "x-auth-org": "$org"},
    }))
    .expect("bench config");
    let keys = keyset(&[rsa_a(), ec(), ed()]);
    let case = |name, claims: Value, key| Case {
        name,
        cfg: cfg.clone(),
        keys: keys.clone(),
        path: format!("/orgs/{ORG}/things"),
        authorization: format!("Bearer {}", mint(&claims, &json!({}), key)),
    };
    vec![
        case("RS256", claims(), rsa_a()),
        case("ES256", claims(), ec()),
        case("EdDSA", claims(), ed()),
        case("RS256 Keycloak", keycloak_claims(), rsa_a()),
    ]
}

/// [`claims`] with the rest of what a Keycloak service account's access
/// token carries (1,582 bytes signed with RS256), most of which no
/// decision here reads.
fn keycloak_claims() -> Value {
    with(
        claims(),
        json!({
            "jti": "onrtcc:0b0e0a7e-5c1e-4c1e-9f1e-3a9d0c7b2f41",
            "nbf": NOW - 60,
            "session_state": "8d4e6c1a-7f3b-4c2d-9e5a-1b0c2d3e4f5a",
            "sid": "8d4e6c1a-7f3b-4c2d-9e5a-1b0c2d3e4f5a",
            "acr": "1",
            "allowed-origins": ["https://console.example.com"],
            "realm_access": {"roles": ["offline_access", "uma_authorization", "kas-fleet-manager-admin-read", "default-roles-scpcloud"]},
            "resource_access": {"account": {"roles": ["manage-account", "manage-account-links", "view-profile"]}},
            "scope": "openid profile email api:read",
            "client_id": "integration-api-service",
            "clientHost": "10.0.12.7",
            "clientAddress": "10.0.12.7",
            "email_verified": false,
            "preferred_username": "service-account-integration-api-service",
        }),
    )
}

fn decide_once(case: &Case) {
    let headers = case.headers();
    let req = case.request(&headers);
    let out = decide(&case.cfg, &req, |_| Some(&case.keys), &RustCrypto, NOW);
    assert!(
        matches!(out.verdict, Verdict::Forward(_)),
        "{}: {:?}",
        case.name,
        out.trail
    );
}

/// A verified-token cache holding the case's token, as a worker's after
/// the token's first request.
fn remembering(case: &Case) -> VerifiedCache {
    let mut cache = VerifiedCache::default();
    let headers = case.headers();
    let first = decide(
        &case.cfg,
        &case.request(&headers),
        |_| Some(&case.keys),
        &RustCrypto,
        NOW,
    );
    cache.remember(first.verified.expect("verified"), NOW);
    cache
}

/// The case's token decided again from a cache that remembers it.
fn remembered_once(case: &Case, cache: &VerifiedCache) {
    let headers = case.headers();
    let req = case.request(&headers);
    let start = begin_with(&case.cfg, &req, Some((cache, NOW)), Trail::quiet());
    assert!(
        matches!(&start, Start::Done(out) if matches!(out.verdict, Verdict::Forward(_))),
        "{}: not decided from the cache",
        case.name
    );
}

/// The case's token as the worker decides a new one: everything but the
/// signature check, whose verdict (valid) is given, as WebCrypto's is.
fn new_token_once(case: &Case) {
    let headers = case.headers();
    let req = case.request(&headers);
    let Start::NeedKeys(pending) = begin_with(&case.cfg, &req, None, Trail::quiet()) else {
        panic!("{}: no key lookup", case.name);
    };
    assert!(
        pending.check(&case.cfg, &case.keys).is_ok(),
        "{}: no key",
        case.name
    );
    let out = pending.finish(&case.cfg, &req, true, NOW);
    assert!(
        matches!(out.verdict, Verdict::Forward(_)),
        "{}: {:?}",
        case.name,
        out.trail
    );
}

/// Microseconds per call of `f`: about a second of calls after a warm-up.
/// With `DECIDE_ITERS=N`, exactly N calls after one: for counting
/// instructions (`valgrind --tool=callgrind`: within about 1 % from run
/// to run of one build, N = 100 against 2,100), where a shared machine's
/// timings move by 10-40 %.
#[cfg(not(target_arch = "wasm32"))]
fn per_call(mut f: impl FnMut()) -> (f64, u32) {
    use std::time::Instant;
    f();
    // A value that does not parse must not fall back to the timed warm-up:
    // two callgrind runs would then differ by whatever the clock allowed.
    let fixed = std::env::var("DECIDE_ITERS")
        .ok()
        .map(|n| n.parse::<u32>().expect("DECIDE_ITERS: a whole number"));
    let iters = fixed.unwrap_or_else(|| {
        let warm = Instant::now();
        let mut n = 0u32;
        while warm.elapsed().as_millis() < 300 {
            f();
            n += 1;
        }
        (n * 3).max(30)
    });
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    (
        start.elapsed().as_secs_f64() * 1e6 / f64::from(iters.max(1)),
        iters,
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let ran = [
        per_case(
            "decision time, native, cached keys, pure-Rust signatures",
            |case| per_call(|| decide_once(case)),
        ),
        per_case(
            "a new token, the signature's verdict given (the worker's share besides WebCrypto), quiet trail",
            |case| per_call(|| new_token_once(case)),
        ),
        per_case(
            "a remembered token (verified before), quiet trail",
            |case| {
                let cache = remembering(case);
                per_call(|| remembered_once(case, &cache))
            },
        ),
    ];
    // As for DECIDE_CASE: a run that measured nothing must not look like one.
    assert!(
        ran.contains(&true),
        "DECIDE_ONLY: no section's title contains it"
    );
}

/// One line per case of what `measure` gives: µs per decision and the
/// iterations behind it. Whether the section ran (see `DECIDE_ONLY`).
#[cfg(not(target_arch = "wasm32"))]
fn per_case(title: &str, measure: impl Fn(&Case) -> (f64, u32)) -> bool {
    // DECIDE_ONLY: the sections whose title contains it; DECIDE_CASE: the
    // case of that name (a misspelt one would measure nothing, quietly).
    let only = std::env::var("DECIDE_ONLY").ok();
    if only.is_some_and(|w| !title.contains(&w)) {
        return false;
    }
    let name = std::env::var("DECIDE_CASE").ok();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| name.as_deref().is_none_or(|w| w == c.name))
        .collect();
    assert!(!cases.is_empty(), "DECIDE_CASE: no case named {name:?}");
    println!("{title}");
    for case in cases {
        let (per, iters) = measure(&case);
        println!(
            "  {:<14} {:>9.2} µs/decision  ({iters} iterations, a {}-byte token)",
            case.name,
            per,
            case.authorization.len() - "Bearer ".len()
        );
    }
    true
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_bench, Criterion};

    fn run(c: &mut Criterion, name: &str) {
        let case = cases().into_iter().find(|k| k.name == name).expect("case");
        c.bench_function(&format!("decide {name} (wasm, pure Rust)"), |b| {
            b.iter(|| decide_once(&case))
        });
    }

    /// The worker's share of a request besides WebCrypto, and the same for
    /// a remembered token, as V8 runs our wasm (node here, workerd there).
    #[wasm_bindgen_bench]
    fn core_without_signature(c: &mut Criterion) {
        let case = cases()
            .into_iter()
            .find(|k| k.name == "RS256")
            .expect("case");
        c.bench_function("decide a new token, verdict given (wasm)", |b| {
            b.iter(|| new_token_once(&case))
        });
        let cache = remembering(&case);
        c.bench_function("decide a remembered token (wasm)", |b| {
            b.iter(|| remembered_once(&case, &cache))
        });
    }

    #[wasm_bindgen_bench]
    fn rs256(c: &mut Criterion) {
        run(c, "RS256");
    }

    #[wasm_bindgen_bench]
    fn es256(c: &mut Criterion) {
        run(c, "ES256");
    }

    #[wasm_bindgen_bench]
    fn eddsa(c: &mut Criterion) {
        run(c, "EdDSA");
    }
}
