//! What the fuzz targets share: the fixed keys, config and clock of the
//! decision target, and the test for "this text would be recognised if a
//! body echoed it".

use std::sync::OnceLock;

use edge_authz::config::Config;
use edge_authz::jwks::{parse_jwks, Jwk, KeySet};
use serde_json::Value;

/// The fixed clock (2023-11-14T22:13:20Z): the committed vectors were
/// issued in 2020 and expire in 2100.
pub const NOW: u64 = 1_700_000_000;

/// The committed test vectors: a JWKS (RSA, P-256, Ed25519), an HS secret
/// and tokens signed with each algorithm, valid and tampered.
pub const VECTORS: &str = include_str!("../../tests/fixtures/vectors.json");

fn vectors() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| serde_json::from_str(VECTORS).expect("vectors.json parses"))
}

pub fn vector_issuer() -> &'static str {
    vectors()["issuer"].as_str().expect("issuer")
}

/// The vectors' issuer's keys: its JWKS plus the HS secret, as the worker
/// adds `hs_secret_var`.
pub fn vector_keys() -> &'static KeySet {
    static K: OnceLock<KeySet> = OnceLock::new();
    K.get_or_init(|| {
        let v = vectors();
        let mut set = parse_jwks(v["jwks"].to_string().as_bytes()).expect("JWKS parses");
        assert!(set.skipped.is_empty(), "{:?}", set.skipped);
        let secret = v["hs_secret"].as_str().expect("hs_secret");
        set.keys.push(std::sync::Arc::new(
            Jwk::hmac(secret.as_bytes()).expect("HS key"),
        ));
        set
    })
}

/// The decision target's `AUTHZ`: the vectors' issuer with every algorithm,
/// a second issuer whose keys are unreachable, the Basic exchange, and one
/// route of each kind (public, shadow, org capture, roles with methods,
/// scopes, org header).
pub fn decide_config() -> &'static Config {
    static C: OnceLock<Config> = OnceLock::new();
    C.get_or_init(|| {
        let iss = vector_issuer();
        let json = serde_json::json!({
            "origin": "https://origin.example",
            "issuers": [
                {
                    "issuer": iss,
                    "jwks_uri": format!("{iss}/protocol/openid-connect/certs"),
                    "token_endpoint": format!("{iss}/protocol/openid-connect/token"),
                    "algorithms": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                   "ES256", "EdDSA", "HS256", "HS384", "HS512"],
                    "hs_secret_var": "HS_SECRET",
                    "max_lifetime_seconds": 10_000_000_000u64
                },
                {
                    "issuer": "https://other.example.com/realms/o",
                    "jwks_uri": "https://other.example.com/realms/o/certs",
                    "audiences": ["api"]
                }
            ],
            "basic_exchange": { "issuer": iss, "scope": "api" },
            "routes": [
                { "path": "/public/*", "auth": "public" },
                { "path": "/shadow/*", "mode": "shadow" },
                { "path": "/orgs/{org}/*", "cross_org_roles": ["admin-full"] },
                { "path": "/admin/*", "methods": ["GET", "POST"], "roles_any": ["admin"] },
                { "path": "/scoped/*", "scopes_all": ["api:read"] },
                { "path": "/tenant/*", "org_header": "x-organization-id" },
                { "path": "/other/*", "issuers": ["https://other.example.com/realms/o"] }
            ],
            "forward": { "x-auth-subject": "sub", "x-auth-org": "$org", "x-auth-issuer": "iss" }
        });
        Config::from_value(json).expect("the decision target's config is valid")
    })
}

/// Whether `s` is distinctive enough that finding it in a problem body or
/// a challenge means it was echoed, not that our own fixed text happens to
/// contain it: 16 bytes or more, a digit, and none of the space and JSON
/// punctuation that every run of our own text longer than a word has.
pub fn distinctive(s: &str) -> bool {
    s.len() >= 16
        && s.bytes().any(|b| b.is_ascii_digit())
        && !s.contains([' ', '"', ':', ',', '\\'])
}
