//! Per-request decision time with a cached key set: route, extraction,
//! decode, key selection, signature (pure Rust), claims, scope, forward
//! plan; and for a token remembered as verified (the worker's common case:
//! no decode, no signature), as the worker asks for it (a quiet trail).
//! Prints figures; asserts nothing about speed.
//!
//! Native: `cargo bench --bench decide`.
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
use serde_json::json;

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
    [("RS256", rsa_a()), ("ES256", ec()), ("EdDSA", ed())]
        .into_iter()
        .map(|(name, key)| Case {
            name,
            cfg: cfg.clone(),
            keys: keys.clone(),
            path: format!("/orgs/{ORG}/things"),
            authorization: format!("Bearer {}", mint(&claims(), &json!({}), key)),
        })
        .collect()
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
#[cfg(not(target_arch = "wasm32"))]
fn per_call(mut f: impl FnMut()) -> (f64, u32) {
    use std::time::Instant;
    f();
    let warm = Instant::now();
    let mut n = 0u32;
    while warm.elapsed().as_millis() < 300 {
        f();
        n += 1;
    }
    let iters = (n * 3).max(30);
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    (
        start.elapsed().as_secs_f64() * 1e6 / f64::from(iters),
        iters,
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    per_case(
        "decision time, native, cached keys, pure-Rust signatures",
        |case| per_call(|| decide_once(case)),
    );
    per_case(
        "a new token, the signature's verdict given (the worker's share besides WebCrypto), quiet trail",
        |case| per_call(|| new_token_once(case)),
    );
    per_case(
        "a remembered token (verified before), quiet trail",
        |case| {
            let cache = remembering(case);
            per_call(|| remembered_once(case, &cache))
        },
    );
}

/// One line per case of what `measure` gives: µs per decision and the
/// iterations behind it.
#[cfg(not(target_arch = "wasm32"))]
fn per_case(title: &str, measure: impl Fn(&Case) -> (f64, u32)) {
    println!("{title}");
    for case in cases() {
        let (per, iters) = measure(&case);
        println!(
            "  {:<6} {:>9.2} µs/decision  ({iters} iterations)",
            case.name, per
        );
    }
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
