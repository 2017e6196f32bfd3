//! Decoding a compact JWS without trusting it: strict base64url, strict JSON
//! (duplicate members refused), header checks that need no key.

use crate::b64;
use crate::error::AuthError;
use crate::json_tree::{self, Refused, Tree, Value};

mod diagnose;
pub mod strict;

pub use diagnose::{diagnose, Diagnosis, PartView, Problem};

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// As written; mapped to an [`crate::alg::Alg`] at key selection.
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

/// A token split and parsed but not verified. Nothing in it may be trusted
/// except to pick the issuer and the key.
#[derive(Clone)]
pub struct UnverifiedToken {
    pub header: Header,
    pub claims: Tree,
    signing_input: String,
    signature: Vec<u8>,
}

/// The signing input and signature together are the token, so `{:?}` shows
/// neither; the claims show by name only, since their values may be
/// personal data that a log line has no business holding.
impl std::fmt::Debug for UnverifiedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedToken")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl UnverifiedToken {
    /// `base64url(header) "." base64url(payload)`, what the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The unverified `iss`, used only to pick the issuer configuration.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }
}

/// Splits and parses a compact JWS. Refuses (as [`AuthError::Malformed`]):
/// not three parts (five with an `enc` header: "encrypted tokens (JWE) are
/// not accepted"), bad
/// base64url, header or payload not a JSON object, duplicate members,
/// a missing or non-string `alg`, a non-string `kid`, `crit` (no extension
/// is understood), `b64`, `cty`, a header `typ` other than `JWT` / `at+jwt`
/// (any case, optional `application/`). An empty signature decodes (the
/// page shows stripped tokens) and then fails verification.
pub fn decode(token: &str) -> Result<UnverifiedToken, AuthError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(AuthError::Malformed(match parts.len() {
            5 if is_encrypted(parts[0]) => "encrypted tokens (JWE) are not accepted",
            5 => "a token has three dot-separated parts; this has five, and its header names no encryption (two tokens run together?)",
            _ => "a token has three dot-separated parts",
        }));
    };
    let header = object(header_b64, Part::Header)?;
    let claims = object(payload_b64, Part::Payload)?;
    // A hand-edited last character is the usual way to break a signature
    // while testing, and it is often still in the alphabet.
    let signature = b64::decode(signature_b64).map_err(|e| {
        AuthError::Malformed(match e {
            base64::DecodeError::InvalidLastSymbol(..) => {
                "the signature's last character has bits no encoder sets (not canonical base64url)"
            }
            _ => "the signature is not base64url",
        })
    })?;
    let header = check_header(header)?;
    Ok(UnverifiedToken {
        header,
        claims,
        signing_input: format!("{header_b64}.{payload_b64}"),
        signature,
    })
}

/// Whether a first part is a JWE's protected header, which names its
/// content encryption (`enc`; RFC 7516 4.1.2). Five parts without one are
/// more likely two signed tokens pasted together than an encrypted token.
pub(crate) fn is_encrypted(header_b64: &str) -> bool {
    object(header_b64, Part::Header).is_ok_and(|h| h.get("enc").is_some())
}

#[derive(Clone, Copy)]
enum Part {
    Header,
    Payload,
}

/// One base64url JSON object, strictly parsed. The reasons are fixed
/// strings: serde's messages may quote the input.
fn object(b64_text: &str, part: Part) -> Result<Tree, AuthError> {
    let (not_b64, not_json, not_object) = match part {
        Part::Header => (
            "the header is not base64url",
            "the header is not valid JSON (or repeats a member)",
            "the header is not a JSON object",
        ),
        Part::Payload => (
            "the payload is not base64url",
            "the payload is not valid JSON (or repeats a member)",
            "the payload is not a JSON object",
        ),
    };
    let bytes = b64::decode(b64_text).map_err(|_| AuthError::Malformed(not_b64))?;
    json_tree::parse_object(bytes).map_err(|refused| match refused {
        Refused::NotObject => AuthError::Malformed(not_object),
        Refused::NotJson => AuthError::Malformed(not_json),
    })
}

/// The header checks that need no key (contract 3.4).
fn check_header(raw: Tree) -> Result<Header, AuthError> {
    let alg = match raw.get("alg") {
        Some(Value::String(a)) => a.to_string(),
        Some(_) => return Err(AuthError::Malformed("the header alg is not a string")),
        None => return Err(AuthError::Malformed("the header has no alg")),
    };
    // RFC 7515 4.1.11: a recipient that does not understand a listed
    // extension must refuse; we understand none, so any `crit` is refused.
    if raw.get("crit").is_some() {
        return Err(AuthError::Malformed(
            "the header lists critical extensions (crit)",
        ));
    }
    // RFC 7797 unencoded payloads change what the signature covers.
    if raw.get("b64").is_some() {
        return Err(AuthError::Malformed(
            "unencoded payloads (b64) are not accepted",
        ));
    }
    if raw.get("cty").is_some() {
        return Err(AuthError::Malformed("nested tokens (cty) are not accepted"));
    }
    let kid = match raw.get("kid") {
        Some(Value::String(k)) => Some(k.to_string()),
        Some(_) => return Err(AuthError::Malformed("the header kid is not a string")),
        None => None,
    };
    let typ = match raw.get("typ") {
        Some(Value::String(t)) if typ_accepted(t) => Some(t.to_string()),
        Some(Value::String(_)) => {
            return Err(AuthError::Malformed(
                "the header typ is neither JWT nor at+jwt",
            ))
        }
        Some(_) => return Err(AuthError::Malformed("the header typ is not a string")),
        None => None,
    };
    Ok(Header { alg, kid, typ })
}

/// `JWT` (RFC 7519) or `at+jwt` (RFC 9068), any case, with or without the
/// `application/` media type prefix (RFC 7515 4.1.9).
fn typ_accepted(typ: &str) -> bool {
    const PREFIX: &str = "application/";
    let bare = match typ.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => &typ[PREFIX.len()..],
        _ => typ,
    };
    bare.eq_ignore_ascii_case("jwt") || bare.eq_ignore_ascii_case("at+jwt")
}

#[cfg(test)]
mod tests;
