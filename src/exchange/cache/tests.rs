use super::*;
use crate::exchange::cache_key;
use crate::secret::Secret;

const NOW: u64 = 1_700_000_000;

fn key(id: &str, secret: &str) -> CacheKey {
    use base64::Engine;
    let v = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    cache_key(&Secret::new(v))
}

#[test]
fn token_refreshes_30s_before_the_earlier_end() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
    assert_eq!(c.lookup(&k, Some("svc"), NOW, 0.0), Cached::Miss);
    c.store_token(&k, "tok".into(), NOW + 300, Some(120), NOW);
    assert_eq!(
        c.lookup(&k, Some("svc"), NOW + 89, 0.0),
        Cached::Token("tok".into())
    );
    assert_eq!(c.lookup(&k, Some("svc"), NOW + 90, 0.0), Cached::Miss);
}

#[test]
fn a_due_token_serves_while_another_request_refreshes_it() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
    c.store_token(&k, "tok".into(), NOW + 100, None, NOW);
    // NOW + 70 is past refresh (100 - 30): the first request leads...
    assert_eq!(c.lookup(&k, None, NOW + 70, 1.0), Cached::Miss);
    // ...and the others get the still-valid token at once, not a wait.
    assert_eq!(
        c.lookup(&k, None, NOW + 70, 2.0),
        Cached::Token("tok".into())
    );
}

#[test]
fn endpoint_down_serves_a_valid_token_at_once_then_503_without_waiting() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
    c.store_token(&k, "tok".into(), NOW + 100, None, NOW);
    assert_eq!(c.lookup(&k, None, NOW + 80, 0.0), Cached::Miss);
    c.store_failure(&k, NOW + 85);
    assert_eq!(c.valid_token(&k, NOW + 85).as_deref(), Some("tok"));
    assert_eq!(
        c.lookup(&k, None, NOW + 86, 0.0),
        Cached::Token("tok".into())
    );
    // Nothing cached and the endpoint failed moments ago: 503, no new wait.
    let fresh = key("other", "x");
    assert_eq!(c.lookup(&fresh, None, NOW, 0.0), Cached::Miss);
    c.store_failure(&fresh, NOW);
    assert_eq!(c.lookup(&fresh, None, NOW + 4, 0.0), Cached::Unavailable);
    assert_eq!(
        c.lookup(&fresh, None, NOW + FAILURE_BACKOFF, 0.0),
        Cached::Miss
    );
}

#[test]
fn followers_wait_for_the_leader_until_the_timeout() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
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
    let k = key("svc", "wrong");
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
    // Another client id is not affected.
    let other = key("other", "x");
    assert_eq!(c.lookup(&other, Some("other"), NOW + 10, 0.0), Cached::Miss);
    assert_eq!(c.lookup(&k, Some("svc"), NOW + 69, 0.0), Cached::Miss);
}

#[test]
fn a_cached_token_still_serves_the_right_secret_while_someone_guesses() {
    let mut c = ExchangeCache::new();
    let right = key("svc", "right");
    c.store_token(&right, "tok".into(), NOW + 300, None, NOW);
    for _ in 0..25 {
        c.count_refusal(Some("svc"), NOW);
    }
    assert_eq!(
        c.lookup(&right, Some("svc"), NOW + 1, 0.0),
        Cached::Token("tok".into())
    );
    assert!(matches!(
        c.lookup(&key("svc", "guess"), Some("svc"), NOW + 1, 0.0),
        Cached::RateLimited { .. }
    ));
}

#[test]
fn a_forgotten_token_is_exchanged_anew() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
    c.store_token(&k, "tok".into(), NOW + 300, None, NOW);
    c.forget_token(&k);
    assert_eq!(c.lookup(&k, None, NOW + 1, 0.0), Cached::Miss);
}

#[test]
fn a_flood_of_random_clients_is_swept() {
    let mut c = ExchangeCache::new();
    for i in 0..(SWEEP_ABOVE + 10) {
        c.store_refusal(&key(&format!("c{i}"), "x"), Some(&format!("c{i}")), NOW);
    }
    assert!(c.refusals.len() > SWEEP_ABOVE);
    // A minute later, the next store sweeps what has expired.
    c.store_refusal(&key("late", "x"), Some("late"), NOW + REFUSAL_WINDOW);
    assert!(c.refusals.len() <= 2, "{}", c.refusals.len());
    assert!(c.refused_at.len() <= 2, "{}", c.refused_at.len());
}

#[test]
fn debug_never_shows_a_token() {
    let mut c = ExchangeCache::new();
    let k = key("svc", "s");
    c.store_token(&k, "secret-token".into(), NOW + 300, None, NOW);
    assert!(!format!("{c:?}").contains("secret-token"));
    assert!(!format!("{:?}", Cached::Token("secret-token".into())).contains("secret-token"));
}
