//! The whole sans-IO decision (src/decision.rs) on an arbitrary request,
//! with fixed keys (tests/fixtures/vectors.json), a fixed config
//! (`edge_authz_fuzz::decide_config`) and a fixed clock.
//!
//! Input, as text: `METHOD PATH` on the first line, then `name: value`
//! header lines. A line `x-fuzz-answer: <token>` is not a header but what
//! the token endpoint returns for a Basic exchange.
//!
//! The point: nothing is forwarded as `allow` unless a signature over
//! exactly the forwarded token verified with one of the fixed keys; a
//! request forwarded without a decision (public route, preflight, shadow
//! route) is one the config says so for, and never carries the caller's
//! Basic secret on; a refusal has the contract's status, and neither its
//! body, its challenge nor the log line echoes a credential.
#![no_main]

use std::cell::RefCell;

use edge_authz::b64;
use edge_authz::config::{AuthMode, Mode};
use edge_authz::decision::{
    begin, begin_with, decide, Outcome, PendingBearer, Request, Start, Verdict,
};
use edge_authz::error::AuthError;
use edge_authz::forward::is_basic;
use edge_authz::jwks::KeySet;
use edge_authz::routes::find;
use edge_authz::signature::{RustCrypto, SignatureCheck, SignatureEngine};
use edge_authz::trail::Trail;
use edge_authz::verified_cache::VerifiedCache;
use edge_authz_fuzz::{decide_config, distinctive, vector_keys, NOW};
use libfuzzer_sys::fuzz_target;

/// The pure-Rust engine, remembering every token whose signature verified.
#[derive(Default)]
struct Recorder {
    verified: RefCell<Vec<String>>,
}

impl SignatureEngine for Recorder {
    fn verify(&self, check: &SignatureCheck<'_>) -> bool {
        let ok = RustCrypto.verify(check);
        if ok {
            let input = String::from_utf8(check.signing_input.to_vec()).expect("ASCII");
            let token = format!("{input}.{}", b64::encode(check.signature));
            self.verified.borrow_mut().push(token);
        }
        ok
    }
}

fn keys(issuer: usize) -> Option<&'static KeySet> {
    // The second issuer's keys are unreachable.
    (issuer == 0).then(vector_keys)
}

fn finish(p: PendingBearer, req: &Request<'_>, engine: &Recorder) -> Outcome {
    let cfg = decide_config();
    let Some(set) = keys(p.issuer_index()) else {
        return p.fail(cfg, AuthError::KeysUnavailable { retry_after: 5 });
    };
    match p.check(cfg, set).map(|c| engine.verify(&c)) {
        Ok(valid) => p.finish(cfg, req, valid, NOW),
        Err(e) => p.fail(cfg, e),
    }
}

/// A cache remembering each word of the request's `Authorization` values
/// that verifies as a token when sent alone, on the same path.
fn remembered(headers: &[(String, String)], method: &str, path: &str) -> VerifiedCache {
    let cfg = decide_config();
    let mut cache = VerifiedCache::default();
    let words = headers
        .iter()
        .filter(|(n, _)| n == "authorization")
        .flat_map(|(_, v)| v.split([' ', '\t', ',']))
        .filter(|w| w.len() > 20);
    for word in words {
        let value = format!("Bearer {word}");
        let alone = [("authorization", value.as_str())];
        let clean = Request {
            method,
            path,
            query: "",
            headers: &alone,
        };
        if let Some(v) = decide(cfg, &clean, keys, &RustCrypto, NOW).verified {
            cache.remember(v, NOW);
        }
    }
    cache
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    // The worker hands the core the path and the query apart.
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut answer: Option<String> = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim_matches([' ', '\t']).to_string();
        if name == "x-fuzz-answer" {
            answer = Some(value);
        } else {
            headers.push((name, value));
        }
    }
    let lent: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = Request {
        method,
        path,
        query,
        headers: &lent,
    };
    let cfg = decide_config();
    let engine = Recorder::default();

    let outcome = match &answer {
        None => decide(cfg, &req, keys, &engine, NOW),
        Some(token) => match begin(cfg, &req) {
            Start::Done(o) => o,
            Start::NeedKeys(p) => finish(p, &req, &engine),
            Start::NeedExchange(p) => match p.into_bearer(cfg, token.clone()) {
                Ok(p) => finish(p, &req, &engine),
                Err(o) => *o,
            },
        },
    };

    // Remembering a token changes no decision: the cache is asked before
    // the header is split and the token's bytes scanned, so a way of
    // sending a token that is refused without the cache (twice, beside a
    // token in the query, after another scheme) must stay refused when
    // the token verified before, in a clean request of its own.
    if answer.is_none() {
        let cache = remembered(&headers, method, path);
        if !cache.is_empty() {
            let again = match begin_with(cfg, &req, Some((&cache, NOW)), Trail::new()) {
                Start::Done(o) => o,
                Start::NeedKeys(p) => finish(p, &req, &Recorder::default()),
                Start::NeedExchange(p) => {
                    p.fail(cfg, AuthError::TokenEndpointUnavailable { retry_after: 5 })
                }
            };
            assert_eq!(again.log, outcome.log, "remembered, logged otherwise");
            assert_eq!(
                format!("{:?}", again.verdict),
                format!("{:?}", outcome.verdict),
                "remembered, decided otherwise"
            );
        }
    }

    let authorizations: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "authorization")
        .map(|(_, v)| v.as_str())
        .collect();
    let secrets: Vec<&str> = authorizations
        .iter()
        .chain(answer.iter().map(String::as_str).collect::<Vec<_>>().iter())
        .flat_map(|v| v.split([' ', '\t', ',']))
        .filter(|w| distinctive(w))
        .collect();
    let route = find(&cfg.routes, method, path)
        .ok()
        .flatten()
        .map(|(i, _)| &cfg.routes[i]);
    let log = serde_json::to_string(&outcome.log).expect("the log line serialises");
    for s in &secrets {
        assert!(!log.contains(s), "the log line echoes a credential: {log}");
    }

    match &outcome.verdict {
        Verdict::Forward(plan) => {
            for (name, value) in &plan.set {
                assert_eq!(*name, name.to_ascii_lowercase());
                assert!(
                    !value.contains(char::is_control),
                    "{name} has a control character"
                );
            }
            match outcome.log.decision {
                "allow" => {
                    let set: Vec<&str> = plan
                        .set
                        .iter()
                        .filter(|(n, _)| n == "authorization")
                        .map(|(_, v)| v.as_str())
                        .collect();
                    let [bearer] = set[..] else {
                        panic!("allowed without exactly one Authorization to origin")
                    };
                    let token = bearer.strip_prefix("Bearer ").expect("a Bearer value");
                    assert!(
                        engine.verified.borrow().iter().any(|t| t == token),
                        "allowed a token whose signature did not verify"
                    );
                    assert!(text.contains(token), "forwarded a token not in the input");
                    assert!(
                        plan.drops("authorization"),
                        "the caller's Authorization survives"
                    );
                    if let Some(r) = route {
                        assert_eq!(r.auth, AuthMode::Required);
                    }
                }
                "public" | "shadow_deny" => {
                    if outcome.log.decision == "public" {
                        let preflight = method.eq_ignore_ascii_case("OPTIONS")
                            && headers.iter().any(|(n, _)| n == "origin")
                            && headers
                                .iter()
                                .any(|(n, _)| n == "access-control-request-method");
                        assert!(
                            preflight || route.is_some_and(|r| r.auth == AuthMode::Public),
                            "forwarded as public on a route that is not"
                        );
                    } else {
                        assert!(route.is_some_and(|r| r.mode == Mode::Shadow));
                    }
                    assert!(plan.set.is_empty(), "headers set without a decision");
                    if authorizations.iter().any(|v| v.split(',').any(is_basic)) {
                        assert!(
                            plan.drops("authorization"),
                            "Basic credentials forwarded to origin"
                        );
                    }
                }
                other => panic!("forwarded with decision {other:?}"),
            }
        }
        Verdict::Refuse(e) => {
            assert_eq!(outcome.log.decision, "deny");
            assert_eq!(outcome.log.code, Some(e.code()));
            assert!(
                matches!(e.status(), 400 | 401 | 403 | 429 | 502 | 503),
                "{e:?}"
            );
            let body: serde_json::Value =
                serde_json::from_str(&e.problem_body()).expect("problem body is JSON");
            assert_eq!(body["status"], e.status());
            let challenge = e.www_authenticate(&cfg.realm, true).unwrap_or_default();
            for s in &secrets {
                assert!(
                    !body.to_string().contains(s),
                    "the body echoes a credential"
                );
                assert!(!challenge.contains(s), "the challenge echoes a credential");
            }
        }
    }
});
