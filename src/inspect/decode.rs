//! The Decode tab: the token's parts, times, documented claims and what the
//! edge would think of them before any key is involved.

use serde::Serialize;

use super::verify::DEFAULT_LEEWAY;
use crate::alg::Alg;
use crate::b64;
use crate::claims_doc::{self, Found};
use crate::config::DEFAULT_MAX_TOKEN_BYTES;
use crate::extract;
use crate::json_tree::{self, Tree};
use crate::policy;
use crate::token::{self, Diagnosis, Problem};
use crate::when::{self, TimeNote};

/// The org claims the edge reads when the issuer sets none.
pub const DEFAULT_ORG_CLAIMS: [&str; 4] = ["organizationId", "org_id", "rh-org-id", "tenant"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodeReport {
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
    /// As `when::notes` has them, except that a time the edge still
    /// accepts within its default leeway is `ok`, and says so.
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
    let mut diagnosis = token::diagnose(input);
    if let Some(value) = authorization_value(input) {
        read_as_the_worker(&mut diagnosis, value);
    }
    let (header, payload) = (
        edge_tree(&diagnosis.token, 0),
        edge_tree(&diagnosis.token, 1),
    );
    let mut times = when::notes(&payload, now);
    within_leeway(&mut times, now);
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

/// The whole `Authorization` value in what was pasted, if it is one: a
/// header line (`Authorization: ...`), or text that starts with a
/// scheme-like word (letters, then a space, a tab or a colon). A bare
/// token is none: its base64url soon has a digit, `-`, `_` or a dot, and
/// a JSON header's starts with `eyJ`, so a token broken by a space early
/// on is still read as a token.
fn authorization_value(input: &str) -> Option<&str> {
    // HTTP drops a value's surrounding whitespace; a pasted line often
    // ends in a line break the worker would never see. (`trim` and the str
    // `eq_ignore_ascii_case` are in the wasm already; their ASCII and byte
    // twins would add to it.)
    let text = input.trim();
    const NAME: &str = "authorization:";
    if text
        .get(..NAME.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(NAME))
    {
        return Some(text[NAME.len()..].trim());
    }
    let bytes = text.as_bytes();
    let end = bytes.iter().position(|b| !b.is_ascii_alphabetic())?;
    let scheme_like =
        end > 0 && !text.starts_with("eyJ") && matches!(bytes[end], b' ' | b'\t' | b':');
    scheme_like.then_some(text)
}

/// Where the worker's extraction refuses the value, its refusal is the
/// answer. A 400 is the value's fault, so nothing in the token is marked;
/// a 401 keeps the place the diagnosis found in one of the token's parts
/// for the same code. Where extraction takes the value,
/// the token's diagnosis stands. Basic counts as enabled: Decode says what
/// Basic credentials are either way.
fn read_as_the_worker(diagnosis: &mut Diagnosis, value: &str) {
    let Err(e) = extract::extract(&[value], DEFAULT_MAX_TOKEN_BYTES, true) else {
        return;
    };
    // A place marks the worker's reason only where the diagnosis found a
    // fault of the same code inside one part (a `+` in the payload, say),
    // not one of the token's shape (its dots) that the worker never read.
    let inside = (diagnosis.problem.as_ref())
        .is_some_and(|p| p.code == Some(e.code()) && p.segment.is_some());
    if e.status() == 400 || !inside {
        diagnosis.problem = None;
    }
    let p = diagnosis.problem.get_or_insert_with(|| Problem {
        reason: String::new(),
        code: None,
        segment: None,
        offset: None,
        at: None,
    });
    p.reason = e.detail();
    p.code = Some(e.code());
}

/// Written out rather than formatted from [`DEFAULT_LEEWAY`] (a test
/// keeps them together): the page's wasm stays smaller.
const WITHIN_LEEWAY: &str = "; the edge still accepts it within its default leeway of 30 s";

/// A time the clock has just passed (`exp`) or not reached yet (`nbf`,
/// `iat`) is still accepted by the edge within its leeway: the page says
/// so instead of showing a refusal the edge would not make. Decode has no
/// config, so this is the default leeway, and the text says it is.
fn within_leeway(times: &mut [TimeNote], now: u64) {
    for t in times.iter_mut().filter(|t| !t.ok) {
        let accepted = match t.claim {
            "exp" => now < t.seconds.saturating_add(DEFAULT_LEEWAY),
            _ => t.seconds <= now.saturating_add(DEFAULT_LEEWAY),
        };
        if accepted {
            t.ok = true;
            t.summary.push_str(WITHIN_LEEWAY);
        }
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

    /// A token of the given claims, unsigned: Decode never needs the key.
    fn unsigned(claims: serde_json::Value) -> String {
        format!(
            "{}.{}.",
            b64::encode(br#"{"alg":"RS256","kid":"k1"}"#),
            b64::encode(claims.to_string().as_bytes())
        )
    }

    /// What the worker's extraction says of one `Authorization` value.
    fn worker_says(value: &str) -> crate::error::AuthError {
        crate::extract::extract(&[value], 8192, true).unwrap_err()
    }

    #[test]
    fn an_authorization_value_is_read_as_the_worker_reads_it() {
        let unsupported = worker_says("Token x");
        assert_eq!(unsupported.code(), "invalid_request");
        for value in [
            format!("Bearer\t{AUTHN_CUSTOMER}"),
            format!("Bearer: {AUTHN_CUSTOMER}"),
            format!("Authorization: Bearer: {AUTHN_CUSTOMER}"),
            format!("authorization: {AUTHN_CUSTOMER}"),
        ] {
            let r = decode(&value, NOW);
            let p = r.diagnosis.problem.expect("the worker refuses it");
            assert_eq!(
                (p.code, p.reason),
                (Some("invalid_request"), unsupported.detail()),
                "{}",
                &value[..20]
            );
            // No character of the token is at fault: the scheme is.
            assert_eq!((p.offset, p.at), (None, None));
        }
        let two = format!("Bearer {AUTHN_CUSTOMER} {AUTHN_CUSTOMER}");
        let p = decode(&two, NOW).diagnosis.problem.unwrap();
        assert_eq!(p.reason, worker_says(&two).detail());
        let basic = decode("Basic !not-base64!", NOW).diagnosis.problem.unwrap();
        assert_eq!(
            (basic.code, basic.reason),
            (
                Some("invalid_request"),
                worker_says("Basic !not-base64!").detail()
            )
        );
    }

    #[test]
    fn what_the_worker_takes_stays_well_formed_and_a_bare_token_a_token() {
        for input in [
            AUTHN_CUSTOMER.to_string(),
            format!("Bearer {AUTHN_CUSTOMER}"),
            format!("Authorization: bearer   {AUTHN_CUSTOMER}\n"),
        ] {
            let r = decode(&input, NOW);
            assert!(r.diagnosis.problem.is_none(), "{:?}", r.diagnosis.problem);
        }
        assert_eq!(decode(AUTHN_CUSTOMER, NOW).diagnosis.input, "token");
        assert!(decode("Basic Zm9vOmJhcg==", NOW)
            .diagnosis
            .problem
            .unwrap()
            .reason
            .contains("Basic credentials"));
    }

    #[test]
    fn a_bearer_tokens_stray_character_has_the_workers_reason_and_the_pages_place() {
        let (hd, rest) = AUTHN_CUSTOMER.split_once('.').unwrap();
        let broken = format!("Bearer {hd}.{}+{}", &rest[..10], &rest[11..]);
        let p = decode(&broken, NOW).diagnosis.problem.unwrap();
        let worker = worker_says(&broken);
        assert_eq!((p.code, p.reason), (Some(worker.code()), worker.detail()));
        assert_eq!(
            p.at.as_deref(),
            Some("character 11 of the payload is '+' (standard base64, not base64url)")
        );
        assert_eq!(p.offset, Some("Bearer ".len() + hd.len() + 1 + 10));
    }

    #[test]
    fn a_stray_character_in_a_token_without_dots_marks_no_place() {
        // The worker's reason is the `+`; the diagnosis's first fault is
        // the missing dots, which must not be shown as the place of it.
        let p = decode("Bearer abc+def", NOW).diagnosis.problem.unwrap();
        let worker = worker_says("Bearer abc+def");
        assert_eq!((p.code, p.reason), (Some(worker.code()), worker.detail()));
        assert_eq!((p.offset, p.at), (None, None));
    }

    fn exp_note(r: &DecodeReport) -> &TimeNote {
        r.times.iter().find(|t| t.claim == "exp").unwrap()
    }

    #[test]
    fn past_exp_within_the_default_leeway_is_still_accepted() {
        let late = decode(&unsigned(json!({"exp": NOW - 6})), NOW);
        let exp = exp_note(&late);
        assert!(exp.ok, "{exp:?}");
        assert!(
            exp.summary.contains("expired 6 s ago")
                && exp.summary.contains("default leeway of 30 s"),
            "{}",
            exp.summary
        );
        assert!(WITHIN_LEEWAY.ends_with(&format!(" {DEFAULT_LEEWAY} s")));
        // From exp + leeway on, the edge refuses it, and the page says so.
        for gone in [NOW - 30, NOW - 3600] {
            let r = decode(&unsigned(json!({"exp": gone})), NOW);
            let exp = exp_note(&r);
            assert!(!exp.ok && !exp.summary.contains("leeway"), "{exp:?}");
        }
        // nbf and iat a little ahead of the clock: also within the leeway.
        let skewed = decode(
            &unsigned(json!({"exp": NOW + 600, "nbf": NOW + 10, "iat": NOW + 10})),
            NOW,
        );
        assert!(skewed.times.iter().all(|t| t.ok), "{:?}", skewed.times);
        let ahead = decode(&unsigned(json!({"exp": NOW + 600, "nbf": NOW + 31})), NOW);
        assert!(!ahead.times[1].ok, "{:?}", ahead.times);
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
