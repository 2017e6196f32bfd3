//! The Decode tab: the token's parts, times, documented claims and what the
//! edge would think of them before any key is involved.

use serde::Serialize;

use crate::alg::Alg;
use crate::b64;
use crate::claims_doc::{self, Found};
use crate::json_tree::{self, Tree};
use crate::policy;
use crate::token::{self, Diagnosis};
use crate::when::{self, TimeNote};

/// The org claims the edge reads when the issuer sets none.
pub const DEFAULT_ORG_CLAIMS: [&str; 4] = ["organizationId", "org_id", "rh-org-id", "tenant"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodeReport {
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
    pub times: Vec<TimeNote>,
    pub claims: Vec<Found>,
    pub notes: Vec<Note>,
    /// `header.payload.`: the token without its signature, safe to put in
    /// a link (it proves nothing without the signature).
    pub shareable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// `warn` (the edge would refuse, or it needs care) or `info`.
    pub level: &'static str,
    pub text: String,
}

fn warn(text: impl Into<String>) -> Note {
    Note {
        level: "warn",
        text: text.into(),
    }
}

fn info(text: impl Into<String>) -> Note {
    Note {
        level: "info",
        text: text.into(),
    }
}

/// `now` is Unix seconds.
pub fn decode(input: &str, now: u64) -> DecodeReport {
    let diagnosis = token::diagnose(input);
    let (header, payload) = (
        edge_tree(&diagnosis.token, 0),
        edge_tree(&diagnosis.token, 1),
    );
    let times = when::notes(&payload, now);
    let claims = claims_doc::annotate(&header, &payload);
    let mut notes = Vec::new();
    if diagnosis.header.is_some() {
        header_notes(&header, &mut notes);
    }
    if diagnosis.payload.is_some() {
        payload_notes(&payload, &mut notes);
    }
    if diagnosis.parts.len() == 3 && diagnosis.parts[2].bytes == Some(0) {
        notes.push(info(
            "no signature (links from this page leave it out): decoding works, verifying cannot",
        ));
    }
    let shareable = (diagnosis.parts.len() == 3)
        .then(|| {
            diagnosis
                .token
                .rsplit_once('.')
                .map(|(hp, _)| format!("{hp}."))
        })
        .flatten();
    DecodeReport {
        diagnosis,
        times,
        claims,
        notes,
        shareable,
    }
}

/// Part `i` of the token (0 the header, 1 the payload) as the edge parses
/// it, for the edge's own readers: the same text the diagnosis displays
/// (both parses accept the same texts), empty where it does not parse.
fn edge_tree(token: &str, i: usize) -> Tree {
    token
        .split('.')
        .nth(i)
        .and_then(|part| b64::decode(part).ok())
        .and_then(|bytes| json_tree::parse_object(bytes).ok())
        .unwrap_or_else(Tree::empty)
}

fn header_notes(header: &Tree, notes: &mut Vec<Note>) {
    let alg = header
        .get("alg")
        .and_then(json_tree::Value::as_str)
        .unwrap_or("");
    match Alg::from_name(alg) {
        None => notes.push(warn(format!(
            "alg {alg:?} is no algorithm the edge accepts: refused (algorithm_not_allowed)"
        ))),
        Some(a) if a.is_hmac() => notes.push(warn(format!(
            "{a} is a shared-secret algorithm: accepted only from an issuer with hs_secret_var"
        ))),
        Some(a) if !Alg::DEFAULT_ALLOWED.contains(&a) => notes.push(info(format!(
            "{a} is not among the default algorithms (RS256 PS256 ES256 EdDSA): the issuer must list it"
        ))),
        Some(_) => {}
    }
    if header.get("kid").is_none() {
        notes.push(info(
            "no kid: the edge uses the issuer's single key of the right type, and refuses if there are several",
        ));
    }
    for m in ["jku", "x5u", "jwk", "x5c"] {
        if header.get(m).is_some() {
            notes.push(info(format!(
                "header {m} is ignored: the edge never fetches or trusts keys named by the token"
            )));
        }
    }
}

fn payload_notes(payload: &Tree, notes: &mut Vec<Note>) {
    if payload.get("iss").is_none() {
        notes.push(warn(
            "no iss: the edge cannot pick an issuer (unknown_issuer)",
        ));
    }
    if payload.get("exp").is_none() {
        notes.push(warn("no exp: the edge refuses tokens without one"));
    }
    match payload.get("typ").and_then(json_tree::Value::as_str) {
        Some(t) if !t.eq_ignore_ascii_case("bearer") => notes.push(warn(format!(
            "typ {t:?}: a Keycloak {t} token, refused unless the issuer's token_types include it"
        ))),
        _ => {}
    }
    let org_claims: Vec<String> = DEFAULT_ORG_CLAIMS.map(String::from).to_vec();
    match policy::resolve_org(payload, &org_claims) {
        Some(org) => {
            let from = DEFAULT_ORG_CLAIMS
                .iter()
                .find(|c| policy::resolve_org(payload, &[c.to_string()]).is_some())
                .unwrap_or(&"");
            notes.push(info(format!(
                "acts for organisation {org} (from {from}, with the default org_claims)"
            )));
        }
        None => notes.push(info(
            "no organisation under the default org_claims: routes with {org} or org_header refuse it",
        )),
    }
    let roles = policy::roles(payload);
    if !roles.is_empty() {
        notes.push(info(format!("roles the edge reads: {}", roles.join(", "))));
    }
    let scopes = policy::scopes(payload);
    if !scopes.is_empty() {
        notes.push(info(format!("scopes: {}", scopes.join(" "))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: u64 = 1_700_000_000;

    /// The first example of the Authn docs ("Response customer login").
    const AUTHN_CUSTOMER: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6IjRhekgzb01hQXlBVVFlN0llNkJrIiwiZXhwIjoxNTg2MzU1NTc2LCJncm91cHMiOiJjdXN0b21lciIsImlhdCI6MTU4NjM1MTk3NiwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJtb2kiOjIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJmdW5ra3lzczFAaG90bWFpbC5jb20iLCJ0ZW5hbnQiOiIyIiwidGlkIjoiOTU1MWU0MzEtODdhZC00MWI2LTg1MDYtMWI5YjhiZTM3ODQwIiwidXNlcl9tZXRhZGF0YSI6eyJncm91cHMiOlsiY3VzdG9tZXIiXX19.OYkt_XoVZw1TyJizkmGWH71y8iwmQx95gHDfUj5vxqCHHcIUZXG4siCtlTZCxUo-Ppxa-SDEwIIf5BEP3zJ7cc-t_ua5AAlPRtEFVRP81-5fBcwT1xKq8-J7Agfg_YXPIX7TnYt5Q7DA0AxWzHiEJ11HCzCWXK2ofShoTSgej80v5eRfGRUpycBUbEgsrnD0doF9YH4QZcrxVFpZ-O7hwH6fp5JmZjH46kUYV0c1TQgMF0WH48tfQWyMGapdylJtus5vZV3WK1AOhtwubGaa1xmWJXn1LdzxvDMh3at_h2XeLq_eTti6IPPlqYZesI97XNtJ1NYAsdzQTeKFwS1Pjg";

    #[test]
    fn the_authn_example_decodes() {
        let r = decode(AUTHN_CUSTOMER, NOW);
        assert!(r.diagnosis.problem.is_none());
        let payload = r.diagnosis.payload.as_ref().unwrap();
        assert_eq!(payload["tenant"], "2");
        assert_eq!(payload["groups"], "customer");
        let exp = r.times.iter().find(|t| t.claim == "exp").unwrap();
        assert_eq!(exp.utc, "2020-04-08T14:19:36Z");
        assert!(exp.summary.starts_with("expired ") && !exp.ok);
        let paths: Vec<&str> = r.claims.iter().map(|c| c.path.as_str()).collect();
        for p in ["tenant", "groups", "cid", "tid", "scope", "kid"] {
            assert!(paths.contains(&p), "{p}");
        }
        let texts: Vec<&str> = r.notes.iter().map(|n| n.text.as_str()).collect();
        assert!(
            texts.contains(&"acts for organisation 2 (from tenant, with the default org_claims)")
        );
        assert!(texts.contains(&"roles the edge reads: customer"));
        let (hp, _) = AUTHN_CUSTOMER.rsplit_once('.').unwrap();
        assert_eq!(r.shareable.unwrap(), format!("{hp}."));
    }

    #[test]
    fn warnings_for_what_the_edge_refuses() {
        let t = format!(
            "{}.{}.",
            b64::encode(br#"{"alg":"none","jku":"https://evil.example"}"#),
            b64::encode(json!({"typ": "Refresh", "sub": "x"}).to_string().as_bytes())
        );
        let r = decode(&t, NOW);
        assert!(r.diagnosis.problem.is_none());
        let warns: Vec<&str> = r
            .notes
            .iter()
            .filter(|n| n.level == "warn")
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(warns.len(), 4, "{warns:?}");
        assert!(warns[0].contains("algorithm_not_allowed"));
        assert!(warns.iter().any(|w| w.contains("no exp")));
        assert!(warns.iter().any(|w| w.contains("Refresh")));
        assert!(r.notes.iter().any(|n| n.text.contains("never fetches")));
        assert!(r.notes.iter().any(|n| n.text.contains("no signature")));
    }

    #[test]
    fn malformed_input_still_reports() {
        let r = decode("Bearer not-a-token", NOW);
        let p = r.diagnosis.problem.as_ref().unwrap();
        assert_eq!(p.code, Some("invalid_token"));
        assert!(r.shareable.is_none());
        assert!(r.times.is_empty() && r.claims.is_empty());
        // The whole report serialises for the page.
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["input"], "bearer");
        assert_eq!(v["problem"]["code"], "invalid_token");
    }
}
