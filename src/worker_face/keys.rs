//! Issuer keys for the worker: discovery, JWKS fetch, and the per-isolate
//! [`KeyCache`] that decides when to use, refresh or fall back.

use std::cell::RefCell;
use std::rc::Rc;

use std::time::Duration;

use worker::{Delay, Env};

use super::discovery::{self, Endpoint};
use super::{http, now_ms, now_secs, shared_cache};
use crate::config::{Config, IssuerConfig};
use crate::error::AuthError;
use crate::jwks::{self, KeySet};
use crate::keycache::{self, Cold, KeyCache, Lookup, Refetch};

thread_local! {
    static CACHE: RefCell<KeyCache> = RefCell::new(KeyCache::new());
}

const RETRY_AFTER: u32 = 5;

fn unavailable() -> AuthError {
    AuthError::KeysUnavailable {
        retry_after: RETRY_AFTER,
    }
}

/// How often a request waiting for another's cold fetch looks again.
const POLL: Duration = Duration::from_millis(10);

/// The issuer's keys when this isolate holds them fresh: what [`get`]
/// would answer without waiting. `None` for anything [`get`] must decide.
pub fn fresh(cfg: &Config, issuer: usize, now: u64) -> Option<Rc<KeySet>> {
    let iss = &cfg.issuers[issuer];
    match CACHE.with(|c| c.borrow().lookup(&iss.issuer, now)) {
        Lookup::Fresh(set) => Some(set),
        _ => None,
    }
}

/// Keys to verify with now: fresh from cache, else fetched, else stale.
pub async fn get(
    cfg: &Config,
    env: &Env,
    issuer: usize,
    now: u64,
) -> Result<Rc<KeySet>, AuthError> {
    let iss = &cfg.issuers[issuer];
    loop {
        let lookup = CACHE.with(|c| c.borrow().lookup(&iss.issuer, now));
        match lookup {
            Lookup::Fresh(set) => return Ok(set),
            Lookup::Stale(set) => {
                if !CACHE.with(|c| c.borrow_mut().try_begin_refetch(&iss.issuer, now, now_ms())) {
                    return Ok(set);
                }
                return fetch_and_store(iss, env, now, Source::SharedFirst)
                    .await
                    .ok_or_else(unavailable);
            }
            Lookup::Missing => {
                let cold =
                    CACHE.with(|c| c.borrow_mut().begin_cold_fetch(&iss.issuer, now, now_ms()));
                match cold {
                    Cold::Lead => {
                        return fetch_and_store(iss, env, now, Source::SharedFirst)
                            .await
                            .ok_or_else(unavailable)
                    }
                    // Another request of this isolate is fetching: its keys
                    // land in the cache (no promise is shared).
                    Cold::Wait => Delay::from(POLL).await,
                    Cold::Down => return Err(unavailable()),
                }
            }
        }
    }
}

/// One refetch for a token whose `kid` the cached keys lack, at most once
/// per 30 s per issuer (a fetch counts); while one is under way, the keys
/// it brings (a rotation seen by many requests at once). `None`: not
/// allowed now, or the fetch failed.
pub async fn refetch_for_unknown_kid(
    cfg: &Config,
    env: &Env,
    issuer: usize,
    now: u64,
) -> Option<Rc<KeySet>> {
    let iss = &cfg.issuers[issuer];
    let mut waited = false;
    loop {
        let step = CACHE.with(|c| c.borrow_mut().begin_kid_refetch(&iss.issuer, now, now_ms()));
        match step {
            // The shared copy is as old as ours or older: it lacks the kid too.
            Refetch::Lead => return fetch_and_store(iss, env, now, Source::Issuer).await,
            Refetch::Wait => {
                waited = true;
                Delay::from(POLL).await;
            }
            // Another request's refresh ended: what it left is in the cache.
            Refetch::No if waited => {
                return CACHE.with(|c| c.borrow().lookup(&iss.issuer, now).keys())
            }
            Refetch::No => return None,
        }
    }
}

/// Where a JWKS may come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The data centre's Cache API first (a cold isolate, or keys past
    /// their max-age: another isolate may have fetched newer ones).
    SharedFirst,
    /// The issuer only.
    Issuer,
}

/// The fetched keys, or after a failure whatever the cache still serves
/// (stale-if-error).
async fn fetch_and_store(
    iss: &IssuerConfig,
    env: &Env,
    now: u64,
    source: Source,
) -> Option<Rc<KeySet>> {
    match fetch(iss, env, now, source).await {
        Ok((set, max_age)) => CACHE.with(|c| {
            let mut c = c.borrow_mut();
            c.store(&iss.issuer, set, max_age, now);
            c.lookup(&iss.issuer, now).keys()
        }),
        Err(reason) => {
            worker::console_error!(
                "{}",
                serde_json::json!({"authz": {"event": "keys_fetch_failed", "issuer": iss.issuer, "reason": reason}})
            );
            // The failure's own time, not the request's: a fetch that timed
            // out after 5 s would otherwise end its back-off as it began,
            // and every request would wait out a timeout of its own.
            let failed_at = now_secs();
            CACHE.with(|c| c.borrow_mut().note_failure(&iss.issuer, failed_at.max(now)))
        }
    }
}

async fn fetch(
    iss: &IssuerConfig,
    env: &Env,
    now: u64,
    source: Source,
) -> Result<(KeySet, u64), String> {
    let mut set = KeySet::default();
    let mut max_age = keycache::MAX_MAX_AGE;
    // An issuer limited to HS* has no JWKS to fetch.
    if iss.algorithms.iter().any(|a| !a.is_hmac()) {
        let uri = discovery::endpoint(iss, Endpoint::Jwks).await?;
        let shared = match source {
            Source::SharedFirst => shared_cache::get(&uri, now)
                .await
                .and_then(|(body, left)| Some((usable(&body).ok()?, left))),
            Source::Issuer => None,
        };
        (set, max_age) = match shared {
            Some(found) => found,
            None => {
                let fetched = http::get_json(&uri).await?;
                let set = usable(&fetched.body)?;
                let max_age = keycache::max_age(fetched.cache_control.as_deref());
                shared_cache::put(&uri, &fetched.body, max_age, now).await;
                (set, max_age)
            }
        };
    }
    // Checked with the configuration (`config_var`), so this fails only
    // where that check did not run.
    let secret = (iss.hs_secret_var.as_deref())
        .and_then(|var| env.secret(var).ok())
        .map(|s| s.to_string());
    if let Some(key) = iss.hs_key(secret.as_deref())? {
        set.keys.push(std::sync::Arc::new(key));
    }
    Ok((set, max_age))
}

/// A JWKS with at least one key we can use. An empty or unusable one is
/// an error, so the keys we had are kept (stale-if-error) rather than lost.
fn usable(body: &[u8]) -> Result<KeySet, String> {
    let set = jwks::parse_jwks(body).map_err(|e| format!("bad JWKS: {}", e.0))?;
    if set.keys.is_empty() {
        return Err(format!(
            "JWKS has no usable key ({} skipped)",
            set.skipped.len()
        ));
    }
    Ok(set)
}
