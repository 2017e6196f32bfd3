//! Basic-to-token exchange (contract section 4), the parts that need no
//! I/O: the request to send, reading the token endpoint's answer, and the
//! per-isolate cache of tokens, refusals and refused-attempt counts.
//!
//! The cache is keyed by SHA-256 of the Basic value, never the value, so a
//! wrong secret for a cached client id cannot hit the cache. It holds data
//! only: concurrent requests with the same credentials coalesce through an
//! in-flight mark that followers poll, because workerd forbids sharing a
//! promise (or any I/O object) between requests.

use std::collections::{HashMap, VecDeque};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::AuthError;
use crate::secret::Secret;

/// Refusals are remembered this long.
pub const REFUSAL_TTL: u64 = 10;
/// Tokens are dropped this long before they expire.
pub const EXPIRY_MARGIN: u64 = 30;
/// Refused attempts allowed per client id per window.
pub const MAX_REFUSALS: usize = 20;
pub const REFUSAL_WINDOW: u64 = 60;
/// How long followers wait for a leader's exchange before trying their own.
pub const IN_FLIGHT_TIMEOUT_MS: f64 = 6_000.0;

pub type CacheKey = [u8; 32];

pub fn cache_key(basic: &Secret) -> CacheKey {
    Sha256::digest(basic.expose().as_bytes()).into()
}

/// The client id inside a Basic value (RFC 6749 2.3.1: form-encoded, then
/// base64), for rate limiting and the log. The secret is not returned.
pub fn client_id(basic: &Secret) -> Option<String> {
    let raw = STANDARD.decode(basic.expose().trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, _) = text.split_once(':')?;
    Some(form_decode(id))
}

fn form_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1)
            .zip(bytes.get(i + 2))
            .and_then(|(h, l)| Some(hex(*h)? << 4 | hex(*l)?));
        match (bytes[i], pair) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form body of the token request.
pub fn request_body(scope: Option<&str>) -> String {
    let mut body = String::from("grant_type=client_credentials");
    if let Some(scope) = scope {
        body.push_str("&scope=");
        for b in scope.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    body.push(b as char)
                }
                b' ' => body.push('+'),
                b => body.push_str(&format!("%{b:02X}")),
            }
        }
    }
    body
}

/// What the token endpoint said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Token {
        access_token: String,
        expires_in: Option<u64>,
    },
    /// `invalid_client`, `unauthorized_client`, `invalid_grant`,
    /// `invalid_request`: the
    /// credentials are wrong; cached and counted.
    Refused,
    /// 5xx or anything unexpected from a server that is not well: 503.
    Unavailable,
    /// A 200 without a usable token: 502.
    Invalid,
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

pub fn read_answer(status: u16, body: &[u8]) -> Answer {
    match status {
        200 => match serde_json::from_slice::<Success>(body) {
            Ok(s) if !s.access_token.is_empty() => Answer::Token {
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
        400 | 401 | 403 => match serde_json::from_slice::<Failure>(body) {
            Ok(f)
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
        _ => Answer::Unavailable,
    }
}

/// What the cache says before any exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// A token still valid: use it, no request to the issuer.
    Token(String),
    /// Refused within the last 10 s: 401 again without asking.
    Refused,
    /// Too many refusals for this client id: 429.
    RateLimited { retry_after: u32 },
    /// Another request in this isolate is exchanging these credentials:
    /// wait and look again.
    InFlight,
    /// Exchange now (this request leads).
    Miss,
}

#[derive(Debug, Default)]
pub struct ExchangeCache {
    /// Token, refresh-after (`end - 30 s`), end (`min(exp, now + expires_in)`).
    tokens: HashMap<CacheKey, (String, u64, u64)>,
    refusals: HashMap<CacheKey, u64>,
    refused_at: HashMap<String, VecDeque<u64>>,
    in_flight: HashMap<CacheKey, f64>,
    /// Token requests sent, for the log and the coalescing figure.
    pub requests_sent: u64,
}

impl ExchangeCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// `now` in Unix seconds, `now_ms` for the in-flight timeout. On `Miss`
    /// the caller leads: the in-flight mark is set before it awaits.
    pub fn lookup(
        &mut self,
        key: &CacheKey,
        client: Option<&str>,
        now: u64,
        now_ms: f64,
    ) -> Cached {
        match self.tokens.get(key) {
            Some((token, refresh_after, _)) if now < *refresh_after => {
                return Cached::Token(token.clone())
            }
            Some((_, _, end)) if now >= *end => {
                self.tokens.remove(key);
            }
            _ => {}
        }
        if let Some(retry) = client.and_then(|c| self.rate_limit(c, now)) {
            return Cached::RateLimited { retry_after: retry };
        }
        if self.refusals.get(key).is_some_and(|until| now < *until) {
            return Cached::Refused;
        }
        if self
            .in_flight
            .get(key)
            .is_some_and(|started| now_ms - started < IN_FLIGHT_TIMEOUT_MS)
        {
            return Cached::InFlight;
        }
        self.in_flight.insert(*key, now_ms);
        self.requests_sent += 1;
        Cached::Miss
    }

    /// A token not yet at its end, even if due for refresh: what serves
    /// while the issuer is down.
    pub fn valid_token(&self, key: &CacheKey, now: u64) -> Option<String> {
        self.tokens
            .get(key)
            .filter(|(_, _, end)| now < *end)
            .map(|(t, _, _)| t.clone())
    }

    /// After the token verified: kept until `min(exp, now + expires_in) - 30 s`.
    pub fn store_token(
        &mut self,
        key: &CacheKey,
        token: String,
        exp: u64,
        expires_in: Option<u64>,
        now: u64,
    ) {
        self.in_flight.remove(key);
        let end = expires_in.map_or(exp, |e| exp.min(now.saturating_add(e)));
        let refresh_after = end.saturating_sub(EXPIRY_MARGIN);
        if end > now {
            self.tokens.insert(*key, (token, refresh_after, end));
        }
    }

    pub fn store_refusal(&mut self, key: &CacheKey, client: Option<&str>, now: u64) {
        self.in_flight.remove(key);
        self.refusals.insert(*key, now + REFUSAL_TTL);
        if let Some(c) = client {
            self.refused_at
                .entry(c.to_string())
                .or_default()
                .push_back(now);
        }
        self.refusals.retain(|_, until| *until > now);
    }

    /// Counts a refusal served from cache too: every refused attempt
    /// counts toward the limit, not only those the issuer saw.
    pub fn count_refusal(&mut self, client: Option<&str>, now: u64) {
        if let Some(c) = client {
            self.refused_at
                .entry(c.to_string())
                .or_default()
                .push_back(now);
        }
    }

    /// The exchange failed without an answer about the credentials.
    pub fn abandon(&mut self, key: &CacheKey) {
        self.in_flight.remove(key);
    }

    fn rate_limit(&mut self, client: &str, now: u64) -> Option<u32> {
        let times = self.refused_at.get_mut(client)?;
        while times.front().is_some_and(|t| now >= t + REFUSAL_WINDOW) {
            times.pop_front();
        }
        if times.len() >= MAX_REFUSALS {
            let oldest = *times.front()?;
            return Some((oldest + REFUSAL_WINDOW).saturating_sub(now).max(1) as u32);
        }
        None
    }
}

/// The error a cached state or an answer turns into.
pub fn refusal(cached: &Cached) -> Option<AuthError> {
    match cached {
        Cached::Refused => Some(AuthError::BasicRefused),
        Cached::RateLimited { retry_after } => Some(AuthError::RateLimited {
            retry_after: *retry_after,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn basic(id: &str, secret: &str) -> Secret {
        Secret::new(STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn client_id_is_form_decoded_and_secret_not_returned() {
        assert_eq!(
            client_id(&basic("svc%3Aa+b", "s3cr%C3%A9t")).as_deref(),
            Some("svc:a b")
        );
        assert_eq!(
            client_id(&basic("%E2%82%AC%", "x")).as_deref(),
            Some("\u{20ac}%")
        );
        assert_eq!(client_id(&Secret::new("not base64!")), None);
        assert_eq!(client_id(&Secret::new(STANDARD.encode("no-colon"))), None);
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
        assert_eq!(
            read_answer(503, br#"{"access_token":"x"}"#),
            Answer::Unavailable
        );
    }

    #[test]
    fn token_cached_until_margin_before_the_earlier_end() {
        let mut c = ExchangeCache::new();
        let k = cache_key(&basic("svc", "s"));
        assert_eq!(c.lookup(&k, Some("svc"), NOW, 0.0), Cached::Miss);
        c.store_token(&k, "tok".into(), NOW + 300, Some(120), NOW);
        assert_eq!(
            c.lookup(&k, Some("svc"), NOW + 89, 0.0),
            Cached::Token("tok".into())
        );
        assert_eq!(c.lookup(&k, Some("svc"), NOW + 90, 0.0), Cached::Miss);
        assert_eq!(c.requests_sent, 2);
        // Due for refresh, but still served if the issuer cannot be reached.
        assert_eq!(c.valid_token(&k, NOW + 119).as_deref(), Some("tok"));
        assert_eq!(c.valid_token(&k, NOW + 120), None);
    }

    #[test]
    fn followers_wait_for_the_leader() {
        let mut c = ExchangeCache::new();
        let k = cache_key(&basic("svc", "s"));
        assert_eq!(c.lookup(&k, None, NOW, 1000.0), Cached::Miss);
        assert_eq!(c.lookup(&k, None, NOW, 1001.0), Cached::InFlight);
        assert_eq!(
            c.lookup(&k, None, NOW, 1000.0 + IN_FLIGHT_TIMEOUT_MS),
            Cached::Miss
        );
        c.abandon(&k);
        assert_eq!(c.lookup(&k, None, NOW, 1.0e9), Cached::Miss);
    }

    #[test]
    fn refusals_cached_ten_seconds_and_rate_limited_per_client() {
        let mut c = ExchangeCache::new();
        let k = cache_key(&basic("svc", "wrong"));
        assert_eq!(c.lookup(&k, Some("svc"), NOW, 0.0), Cached::Miss);
        c.store_refusal(&k, Some("svc"), NOW);
        assert_eq!(c.lookup(&k, Some("svc"), NOW + 9, 0.0), Cached::Refused);
        for _ in 0..19 {
            c.count_refusal(Some("svc"), NOW + 9);
        }
        assert_eq!(
            c.lookup(&k, Some("svc"), NOW + 10, 0.0),
            Cached::RateLimited { retry_after: 50 }
        );
        // Another client id is not affected; the right secret's cached token still serves.
        let other = cache_key(&basic("other", "x"));
        assert_eq!(c.lookup(&other, Some("other"), NOW + 10, 0.0), Cached::Miss);
        assert_eq!(c.lookup(&k, Some("svc"), NOW + 69, 0.0), Cached::Miss);
    }
}
