//! The per-isolate exchange cache: tokens, refusals, refused-attempt
//! counts, exchanges in flight and recent failures. Data only; the face
//! polls it, so no promise crosses requests.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use super::{
    CacheKey, EXPIRY_MARGIN, FAILURE_BACKOFF, IN_FLIGHT_TIMEOUT_MS, MAX_REFUSALS, REFUSAL_TTL,
    REFUSAL_WINDOW,
};

/// Past this many entries in a map, expired ones are swept, so that a flood
/// of random credentials cannot grow the isolate's memory without bound.
const SWEEP_ABOVE: usize = 4096;

/// What the cache says before any exchange.
#[derive(Clone, PartialEq, Eq)]
pub enum Cached {
    /// A token to use now, without asking the issuer.
    Token(String),
    /// Refused within the last 10 s: 401 again without asking.
    Refused,
    /// Too many refusals for this client id: 429.
    RateLimited { retry_after: u32 },
    /// Another request in this isolate is exchanging these credentials:
    /// wait and look again.
    InFlight,
    /// The token endpoint failed for these credentials moments ago and no
    /// valid token is cached: 503 at once.
    Unavailable,
    /// Exchange now (this request leads).
    Miss,
}

impl fmt::Debug for Cached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cached::Token(_) => f.write_str("Token(<redacted>)"),
            Cached::Refused => f.write_str("Refused"),
            Cached::RateLimited { retry_after } => write!(f, "RateLimited({retry_after})"),
            Cached::InFlight => f.write_str("InFlight"),
            Cached::Unavailable => f.write_str("Unavailable"),
            Cached::Miss => f.write_str("Miss"),
        }
    }
}

struct CachedToken {
    token: String,
    /// `end - 30 s`: after this, the next request refreshes it.
    refresh_after: u64,
    /// `min(exp, now + expires_in)`: after this, never used.
    end: u64,
}

/// Times: `now` in Unix seconds; `now_ms` in milliseconds for the in-flight
/// timeout.
#[derive(Default)]
pub struct ExchangeCache {
    tokens: HashMap<CacheKey, CachedToken>,
    refusals: HashMap<CacheKey, u64>,
    refused_at: HashMap<String, VecDeque<u64>>,
    in_flight: HashMap<CacheKey, f64>,
    failures: HashMap<CacheKey, u64>,
}

impl fmt::Debug for ExchangeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeCache")
            .field("tokens", &self.tokens.len())
            .field("refusals", &self.refusals.len())
            .field("clients_refused", &self.refused_at.len())
            .field("in_flight", &self.in_flight.len())
            .finish()
    }
}

impl ExchangeCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// On `Miss` the caller leads: the in-flight mark is set before it
    /// awaits anything.
    pub fn lookup(
        &mut self,
        key: &CacheKey,
        client: Option<&str>,
        now: u64,
        now_ms: f64,
    ) -> Cached {
        let in_flight = self
            .in_flight
            .get(key)
            .is_some_and(|started| now_ms - started < IN_FLIGHT_TIMEOUT_MS);
        let failed = self
            .failures
            .get(key)
            .is_some_and(|t| now < t.saturating_add(FAILURE_BACKOFF));
        match self.tokens.get(key) {
            Some(t) if now < t.refresh_after => return Cached::Token(t.token.clone()),
            // Due for refresh but still valid: serve it while another
            // request refreshes it or while the endpoint is failing.
            Some(t) if now < t.end && (in_flight || failed) => {
                return Cached::Token(t.token.clone())
            }
            Some(t) if now >= t.end => {
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
        if in_flight {
            return Cached::InFlight;
        }
        if failed {
            return Cached::Unavailable;
        }
        self.in_flight.insert(*key, now_ms);
        Cached::Miss
    }

    /// A token not yet at its end, even if due for refresh.
    pub fn valid_token(&self, key: &CacheKey, now: u64) -> Option<String> {
        self.tokens
            .get(key)
            .filter(|t| now < t.end)
            .map(|t| t.token.clone())
    }

    /// After the token verified: refreshed after
    /// `min(exp, now + expires_in) - 30 s`, used until that end.
    pub fn store_token(
        &mut self,
        key: &CacheKey,
        token: String,
        exp: u64,
        expires_in: Option<u64>,
        now: u64,
    ) {
        self.in_flight.remove(key);
        self.failures.remove(key);
        let end = expires_in.map_or(exp, |e| exp.min(now.saturating_add(e)));
        if end > now {
            let refresh_after = end.saturating_sub(EXPIRY_MARGIN);
            self.tokens.insert(
                *key,
                CachedToken {
                    token,
                    refresh_after,
                    end,
                },
            );
        }
        self.sweep(now);
    }

    /// A cached token that no longer verifies (e.g. after key rotation):
    /// the next request exchanges anew.
    pub fn forget_token(&mut self, key: &CacheKey) {
        self.tokens.remove(key);
    }

    pub fn store_refusal(&mut self, key: &CacheKey, client: Option<&str>, now: u64) {
        self.in_flight.remove(key);
        self.refusals.insert(*key, now.saturating_add(REFUSAL_TTL));
        self.count_refusal(client, now);
        self.sweep(now);
    }

    /// Every refused attempt counts toward the limit, also those answered
    /// from the refusal cache.
    pub fn count_refusal(&mut self, client: Option<&str>, now: u64) {
        if let Some(c) = client {
            self.refused_at
                .entry(c.to_string())
                .or_default()
                .push_back(now);
        }
    }

    /// The token endpoint could not be reached or answered 5xx.
    pub fn store_failure(&mut self, key: &CacheKey, now: u64) {
        self.in_flight.remove(key);
        self.failures.insert(*key, now);
        self.sweep(now);
    }

    /// The exchange ended without an answer worth remembering.
    pub fn abandon(&mut self, key: &CacheKey) {
        self.in_flight.remove(key);
    }

    fn rate_limit(&mut self, client: &str, now: u64) -> Option<u32> {
        let times = self.refused_at.get_mut(client)?;
        while times
            .front()
            .is_some_and(|t| now >= t.saturating_add(REFUSAL_WINDOW))
        {
            times.pop_front();
        }
        if times.len() >= MAX_REFUSALS {
            let oldest = *times.front()?;
            let retry = oldest
                .saturating_add(REFUSAL_WINDOW)
                .saturating_sub(now)
                .max(1);
            return Some(u32::try_from(retry).unwrap_or(u32::MAX));
        }
        None
    }

    fn sweep(&mut self, now: u64) {
        if self.tokens.len() > SWEEP_ABOVE {
            self.tokens.retain(|_, t| now < t.end);
        }
        if self.refusals.len() > SWEEP_ABOVE {
            self.refusals.retain(|_, until| now < *until);
        }
        if self.failures.len() > SWEEP_ABOVE {
            self.failures
                .retain(|_, t| now < t.saturating_add(FAILURE_BACKOFF));
        }
        if self.in_flight.len() > SWEEP_ABOVE {
            // Marks of leaders that never came back (cancelled requests).
            self.in_flight.clear();
        }
        if self.refused_at.len() > SWEEP_ABOVE {
            self.refused_at.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now < t.saturating_add(REFUSAL_WINDOW))
            });
        }
    }
}

#[cfg(test)]
mod tests;
