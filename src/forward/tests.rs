use serde_json::{json, Value};

use super::*;
use crate::claims::for_tests;
use crate::json_tree::Tree;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn cfg(forward: Value, strip: &str) -> Config {
    Config::from_value(json!({
        "origin": "https://api.internal.example",
        "strip_header_prefix": strip,
        "issuers": [{"issuer": "https://sso.example.com"}],
        "forward": forward,
    }))
    .unwrap()
}

fn token(claims: Value) -> VerifiedToken {
    let map = claims.as_object().cloned().unwrap_or_default();
    for_tests(0, Tree::from_map(&map).unwrap(), 4_000_000_000)
}

fn set_of(plan: &ForwardPlan, name: &str) -> Option<String> {
    plan.set
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

#[test]
fn untouched_only_strips() {
    let c = cfg(json!({"X-User": "sub"}), "X-Auth-");
    let plan = ForwardPlan::untouched(&c);
    assert_eq!(plan.strip_prefix.as_deref(), Some("x-auth-"));
    assert_eq!(plan.remove, ["x-user"]);
    assert!(plan.set.is_empty());
    assert!(plan.drops("x-auth-subject"));
    assert!(plan.drops("x-user"));
    assert!(!plan.drops("authorization"));
    assert!(!plan.drops("x-other"));
}

#[test]
fn empty_prefix_strips_nothing() {
    let plan = ForwardPlan::untouched(&cfg(json!({}), ""));
    assert_eq!(plan.strip_prefix, None);
    assert!(!plan.drops("x-auth-subject"));
}

#[test]
fn plan_sets_the_bearer_and_replaces_any_inbound_authorization() {
    let c = cfg(json!({}), "x-auth-");
    let plan = plan(&c, &token(json!({})), "aaa.bbb.ccc", None);
    assert_eq!(
        set_of(&plan, "authorization").as_deref(),
        Some("Bearer aaa.bbb.ccc")
    );
    assert!(plan.drops("authorization"));
}

#[test]
fn plan_maps_claims() {
    let c = cfg(
        json!({
            "x-auth-subject": "sub",
            "x-auth-org": "$org",
            "x-auth-roles": "realm_access.roles",
            "x-auth-admin": "is_org_admin",
            "x-auth-num": "n",
            "x-auth-missing": "nope",
            "x-auth-obj": "realm_access",
            "x-auth-null": "nul",
            "x-auth-mixed": "mixed",
            "x-auth-empty": "empty",
            "x-auth-crlf": "crlf",
            "x-auth-utf": "utf"
        }),
        "x-auth-",
    );
    let t = token(json!({
        "sub": "u-1",
        "realm_access": {"roles": ["a", "b", 3]},
        "is_org_admin": true,
        "n": 42,
        "nul": null,
        "mixed": ["a", {"b": 1}],
        "empty": "",
        "crlf": "x\r\nx-injected: 1",
        "utf": "José"
    }));
    let p = plan(&c, &t, "t.t.t", Some("org-9"));
    assert_eq!(set_of(&p, "x-auth-subject").as_deref(), Some("u-1"));
    assert_eq!(set_of(&p, "x-auth-org").as_deref(), Some("org-9"));
    assert_eq!(set_of(&p, "x-auth-roles").as_deref(), Some("a,b,3"));
    assert_eq!(set_of(&p, "x-auth-admin").as_deref(), Some("true"));
    assert_eq!(set_of(&p, "x-auth-num").as_deref(), Some("42"));
    for absent in [
        "x-auth-missing",
        "x-auth-obj",
        "x-auth-null",
        "x-auth-mixed",
        "x-auth-empty",
        "x-auth-crlf",
        "x-auth-utf",
    ] {
        assert_eq!(set_of(&p, absent), None, "{absent}");
        assert!(p.drops(absent), "a spoofed {absent} never survives");
    }
}

#[test]
fn edits_leave_a_header_sent_with_the_planned_value_alone() {
    let c = cfg(json!({"x-auth-org": "$org"}), "x-auth-");
    let p = plan(&c, &token(json!({})), "aaa.bbb.ccc", Some("org-9"));
    let inbound = Vec::from([
        ("authorization", "Bearer aaa.bbb.ccc"),
        ("x-auth-org", "org-1"),
        ("x-auth-extra", "spoofed"),
        ("connection", "keep-alive"),
        ("host", "edge.example"),
        ("accept", "*/*"),
    ]);
    let e = p.edits(&inbound, &["host"]);
    assert_eq!(e.drop, ["x-auth-org", "x-auth-extra", "connection", "host"]);
    let set: Vec<_> = e
        .set
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(set, [("x-auth-org", "org-9")]);
}

#[test]
fn edits_replace_an_authorization_that_differs_in_any_way() {
    let c = cfg(json!({}), "x-auth-");
    let p = plan(&c, &token(json!({})), "aaa.bbb.ccc", None);
    let bearer = (
        "authorization".to_string(),
        "Bearer aaa.bbb.ccc".to_string(),
    );
    for inbound in [
        Vec::from([("authorization", "bearer aaa.bbb.ccc")]),
        Vec::from([("authorization", "Bearer  aaa.bbb.ccc")]),
        Vec::from([("authorization", "Basic Y2xpZW50OnNlY3JldA==")]),
        // Twice, even with the planned value: which one an origin reads
        // is its own business, so both go and one is set.
        Vec::from([
            ("authorization", "Bearer aaa.bbb.ccc"),
            ("authorization", "Bearer aaa.bbb.ccc"),
        ]),
    ] {
        let e = p.edits(&inbound, &[]);
        assert!(e.drop.contains(&"authorization"), "{inbound:?}");
        assert_eq!(e.set, [&bearer], "{inbound:?}");
    }
    let e = p.edits(&[], &[]);
    assert!(e.drop.is_empty());
    assert_eq!(e.set, [&bearer], "nothing sent: set");
}

#[test]
fn edits_replace_a_planned_value_with_a_comma_even_when_sent_as_is() {
    let c = cfg(json!({"x-auth-name": "name"}), "x-auth-");
    let p = plan(&c, &token(json!({"name": "admin, x"})), "aaa.bbb.ccc", None);
    // What fetch shows for `x-auth-name: admin` and `x-auth-name: x`.
    let inbound = Vec::from([("x-auth-name", "admin, x")]);
    let e = p.edits(&inbound, &[]);
    assert_eq!(e.drop, ["x-auth-name"]);
    assert!(e
        .set
        .iter()
        .any(|(n, v)| n == "x-auth-name" && v == "admin, x"));
}

#[test]
fn basic_is_the_whole_scheme_in_any_case() {
    for yes in ["Basic x", "basic x", " BASIC\tx", "Basic", "bAsIc  x"] {
        assert!(is_basic(yes), "{yes:?}");
    }
    for no in [
        "Bearer x", "Basicx y", "Basi", "", "é", "Bäsic x", "x Basic",
    ] {
        assert!(!is_basic(no), "{no:?}");
    }
}

#[test]
fn no_org_sets_no_org_header() {
    let c = cfg(json!({"x-org": "$org"}), "");
    let p = plan(&c, &token(json!({})), "t.t.t", None);
    assert_eq!(set_of(&p, "x-org"), None);
    assert!(
        p.drops("x-org"),
        "forward names are removed even without the prefix"
    );
}
