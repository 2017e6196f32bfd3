//! The `AUTHZ` configuration (contract section 2): defaults, strictness, and
//! the key each error names.

use edge_authz::alg::Alg;
use edge_authz::config::{AuthMode, Config, ConfigError, Mode};
use edge_authz::error::AuthError;
use edge_authz::routes;
use edge_authz::secret::Secret;
use serde_json::{json, Value};

const ISS: &str = "https://sso.example.com/realms/ScpCloud";

fn minimal() -> Value {
    json!({
        "origin": "https://api.internal.example",
        "issuers": [{"issuer": ISS}],
    })
}

/// `minimal()` with `f` applied.
fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = minimal();
    f(&mut v);
    v
}

fn ok(v: Value) -> Config {
    match Config::from_value(v) {
        Ok(c) => c,
        Err(e) => panic!("expected a valid config, got {e:?}"),
    }
}

/// The key an invalid config is refused at.
fn key(v: Value) -> String {
    match Config::from_value(v) {
        Ok(_) => panic!("expected a configuration error"),
        Err(ConfigError { key, .. }) => key,
    }
}

fn route(r: Value) -> Value {
    with(|v| v["routes"] = json!([r]))
}

fn issuer(extra: Value) -> Value {
    with(|v| {
        if let (Some(i), Value::Object(extra)) = (v["issuers"][0].as_object_mut(), extra) {
            i.extend(extra);
        }
    })
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn defaults() {
    let c = ok(minimal());
    assert_eq!(c.origin, "https://api.internal.example");
    assert_eq!(c.realm, "api");
    assert_eq!(c.leeway_seconds, 30);
    assert_eq!(c.max_token_bytes, 8192);
    assert_eq!(c.strip_header_prefix.as_deref(), Some("x-auth-"));
    assert!(c.basic_exchange.is_none());
    assert!(c.routes.is_empty());
    assert!(c.forward.is_empty());
    let i = &c.issuers[0];
    assert_eq!(i.issuer, ISS);
    assert_eq!(i.algorithms, Alg::DEFAULT_ALLOWED.to_vec());
    assert_eq!(i.token_types, ["Bearer"]);
    assert_eq!(
        i.org_claims,
        ["organizationId", "org_id", "rh-org-id", "tenant"]
    );
    assert_eq!(i.audiences, None);
    assert_eq!(i.organizations, None);
    assert_eq!(i.clients, None);
    assert_eq!(i.max_lifetime_seconds, None);
    assert_eq!(i.hs_secret_var, None);
    assert_eq!(i.jwks_uri, None);
    assert_eq!(
        i.discovery_url(),
        format!("{ISS}/.well-known/openid-configuration")
    );
}

/// The contract's own example, as wrangler hands it over.
fn contract_example() -> Value {
    json!({
        "origin": "https://api.internal.example",
        "realm": "api",
        "leeway_seconds": 30,
        "max_token_bytes": 8192,
        "strip_header_prefix": "x-auth-",
        "issuers": [{
            "issuer": ISS,
            "audiences": ["scpCloud"],
            "algorithms": ["RS256"],
            "token_types": ["Bearer"],
            "org_claims": ["organizationId"],
            "organizations": ["c7834e89-..."],
            "clients": ["integration-api-service"],
            "max_lifetime_seconds": 86400,
        }],
        "basic_exchange": {"issuer": ISS, "scope": "api"},
        "routes": [{
            "path": "/orgs/{org}/*",
            "methods": ["GET", "POST"],
            "auth": "required",
            "issuers": [ISS],
            "org_header": "x-organization-id",
            "roles_any": ["kas-fleet-manager-admin-read"],
            "scopes_all": ["api:read"],
            "cross_org_roles": ["kas-fleet-manager-admin-full"],
            "mode": "enforce",
        }],
        "forward": {
            "x-auth-subject": "sub",
            "x-auth-org": "$org",
            "x-auth-client-id": "azp",
            "x-auth-issuer": "iss",
            "x-auth-roles": "realm_access.roles",
        },
    })
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_contract_example_parses() {
    let c = ok(contract_example());
    let i = &c.issuers[0];
    assert_eq!(i.audiences.as_deref(), Some(&["scpCloud".to_string()][..]));
    assert_eq!(i.algorithms, [Alg::Rs256]);
    assert_eq!(i.max_lifetime_seconds, Some(86400));
    let b = c.basic_exchange.as_ref().unwrap();
    assert_eq!((b.issuer, b.scope.as_deref()), (0, Some("api")));
    let r = &c.routes[0];
    assert_eq!(r.path, "/orgs/{org}/*");
    assert!(r.pattern.has_org());
    assert_eq!(
        r.methods.as_deref(),
        Some(&["GET".to_string(), "POST".to_string()][..])
    );
    assert_eq!((r.auth, r.mode), (AuthMode::Required, Mode::Enforce));
    assert_eq!(r.org_header.as_deref(), Some("x-organization-id"));
    assert_eq!(r.cross_org_roles, ["kas-fleet-manager-admin-full"]);
    assert_eq!(c.forward.len(), 5);
    assert!(c
        .forward
        .contains(&("x-auth-org".to_string(), "$org".to_string())));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_json_string_form_is_the_same_object() {
    let text = contract_example().to_string();
    let a = ok(contract_example());
    let b = Config::from_json_str(&text).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let e = Config::from_json_str("{not json").unwrap_err();
    assert_eq!(e.key, "AUTHZ");
    assert_eq!(Config::from_json_str("[1]").unwrap_err().key, "AUTHZ");
    assert_eq!(Config::from_json_str("\"x\"").unwrap_err().key, "AUTHZ");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn unknown_keys_are_named() {
    let e = Config::from_value(issuer(json!({"bogus": 1}))).unwrap_err();
    assert_eq!(
        e,
        ConfigError {
            key: "issuers[0].bogus".into(),
            message: "unknown key".into()
        }
    );
    assert_eq!(key(with(|v| v["Origin"] = json!("x"))), "Origin");
    // Found by fuzzing (TOML `[''.x]`): an empty key was named "".
    assert_eq!(key(with(|v| v[""] = json!({"x": 1}))), "\"\"");
    assert_eq!(
        key(with(
            |v| v["basic_exchange"] = json!({"issuer": ISS, "secret": "x"})
        )),
        "basic_exchange.secret"
    );
    assert_eq!(
        key(route(json!({"path": "/x", "role_any": ["a"]}))),
        "routes[0].role_any"
    );
    // A typo of a real key is caught, not silently ignored.
    assert_eq!(
        key(issuer(json!({"audience": ["x"]}))),
        "issuers[0].audience"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn types_are_checked() {
    assert_eq!(key(json!([])), "AUTHZ");
    assert_eq!(
        key(with(|v| v["leeway_seconds"] = json!("30"))),
        "leeway_seconds"
    );
    assert_eq!(
        key(with(|v| v["leeway_seconds"] = json!(-1))),
        "leeway_seconds"
    );
    assert_eq!(
        key(with(|v| v["leeway_seconds"] = json!(1.5))),
        "leeway_seconds"
    );
    assert_eq!(key(with(|v| v["realm"] = json!(null))), "realm");
    assert_eq!(
        key(with(|v| v["issuers"] = json!({"issuer": ISS}))),
        "issuers"
    );
    assert_eq!(key(with(|v| v["issuers"] = json!(["x"]))), "issuers[0]");
    assert_eq!(key(with(|v| v["routes"] = json!({}))), "routes");
    assert_eq!(key(with(|v| v["forward"] = json!([]))), "forward");
    assert_eq!(
        key(issuer(json!({"audiences": ["a", 3]}))),
        "issuers[0].audiences[1]"
    );
    assert_eq!(
        key(issuer(json!({"audiences": "a"}))),
        "issuers[0].audiences"
    );
    assert_eq!(
        key(issuer(json!({"max_lifetime_seconds": "1h"}))),
        "issuers[0].max_lifetime_seconds"
    );
    assert_eq!(
        key(route(json!({"path": "/x", "methods": ["GET", ""]}))),
        "routes[0].methods[1]"
    );
    assert_eq!(key(route(json!({"path": 1}))), "routes[0].path");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ranges() {
    for (k, v) in [
        ("leeway_seconds", 0),
        ("leeway_seconds", 300),
        ("max_token_bytes", 256),
        ("max_token_bytes", 65536),
    ] {
        ok(with(|c| c[k] = json!(v)));
    }
    for (k, v) in [
        ("leeway_seconds", 301),
        ("max_token_bytes", 255),
        ("max_token_bytes", 65537),
        ("max_token_bytes", 0),
    ] {
        assert_eq!(key(with(|c| c[k] = json!(v))), k);
    }
    assert_eq!(
        key(issuer(json!({"max_lifetime_seconds": 0}))),
        "issuers[0].max_lifetime_seconds"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn realm_and_strip_prefix() {
    assert_eq!(ok(with(|v| v["realm"] = json!("my api"))).realm, "my api");
    assert_eq!(key(with(|v| v["realm"] = json!("a\"b"))), "realm");
    assert_eq!(key(with(|v| v["realm"] = json!(""))), "realm");
    let c = ok(with(|v| v["strip_header_prefix"] = json!("X-Internal-")));
    assert_eq!(c.strip_header_prefix.as_deref(), Some("x-internal-"));
    let c = ok(with(|v| v["strip_header_prefix"] = json!("")));
    assert_eq!(c.strip_header_prefix, None);
    assert_eq!(
        key(with(|v| v["strip_header_prefix"] = json!("x auth"))),
        "strip_header_prefix"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn origin() {
    assert_eq!(key(json!({"issuers": [{"issuer": ISS}]})), "origin");
    for bad in [
        "",
        "api.internal.example",
        "ftp://api.internal.example",
        "https://",
        "https://user:pw@api.internal.example",
        "https://api.internal.example/?x=1",
    ] {
        assert_eq!(key(with(|v| v["origin"] = json!(bad))), "origin", "{bad}");
    }
    // Plain http to origin is the operator's call (a private network).
    ok(with(|v| v["origin"] = json!("http://10.0.0.1:8080")));
    ok(with(|v| {
        v["origin"] = json!("https://api.internal.example/base")
    }));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn issuers_required_and_unique() {
    assert_eq!(key(with(|v| v["issuers"] = json!([]))), "issuers");
    assert_eq!(
        key(json!({"origin": "https://api.internal.example"})),
        "issuers"
    );
    assert_eq!(
        key(with(|v| v["issuers"] = json!([{}]))),
        "issuers[0].issuer"
    );
    let dup = with(|v| v["issuers"] = json!([{"issuer": ISS}, {"issuer": ISS}]));
    assert_eq!(key(dup), "issuers[1].issuer");
    let c =
        ok(with(
            |v| v["issuers"] = json!([{"issuer": ISS}, {"issuer": "https://other.example.com"}]),
        ));
    assert_eq!(c.issuer_index("https://other.example.com"), Some(1));
    assert_eq!(c.issuer_index("https://other.example.com/"), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn endpoints_must_be_https_except_on_loopback() {
    for good in [
        "https://sso.example.com/certs",
        "http://127.0.0.1:9000/certs",
        "http://localhost/certs",
        "http://[::1]:8080/certs",
    ] {
        ok(issuer(json!({"jwks_uri": good, "token_endpoint": good})));
    }
    for bad in [
        "http://sso.example.com/certs",
        "http://127.0.0.1@evil.com/certs",
        "http://localhost.evil.com/certs",
        "http://127.0.0.1.nip.io/certs",
        "sso.example.com/certs",
        "file:///etc/passwd",
    ] {
        assert_eq!(
            key(issuer(json!({"jwks_uri": bad}))),
            "issuers[0].jwks_uri",
            "{bad}"
        );
        assert_eq!(
            key(issuer(json!({"token_endpoint": bad}))),
            "issuers[0].token_endpoint",
            "{bad}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn discovery_from_the_issuer_url_needs_https_too() {
    let plain = json!([{"issuer": "http://sso.example.com/realms/x"}]);
    assert_eq!(key(with(|v| v["issuers"] = plain)), "issuers[0].issuer");
    ok(with(|v| {
        v["issuers"] = json!([{"issuer": "http://127.0.0.1:8080/realms/x"}])
    }));
    // With a jwks_uri the issuer is only an identifier, never fetched.
    ok(with(|v| {
        v["issuers"] = json!([{"issuer": "urn:example:issuer",
                               "jwks_uri": "https://keys.example.com/jwks"}])
    }));
    // An HS-only issuer fetches nothing.
    ok(with(|v| {
        v["issuers"] = json!([{"issuer": "legacy", "algorithms": ["HS256"],
                               "hs_secret_var": "SSO_HS_SECRET"}])
    }));
    // The exchange issuer's token endpoint is discovered too.
    let exchange = with(|v| {
        v["issuers"] = json!([{"issuer": "http://sso.example.com",
                               "jwks_uri": "https://sso.example.com/certs"}]);
        v["basic_exchange"] = json!({"issuer": "http://sso.example.com"});
    });
    assert_eq!(key(exchange), "basic_exchange.issuer");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn algorithms() {
    let c = ok(issuer(json!({"algorithms": ["ES256", "RS512", "ES256"]})));
    assert_eq!(c.issuers[0].algorithms, [Alg::Es256, Alg::Rs512]);
    for bad in ["none", "NONE", "rs256", "RS1", ""] {
        assert_eq!(
            key(issuer(json!({"algorithms": ["RS256", bad]}))),
            "issuers[0].algorithms[1]",
            "{bad}"
        );
    }
    let e = Config::from_value(issuer(json!({"algorithms": ["none"]}))).unwrap_err();
    assert!(e.message.contains("none"), "{}", e.message);
    assert_eq!(
        key(issuer(json!({"algorithms": []}))),
        "issuers[0].algorithms"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hs_only_with_a_secret_var() {
    assert_eq!(
        key(issuer(json!({"algorithms": ["RS256", "HS256"]}))),
        "issuers[0].algorithms"
    );
    assert_eq!(
        key(issuer(json!({"hs_secret_var": "SSO_HS_SECRET"}))),
        "issuers[0].hs_secret_var",
        "the default algorithms have no HS*"
    );
    assert_eq!(
        key(issuer(
            json!({"algorithms": ["HS256"], "hs_secret_var": "not a name"})
        )),
        "issuers[0].hs_secret_var"
    );
    let c = ok(issuer(
        json!({"algorithms": ["RS256", "HS512"], "hs_secret_var": "SSO_HS_SECRET"}),
    ));
    assert_eq!(c.issuers[0].hs_secret_var.as_deref(), Some("SSO_HS_SECRET"));
}

/// Two issuers, the second allowing HS256 with the secret `SSO_HS_SECRET`.
fn second_issuer_hs() -> Config {
    ok(with(|v| {
        v["issuers"] = json!([
            {"issuer": ISS},
            {"issuer": "legacy", "algorithms": ["HS256"], "hs_secret_var": "SSO_HS_SECRET"},
        ])
    }))
}

/// The secret a lookup of `wanted` finds: `value` under that name only.
fn secrets(wanted: &'static str, value: &'static str) -> impl Fn(&str) -> Option<Secret> {
    move |var| (var == wanted).then(|| Secret::new(value))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_unusable_hs_secret_is_a_config_error_naming_its_var_not_its_value() {
    let cfg = second_issuer_hs();
    let long = "0123456789abcdef0123456789abcdef";
    assert_eq!(cfg.check_hs_secrets(secrets("SSO_HS_SECRET", long)), Ok(()));

    let unset = cfg.check_hs_secrets(secrets("OTHER", long)).unwrap_err();
    assert_eq!(unset.key, "issuers[1].hs_secret_var");
    assert!(
        unset.message.contains("SSO_HS_SECRET is not set"),
        "{unset:?}"
    );

    let short = "only-twenty-one-bytes";
    let err = cfg
        .check_hs_secrets(secrets("SSO_HS_SECRET", short))
        .unwrap_err();
    assert_eq!(err.key, "issuers[1].hs_secret_var");
    assert!(err.message.contains("is under 32 bytes"), "{err:?}");
    assert!(!err.message.contains("21"), "not even its length: {err:?}");
    assert!(
        !err.message.contains(short),
        "the secret is echoed: {err:?}"
    );
    let refusal = AuthError::from(err);
    assert_eq!(refusal.status(), 500);
    assert_eq!(refusal.code(), "config_error");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn without_hs_no_secret_is_looked_up() {
    let cfg = ok(minimal());
    let asked = std::cell::Cell::new(0);
    let lookup = |_: &str| {
        asked.set(asked.get() + 1);
        None
    };
    assert_eq!(cfg.check_hs_secrets(lookup), Ok(()));
    assert_eq!(asked.get(), 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn issuer_lists() {
    for k in [
        "audiences",
        "token_types",
        "org_claims",
        "organizations",
        "clients",
    ] {
        assert_eq!(
            key(issuer(json!({ k: [] }))),
            format!("issuers[0].{k}"),
            "an empty list is a mistake"
        );
        assert_eq!(
            key(issuer(json!({ k: ["a", ""] }))),
            format!("issuers[0].{k}[1]")
        );
    }
    for bad in ["a..b", ".a", "a."] {
        assert_eq!(
            key(issuer(json!({"org_claims": [bad]}))),
            "issuers[0].org_claims[0]"
        );
    }
    let c = ok(issuer(
        json!({"org_claims": ["account.org", "https://x.example/org"]}),
    ));
    assert_eq!(c.issuers[0].org_claims.len(), 2);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn basic_exchange() {
    let two = json!([{"issuer": ISS}, {"issuer": "https://b.example.com"}]);
    let c = ok(with(|v| {
        v["issuers"] = two.clone();
        v["basic_exchange"] = json!({"issuer": "https://b.example.com"});
    }));
    let b = c.basic_exchange.unwrap();
    assert_eq!((b.issuer, b.scope), (1, None));
    assert_eq!(
        key(with(
            |v| v["basic_exchange"] = json!({"issuer": "https://nope.example.com"})
        )),
        "basic_exchange.issuer"
    );
    assert_eq!(
        key(with(|v| v["basic_exchange"] = json!({}))),
        "basic_exchange.issuer"
    );
    assert_eq!(
        key(with(
            |v| v["basic_exchange"] = json!({"issuer": ISS, "scope": "a\"b"})
        )),
        "basic_exchange.scope"
    );
    ok(with(|v| {
        v["basic_exchange"] = json!({"issuer": ISS, "scope": "api openid"})
    }));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn route_defaults_and_normalisation() {
    let c = ok(route(json!({
        "path": "/v1/*",
        "methods": ["get", "Post", "GET"],
        "org_header": "X-Organization-ID",
    })));
    let r = &c.routes[0];
    assert_eq!(
        r.methods.as_deref(),
        Some(&["GET".to_string(), "POST".to_string()][..])
    );
    assert_eq!(r.org_header.as_deref(), Some("x-organization-id"));
    assert_eq!((r.auth, r.mode), (AuthMode::Required, Mode::Enforce));
    assert!(r.cross_org_roles.is_empty());
    assert!(r.issuers.is_none() && r.roles_any.is_none() && r.scopes_all.is_none());
    let c = ok(route(json!({"path": "/x", "mode": "shadow"})));
    assert_eq!(c.routes[0].mode, Mode::Shadow);
    let c = ok(route(json!({"path": "/health", "auth": "public"})));
    assert_eq!(c.routes[0].auth, AuthMode::Public);
    ok(route(json!({"path": "/x", "cross_org_roles": []})));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn route_errors_name_the_key() {
    let cases = [
        (json!({}), "routes[0].path"),
        (json!({"path": "orgs"}), "routes[0].path"),
        (json!({"path": "/{tenant}"}), "routes[0].path"),
        (json!({"path": "/a/*/b"}), "routes[0].path"),
        (json!({"path": "/{org}/{org}"}), "routes[0].path"),
        (json!({"path": "/x", "methods": []}), "routes[0].methods"),
        (
            json!({"path": "/x", "methods": ["GE T"]}),
            "routes[0].methods[0]",
        ),
        (json!({"path": "/x", "auth": "optional"}), "routes[0].auth"),
        (json!({"path": "/x", "mode": "audit"}), "routes[0].mode"),
        (
            json!({"path": "/x", "issuers": ["https://x"]}),
            "routes[0].issuers[0]",
        ),
        (
            json!({"path": "/x", "org_header": "x org"}),
            "routes[0].org_header",
        ),
        (
            json!({"path": "/x", "org_header": ""}),
            "routes[0].org_header",
        ),
        (
            json!({"path": "/x", "roles_any": []}),
            "routes[0].roles_any",
        ),
        (
            json!({"path": "/x", "scopes_all": ["a b"]}),
            "routes[0].scopes_all[0]",
        ),
        (
            json!({"path": "/x", "cross_org_roles": ["admin"]}),
            "routes[0].cross_org_roles",
        ),
    ];
    for (r, k) in cases {
        assert_eq!(key(route(r.clone())), k, "{r}");
    }
    let second = with(|v| v["routes"] = json!([{"path": "/a"}, {"path": "/b", "bad": 1}]));
    assert_eq!(key(second), "routes[1].bad");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn public_routes_cannot_carry_checks() {
    for (k, v) in [
        ("issuers", json!([ISS])),
        ("org_header", json!("x-org")),
        ("roles_any", json!(["r"])),
        ("scopes_all", json!(["s"])),
        ("mode", json!("shadow")),
    ] {
        let r = json!({"path": "/p", "auth": "public", k: v});
        assert_eq!(key(route(r)), format!("routes[0].{k}"));
    }
    let r = json!({"path": "/p/{org}", "auth": "public", "cross_org_roles": ["a"]});
    assert_eq!(key(route(r)), "routes[0].cross_org_roles");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn forward_table() {
    let c = ok(with(|v| {
        v["forward"] = json!({"X-Auth-Subject": "sub", "x-user-roles": "realm_access.roles",
                              "x-auth-org": "$org"})
    }));
    let names: Vec<&str> = c.forward.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"x-auth-subject"));
    assert!(names.contains(&"x-user-roles"));
    for bad_name in [
        "authorization",
        "Authorization",
        "host",
        "cookie",
        "connection",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-authorization",
        "keep-alive",
        "content-length",
        "x auth",
        "x-auth:sub",
        "",
    ] {
        let k = key(with(|v| v["forward"] = json!({ bad_name: "sub" })));
        let shown = if bad_name.is_empty() {
            "\"\""
        } else {
            bad_name
        };
        assert_eq!(k, format!("forward.{shown}"));
    }
    // The one hop-by-hop list the proxy also drops inbound.
    for hop in edge_authz::forward::HOP_BY_HOP {
        let upper = hop.to_ascii_uppercase();
        for name in [*hop, upper.as_str()] {
            let k = key(with(|v| v["forward"] = json!({ name: "sub" })));
            assert_eq!(k, format!("forward.{name}"));
        }
    }
    for bad_value in [
        json!(""),
        json!("$sub"),
        json!("a..b"),
        json!(1),
        json!(["sub"]),
    ] {
        let k = key(with(|v| v["forward"] = json!({"x-auth-sub": bad_value})));
        assert_eq!(k, "forward.x-auth-sub");
    }
    let dup = with(|v| v["forward"] = json!({"X-Auth-Sub": "sub", "x-auth-sub": "azp"}));
    assert!(key(dup).starts_with("forward."));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn errors_become_a_500_naming_the_key() {
    let e: AuthError = Config::from_value(issuer(json!({"bogus": 1})))
        .unwrap_err()
        .into();
    assert_eq!(e.status(), 500);
    assert_eq!(e.code(), "config_error");
    assert!(e.problem_body().contains("issuers[0].bogus"));
    assert_eq!(e.www_authenticate("api", false), None);
}

fn find(c: &Config, method: &str, path: &str) -> Option<String> {
    routes::find(&c.routes, method, path)
        .ok()
        .flatten()
        .map(|(i, _)| c.routes[i].path.clone())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn first_matching_route_wins() {
    let c = ok(with(|v| {
        v["routes"] = json!([
            {"path": "/health", "auth": "public"},
            {"path": "/orgs/{org}/admin/*", "methods": ["POST", "DELETE"], "roles_any": ["admin"]},
            {"path": "/orgs/{org}/*"},
            {"path": "/*", "methods": ["GET"]},
        ])
    }));
    assert_eq!(find(&c, "GET", "/health").as_deref(), Some("/health"));
    assert_eq!(find(&c, "GET", "/health/").as_deref(), Some("/health"));
    assert_eq!(
        find(&c, "POST", "/orgs/o1/admin/x").as_deref(),
        Some("/orgs/{org}/admin/*")
    );
    assert_eq!(
        find(&c, "delete", "/orgs/o1/admin").as_deref(),
        Some("/orgs/{org}/admin/*"),
        "method case does not dodge a route"
    );
    assert_eq!(
        find(&c, "GET", "/orgs/o1/admin/x").as_deref(),
        Some("/orgs/{org}/*")
    );
    assert_eq!(find(&c, "GET", "/other?q=1").as_deref(), Some("/*"));
    assert_eq!(find(&c, "PUT", "/other"), None);
    let (i, m) = routes::find(&c.routes, "GET", "/orgs/a%20b/x")
        .unwrap()
        .unwrap();
    assert_eq!((i, m.org.as_deref()), (2, Some("a b")));
    // Two routes written alike are still told apart by their place.
    let twins = ok(with(|v| {
        v["routes"] = json!([
            {"path": "/a/*", "methods": ["POST"]},
            {"path": "/a/*"},
            {"path": "/a/*"},
        ])
    }));
    let found = routes::find(&twins.routes, "GET", "/a/x").unwrap();
    assert_eq!(found.map(|(i, _)| i), Some(1));
}
