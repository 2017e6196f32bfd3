use super::*;
use crate::b64;
use jwt_compact::alg::{Es256, Hs256, Hs256Key, Rsa, RsaPrivateKey, SigningKey as _};
use jwt_compact::{Algorithm, AlgorithmSignature};
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn rsa_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(include_str!("../../tests/fixtures/rsa2048-a.pem")).unwrap()
}

fn claims() -> Value {
    json!({"iss": "https://issuer.example", "exp": NOW + 300, "iat": NOW - 60, "typ": "Bearer"})
}

fn input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64::encode(header.to_string().as_bytes()),
        b64::encode(claims.to_string().as_bytes())
    )
}

fn hs256(header: Value, claims: &Value) -> String {
    let i = input(&header, claims);
    let sig = Hs256.sign(&Hs256Key::new(SECRET.as_bytes()), i.as_bytes());
    format!("{i}.{}", b64::encode(sig.as_bytes().as_ref()))
}

fn rs256(header: Value, claims: &Value) -> String {
    let i = input(&header, claims);
    let sig = Rsa::rs256().sign(&rsa_key(), i.as_bytes());
    format!("{i}.{}", b64::encode(sig.as_bytes().as_ref()))
}

fn rsa_jwks(kid: &str) -> String {
    let public = rsa_key().to_public_key();
    let mut jwk = serde_json::to_value(jwt_compact::jwk::JsonWebKey::from(&public)).unwrap();
    jwk["kid"] = json!(kid);
    json!({"keys": [jwk]}).to_string()
}

#[test]
fn hmac_secret() {
    let t = hs256(json!({"alg": "HS256", "kid": "keycloak-hs"}), &claims());
    let r = verify(&t, SECRET, NOW);
    assert!(r.ok, "{r:?}");
    assert_eq!(r.key_source, Some(Source::Secret));
    assert_eq!(r.times_ok, Some(true));
    let r = verify(&t, "another-secret-of-32-bytes-or-more!", NOW);
    assert_eq!(
        (r.ok, r.code, r.status),
        (false, Some("bad_signature"), Some(401))
    );
    let r = verify(&t, "short", NOW);
    assert!(r.key_problem.unwrap().contains("at least 32"));
    assert_eq!(r.code, None);
}

#[test]
fn rsa_by_jwks_and_kid() {
    let t = rs256(json!({"alg": "RS256", "kid": "k1"}), &claims());
    let r = verify(&format!("Bearer {t}"), &rsa_jwks("k1"), NOW);
    assert!(r.ok, "{r:?}");
    assert_eq!(r.key.unwrap().kind, "RSA 2048");
    assert_eq!(verify(&t, &rsa_jwks("k2"), NOW).code, Some("unknown_key"));
    // PS256 fits an RSA key; ES256 does not.
    let ps = rs256(json!({"alg": "PS256", "kid": "k1"}), &claims());
    assert_eq!(
        verify(&ps, &rsa_jwks("k1"), NOW).code,
        Some("bad_signature")
    );
    let es = rs256(json!({"alg": "ES256", "kid": "k1"}), &claims());
    assert_eq!(
        verify(&es, &rsa_jwks("k1"), NOW).code,
        Some("algorithm_not_allowed")
    );
}

#[test]
fn none_and_hmac_confusion() {
    let none = format!("{}.", input(&json!({"alg": "none"}), &claims()));
    assert_eq!(
        verify(&none, SECRET, NOW).code,
        Some("algorithm_not_allowed")
    );
    // An HS256 token "signed" with an RSA JWKS: no HMAC key, so the edge
    // (HS* only with hs_secret_var) refuses the algorithm before any key.
    let t = hs256(json!({"alg": "HS256"}), &claims());
    assert_eq!(
        verify(&t, &rsa_jwks("k1"), NOW).code,
        Some("algorithm_not_allowed")
    );
}

/// A good RS256 token whose header says HS256 instead (payload and
/// signature kept), as an attacker would relabel it.
fn relabelled_hs256() -> String {
    let good = rs256(json!({"alg": "RS256", "kid": "k1"}), &claims());
    let (_, rest) = good.split_once('.').unwrap();
    let header = b64::encode(br#"{"alg":"HS256","kid":"k1"}"#);
    format!("{header}.{rest}")
}

#[test]
fn hs256_relabelled_rsa_token_is_the_edges_algorithm_not_allowed() {
    let r = verify(&relabelled_hs256(), &rsa_jwks("k1"), NOW);
    assert_eq!(
        (r.ok, r.code, r.status),
        (false, Some("algorithm_not_allowed"), Some(401)),
        "{r:?}"
    );
    // A kid the set does not hold changes nothing: the algorithm goes first.
    let r = verify(&relabelled_hs256(), &rsa_jwks("k2"), NOW);
    assert_eq!(r.code, Some("algorithm_not_allowed"));
}

#[test]
fn es256_single_key_without_kid() {
    let sk = <<Es256 as Algorithm>::SigningKey>::from_slice(&[7; 32]).unwrap();
    let point = sk.to_verifying_key().to_encoded_point(false);
    let jwk = json!({"kty": "EC", "crv": "P-256",
        "x": b64::encode(point.x().unwrap()), "y": b64::encode(point.y().unwrap())});
    let i = input(&json!({"alg": "ES256"}), &claims());
    let t = format!(
        "{i}.{}",
        b64::encode(Es256.sign(&sk, i.as_bytes()).as_bytes().as_ref())
    );
    assert!(verify(&t, &jwk.to_string(), NOW).ok);
}

#[test]
fn times_after_a_good_signature() {
    let expired = rs256(
        json!({"alg": "RS256", "kid": "k1"}),
        &json!({"exp": NOW - 3600, "typ": "Refresh"}),
    );
    let r = verify(&expired, &rsa_jwks("k1"), NOW);
    assert!(r.ok);
    assert_eq!(
        (r.times_ok, r.times_status, r.times_code),
        (Some(false), Some(401), Some("token_expired"))
    );
    assert_eq!(r.times[0].summary, "expired 60 min ago");
    // Within the leeway: fine; the payload typ is left to Explain.
    let late = rs256(
        json!({"alg": "RS256", "kid": "k1"}),
        &json!({"exp": NOW - 20, "typ": "ID"}),
    );
    assert_eq!(verify(&late, &rsa_jwks("k1"), NOW).times_ok, Some(true));
}

#[test]
fn malformed_and_stripped_tokens() {
    let r = verify("Bearer a.b", SECRET, NOW);
    assert_eq!((r.code, r.status), (Some("invalid_token"), Some(401)));
    assert!(r.detail.contains("three dot-separated parts"));
    let t = hs256(json!({"alg": "HS256"}), &claims());
    let stripped = format!("{}.", t.rsplit_once('.').unwrap().0);
    let r = verify(&stripped, SECRET, NOW);
    assert_eq!(r.code, Some("bad_signature"));
    // The edge's own words, then why the page's links have no signature.
    assert_eq!(
        r.detail,
        format!(
            "{}: links from the page leave it out",
            AuthError::NoSignature.detail()
        )
    );
}

#[cfg(feature = "browser")]
#[test]
fn rsa_by_pem() {
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let t = rs256(json!({"alg": "RS256", "kid": "whatever"}), &claims());
    let public = rsa_key().to_public_key();
    for pem in [
        public.to_public_key_pem(LineEnding::LF).unwrap(),
        public.to_pkcs1_pem(LineEnding::LF).unwrap(),
    ] {
        let r = verify(&t, &pem, NOW);
        assert!(r.ok, "{r:?}");
        assert_eq!(r.key_source, Some(Source::Pem));
        let r = verify(&relabelled_hs256(), &pem, NOW);
        assert_eq!(r.code, Some("algorithm_not_allowed"), "{r:?}");
    }
}
