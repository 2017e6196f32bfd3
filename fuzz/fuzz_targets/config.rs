//! `AUTHZ` parsing (src/config/): JSON as the worker reads it, and TOML or
//! JSON as the page reads it (`inspect::explain::config_from_text`).
//!
//! A config that parses must satisfy every rule the README promises
//! (bounds, https or loopback endpoints, HS* only with a secret var, unique
//! issuers, route patterns that re-parse to themselves, no forbidden
//! forward header); an error must name a key. The worker's and the page's
//! readings of the same JSON object must agree.
#![no_main]

use edge_authz::config::{check_endpoint, AuthMode, Config, ConfigError, Mode};
use edge_authz::forward::HOP_BY_HOP;
use edge_authz::inspect::explain::config_from_text;
use edge_authz::routes::RoutePattern;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check(cfg: &Config) {
    assert!(cfg.leeway_seconds <= 300);
    assert!((256..=65536).contains(&cfg.max_token_bytes));
    assert!(!cfg.realm.contains(['"', '\\']));
    if let Some(p) = &cfg.strip_header_prefix {
        assert!(!p.is_empty() && *p == p.to_ascii_lowercase());
    }
    assert!(!cfg.issuers.is_empty());
    for (i, iss) in cfg.issuers.iter().enumerate() {
        assert_eq!(
            cfg.issuer_index(&iss.issuer),
            Some(i),
            "issuer listed twice"
        );
        assert!(!iss.algorithms.is_empty());
        let hs = iss.algorithms.iter().any(|a| a.is_hmac());
        assert_eq!(
            hs,
            iss.hs_secret_var.is_some(),
            "HS* and hs_secret_var go together"
        );
        for url in iss.jwks_uri.iter().chain(&iss.token_endpoint) {
            assert!(check_endpoint(url).is_ok(), "endpoint {url:?} accepted");
        }
        if iss.jwks_uri.is_none() && iss.algorithms.iter().any(|a| !a.is_hmac()) {
            assert!(check_endpoint(&iss.discovery_url()).is_ok());
        }
        assert_ne!(iss.max_lifetime_seconds, Some(0));
    }
    if let Some(b) = &cfg.basic_exchange {
        let iss = &cfg.issuers[b.issuer];
        if iss.token_endpoint.is_none() {
            assert!(check_endpoint(&iss.issuer).is_ok());
        }
    }
    for r in &cfg.routes {
        assert_eq!(RoutePattern::parse(&r.path).as_ref(), Ok(&r.pattern));
        for m in r.methods.iter().flatten() {
            assert_eq!(*m, m.to_ascii_uppercase());
        }
        for name in r.issuers.iter().flatten() {
            assert!(cfg.issuer_index(name).is_some());
        }
        if r.auth == AuthMode::Public {
            assert!(r.issuers.is_none() && r.org_header.is_none() && r.roles_any.is_none());
            assert!(r.scopes_all.is_none() && r.cross_org_roles.is_empty());
            assert_eq!(r.mode, Mode::Enforce);
        }
        if !r.cross_org_roles.is_empty() {
            assert!(r.pattern.has_org() || r.org_header.is_some());
        }
    }
    for (j, (name, source)) in cfg.forward.iter().enumerate() {
        assert_eq!(*name, name.to_ascii_lowercase());
        assert!(!["authorization", "host", "cookie", "content-length"].contains(&name.as_str()));
        assert!(!HOP_BY_HOP.contains(&name.as_str()));
        assert!(
            cfg.forward[..j].iter().all(|(n, _)| n != name),
            "forward {name} twice"
        );
        assert!(source == "$org" || !source.starts_with('$'));
    }
}

fn named(e: &ConfigError) {
    assert!(!e.key.is_empty() && !e.message.is_empty(), "{e:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let worker = Config::from_json_str(text);
    match &worker {
        Ok(cfg) => check(cfg),
        Err(e) => named(e),
    }
    let page = config_from_text(text);
    match &page {
        Ok(cfg) => check(cfg),
        Err(e) => named(e),
    }
    // A plain JSON object is read the same way by both.
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        if !map.contains_key("AUTHZ") && !map.contains_key("vars") {
            match (&worker, &page) {
                (Ok(_), Ok(_)) => {}
                (Err(a), Err(b)) => assert_eq!(a, b),
                _ => panic!("worker {:?} but page {:?}", worker.err(), page.err()),
            }
        }
    }
});
