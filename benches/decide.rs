//! Per-request decision time with a cached key set: route, extraction,
//! decode, key selection, signature (pure Rust), claims, scope, forward
//! plan. Prints figures; asserts nothing about speed.
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
use edge_authz::decision::{decide, Request, Verdict};
use edge_authz::jwks::KeySet;
use edge_authz::signature::RustCrypto;
use serde_json::json;

struct Case {
    name: &'static str,
    cfg: Config,
    keys: KeySet,
    headers: Vec<(String, String)>,
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
            headers: vec![(
                "authorization".to_string(),
                format!("Bearer {}", mint(&claims(), &json!({}), key)),
            )],
        })
        .collect()
}

fn decide_once(case: &Case) {
    let req = Request {
        method: "GET",
        path: &format!("/orgs/{ORG}/things"),
        query: "",
        headers: &case.headers,
    };
    let out = decide(&case.cfg, &req, |_| Some(&case.keys), &RustCrypto, NOW);
    assert!(
        matches!(out.verdict, Verdict::Forward(_)),
        "{}: {:?}",
        case.name,
        out.trail
    );
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;
    println!("decision time, native, cached keys, pure-Rust signatures");
    for case in cases() {
        decide_once(&case);
        let warm = Instant::now();
        let mut n = 0u32;
        while warm.elapsed().as_millis() < 300 {
            decide_once(&case);
            n += 1;
        }
        let iters = (n * 3).max(30);
        let start = Instant::now();
        for _ in 0..iters {
            decide_once(&case);
        }
        let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(iters);
        println!(
            "  {:<6} {:>9.1} µs/decision  ({iters} iterations)",
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
