//! The verified-token cache (contract section 5): a token that verified
//! once is decided again without keys or a signature check, until its
//! `exp`; nothing else comes out of it.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{claims, ed, fixtures, keyset, mint, rsa_a, view, with, AUDIENCE, NOW, ORG};
use edge_authz::config::Config;
use edge_authz::decision::{begin, begin_with, Outcome, PendingBearer, Request, Start, Verdict};
use edge_authz::error::AuthError;
use edge_authz::signature::{RustCrypto, SignatureEngine};
use edge_authz::trail::Trail;
use edge_authz::verified_cache::VerifiedCache;
use serde_json::json;

fn config() -> Config {
    let v = json!({
        "origin": "https://api.internal.example",
        "issuers": [{
            "issuer": common::ISSUER,
            "jwks_uri": "https://sso.example.com/certs",
            "audiences": [AUDIENCE],
        }],
        "routes": [{"path": "/orgs/{org}/*"}],
    });
    Config::from_value(v).unwrap_or_else(|e| panic!("test config refused: {e:?}"))
}

fn headers(token: &str) -> Vec<(String, String)> {
    vec![("authorization".into(), format!("Bearer {token}"))]
}

fn get<'a>(path: &'a str, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
    Request {
        method: "GET",
        path,
        query: "",
        headers,
    }
}

fn pending(cfg: &Config, req: &Request<'_>) -> PendingBearer {
    match begin(cfg, req) {
        Start::NeedKeys(p) => p,
        _ => panic!("expected a token to verify"),
    }
}

/// The whole path with keys and the pure-Rust engine.
fn verify(cfg: &Config, token: &str, path: &str, now: u64) -> Outcome {
    let h = headers(token);
    let sent = view(&h);
    let req = get(path, &sent);
    let keys = keyset(&[rsa_a(), ed()]);
    let p = pending(cfg, &req);
    let valid = match p.check(cfg, &keys) {
        Ok(check) => RustCrypto.verify(&check),
        Err(e) => return p.fail(cfg, e),
    };
    p.finish(cfg, &req, valid, now)
}

/// [`verify`], remembering what verified.
fn verify_and_remember(
    cfg: &Config,
    cache: &mut VerifiedCache,
    token: &str,
    path: &str,
    now: u64,
) -> Outcome {
    let out = verify(cfg, token, path, now);
    if let Some(v) = &out.verified {
        cache.remember(v.clone(), now);
    }
    out
}

/// Only the cache: `None` when the token must be verified again.
fn from_cache(
    cfg: &Config,
    cache: &VerifiedCache,
    token: &str,
    path: &str,
    now: u64,
) -> Option<Outcome> {
    let h = headers(token);
    let sent = view(&h);
    let req = get(path, &sent);
    match begin_with(cfg, &req, Some((cache, now)), Trail::new()) {
        Start::Done(out) => Some(out),
        Start::NeedKeys(_) => None,
        Start::NeedExchange(_) => panic!("a bearer token is not exchanged"),
    }
}

/// The RS256 fixture, verified once and remembered at NOW.
fn one_remembered() -> (Config, VerifiedCache, String) {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    verify_and_remember(&cfg, &mut cache, &token, &org_path(), NOW);
    (cfg, cache, token)
}

fn org_path() -> String {
    format!("/orgs/{ORG}/things")
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_repeated_token_is_decided_from_the_cache_exactly_as_the_first_time() {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    assert!(
        from_cache(&cfg, &cache, &token, &org_path(), NOW).is_none(),
        "nothing cached yet"
    );

    let first = verify_and_remember(&cfg, &mut cache, &token, &org_path(), NOW);
    let again = from_cache(&cfg, &cache, &token, &org_path(), NOW + 1).expect("a cache hit");
    match (&first.verdict, &again.verdict) {
        (Verdict::Forward(a), Verdict::Forward(b)) => assert_eq!(a.set, b.set),
        other => panic!("both should forward: {other:?}"),
    }
    assert_eq!(first.log, again.log);
    assert!(format!("{:?}", again.trail).contains("remembered until exp"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_quiet_trail_decides_a_remembered_token_the_same_and_keeps_no_steps() {
    let (cfg, cache, token) = one_remembered();
    for path in [
        org_path(),
        "/orgs/00000000-0000-4000-8000-00000000beef/things".into(),
    ] {
        let h = headers(&token);
        let sent = view(&h);
        let req = get(&path, &sent);
        let told = from_cache(&cfg, &cache, &token, &path, NOW).expect("a cache hit");
        let quiet = match begin_with(&cfg, &req, Some((&cache, NOW)), Trail::quiet()) {
            Start::Done(out) => out,
            _ => panic!("a cache hit decides at once"),
        };
        assert_eq!(quiet.log, told.log, "{path}");
        assert_eq!(
            format!("{:?}", quiet.verdict),
            format!("{:?}", told.verdict),
            "{path}"
        );
        assert!(!told.trail.steps().is_empty());
        assert!(quiet.trail.steps().is_empty());
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_scope_is_checked_again_on_every_hit() {
    let (cfg, cache, token) = one_remembered();
    let other_org = "/orgs/00000000-0000-4000-8000-00000000beef/things";
    let out = from_cache(&cfg, &cache, &token, other_org, NOW).expect("a cache hit");
    match out.verdict {
        Verdict::Refuse(e) => assert_eq!(e.code(), "org_mismatch"),
        Verdict::Forward(_) => panic!("another organisation's path must stay refused"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_token_differing_in_any_byte_is_not_a_hit() {
    let (cfg, mut cache, token) = one_remembered();

    // Same header and payload, another signature: must be checked (and fail).
    let mut forged = token.clone();
    let last = forged.pop().expect("a token");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(from_cache(&cfg, &cache, &forged, &org_path(), NOW).is_none());
    let out = verify_and_remember(&cfg, &mut cache, &forged, &org_path(), NOW);
    assert!(matches!(
        out.verdict,
        Verdict::Refuse(AuthError::BadSignature)
    ));
    assert!(out.verified.is_none(), "a refused token is not remembered");
    assert_eq!(cache.len(), 1);

    // Another payload under the remembered signature: it ends exactly as
    // the remembered token does, and is still no hit.
    let (header, rest) = token.split_once('.').expect("a compact token");
    let (payload, signature) = rest.split_once('.').expect("three parts");
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sub"] = json!("someone-else");
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = format!("{header}.{payload}.{signature}");
    assert!(from_cache(&cfg, &cache, &tampered, &org_path(), NOW).is_none());
    let out = verify_and_remember(&cfg, &mut cache, &tampered, &org_path(), NOW);
    assert!(matches!(
        out.verdict,
        Verdict::Refuse(AuthError::BadSignature)
    ));
    assert!(from_cache(&cfg, &cache, &token, &org_path(), NOW).is_some());
    assert_eq!(cache.len(), 1);
}

/// The refusal's code, or "forward".
fn code(start: Start) -> &'static str {
    match start {
        Start::Done(Outcome {
            verdict: Verdict::Refuse(e),
            ..
        }) => e.code(),
        Start::Done(_) => "forward",
        Start::NeedKeys(_) => "verify",
        Start::NeedExchange(_) => "exchange",
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_remembered_token_sent_the_wrong_way_is_refused_as_any_token_is() {
    // The cache is asked before the header is split and the token's bytes
    // scanned: each way of sending it below must still be refused as it
    // is without the cache, and the clean ones decided from it.
    let (cfg, cache, token) = one_remembered();
    let path = org_path();
    let auth = |v: String| ("authorization".to_string(), v);
    let cases = [
        ("as sent", headers(&token), "", "forward"),
        (
            "blanks and case",
            vec![auth(format!(" bearer  {token}\t"))],
            "",
            "forward",
        ),
        (
            "twice",
            [headers(&token), headers(&token)].concat(),
            "",
            "invalid_request",
        ),
        (
            "joined",
            vec![auth(format!("Bearer {token}, Bearer {token}"))],
            "",
            "invalid_request",
        ),
        (
            "in the query too",
            headers(&token),
            "a=1&access_token=x",
            "invalid_request",
        ),
        (
            "as Basic",
            vec![auth(format!("Basic {token}"))],
            "",
            "invalid_request",
        ),
        (
            "with more after it",
            vec![auth(format!("Bearer {token} x"))],
            "",
            "invalid_request",
        ),
    ];
    for (what, h, query, want) in cases {
        let sent = view(&h);
        let req = Request {
            query,
            ..get(&path, &sent)
        };
        let cached = code(begin_with(&cfg, &req, Some((&cache, NOW)), Trail::new()));
        assert_eq!(cached, want, "{what}");
        if want != "forward" {
            assert_eq!(
                cached,
                code(begin(&cfg, &req)),
                "{what}: not as without the cache"
            );
        }
    }

    // A limit lowered under the remembered token (the worker forgets its
    // tokens when AUTHZ changes; an exchanged token never passed it).
    let mut small = cfg.clone();
    small.max_token_bytes = token.len() - 1;
    let h = headers(&token);
    let sent = view(&h);
    let req = get(&path, &sent);
    let cached = code(begin_with(&small, &req, Some((&cache, NOW)), Trail::new()));
    assert_eq!(cached, "token_too_long");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_hit_ends_at_exp_and_the_token_is_then_judged_afresh() {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    let exp = NOW + 300;
    verify_and_remember(&cfg, &mut cache, &token, &org_path(), NOW);
    assert!(from_cache(&cfg, &cache, &token, &org_path(), exp - 1).is_some());
    assert!(from_cache(&cfg, &cache, &token, &org_path(), exp).is_none());
    // Past exp and the leeway, a full verification refuses it.
    let out = verify_and_remember(&cfg, &mut cache, &token, &org_path(), exp + 30);
    assert!(matches!(
        out.verdict,
        Verdict::Refuse(AuthError::Expired { .. })
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_cache_stays_bounded_and_evicts_the_soonest_to_expire() {
    let cfg = config();
    let mut cache = VerifiedCache::with_capacity(3);
    let tokens = remembered(&cfg, &mut cache, &[100, 101, 102, 103]);
    assert_eq!(cache.len(), 3);
    let kept: Vec<bool> = tokens
        .iter()
        .map(|t| from_cache(&cfg, &cache, t, &org_path(), NOW).is_some())
        .collect();
    assert_eq!(
        kept,
        [false, true, true, true],
        "the soonest to expire went"
    );
}

/// A Basic request to a worker whose exchange issuer is `exchange_iss`.
fn exchange_config(exchange_iss: &str) -> Config {
    let v = json!({
        "origin": "https://api.internal.example",
        "issuers": [
            {"issuer": common::ISSUER, "jwks_uri": "https://sso.example.com/certs", "audiences": [AUDIENCE]},
            {"issuer": "https://other.example/realms/x", "jwks_uri": "https://other.example/certs"},
        ],
        "basic_exchange": {"issuer": exchange_iss},
        "routes": [{"path": "/orgs/{org}/*"}],
    });
    Config::from_value(v).unwrap_or_else(|e| panic!("test config refused: {e:?}"))
}

fn exchanged_with_cache(cfg: &Config, cache: &VerifiedCache, access_token: String) -> Start {
    let h = vec![(
        "authorization".to_string(),
        "Basic c3ZjLWE6c3ZjLWEtc2VjcmV0".to_string(),
    )];
    let path = org_path();
    let sent = view(&h);
    let req = get(&path, &sent);
    match begin(cfg, &req) {
        Start::NeedExchange(p) => p.into_bearer_with(cfg, &req, access_token, Some((cache, NOW))),
        _ => panic!("expected an exchange"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_exchanged_token_is_remembered_only_for_the_exchange_issuer() {
    let token = fixtures::valid_rs256();

    let ours = exchange_config(common::ISSUER);
    let mut cache = VerifiedCache::default();
    verify_and_remember(&ours, &mut cache, &token, &org_path(), NOW);
    match exchanged_with_cache(&ours, &cache, token.clone()) {
        Start::Done(out) => assert!(matches!(out.verdict, Verdict::Forward(_)), "{:?}", out.log),
        _ => panic!("a remembered token of the exchange issuer needs no keys"),
    }

    // The same token remembered, but the exchange issuer is another one:
    // the endpoint answered with a token it could not have issued.
    let theirs = exchange_config("https://other.example/realms/x");
    let mut cache = VerifiedCache::default();
    verify_and_remember(&theirs, &mut cache, &token, &org_path(), NOW);
    match exchanged_with_cache(&theirs, &cache, token) {
        Start::Done(out) => assert!(matches!(
            out.verdict,
            Verdict::Refuse(AuthError::BadUpstreamToken)
        )),
        _ => panic!("a token of another issuer is the endpoint's fault"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_full_cache_makes_room_an_eighth_at_a_time_soonest_first() {
    let cfg = config();
    let mut cache = VerifiedCache::with_capacity(16);
    let mut lifetimes: Vec<u64> = (100..116).collect();
    lifetimes.push(900);
    let tokens = remembered(&cfg, &mut cache, &lifetimes);
    // Full at 16: the 17th dropped the two soonest (16 / 8) in one pass.
    assert_eq!(cache.len(), 15);
    for (i, t) in tokens.iter().enumerate() {
        let kept = from_cache(&cfg, &cache, t, &org_path(), NOW).is_some();
        assert_eq!(kept, i >= 2, "token {i}");
    }
}

/// One token per lifetime (seconds after NOW), each verified and
/// remembered in turn.
fn remembered(cfg: &Config, cache: &mut VerifiedCache, lifetimes: &[u64]) -> Vec<String> {
    lifetimes
        .iter()
        .enumerate()
        .map(|(i, life)| {
            let claims = with(claims(), json!({"exp": NOW + life, "jti": i}));
            let token = mint(&claims, &json!({}), ed());
            verify_and_remember(cfg, cache, &token, &org_path(), NOW);
            token
        })
        .collect()
}

/// [`verify`], then `offer` as the worker does: `Some(remembered now)`
/// for a token that verified.
fn verify_and_offer(
    cfg: &Config,
    cache: &mut VerifiedCache,
    token: &str,
    now: u64,
) -> Option<bool> {
    let out = verify(cfg, token, &org_path(), now);
    out.verified.map(|v| cache.offer(v, now))
}

/// A valid Ed25519 token of its own for each `i`.
fn token_no(i: usize) -> String {
    mint(
        &with(claims(), json!({"jti": format!("t{i}")})),
        &json!({}),
        ed(),
    )
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_worker_remembers_a_token_the_second_time_it_verifies() {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    assert_eq!(verify_and_offer(&cfg, &mut cache, &token, NOW), Some(false));
    assert!(
        from_cache(&cfg, &cache, &token, &org_path(), NOW).is_none(),
        "once: verified again next time"
    );
    assert_eq!(
        verify_and_offer(&cfg, &mut cache, &token, NOW + 1),
        Some(true)
    );
    assert!(
        from_cache(&cfg, &cache, &token, &org_path(), NOW + 2).is_some(),
        "twice: remembered"
    );
    assert_eq!(cache.len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn tokens_sent_once_neither_fill_the_cache_nor_evict_a_reused_one() {
    let cfg = config();
    let mut cache = VerifiedCache::with_capacity(4);
    let reused = fixtures::valid_rs256();
    verify_and_offer(&cfg, &mut cache, &reused, NOW);
    assert_eq!(verify_and_offer(&cfg, &mut cache, &reused, NOW), Some(true));
    for i in 0..200 {
        assert_eq!(
            verify_and_offer(&cfg, &mut cache, &token_no(i), NOW),
            Some(false),
            "token {i}"
        );
    }
    assert_eq!(cache.len(), 1, "only the reused token is held");
    assert!(from_cache(&cfg, &cache, &reused, &org_path(), NOW).is_some());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn tokens_reused_in_turn_are_all_remembered_on_their_second_verification() {
    // Many clients, each sending its token again after the others sent
    // theirs: every one is recalled from its first verification.
    let cfg = config();
    let mut cache = VerifiedCache::default();
    // 100 of them: five in one of the 1,024 sets, which would drop one,
    // is a chance of about 1 in 10,000 for any set of fixtures.
    let tokens: Vec<String> = (0..100).map(token_no).collect();
    for t in &tokens {
        assert_eq!(verify_and_offer(&cfg, &mut cache, t, NOW), Some(false));
    }
    let remembered = tokens
        .iter()
        .filter(|t| verify_and_offer(&cfg, &mut cache, t, NOW) == Some(true))
        .count();
    assert_eq!(remembered, tokens.len());
    assert_eq!(cache.len(), tokens.len());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_refused_token_is_never_offered_and_an_expiring_one_never_remembered() {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    for _ in 0..3 {
        assert_eq!(verify_and_offer(&cfg, &mut cache, &forged, NOW), None);
    }
    assert!(cache.is_empty());
    // Within the leeway after exp it still verifies, but there is nothing
    // left of its life to remember it for.
    let exp = NOW + 300;
    for _ in 0..3 {
        assert_eq!(
            verify_and_offer(&cfg, &mut cache, &token, exp + 10),
            Some(false)
        );
    }
    assert!(cache.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn clearing_forgets_the_tokens_seen_once_too() {
    let cfg = config();
    let mut cache = VerifiedCache::default();
    let token = fixtures::valid_rs256();
    assert_eq!(verify_and_offer(&cfg, &mut cache, &token, NOW), Some(false));
    cache.clear();
    assert_eq!(
        verify_and_offer(&cfg, &mut cache, &token, NOW),
        Some(false),
        "a first sight again"
    );
    assert_eq!(verify_and_offer(&cfg, &mut cache, &token, NOW), Some(true));
}
