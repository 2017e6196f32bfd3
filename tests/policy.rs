//! Scope (contract 3.5): the claim readers the policy is built on. The
//! checks themselves, which need a verified token, are driven end to end
//! in `tests/decide.rs`.

use edge_authz::policy::{lookup, resolve_org, roles, scopes};
use serde_json::{json, Map, Value};

fn claims(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn default_org_claims() -> Vec<String> {
    ["organizationId", "org_id", "rh-org-id", "tenant"]
        .map(String::from)
        .to_vec()
}

/// A Keycloak access token's payload, as the source documents show it.
fn keycloak() -> Map<String, Value> {
    claims(json!({
        "exp": 1_700_000_300,
        "iat": 1_700_000_000,
        "iss": "https://sso.example.com/realms/ScpCloud",
        "aud": ["scpCloud", "account"],
        "sub": "f:1234:alice",
        "typ": "Bearer",
        "azp": "integration-api-service",
        "realm_access": {"roles": ["offline_access", "kas-fleet-manager-admin-read"]},
        "resource_access": {"account": {"roles": ["manage-account"]}},
        "scope": "openid api:read profile",
        "organizationId": "c7834e89-0000-4000-8000-000000000001",
        "is_org_admin": true
    }))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keycloak_token_readers() {
    let c = keycloak();
    assert_eq!(
        resolve_org(&c, &default_org_claims()).as_deref(),
        Some("c7834e89-0000-4000-8000-000000000001")
    );
    assert_eq!(
        roles(&c),
        ["offline_access", "kas-fleet-manager-admin-read"]
    );
    assert_eq!(scopes(&c), ["openid", "api:read", "profile"]);
    assert_eq!(
        lookup(&c, "resource_access.account.roles"),
        Some(&json!(["manage-account"]))
    );
    assert_eq!(lookup(&c, "is_org_admin"), Some(&json!(true)));
    assert_eq!(
        lookup(&c, "realm_access.roles.0"),
        None,
        "no array indexing"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn org_claim_order_and_types() {
    let order = default_org_claims();
    let org = |v: Value| resolve_org(&claims(v), &order);
    assert_eq!(
        org(json!({"tenant": "t", "rh-org-id": "r"})).as_deref(),
        Some("r")
    );
    assert_eq!(
        org(json!({"rh-org-id": 11009103})).as_deref(),
        Some("11009103")
    );
    assert_eq!(org(json!({"org_id": -3})).as_deref(), Some("-3"));
    assert_eq!(org(json!({"org_id": 1e3})), None, "not an integer");
    assert_eq!(
        org(json!({"org_id": null, "tenant": "t"})).as_deref(),
        Some("t")
    );
    assert_eq!(org(json!({"org_id": {"id": "x"}})), None);
    // Configured order wins over the default order.
    let custom = vec!["tenant".to_string(), "organizationId".to_string()];
    let c = claims(json!({"organizationId": "a", "tenant": "b"}));
    assert_eq!(resolve_org(&c, &custom).as_deref(), Some("b"));
    assert_eq!(resolve_org(&c, &[]), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn namespaced_and_nested_claims() {
    let c = claims(json!({
        "https://example.com/claims": {"org.id": "n1"},
        "https://example.com/org": "flat",
        "a": {"b": {"c": "deep"}}
    }));
    assert_eq!(lookup(&c, "https://example.com/org"), Some(&json!("flat")));
    assert_eq!(
        lookup(&c, "https://example.com/claims.org.id"),
        Some(&json!("n1"))
    );
    assert_eq!(lookup(&c, "a.b.c"), Some(&json!("deep")));
    assert_eq!(lookup(&c, "a.b"), Some(&json!({"c": "deep"})));
    assert_eq!(lookup(&c, "a.x.c"), None);
    assert_eq!(lookup(&c, "a.b.c.d"), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn roles_and_scopes_ignore_junk() {
    let c = claims(json!({
        "realm_access": {"roles": [null, 1, "a", {"x": 1}, "a"]},
        "roles": {"not": "a list"},
        "groups": "g1  g2",
        "scope": ["not", "a", "string"],
        "scp": [1, "s1"]
    }));
    assert_eq!(roles(&c), ["a", "g1", "g2"]);
    assert_eq!(scopes(&c), ["not", "a", "string", "s1"]);
    assert!(roles(&Map::new()).is_empty());
    assert!(scopes(&Map::new()).is_empty());
}
