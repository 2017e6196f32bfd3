//! Per-isolate JWKS cache policy (contract section 5), as data: how long a
//! key set is fresh, when a stale one may still serve, when an unknown `kid`
//! may trigger a refetch. The face holds one of these and does the fetching;
//! it never stores a future here (workerd forbids I/O objects crossing
//! requests), only key sets and times.

use std::collections::HashMap;
use std::rc::Rc;

use crate::jwks::KeySet;

/// `Cache-Control: max-age` clamp and default, in seconds.
pub const MIN_MAX_AGE: u64 = 60;
pub const MAX_MAX_AGE: u64 = 24 * 3600;
pub const DEFAULT_MAX_AGE: u64 = 600;
/// How long cached keys keep serving while refreshes fail.
pub const STALE_IF_ERROR: u64 = 24 * 3600;
/// At most one refetch for an unknown `kid` per issuer in this window.
pub const REFETCH_INTERVAL: u64 = 30;
/// After a failed fetch with nothing cached, requests in this window get
/// 503 at once instead of each waiting on an issuer that is down.
pub const FAILURE_BACKOFF: u64 = 5;
/// How long requests wait for another request's cold fetch (discovery and
/// JWKS, 5 s each at most) before fetching themselves.
pub const COLD_FETCH_WAIT_MS: f64 = 12_000.0;

/// What the cache can give for an issuer right now.
pub enum Lookup {
    /// Fresh: use it.
    Fresh(Rc<KeySet>),
    /// Past max-age: refresh, and fall back to it if the refresh fails.
    Stale(Rc<KeySet>),
    /// Nothing usable: fetch, or answer 503.
    Missing,
}

impl Lookup {
    /// The keys to verify with, fresh or stale.
    pub fn keys(self) -> Option<Rc<KeySet>> {
        match self {
            Lookup::Fresh(set) | Lookup::Stale(set) => Some(set),
            Lookup::Missing => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    keys: Rc<KeySet>,
    fetched_at: u64,
    max_age: u64,
    last_refetch: Option<u64>,
    /// A refresh under way since (ms): requests with a `kid` the cached
    /// keys lack wait for it instead of being refused while it runs.
    refetching_since: Option<f64>,
}

/// Times are Unix seconds, passed in.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: HashMap<String, Entry>,
    /// Last failed fetch for issuers with nothing cached: a cold isolate's
    /// concurrent requests may each fetch (a mark before the await would
    /// refuse them all), but not while the issuer is known to be down.
    failures: HashMap<String, u64>,
    /// Cold fetches under way, by issuer: the others wait for them.
    cold_fetches: HashMap<String, f64>,
}

/// What a request whose `kid` the cached keys lack should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refetch {
    /// Refetch (the mark is set).
    Lead,
    /// Another request is refetching: look again shortly.
    Wait,
    /// Refetched within [`REFETCH_INTERVAL`], or nothing cached: no fetch.
    No,
}

/// What a request with nothing cached should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cold {
    /// Fetch (the mark is set).
    Lead,
    /// Another request is fetching: look again shortly.
    Wait,
    /// A fetch failed moments ago: 503 at once.
    Down,
}

impl KeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lookup(&self, issuer: &str, now: u64) -> Lookup {
        match self.entries.get(issuer) {
            Some(e) if now < e.fetched_at.saturating_add(e.max_age) => {
                Lookup::Fresh(e.keys.clone())
            }
            Some(e)
                if now
                    < e.fetched_at
                        .saturating_add(e.max_age)
                        .saturating_add(STALE_IF_ERROR) =>
            {
                Lookup::Stale(e.keys.clone())
            }
            _ => Lookup::Missing,
        }
    }

    /// Only refetches for an unknown `kid` count toward their 30 s limit:
    /// a key rotated right after a scheduled fetch is still picked up.
    pub fn store(&mut self, issuer: &str, keys: KeySet, max_age: u64, now: u64) {
        self.cold_fetches.remove(issuer);
        self.failures.remove(issuer);
        let last_refetch = self.entries.get(issuer).and_then(|e| e.last_refetch);
        self.entries.insert(
            issuer.to_string(),
            Entry {
                keys: Rc::new(keys),
                fetched_at: now,
                max_age: max_age.clamp(MIN_MAX_AGE, MAX_MAX_AGE),
                last_refetch,
                refetching_since: None,
            },
        );
    }

    /// Whether a refresh of cached keys (unknown `kid`, or past max-age) may
    /// go out now; if so it is recorded before any await, so concurrent
    /// requests in this isolate keep using what is cached.
    pub fn try_begin_refetch(&mut self, issuer: &str, now: u64, now_ms: f64) -> bool {
        // With nothing cached, begin_cold_fetch decides.
        let Some(e) = self.entries.get_mut(issuer) else {
            return false;
        };
        if e.last_refetch
            .is_some_and(|t| now < t.saturating_add(REFETCH_INTERVAL))
        {
            return false;
        }
        e.last_refetch = Some(now);
        e.refetching_since = Some(now_ms);
        true
    }

    /// For a `kid` the cached keys lack: refetch, wait for the refresh
    /// already under way (it may bring that key), or give up.
    pub fn begin_kid_refetch(&mut self, issuer: &str, now: u64, now_ms: f64) -> Refetch {
        let in_flight = self.entries.get(issuer).and_then(|e| e.refetching_since);
        if in_flight.is_some_and(|t| now_ms - t < COLD_FETCH_WAIT_MS) {
            return Refetch::Wait;
        }
        if self.try_begin_refetch(issuer, now, now_ms) {
            Refetch::Lead
        } else {
            Refetch::No
        }
    }

    /// With nothing cached: lead a fetch, wait for the one under way, or
    /// give up at once while the issuer is known to be down.
    pub fn begin_cold_fetch(&mut self, issuer: &str, now: u64, now_ms: f64) -> Cold {
        if self.recently_failed(issuer, now) {
            return Cold::Down;
        }
        match self.cold_fetches.get(issuer) {
            Some(started) if now_ms - started < COLD_FETCH_WAIT_MS => Cold::Wait,
            _ => {
                self.cold_fetches.insert(issuer.to_string(), now_ms);
                Cold::Lead
            }
        }
    }

    /// A fetch failed. stale-if-error: the keys still within
    /// [`STALE_IF_ERROR`] of their max-age keep serving, and are returned.
    pub fn note_failure(&mut self, issuer: &str, now: u64) -> Option<Rc<KeySet>> {
        self.cold_fetches.remove(issuer);
        self.failures.insert(issuer.to_string(), now);
        if let Some(e) = self.entries.get_mut(issuer) {
            e.refetching_since = None;
        }
        match self.lookup(issuer, now) {
            Lookup::Fresh(keys) | Lookup::Stale(keys) => Some(keys),
            Lookup::Missing => None,
        }
    }

    /// A fetch for this issuer failed within [`FAILURE_BACKOFF`].
    pub fn recently_failed(&self, issuer: &str, now: u64) -> bool {
        self.failures
            .get(issuer)
            .is_some_and(|t| now < t.saturating_add(FAILURE_BACKOFF))
    }
}

/// `max-age` from a `Cache-Control` value; `None` when absent or unusable
/// (then [`DEFAULT_MAX_AGE`] applies). `no-store`/`no-cache` give the minimum.
pub fn max_age(cache_control: Option<&str>) -> u64 {
    let Some(cc) = cache_control else {
        return DEFAULT_MAX_AGE;
    };
    let mut found = None;
    for directive in cc.split(',') {
        let d = directive.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return MIN_MAX_AGE;
        }
        if let Some(v) = d.strip_prefix("max-age=") {
            found = v.trim_matches('"').parse::<u64>().ok();
        }
    }
    found
        .unwrap_or(DEFAULT_MAX_AGE)
        .clamp(MIN_MAX_AGE, MAX_MAX_AGE)
}

/// How long a copy of a JWKS stored by another isolate (the Cache API)
/// stays fresh here: what is left of its `max_age` at `now`. `None` once
/// spent. A copy from the future (clocks of two machines) counts as new.
pub fn remaining(stored_at: u64, max_age: u64, now: u64) -> Option<u64> {
    let age = now.saturating_sub(stored_at);
    let left = max_age.min(MAX_MAX_AGE).saturating_sub(age);
    (left > 0).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000;

    fn cached(max_age: u64) -> KeyCache {
        let mut c = KeyCache::new();
        c.store("iss", KeySet::default(), max_age, T0);
        c
    }

    #[test]
    fn a_shared_copy_is_fresh_for_what_is_left_of_its_max_age() {
        assert_eq!(remaining(T0, 600, T0), Some(600));
        assert_eq!(remaining(T0, 600, T0 + 599), Some(1));
        assert_eq!(remaining(T0, 600, T0 + 600), None);
        assert_eq!(remaining(T0 + 5, 600, T0), Some(600));
        assert_eq!(remaining(T0, u64::MAX, T0), Some(MAX_MAX_AGE));
    }

    #[test]
    fn fresh_then_stale_then_gone() {
        let c = cached(600);
        assert!(matches!(c.lookup("iss", T0 + 599), Lookup::Fresh(_)));
        assert!(matches!(c.lookup("iss", T0 + 600), Lookup::Stale(_)));
        assert!(matches!(
            c.lookup("iss", T0 + 600 + STALE_IF_ERROR - 1),
            Lookup::Stale(_)
        ));
        assert!(matches!(
            c.lookup("iss", T0 + 600 + STALE_IF_ERROR),
            Lookup::Missing
        ));
        assert!(matches!(c.lookup("other", T0), Lookup::Missing));
    }

    #[test]
    fn max_age_is_clamped_when_stored() {
        let c = cached(5);
        assert!(matches!(c.lookup("iss", T0 + 59), Lookup::Fresh(_)));
        assert!(matches!(c.lookup("iss", T0 + 60), Lookup::Stale(_)));
        let c = cached(10 * 24 * 3600);
        assert!(matches!(
            c.lookup("iss", T0 + MAX_MAX_AGE),
            Lookup::Stale(_)
        ));
    }

    #[test]
    fn unknown_kid_refetches_at_most_once_per_interval() {
        let mut c = cached(600);
        let t1 = T0 + 1;
        assert!(c.try_begin_refetch("iss", t1, 0.0));
        assert!(!c.try_begin_refetch("iss", t1 + 1, 0.0));
        assert!(!c.try_begin_refetch("iss", t1 + REFETCH_INTERVAL - 1, 0.0));
        assert!(c.try_begin_refetch("iss", t1 + REFETCH_INTERVAL, 0.0));
        assert!(!KeyCache::new().try_begin_refetch("uncached", T0, 0.0));
    }

    #[test]
    fn refetch_mark_survives_a_store() {
        let mut c = cached(600);
        assert!(
            c.try_begin_refetch("iss", T0 + 1, 0.0),
            "a fetch is not a refetch"
        );
        c.store("iss", KeySet::default(), 600, T0 + 2);
        assert!(!c.try_begin_refetch("iss", T0 + 3, 0.0));
    }

    #[test]
    fn a_kid_missing_during_a_refresh_waits_for_it() {
        let mut c = cached(600);
        assert_eq!(c.begin_kid_refetch("iss", T0 + 1, 1000.0), Refetch::Lead);
        // Under way: the others wait for its keys rather than refuse.
        assert_eq!(c.begin_kid_refetch("iss", T0 + 1, 1500.0), Refetch::Wait);
        c.store("iss", KeySet::default(), 600, T0 + 2);
        assert_eq!(c.begin_kid_refetch("iss", T0 + 2, 2000.0), Refetch::No);
        // A failed refresh ends the wait too; a leader that never came
        // back holds no one for longer than a cold fetch would.
        let mut c = cached(600);
        assert_eq!(c.begin_kid_refetch("iss", T0 + 1, 0.0), Refetch::Lead);
        c.note_failure("iss", T0 + 6);
        assert_eq!(c.begin_kid_refetch("iss", T0 + 6, 6000.0), Refetch::No);
        let mut c = cached(600);
        assert_eq!(c.begin_kid_refetch("iss", T0 + 1, 0.0), Refetch::Lead);
        assert_eq!(
            c.begin_kid_refetch("iss", T0 + 13, COLD_FETCH_WAIT_MS),
            Refetch::No
        );
        assert_eq!(
            KeyCache::new().begin_kid_refetch("none", T0, 0.0),
            Refetch::No
        );
    }

    #[test]
    fn a_failed_refresh_keeps_the_stale_keys_for_24_hours() {
        let mut c = cached(600);
        assert!(c.note_failure("iss", T0 + 700).is_some());
        assert!(c
            .note_failure("iss", T0 + 600 + STALE_IF_ERROR - 1)
            .is_some());
        assert!(c.note_failure("iss", T0 + 600 + STALE_IF_ERROR).is_none());
        assert!(KeyCache::new().note_failure("never", T0).is_none());
    }

    #[test]
    fn cold_fetches_are_shared_and_back_off_after_a_failure() {
        let mut c = KeyCache::new();
        assert_eq!(c.begin_cold_fetch("iss", T0, 0.0), Cold::Lead);
        assert_eq!(c.begin_cold_fetch("iss", T0, 5.0), Cold::Wait);
        // A leader that never came back does not block forever.
        assert_eq!(
            c.begin_cold_fetch("iss", T0, COLD_FETCH_WAIT_MS),
            Cold::Lead
        );
        c.note_failure("iss", T0);
        assert_eq!(c.begin_cold_fetch("iss", T0 + 1, 1.0e9), Cold::Down);
        assert_eq!(
            c.begin_cold_fetch("iss", T0 + FAILURE_BACKOFF, 1.0e9),
            Cold::Lead
        );
        c.store("iss", KeySet::default(), 600, T0 + FAILURE_BACKOFF);
        assert!(matches!(
            c.lookup("iss", T0 + FAILURE_BACKOFF),
            Lookup::Fresh(_)
        ));
    }

    #[test]
    fn cache_control_parsing() {
        assert_eq!(max_age(None), DEFAULT_MAX_AGE);
        assert_eq!(max_age(Some("public, max-age=3600")), 3600);
        assert_eq!(max_age(Some("max-age=1")), MIN_MAX_AGE);
        assert_eq!(max_age(Some("max-age=99999999")), MAX_MAX_AGE);
        assert_eq!(max_age(Some("no-store")), MIN_MAX_AGE);
        assert_eq!(max_age(Some("max-age=abc")), DEFAULT_MAX_AGE);
    }
}
