//! Basic-to-token exchange (contract section 4), the parts that need no
//! I/O: the request to send, reading the token endpoint's answer, and the
//! per-isolate cache of tokens, refusals and refused-attempt counts.
//!
//! The cache is keyed by SHA-256 of the Basic value, never the value, so a
//! wrong secret for a cached client id cannot hit the cache. It holds data
//! only: concurrent requests with the same credentials coalesce through an
//! in-flight mark that followers poll, because workerd forbids sharing a
//! promise (or any I/O object) between requests.

mod cache;

pub use cache::{Cached, ExchangeCache};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// Refusals are remembered this long.
pub const REFUSAL_TTL: u64 = 10;
/// Tokens are dropped this long before they expire.
pub const EXPIRY_MARGIN: u64 = 30;
/// Refused attempts allowed per client id per window.
pub const MAX_REFUSALS: usize = 20;
pub const REFUSAL_WINDOW: u64 = 60;
/// How long followers wait for a leader's exchange before trying their
/// own: longer than the leader's worst case (discovery, token endpoint and
/// JWKS fetches of 5 s each).
pub const IN_FLIGHT_TIMEOUT_MS: f64 = 20_000.0;
/// After the token endpoint failed for some credentials, requests with
/// them answer at once (a still-valid token, else 503) for this long
/// instead of each waiting on an issuer that is down.
pub const FAILURE_BACKOFF: u64 = 5;

pub type CacheKey = [u8; 32];

pub fn cache_key(basic: &Secret) -> CacheKey {
    Sha256::digest(basic.expose().as_bytes()).into()
}

/// The form body of the token request.
pub fn request_body(scope: Option<&str>) -> String {
    match scope {
        Some(scope) => format!(
            "grant_type=client_credentials&scope={}",
            crate::percent::form_encode(scope)
        ),
        None => "grant_type=client_credentials".to_string(),
    }
}

/// What the token endpoint said.
#[derive(Clone, PartialEq, Eq)]
pub enum Answer {
    Token {
        access_token: String,
        expires_in: Option<u64>,
    },
    /// `invalid_client`, `unauthorized_client`, `invalid_grant`,
    /// `invalid_request`: the
    /// credentials are wrong; cached and counted.
    Refused,
    /// 5xx, a timeout or a network error: 503 (or a still-valid token).
    Unavailable,
    /// Anything else that is not a token (garbage 200, a redirect, 404): 502.
    Invalid,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Token { expires_in, .. } => {
                write!(f, "Token(<redacted>, expires_in: {expires_in:?})")
            }
            Answer::Refused => f.write_str("Refused"),
            Answer::Unavailable => f.write_str("Unavailable"),
            Answer::Invalid => f.write_str("Invalid"),
        }
    }
}

#[derive(Deserialize)]
struct Success {
    access_token: String,
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Failure {
    error: String,
}

/// The answer is a JSON object (RFC 6749 5.1, 5.2) in UTF-8 (RFC 8259
/// 8.1). serde reads a struct from an array too (`["token", 300]`), and
/// `from_slice` checks UTF-8 only in the members it keeps: both refused.
fn json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    if !text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return None;
    }
    serde_json::from_str(text).ok()
}

pub fn read_answer(status: u16, body: &[u8]) -> Answer {
    match status {
        200 => match json::<Success>(body) {
            Some(s) if !s.access_token.is_empty() => Answer::Token {
                access_token: s.access_token,
                expires_in: s.expires_in.and_then(|v| match v {
                    serde_json::Value::Number(n) => n.as_u64(),
                    // Some servers send it as a string.
                    serde_json::Value::String(s) => s.parse().ok(),
                    _ => None,
                }),
            },
            _ => Answer::Invalid,
        },
        400 | 401 | 403 => match json::<Failure>(body) {
            Some(f)
                if matches!(
                    f.error.as_str(),
                    // invalid_request too: the caller's credentials are the
                    // only variable part of our request (oidc-provider answers
                    // it for a secret outside RFC 6749's VSCHAR, where
                    // Keycloak says invalid_client).
                    "invalid_client" | "unauthorized_client" | "invalid_grant" | "invalid_request"
                ) =>
            {
                Answer::Refused
            }
            // A 401 is a refused client even without a well-formed body.
            _ if status == 401 => Answer::Refused,
            _ => Answer::Invalid,
        },
        500..=599 => Answer::Unavailable,
        // A redirect or a 404 is a token endpoint misconfigured, not down.
        _ => Answer::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> Secret {
        use base64::Engine;
        let value = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        Secret::new(value)
    }

    #[test]
    fn different_secrets_have_different_keys() {
        assert_ne!(
            cache_key(&basic("svc", "right")),
            cache_key(&basic("svc", "wrong"))
        );
    }

    #[test]
    fn request_body_encodes_scope() {
        assert_eq!(request_body(None), "grant_type=client_credentials");
        assert_eq!(
            request_body(Some("api:read openid")),
            "grant_type=client_credentials&scope=api%3Aread+openid"
        );
    }

    #[test]
    fn answers() {
        assert_eq!(
            read_answer(
                200,
                br#"{"access_token":"a.b.c","expires_in":300,"token_type":"Bearer"}"#
            ),
            Answer::Token {
                access_token: "a.b.c".into(),
                expires_in: Some(300)
            }
        );
        assert_eq!(read_answer(200, b"garbage"), Answer::Invalid);
        assert_eq!(read_answer(200, br#"{"access_token":""}"#), Answer::Invalid);
        assert_eq!(
            read_answer(401, br#"{"error":"invalid_client"}"#),
            Answer::Refused
        );
        assert_eq!(
            read_answer(400, br#"{"error":"unauthorized_client"}"#),
            Answer::Refused
        );
        assert_eq!(
            read_answer(400, br#"{"error":"invalid_request"}"#),
            Answer::Refused
        );
        assert_eq!(
            read_answer(400, br#"{"error":"invalid_scope"}"#),
            Answer::Invalid
        );
        assert_eq!(read_answer(401, b""), Answer::Refused);
        assert_eq!(read_answer(500, b""), Answer::Unavailable);
        // Found by fuzzing: invalid UTF-8 in a member nobody reads.
        assert_eq!(
            read_answer(200, b"{\"access_token\":\"a\",\"x\":\"\xb0\"}"),
            Answer::Invalid
        );
        assert_eq!(
            read_answer(400, b"{\"error\":\"invalid_client\",\"x\":\"\xff\"}"),
            Answer::Invalid
        );
        assert_eq!(read_answer(401, b"\xff"), Answer::Refused);
        // Also found by fuzzing: serde reads a struct from an array.
        assert_eq!(read_answer(200, b"[\"a.b.c\", 300]"), Answer::Invalid);
        assert_eq!(read_answer(400, b" [\"invalid_client\"]"), Answer::Invalid);
        assert_eq!(
            read_answer(200, b"\r\n {\"access_token\":\"t\"}"),
            Answer::Token {
                access_token: "t".into(),
                expires_in: None
            }
        );
        assert_eq!(read_answer(502, b"\xff"), Answer::Unavailable);
        assert_eq!(
            read_answer(503, br#"{"access_token":"x"}"#),
            Answer::Unavailable
        );
    }
}
