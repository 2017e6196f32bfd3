use serde_json::{json, Value};

use super::*;
use crate::claims::for_tests;
use crate::config::Config;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn claims(v: Value) -> Tree {
    match v {
        Value::Object(m) => Tree::from_map(&m).unwrap(),
        _ => panic!("test claims must be an object"),
    }
}

fn cfg(extra_issuer: Value, route: Value) -> Config {
    let mut issuer = json!({"issuer": "https://sso.example.com/realms/a"});
    if let (Some(i), Value::Object(extra)) = (issuer.as_object_mut(), extra_issuer) {
        i.extend(extra);
    }
    Config::from_value(json!({
        "origin": "https://api.internal.example",
        "issuers": [issuer, {"issuer": "https://other.example.com"}],
        "routes": [route],
    }))
    .unwrap()
}

fn run(
    c: &Config,
    issuer: usize,
    token_claims: Value,
    path: &str,
    header: Option<&str>,
) -> Result<Scoped, AuthError> {
    let token = for_tests(issuer, claims(token_claims), 4_000_000_000);
    let route = c.routes.first();
    let matched = route
        .and_then(|r| r.pattern.matches(path))
        .unwrap_or_default();
    check(&token, &c.issuers[issuer], route, &matched, header)
}

#[test]
fn lookup_by_dotted_path() {
    let c = claims(json!({
        "realm_access": {"roles": ["a"]},
        "https://example.com/org": "o1",
        "ns": {"a.b": {"c": 3}},
        "flat.key": 1,
        "s": "x"
    }));
    let lookup = |path| lookup(&c, path).map(|v| v.to_serde());
    assert_eq!(lookup("realm_access.roles"), Some(json!(["a"])));
    assert_eq!(lookup("https://example.com/org"), Some(json!("o1")));
    assert_eq!(lookup("ns.a.b.c"), Some(json!(3)));
    assert_eq!(lookup("flat.key"), Some(json!(1)));
    assert_eq!(lookup("s.length"), None);
    assert_eq!(lookup("realm_access.missing"), None);
    assert_eq!(lookup(""), None);
    assert_eq!(lookup("."), None);
}

#[test]
fn org_is_the_first_present_claim() {
    let order: Vec<String> = ["organizationId", "org_id", "rh-org-id", "tenant"]
        .map(String::from)
        .to_vec();
    let org = |v| resolve_org(&claims(v), &order);
    assert_eq!(org(json!({"org_id": "b", "tenant": "d"})), Some("b".into()));
    assert_eq!(
        org(json!({"organizationId": "a", "org_id": "b"})),
        Some("a".into())
    );
    assert_eq!(org(json!({"rh-org-id": 12345})), Some("12345".into()));
    assert_eq!(
        org(json!({"organizationId": "", "tenant": "t"})),
        None,
        "present but unusable: no org, no fall-through"
    );
    assert_eq!(org(json!({"organizationId": ["x"], "org_id": "b"})), None);
    assert_eq!(org(json!({"organizationId": true})), None);
    assert_eq!(org(json!({})), None);
    let nested = ["account.org".to_string()];
    assert_eq!(
        resolve_org(&claims(json!({"account": {"org": "n"}})), &nested),
        Some("n".into())
    );
}

#[test]
fn roles_from_keycloak_and_flat_claims() {
    let r = roles(&claims(json!({
        "realm_access": {"roles": ["a", "b", 7]},
        "roles": "c a",
        "groups": ["/g1", "b"]
    })));
    assert_eq!(r, ["a", "b", "c", "/g1"]);
    assert!(roles(&claims(json!({"realm_access": "x"}))).is_empty());
}

#[test]
fn scopes_from_scope_and_scp() {
    let s = scopes(&claims(
        json!({"scope": "openid  api:read\tapi:write", "scp": ["x", "openid"]}),
    ));
    assert_eq!(s, ["openid", "api:read", "api:write", "x"]);
    assert_eq!(scopes(&claims(json!({"scp": "a b"}))), ["a", "b"]);
    assert!(scopes(&claims(json!({"scope": 3}))).is_empty());
}

#[test]
fn no_route_no_restrictions() {
    let c = cfg(json!({}), json!({"path": "/x"}));
    let t = for_tests(0, claims(json!({"org_id": "o"})), 1);
    let got = check(&t, &c.issuers[0], None, &RouteMatch::default(), None);
    assert_eq!(
        got,
        Ok(Scoped {
            org: Some("o".into())
        })
    );
    let t = for_tests(0, claims(json!({})), 1);
    let got = check(&t, &c.issuers[0], None, &RouteMatch::default(), None);
    assert_eq!(got, Ok(Scoped { org: None }));
}

#[test]
fn route_issuer_allow_list() {
    let c = cfg(
        json!({}),
        json!({"path": "/x", "issuers": ["https://sso.example.com/realms/a"]}),
    );
    assert!(run(&c, 0, json!({}), "/x", None).is_ok());
    assert_eq!(
        run(&c, 1, json!({}), "/x", None),
        Err(AuthError::IssuerNotAllowed)
    );
}

#[test]
fn issuer_clients_by_azp_or_client_id() {
    let c = cfg(json!({"clients": ["svc"]}), json!({"path": "/x"}));
    assert!(run(&c, 0, json!({"azp": "svc"}), "/x", None).is_ok());
    assert!(run(&c, 0, json!({"client_id": "svc"}), "/x", None).is_ok());
    for bad in [json!({"azp": "other"}), json!({}), json!({"azp": ["svc"]})] {
        assert_eq!(
            run(&c, 0, bad, "/x", None),
            Err(AuthError::ClientNotAllowed)
        );
    }
}

#[test]
fn issuer_organizations() {
    let c = cfg(
        json!({"organizations": ["o1", "o2"]}),
        json!({"path": "/x"}),
    );
    assert!(run(&c, 0, json!({"org_id": "o2"}), "/x", None).is_ok());
    assert_eq!(
        run(&c, 0, json!({"org_id": "o3"}), "/x", None),
        Err(AuthError::OrgNotAllowed(OrgSide::Token))
    );
    assert_eq!(
        run(&c, 0, json!({}), "/x", None),
        Err(AuthError::OrgNotAllowed(OrgSide::Token)),
        "no org at all"
    );
    assert_eq!(
        run(&c, 0, json!({"org_id": "O1"}), "/x", None),
        Err(AuthError::OrgNotAllowed(OrgSide::Token)),
        "exact comparison"
    );
}

#[test]
fn org_in_path_must_be_the_tokens() {
    let c = cfg(json!({}), json!({"path": "/orgs/{org}/*"}));
    let ok = run(&c, 0, json!({"organizationId": "o1"}), "/orgs/o1/x", None);
    assert_eq!(
        ok,
        Ok(Scoped {
            org: Some("o1".into())
        })
    );
    for (token, path, own) in [
        (json!({"organizationId": "o1"}), "/orgs/o2/x", Some("o1")),
        (json!({"organizationId": "o1"}), "/orgs/O1", Some("o1")),
        (json!({}), "/orgs/o1", None),
    ] {
        assert_eq!(
            run(&c, 0, token, path, None),
            Err(AuthError::OrgMismatch(own.map(String::from))),
            "{path}"
        );
    }
    assert_eq!(
        AuthError::OrgMismatch(Some("o1".into())).detail(),
        "the token acts for organisation o1, not for the target one"
    );
}

#[test]
fn org_header_target() {
    let c = cfg(json!({}), json!({"path": "/x", "org_header": "x-org"}));
    let t = json!({"org_id": "o1"});
    assert!(run(&c, 0, t.clone(), "/x", Some("o1")).is_ok());
    assert!(
        run(&c, 0, t.clone(), "/x", None).is_ok(),
        "no header, no target"
    );
    assert_eq!(
        run(&c, 0, t.clone(), "/x", Some("o2")),
        Err(AuthError::OrgMismatch(Some("o1".into())))
    );
    assert_eq!(
        run(&c, 0, t, "/x", Some("o1, o2")),
        Err(AuthError::OrgMismatch(Some("o1".into()))),
        "repeated headers, joined"
    );
}

#[test]
fn path_and_header_must_agree() {
    let c = cfg(
        json!({}),
        json!({"path": "/orgs/{org}", "org_header": "x-org", "cross_org_roles": ["admin"]}),
    );
    let t = json!({"org_id": "o1"});
    assert!(run(&c, 0, t.clone(), "/orgs/o1", Some("o1")).is_ok());
    assert_eq!(
        run(&c, 0, t, "/orgs/o1", Some("o2")),
        Err(AuthError::TargetsDisagree)
    );
    let admin = json!({"org_id": "o1", "realm_access": {"roles": ["admin"]}});
    assert!(run(&c, 0, admin.clone(), "/orgs/o2", Some("o2")).is_ok());
    assert_eq!(
        run(&c, 0, admin, "/orgs/o2", Some("o3")),
        Err(AuthError::TargetsDisagree)
    );
}

#[test]
fn cross_org_role_may_act_on_any_org() {
    let c = cfg(
        json!({}),
        json!({"path": "/orgs/{org}/*", "cross_org_roles": ["kas-fleet-manager-admin-full"]}),
    );
    let admin =
        json!({"org_id": "home", "realm_access": {"roles": ["kas-fleet-manager-admin-full"]}});
    let ok = run(&c, 0, admin, "/orgs/elsewhere/x", None);
    assert_eq!(
        ok,
        Ok(Scoped {
            org: Some("home".into())
        }),
        "$org stays the token's"
    );
    let orgless_admin = json!({"groups": ["kas-fleet-manager-admin-full"]});
    assert!(run(&c, 0, orgless_admin, "/orgs/elsewhere", None).is_ok());
    let other_role = json!({"org_id": "home", "realm_access": {"roles": ["reader"]}});
    assert_eq!(
        run(&c, 0, other_role, "/orgs/elsewhere", None),
        Err(AuthError::OrgMismatch(Some("home".into())))
    );
}

#[test]
fn issuer_organizations_bound_cross_org_targets() {
    let c = cfg(
        json!({"organizations": ["o1", "o2"]}),
        json!({"path": "/orgs/{org}", "cross_org_roles": ["admin"]}),
    );
    let admin = json!({"org_id": "o1", "roles": ["admin"]});
    assert!(run(&c, 0, admin.clone(), "/orgs/o2", None).is_ok());
    assert_eq!(
        run(&c, 0, admin, "/orgs/o9", None),
        Err(AuthError::OrgNotAllowed(OrgSide::Target)),
        "the admin's own org is allowed: the target is not"
    );
    assert!(AuthError::OrgNotAllowed(OrgSide::Target)
        .detail()
        .contains("the target organisation"));
}

#[test]
fn roles_any() {
    let c = cfg(json!({}), json!({"path": "/x", "roles_any": ["r1", "r2"]}));
    assert!(run(
        &c,
        0,
        json!({"realm_access": {"roles": ["r2"]}}),
        "/x",
        None
    )
    .is_ok());
    assert!(run(&c, 0, json!({"roles": "x r1"}), "/x", None).is_ok());
    assert_eq!(
        run(
            &c,
            0,
            json!({"realm_access": {"roles": ["R1"]}}),
            "/x",
            None
        ),
        Err(AuthError::MissingRole(vec!["r1".into(), "r2".into()]))
    );
    assert_eq!(
        run(&c, 0, json!({}), "/x", None),
        Err(AuthError::MissingRole(vec!["r1".into(), "r2".into()]))
    );
}

#[test]

fn scopes_all_lists_what_is_missing() {
    let c = cfg(
        json!({}),
        json!({"path": "/x", "scopes_all": ["api:read", "api:write", "openid"]}),
    );
    assert!(run(
        &c,
        0,
        json!({"scope": "openid api:write api:read"}),
        "/x",
        None
    )
    .is_ok());
    assert_eq!(
        run(&c, 0, json!({"scope": "api:read"}), "/x", None),
        Err(AuthError::MissingScope(vec![
            "api:write".into(),
            "openid".into()
        ]))
    );
}

#[test]
fn order_issuer_before_client_before_org_before_roles() {
    let c = cfg(
        json!({"clients": ["svc"], "organizations": ["o1"]}),
        json!({"path": "/orgs/{org}", "issuers": ["https://sso.example.com/realms/a"],
               "roles_any": ["r"], "scopes_all": ["s"]}),
    );
    let all_wrong = json!({"azp": "x", "org_id": "o2"});
    assert_eq!(
        run(&c, 1, all_wrong.clone(), "/orgs/o3", None),
        Err(AuthError::IssuerNotAllowed)
    );
    assert_eq!(
        run(&c, 0, all_wrong, "/orgs/o3", None),
        Err(AuthError::ClientNotAllowed)
    );
    assert_eq!(
        run(
            &c,
            0,
            json!({"azp": "svc", "org_id": "o2"}),
            "/orgs/o3",
            None
        ),
        Err(AuthError::OrgNotAllowed(OrgSide::Token))
    );
    assert_eq!(
        run(
            &c,
            0,
            json!({"azp": "svc", "org_id": "o1"}),
            "/orgs/o3",
            None
        ),
        Err(AuthError::OrgMismatch(Some("o1".into())))
    );
    assert_eq!(
        run(
            &c,
            0,
            json!({"azp": "svc", "org_id": "o1"}),
            "/orgs/o1",
            None
        ),
        Err(AuthError::MissingRole(vec!["r".into()]))
    );
    assert_eq!(
        run(
            &c,
            0,
            json!({"azp": "svc", "org_id": "o1", "roles": ["r"]}),
            "/orgs/o1",
            None
        ),
        Err(AuthError::MissingScope(vec!["s".into()]))
    );
    assert!(run(
        &c,
        0,
        json!({"azp": "svc", "org_id": "o1", "roles": ["r"], "scope": "s"}),
        "/orgs/o1",
        None
    )
    .is_ok());
}
