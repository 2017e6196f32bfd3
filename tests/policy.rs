//! Scope (contract 3.5): the claim readers the policy is built on, and the
//! checks themselves on minted tokens through `decision::decide` at a fixed
//! clock.

mod common;

use common::{keyset, mint, rsa_a, rsa_b, view, with, AUDIENCE, ISSUER, NOW, ORG};
use edge_authz::config::Config;
use edge_authz::decision::{decide, Outcome, Request, Verdict};
use edge_authz::json_tree::Tree;
use edge_authz::jwks::KeySet;
use edge_authz::policy::{lookup, resolve_org, roles, scopes};
use edge_authz::signature::RustCrypto;
use serde_json::{json, Value};

fn claims(v: Value) -> Tree {
    Tree::from_map(&v.as_object().cloned().unwrap_or_default()).unwrap()
}

fn default_org_claims() -> Vec<String> {
    ["organizationId", "org_id", "rh-org-id", "tenant"]
        .map(String::from)
        .to_vec()
}

/// A Keycloak access token's payload, as the source documents show it.
fn keycloak() -> Tree {
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
        lookup(&c, "resource_access.account.roles").map(|v| v.to_serde()),
        Some(json!(["manage-account"]))
    );
    assert_eq!(
        lookup(&c, "is_org_admin").map(|v| v.to_serde()),
        Some(json!(true))
    );
    assert!(
        lookup(&c, "realm_access.roles.0").is_none(),
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
    assert_eq!(org(json!({"org_id": {"id": "x"}})), None);
    // The first claim present decides, usable or not: an empty, null or
    // mistyped org claim means no org, never the org of a claim further
    // down the list.
    for unusable in [
        json!(""),
        json!(null),
        json!(1.5),
        json!(true),
        json!(["o1"]),
        json!({"id": "o1"}),
    ] {
        let c = json!({"org_id": unusable, "rh-org-id": "r", "tenant": "t"});
        assert_eq!(org(c.clone()), None, "{c}");
    }
    let nested = vec!["account.org".to_string(), "tenant".to_string()];
    let c = claims(json!({"account": {"org": ""}, "tenant": "t"}));
    assert_eq!(resolve_org(&c, &nested), None);
    // A claim that is absent lets the next one speak.
    let c = claims(json!({"account": {"other": "x"}, "tenant": "t"}));
    assert_eq!(resolve_org(&c, &nested).as_deref(), Some("t"));
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
    let lookup = |path| lookup(&c, path).map(|v| v.to_serde());
    assert_eq!(lookup("https://example.com/org"), Some(json!("flat")));
    assert_eq!(
        lookup("https://example.com/claims.org.id"),
        Some(json!("n1"))
    );
    assert_eq!(lookup("a.b.c"), Some(json!("deep")));
    assert_eq!(lookup("a.b"), Some(json!({"c": "deep"})));
    assert_eq!(lookup("a.x.c"), None);
    assert_eq!(lookup("a.b.c.d"), None);
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
    assert!(roles(&Tree::empty()).is_empty());
    assert!(scopes(&Tree::empty()).is_empty());
}

// ---------------------------------------------------------------------------
// The checks, on verified tokens.

const PARTNER: &str = "https://partner.example.com";
const ADMIN_FULL: &str = "kas-fleet-manager-admin-full";

/// Two issuers (ours signs with `rsa_a`, the partner with `rsa_b`), the
/// given routes, `$org` forwarded.
fn scoped_config(issuer_extra: Value, routes: Value) -> Config {
    let ours = with(
        json!({"issuer": ISSUER, "jwks_uri": "https://sso.example.com/certs",
               "audiences": [AUDIENCE]}),
        issuer_extra,
    );
    let v = json!({
        "origin": "https://api.internal.example",
        "issuers": [ours, {"issuer": PARTNER, "jwks_uri": "https://partner.example.com/certs"}],
        "routes": routes,
        "forward": {"x-auth-org": "$org"},
    });
    match Config::from_value(v) {
        Ok(c) => c,
        Err(e) => panic!("test config refused: {e:?}"),
    }
}

/// A token of ours with these claim changes (`null` removes one).
fn ours(patch: Value) -> String {
    mint(&with(common::claims(), patch), &json!({}), rsa_a())
}

fn partners(patch: Value) -> String {
    let patch = with(json!({"iss": PARTNER}), patch);
    mint(&with(common::claims(), patch), &json!({}), rsa_b())
}

fn run(cfg: &Config, path: &str, token: &str, extra: &[(&str, &str)]) -> Outcome {
    let mut headers = vec![("authorization".to_string(), format!("Bearer {token}"))];
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    let req = Request {
        method: "GET",
        path,
        query: "",
        headers: &view(&headers),
    };
    let ours: KeySet = keyset(&[rsa_a()]);
    let theirs: KeySet = keyset(&[rsa_b()]);
    let keys = |i: usize| match i {
        0 => Some(&ours),
        1 => Some(&theirs),
        _ => None,
    };
    decide(cfg, &req, keys, &RustCrypto, NOW)
}

/// `"allow"` with the forwarded `$org`, or the refusal's code.
fn verdict(o: &Outcome) -> (String, Option<String>) {
    match &o.verdict {
        Verdict::Forward(plan) => (
            o.log.decision.to_string(),
            plan.set
                .iter()
                .find(|(n, _)| n == "x-auth-org")
                .map(|(_, v)| v.clone()),
        ),
        Verdict::Refuse(e) => {
            assert_eq!(e.status(), 403, "{e:?}");
            (e.code().to_string(), None)
        }
    }
}

fn allowed(org: &str) -> (String, Option<String>) {
    ("allow".to_string(), Some(org.to_string()))
}

fn denied(code: &str) -> (String, Option<String>) {
    (code.to_string(), None)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn org_in_the_path() {
    let cfg = scoped_config(json!({}), json!([{"path": "/orgs/{org}/*"}]));
    let t = ours(json!({}));
    assert_eq!(
        verdict(&run(&cfg, &format!("/orgs/{ORG}/clusters"), &t, &[])),
        allowed(ORG)
    );
    assert_eq!(
        verdict(&run(&cfg, &format!("/orgs/{ORG}"), &t, &[])),
        allowed(ORG)
    );
    assert_eq!(
        verdict(&run(&cfg, "/orgs/other/clusters", &t, &[])),
        denied("org_mismatch")
    );
    let upper = format!("/orgs/{}/x", ORG.to_uppercase());
    assert_eq!(verdict(&run(&cfg, &upper, &t, &[])), denied("org_mismatch"));
    let orgless = ours(json!({"organizationId": null}));
    assert_eq!(
        verdict(&run(&cfg, &format!("/orgs/{ORG}/x"), &orgless, &[])),
        denied("org_mismatch")
    );
    // Outside the {org} route there is no target to compare.
    assert_eq!(verdict(&run(&cfg, "/elsewhere", &t, &[])), allowed(ORG));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn org_from_another_claim() {
    let cfg = scoped_config(json!({}), json!([{"path": "/orgs/{org}/*"}]));
    let t = ours(json!({"organizationId": null, "rh-org-id": 11009103}));
    assert_eq!(
        verdict(&run(&cfg, "/orgs/11009103/x", &t, &[])),
        allowed("11009103")
    );
    let both = ours(json!({"org_id": "second"}));
    assert_eq!(
        verdict(&run(&cfg, "/orgs/second/x", &both, &[])),
        denied("org_mismatch"),
        "organizationId comes first"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn org_from_a_header() {
    let cfg = scoped_config(
        json!({}),
        json!([{"path": "/api/*", "org_header": "x-organization-id"}]),
    );
    let t = ours(json!({}));
    let h = |v: &'static str| [("x-organization-id", v)];
    assert_eq!(
        verdict(&run(&cfg, "/api/x", &t, &[])),
        allowed(ORG),
        "no header, no target"
    );
    assert_eq!(
        verdict(&run(&cfg, "/api/x", &t, &[("x-organization-id", ORG)])),
        allowed(ORG)
    );
    assert_eq!(
        verdict(&run(&cfg, "/api/x", &t, &h("other"))),
        denied("org_mismatch")
    );
    assert_eq!(
        verdict(&run(&cfg, "/api/x", &t, &h(""))),
        denied("org_mismatch")
    );
    // A second header cannot hide behind the first.
    let twice = [("x-organization-id", ORG), ("x-organization-id", "other")];
    assert_eq!(
        verdict(&run(&cfg, "/api/x", &t, &twice)),
        denied("org_mismatch")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn cross_org_roles_act_on_any_org() {
    let cfg = scoped_config(
        json!({}),
        json!([{"path": "/orgs/{org}/*", "org_header": "x-organization-id",
                "cross_org_roles": [ADMIN_FULL]}]),
    );
    let admin = ours(json!({"realm_access": {"roles": [ADMIN_FULL]}}));
    let reader = ours(json!({}));
    assert_eq!(
        verdict(&run(&cfg, "/orgs/other/x", &admin, &[])),
        allowed(ORG),
        "$org stays the token's own"
    );
    assert_eq!(
        verdict(&run(&cfg, "/orgs/other/x", &reader, &[])),
        denied("org_mismatch")
    );
    let header = [("x-organization-id", "other")];
    assert_eq!(
        verdict(&run(&cfg, "/orgs/other/x", &admin, &header)),
        allowed(ORG)
    );
    let split = [("x-organization-id", "third")];
    assert_eq!(
        verdict(&run(&cfg, "/orgs/other/x", &admin, &split)),
        denied("org_mismatch"),
        "path and header name different orgs"
    );
    let orgless_admin = ours(json!({"organizationId": null, "groups": [ADMIN_FULL]}));
    let o = run(&cfg, "/orgs/other/x", &orgless_admin, &[]);
    assert_eq!(o.log.decision, "allow");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn issuer_organizations_and_clients() {
    let cfg = scoped_config(
        json!({"organizations": [ORG, "sister-org"], "clients": ["integration-api-service"]}),
        json!([{"path": "/orgs/{org}/*", "cross_org_roles": [ADMIN_FULL]}]),
    );
    assert_eq!(
        verdict(&run(&cfg, "/x", &ours(json!({})), &[])),
        allowed(ORG)
    );
    let stranger = ours(json!({"organizationId": "stranger"}));
    assert_eq!(
        verdict(&run(&cfg, "/x", &stranger, &[])),
        denied("org_not_allowed")
    );
    let orgless = ours(json!({"organizationId": null}));
    assert_eq!(
        verdict(&run(&cfg, "/x", &orgless, &[])),
        denied("org_not_allowed")
    );
    let other_client = ours(json!({"azp": "someone-else"}));
    assert_eq!(
        verdict(&run(&cfg, "/x", &other_client, &[])),
        denied("client_not_allowed")
    );
    let by_client_id = ours(json!({"azp": null, "client_id": "integration-api-service"}));
    assert_eq!(verdict(&run(&cfg, "/x", &by_client_id, &[])), allowed(ORG));
    // The issuer's organisations bound a cross-org admin's targets too.
    let admin = ours(json!({"realm_access": {"roles": [ADMIN_FULL]}}));
    assert_eq!(
        verdict(&run(&cfg, "/orgs/sister-org/x", &admin, &[])),
        allowed(ORG)
    );
    assert_eq!(
        verdict(&run(&cfg, "/orgs/stranger/x", &admin, &[])),
        denied("org_not_allowed")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn route_issuers_roles_and_scopes() {
    let cfg = scoped_config(
        json!({}),
        json!([
            {"path": "/internal/*", "issuers": [ISSUER]},
            {"path": "/admin/*", "roles_any": ["admin", ADMIN_FULL]},
            {"path": "/write/*", "scopes_all": ["api:read", "api:write"]},
        ]),
    );
    assert_eq!(
        verdict(&run(&cfg, "/internal/x", &ours(json!({})), &[])),
        allowed(ORG)
    );
    assert_eq!(
        verdict(&run(&cfg, "/internal/x", &partners(json!({})), &[])),
        denied("issuer_not_allowed")
    );
    assert_eq!(
        verdict(&run(&cfg, "/other", &partners(json!({})), &[])),
        allowed(ORG)
    );

    assert_eq!(
        verdict(&run(&cfg, "/admin/x", &ours(json!({})), &[])),
        denied("missing_role")
    );
    let admin = ours(json!({"roles": ["admin"]}));
    assert_eq!(verdict(&run(&cfg, "/admin/x", &admin, &[])), allowed(ORG));

    let o = run(&cfg, "/write/x", &ours(json!({})), &[]);
    assert_eq!(verdict(&o), denied("missing_scope"));
    let Verdict::Refuse(e) = &o.verdict else {
        unreachable!()
    };
    assert!(e
        .www_authenticate("api", false)
        .is_some_and(|c| c.ends_with(", scope=\"api:write\"")));
    let writer = ours(json!({"scope": "api:write openid api:read"}));
    assert_eq!(verdict(&run(&cfg, "/write/x", &writer, &[])), allowed(ORG));
}

/// The refusal's detail, which the caller reads in the body and the
/// challenge's `error_description`.
fn detail(o: &Outcome) -> String {
    match &o.verdict {
        Verdict::Refuse(e) => e.detail(),
        Verdict::Forward(_) => panic!("expected a refusal"),
    }
}

/// A refused caller (a Basic customer cannot decode the token it was
/// given) learns which organisation, or which roles, the decision turned
/// on: values of the configuration and of the verified token, never of
/// the request.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn scope_refusals_say_what_they_turned_on() {
    let cfg = scoped_config(
        json!({"organizations": [ORG, "sister-org"]}),
        json!([
            {"path": "/orgs/{org}/*", "cross_org_roles": [ADMIN_FULL], "org_header": "x-org"},
            {"path": "/admin/*", "roles_any": ["admin", "operator"]},
        ]),
    );
    let mine = run(&cfg, "/orgs/sister-org/x", &ours(json!({})), &[]);
    assert_eq!(verdict(&mine), denied("org_mismatch"));
    assert_eq!(
        detail(&mine),
        format!("the token acts for organisation {ORG}, not for the target one")
    );

    let both = run(
        &cfg,
        &format!("/orgs/{ORG}/x"),
        &ours(json!({})),
        &[("x-org", "sister-org")],
    );
    assert_eq!(verdict(&both), denied("org_mismatch"));
    assert_eq!(
        detail(&both),
        "the path and the org header name different organisations"
    );

    // The admin's own org is allowed; the one it acts for is not.
    let admin = ours(json!({"realm_access": {"roles": [ADMIN_FULL]}}));
    let cross = run(&cfg, "/orgs/stranger/x", &admin, &[]);
    assert_eq!(verdict(&cross), denied("org_not_allowed"));
    assert!(
        detail(&cross).contains("the target organisation"),
        "{}",
        detail(&cross)
    );
    let stranger = run(
        &cfg,
        "/x",
        &ours(json!({"organizationId": "stranger"})),
        &[],
    );
    assert_eq!(verdict(&stranger), denied("org_not_allowed"));
    assert!(
        detail(&stranger).contains("the token's organisation"),
        "{}",
        detail(&stranger)
    );

    let roleless = run(&cfg, "/admin/x", &ours(json!({})), &[]);
    assert_eq!(verdict(&roleless), denied("missing_role"));
    assert!(
        detail(&roleless).ends_with("(one of: admin, operator)"),
        "{}",
        detail(&roleless)
    );
}
