//! Decoding a compact JWS without trusting it: strict base64url, strict JSON
//! (duplicate members refused), header checks that need no key.

use serde_json::{Map, Value};

use crate::error::AuthError;

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// As written; mapped to an [`crate::alg::Alg`] at key selection.
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
    /// The whole header object, for display.
    pub raw: Map<String, Value>,
}

/// A token split and parsed but not verified. Nothing in it may be trusted
/// except to pick the issuer and the key.
#[derive(Debug, Clone)]
pub struct UnverifiedToken {
    pub header: Header,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
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
/// not three parts (five: "encrypted tokens (JWE) are not accepted"), bad
/// base64url, header or payload not a JSON object, duplicate members,
/// a missing `alg`, `crit` (no extension is understood), `b64`, `cty`,
/// a header `typ` other than `JWT` / `at+jwt` (any case, optional
/// `application/`).
pub fn decode(token: &str) -> Result<UnverifiedToken, AuthError> {
    let _ = token;
    todo!()
}
