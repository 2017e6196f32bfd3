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
#[path = "decode_tests.rs"]
mod tests;
