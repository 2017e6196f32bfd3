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

use sha2::{Digest, Sha256};

use crate::json_tree::{self, Tree, Value};
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

/// The answer is a JSON object (RFC 6749 5.1, 5.2) in UTF-8 (RFC 8259
/// 8.1), read as strictly as a token: no member named twice, nothing that
/// is not JSON even in members we do not read.
fn object(body: &[u8]) -> Option<Tree> {
    json_tree::parse_object(body.to_vec()).ok()
}

pub fn read_answer(status: u16, body: &[u8]) -> Answer {
    match status {
        200 => {
            let Some(doc) = object(body) else {
                return Answer::Invalid;
            };
            match doc.get("access_token") {
                Some(Value::String(token)) if !token.is_empty() => Answer::Token {
                    access_token: token.to_string(),
                    expires_in: match doc.get("expires_in") {
                        Some(Value::Number(n)) => n.as_u64(),
                        // Some servers send it as a string.
                        Some(Value::String(s)) => s.parse().ok(),
                        _ => None,
                    },
                },
                _ => Answer::Invalid,
            }
        }
        400 | 401 | 403 => match object(body).as_ref().and_then(|d| d.get("error")) {
            // invalid_request too: the caller's credentials are the only
            // variable part of our request (oidc-provider answers it for a
            // secret outside RFC 6749's VSCHAR, where Keycloak says
            // invalid_client).
            Some(Value::String(
                "invalid_client" | "unauthorized_client" | "invalid_grant" | "invalid_request",
            )) => Answer::Refused,
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
        // Read as strictly as a token: a member named twice, or text that is
        // not JSON in a member nobody reads, is not an answer.
        for body in [
            r#"{"access_token":"a","access_token":"b"}"#,
            r#"{"access_token":"a","x":1,"x":2}"#,
            r#"{"access_token":"a","x":"\ud800"}"#,
            r#"{"access_token":"a","x":1e400}"#,
        ] {
            assert_eq!(read_answer(200, body.as_bytes()), Answer::Invalid, "{body}");
        }
        assert_eq!(
            read_answer(200, br#"{"access_token":"a","expires_in":"60"}"#),
            Answer::Token {
                access_token: "a".into(),
                expires_in: Some(60)
            }
        );
        for expires_in in ["-1", "1.5", "null", "true", "\"soon\""] {
            let body = format!(r#"{{"access_token":"a","expires_in":{expires_in}}}"#);
            assert_eq!(
                read_answer(200, body.as_bytes()),
                Answer::Token {
                    access_token: "a".into(),
                    expires_in: None
                },
                "{body}"
            );
        }
        assert_eq!(read_answer(400, br#"{"error":1}"#), Answer::Invalid);
        assert_eq!(read_answer(401, br#"{"error":1}"#), Answer::Refused);
        assert_eq!(read_answer(502, b"\xff"), Answer::Unavailable);
        assert_eq!(
            read_answer(503, br#"{"access_token":"x"}"#),
            Answer::Unavailable
        );
    }
}
