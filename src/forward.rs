//! What the request to origin carries (contract 3.6).

use serde_json::Value;

use crate::claims::VerifiedToken;
use crate::config::Config;
use crate::policy;

/// Connection-level headers (RFC 9110 7.6.1, and RFC 2616 13.5.1's older
/// list, which some clients and proxies still send): they describe one hop,
/// so they are neither set from a claim nor passed on to the origin. One
/// list, so that configuration checks and the proxy cannot drift apart.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Header edits for the request to origin. The face applies `remove` first
/// (every inbound header whose name starts with `strip_header_prefix`, plus
/// every configured forward header name, so a spoofed one never survives a
/// missing claim), then `set`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ForwardPlan {
    pub strip_prefix: Option<String>,
    /// Lowercased names removed whatever the prefix.
    pub remove: Vec<String>,
    /// Lowercased name and value; values are single-line printable text.
    pub set: Vec<(String, String)>,
}

/// The `authorization` value set for the origin is the caller's token:
/// `{:?}` (in a log line, a panic, a test failure) shows it redacted.
impl std::fmt::Debug for ForwardPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<(&str, &str)> = self
            .set
            .iter()
            .map(|(name, value)| {
                let shown = if name.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("ForwardPlan")
            .field("strip_prefix", &self.strip_prefix)
            .field("remove", &self.remove)
            .field("set", &set)
            .finish()
    }
}

impl ForwardPlan {
    /// For public routes and preflights: only the stripping.
    /// Configured forward names are removed here too: an origin that
    /// trusts `x-user` must not get a caller's own `x-user` on a public
    /// route either.
    pub fn untouched(cfg: &Config) -> ForwardPlan {
        ForwardPlan {
            strip_prefix: cfg.strip_header_prefix.clone(),
            remove: cfg.forward.iter().map(|(name, _)| name.clone()).collect(),
            set: Vec::new(),
        }
    }

    /// Whether an inbound header of this (lowercased) name must be dropped.
    pub fn drops(&self, name: &str) -> bool {
        self.strip_prefix
            .as_deref()
            .is_some_and(|p| name.starts_with(p))
            || self.remove.iter().any(|r| r == name)
    }

    /// What to do to the inbound headers (lowercased names, one entry per
    /// name as fetch joins them) so that the origin gets this plan: names
    /// to delete (the plan's, hop-by-hop ones and `also_drop`), then pairs
    /// to set. A header sent once with exactly the value the plan sets is
    /// left as it is, neither deleted nor set: the usual `Authorization:
    /// Bearer <token>` then costs no copy of the token.
    ///
    /// Only for a planned value without a comma: fetch shows lines sent
    /// several times joined with ", ", while the request to origin may
    /// carry them as they came, so `a` and `b` sent as two lines look like
    /// a planned `a, b` here and would reach an origin reading the first
    /// line as `a`.
    pub fn edits<'a>(&'a self, inbound: &'a [(String, String)], also_drop: &[&str]) -> Edits<'a> {
        let as_sent = |name: &str| {
            let mut sent = inbound.iter().filter(|(n, _)| n == name);
            match (
                self.set.iter().find(|(n, _)| n == name),
                sent.next(),
                sent.next(),
            ) {
                (Some((_, planned)), Some((_, value)), None) => {
                    planned == value && !planned.contains(',')
                }
                _ => false,
            }
        };
        Edits {
            drop: inbound
                .iter()
                .map(|(name, _)| name.as_str())
                .filter(|name| {
                    (self.drops(name) || HOP_BY_HOP.contains(name) || also_drop.contains(name))
                        && !as_sent(name)
                })
                .collect(),
            set: self.set.iter().filter(|(name, _)| !as_sent(name)).collect(),
        }
    }
}

/// [`ForwardPlan::edits`]: deletions first, then the pairs to set. No
/// `Debug`: `set` may hold the caller's token.
pub struct Edits<'a> {
    pub drop: Vec<&'a str>,
    pub set: Vec<&'a (String, String)>,
}

/// Whether an `Authorization` value holds Basic credentials, the scheme in
/// any case. Read by whole scheme token, so that no other scheme (nor a
/// value with multi-byte text where the scheme would end) is taken for it.
pub fn is_basic(authorization: &str) -> bool {
    authorization
        .trim_start_matches([' ', '\t'])
        .split([' ', '\t'])
        .next()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"))
}

/// The plan for an allowed request: `Authorization: Bearer <token>` plus the
/// `forward` headers (claims by dotted path, arrays joined with ",", numbers
/// and booleans as text, `$org` the resolved org; absent claims set nothing;
/// values with control characters are dropped, and so are empty values and
/// values that are not ASCII).
pub fn plan(
    cfg: &Config,
    token: &VerifiedToken,
    raw_token: &str,
    org: Option<&str>,
) -> ForwardPlan {
    let mut out = ForwardPlan::untouched(cfg);
    out.remove.push("authorization".to_string());
    out.set
        .push(("authorization".to_string(), format!("Bearer {raw_token}")));
    for (name, source) in &cfg.forward {
        let value = if source == "$org" {
            org.map(str::to_string)
        } else {
            policy::lookup(token.claims(), source).and_then(render)
        };
        if let Some(v) = value.filter(|v| header_safe(v)) {
            out.set.push((name.clone(), v));
        }
    }
    out
}

/// A claim as header text: strings as they are, numbers and booleans
/// written out, arrays of those joined with ","; objects and nulls (and
/// arrays holding them) have no faithful one-line form and set nothing.
fn render(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(",")),
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Non-empty, printable ASCII and spaces only. Control characters could
/// split or smuggle headers; other non-ASCII text would make the worker's
/// `Headers.set` throw (it takes Latin-1 byte strings) or be mangled, so
/// such a claim is left for the origin to read from the token itself.
fn header_safe(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic() || c == ' ')
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map};

    use super::*;
    use crate::claims::for_tests;

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
        let map: Map<String, Value> = claims.as_object().cloned().unwrap_or_default();
        for_tests(0, map, 4_000_000_000)
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

    fn sent(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn edits_leave_a_header_sent_with_the_planned_value_alone() {
        let c = cfg(json!({"x-auth-org": "$org"}), "x-auth-");
        let p = plan(&c, &token(json!({})), "aaa.bbb.ccc", Some("org-9"));
        let inbound = sent(&[
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
            sent(&[("authorization", "bearer aaa.bbb.ccc")]),
            sent(&[("authorization", "Bearer  aaa.bbb.ccc")]),
            sent(&[("authorization", "Basic Y2xpZW50OnNlY3JldA==")]),
            // Twice, even with the planned value: which one an origin reads
            // is its own business, so both go and one is set.
            sent(&[
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
        let inbound = sent(&[("x-auth-name", "admin, x")]);
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
}
