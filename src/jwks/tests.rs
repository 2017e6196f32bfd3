use super::*;
use crate::b64;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A modulus-shaped number of `bits` bits (top bit set, odd), with
/// `pad` leading zero bytes; not a real key, parsing does not care.
fn modulus(bits: usize, pad: usize) -> String {
    let mut n = vec![0u8; pad];
    let len = bits.div_ceil(8);
    let mut body: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(37) | 1).collect();
    let top_bits = bits - (len - 1) * 8;
    body[0] = 1u8 << (top_bits - 1);
    n.extend(body);
    b64::encode(&n)
}

fn rsa(kid: &str) -> Value {
    json!({"kty": "RSA", "kid": kid, "n": modulus(2048, 0), "e": "AQAB"})
}

fn ec(kid: &str) -> Value {
    json!({"kty": "EC", "kid": kid, "crv": "P-256",
           "x": b64::encode(&[1; 32]), "y": b64::encode(&[2; 32])})
}

fn ed(kid: &str) -> Value {
    json!({"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64::encode(&[3; 32])})
}

fn parse(keys: Vec<Value>) -> KeySet {
    parse_jwks(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn one(key: Value) -> Result<Jwk, String> {
    let set = parse(vec![key]);
    match (set.keys.first(), set.skipped.first()) {
        (Some(k), None) => Ok((**k).clone()),
        (None, Some(why)) => Err(why.clone()),
        _ => panic!("one key in, one out: {set:?}"),
    }
}

fn with(mut key: Value, member: &str, value: Value) -> Value {
    key[member] = value;
    key
}

#[test]
fn takes_the_three_supported_kinds() {
    let set = parse(vec![rsa("r"), ec("e"), ed("o")]);
    assert!(set.skipped.is_empty(), "{:?}", set.skipped);
    let kinds: Vec<KeyKind> = set.keys.iter().map(|k| k.kind()).collect();
    assert_eq!(kinds, [KeyKind::Rsa, KeyKind::EcP256, KeyKind::Ed25519]);
    assert_eq!(set.keys[0].kid.as_deref(), Some("r"));
}

#[test]
fn the_document_must_have_keys() {
    assert!(parse_jwks(b"not json").is_err());
    assert!(parse_jwks(b"{}").is_err());
    assert!(parse_jwks(br#"{"keys":{}}"#).is_err());
    assert!(parse_jwks(b"[]").is_err());
    assert!(parse_jwks(br#"{"keys":[]}"#).unwrap().keys.is_empty());
}

#[test]
fn rsa_size_bounds_ignore_leading_zeros() {
    let sized = |bits, pad| one(with(rsa("r"), "n", json!(modulus(bits, pad))));
    assert!(sized(2048, 0).is_ok());
    assert!(sized(2048, 3).is_ok());
    assert!(sized(8192, 0).is_ok());
    assert!(sized(2047, 1)
        .unwrap_err()
        .contains("2047 bits is too weak"));
    assert!(sized(1024, 0).unwrap_err().contains("too weak"));
    assert!(sized(8193, 0).unwrap_err().contains("too large"));
    // Leading zeros are dropped from the stored material.
    let KeyMaterial::Rsa { n, .. } = sized(2048, 2).unwrap().material else {
        panic!()
    };
    assert_eq!(n.len(), 256);
}

#[test]
fn rsa_exponent_and_parity() {
    for bad in ["", "AA", "AQ", "Ag", "AAEAAQAAAAAA"] {
        assert!(one(with(rsa("r"), "e", json!(bad))).is_err(), "{bad}");
    }
    assert!(one(with(rsa("r"), "e", json!("Aw"))).is_ok());
    assert!(one(with(rsa("r"), "e", json!("AAEAAQ"))).is_ok());
    let mut even = b64::decode(&modulus(2048, 0)).unwrap();
    *even.last_mut().unwrap() &= 0xfe;
    assert!(one(with(rsa("r"), "n", json!(b64::encode(&even)))).is_err());
}

#[test]
fn bad_encodings_are_skipped() {
    assert!(one(with(rsa("r"), "n", json!("a+b/")))
        .unwrap_err()
        .contains("n is not base64url"));
    assert!(one(with(rsa("r"), "n", json!(5)))
        .unwrap_err()
        .contains("n is not a string"));
    assert!(one(with(ec("e"), "x", json!(b64::encode(&[1; 31])))).is_err());
    assert!(one(with(ec("e"), "y", json!(b64::encode(&[1; 33])))).is_err());
    assert!(one(with(ed("o"), "x", json!(b64::encode(&[1; 31])))).is_err());
    assert!(one(with(ed("o"), "x", Value::Null)).is_err());
    assert!(one(json!("RSA")).unwrap_err().contains("not a JSON object"));
    assert!(one(json!({"n": "AQAB"})).unwrap_err().contains("no kty"));
    assert!(one(with(rsa("r"), "kid", json!(1))).is_err());
}

#[test]
fn unsupported_kinds_and_curves() {
    assert!(one(with(ec("e"), "crv", json!("P-384")))
        .unwrap_err()
        .contains("curve"));
    assert!(one(with(ed("o"), "crv", json!("X25519")))
        .unwrap_err()
        .contains("curve"));
    assert!(one(with(ed("o"), "crv", json!("Ed448"))).is_err());
    let oct = json!({"kty": "oct", "k": b64::encode(&[7; 32])});
    assert!(one(oct).unwrap_err().contains("oct"));
    assert!(one(json!({"kty": "RSA-PSS"}))
        .unwrap_err()
        .contains("unsupported kty"));
}

#[test]
fn use_and_key_ops() {
    assert!(one(with(rsa("r"), "use", json!("sig"))).is_ok());
    assert!(one(with(rsa("r"), "use", json!("enc")))
        .unwrap_err()
        .contains("use"));
    assert!(one(with(rsa("r"), "key_ops", json!(["verify"]))).is_ok());
    assert!(one(with(rsa("r"), "key_ops", json!(["encrypt"]))).is_err());
    assert!(one(with(rsa("r"), "key_ops", json!("verify"))).is_err());
}

#[test]
fn jwk_alg_must_be_known_and_fit() {
    assert_eq!(
        one(with(rsa("r"), "alg", json!("PS384"))).unwrap().alg,
        Some(Alg::Ps384)
    );
    assert_eq!(
        one(with(ed("o"), "alg", json!("EdDSA"))).unwrap().alg,
        Some(Alg::EdDsa)
    );
    for (key, alg) in [
        (rsa("r"), "ES256"),
        (rsa("r"), "HS256"),
        (rsa("r"), "RSA-OAEP"),
        (ec("e"), "ES384"),
        (ec("e"), "RS256"),
        (ed("o"), "Ed25519"),
    ] {
        assert!(one(with(key, "alg", json!(alg))).is_err(), "{alg}");
    }
}

#[test]
fn private_material_is_not_trusted() {
    assert!(one(with(rsa("r"), "d", json!("AQAB")))
        .unwrap_err()
        .contains("private"));
    assert!(one(with(ec("e"), "d", json!("AQAB"))).is_err());
}

#[test]
fn a_skip_names_the_key_briefly() {
    let long = "k".repeat(500);
    let set = parse(vec![rsa("ok"), with(ec(&long), "crv", json!("P-521"))]);
    assert_eq!(set.keys.len(), 1);
    assert_eq!(set.skipped.len(), 1);
    assert!(set.skipped[0].starts_with("key 1 (kid \"kkk"));
    assert!(set.skipped[0].len() < 200);
}

#[test]
fn at_most_a_hundred_keys() {
    let keys = (0..130).map(|i| ed(&format!("k{i}"))).collect();
    let set = parse(keys);
    assert_eq!(set.keys.len(), MAX_KEYS);
    assert_eq!(set.skipped, ["30 keys after the first 100 ignored"]);
}

#[test]
fn fingerprints_follow_material_only() {
    let a = one(rsa("a")).unwrap();
    let b = one(with(rsa("b"), "alg", json!("RS256"))).unwrap();
    assert_eq!(a.fingerprint, b.fingerprint);
    let padded = one(with(rsa("a"), "n", json!(modulus(2048, 1)))).unwrap();
    assert_eq!(a.fingerprint, padded.fingerprint);
    let other = one(with(rsa("a"), "e", json!("Aw"))).unwrap();
    assert_ne!(a.fingerprint, other.fingerprint);
    // x||y split differently must not collide.
    let e1 = one(ec("e")).unwrap();
    let e2 = one(with(
        with(ec("e"), "x", json!(b64::encode(&[2; 32]))),
        "y",
        json!(b64::encode(&[1; 32])),
    ))
    .unwrap();
    assert_ne!(e1.fingerprint, e2.fingerprint);
    assert_ne!(e1.fingerprint, one(ed("o")).unwrap().fingerprint);
}

#[test]
fn hmac_keys_need_32_bytes() {
    assert!(Jwk::hmac(&[b'a'; 31]).is_err());
    let k = Jwk::hmac(&[b'a'; 32]).unwrap();
    assert_eq!(
        (k.kind(), k.kid.clone(), k.alg),
        (KeyKind::Hmac, None, None)
    );
    assert!(Jwk::hmac(&[0xff; 40]).is_err());
    let err = Jwk::hmac(b"short-secret-value").unwrap_err();
    assert!(!err.contains("short-secret-value"));
    assert!(!format!("{k:?}").contains("aaaa"));
}

#[test]
fn select_by_kid() {
    let s = parse(vec![rsa("r1"), rsa("r2"), ec("e1")]);
    assert_eq!(
        s.select(Some("r2"), Alg::Rs256).unwrap().kid.as_deref(),
        Some("r2")
    );
    assert_eq!(
        s.select(Some("r2"), Alg::Ps512).unwrap().kid.as_deref(),
        Some("r2")
    );
    assert_eq!(
        s.select(Some("nope"), Alg::Rs256).unwrap_err(),
        AuthError::UnknownKey
    );
    // The kid exists, but the key is of the wrong kind for the alg.
    assert_eq!(
        s.select(Some("e1"), Alg::Rs256).unwrap_err(),
        AuthError::AlgorithmNotAllowed
    );
    assert_eq!(
        s.select(Some("r1"), Alg::Es256).unwrap_err(),
        AuthError::AlgorithmNotAllowed
    );
}

#[test]
fn select_respects_the_jwk_alg() {
    let s = parse(vec![with(rsa("r"), "alg", json!("RS256"))]);
    assert!(s.select(Some("r"), Alg::Rs256).is_ok());
    assert_eq!(
        s.select(Some("r"), Alg::Ps256).unwrap_err(),
        AuthError::AlgorithmNotAllowed
    );
    assert_eq!(
        s.select(None, Alg::Ps256).unwrap_err(),
        AuthError::UnknownKey
    );
}

#[test]
fn same_kid_on_two_kinds() {
    let s = parse(vec![rsa("same"), ec("same")]);
    assert_eq!(
        s.select(Some("same"), Alg::Es256).unwrap().kind(),
        KeyKind::EcP256
    );
    assert_eq!(
        s.select(Some("same"), Alg::Rs256).unwrap().kind(),
        KeyKind::Rsa
    );
}

#[test]
fn select_without_kid_needs_exactly_one_fit() {
    let s = parse(vec![rsa("r1"), ec("e1")]);
    assert_eq!(
        s.select(None, Alg::Es256).unwrap().kid.as_deref(),
        Some("e1")
    );
    assert_eq!(
        s.select(None, Alg::Rs256).unwrap().kid.as_deref(),
        Some("r1")
    );
    assert_eq!(
        s.select(None, Alg::EdDsa).unwrap_err(),
        AuthError::UnknownKey
    );
    let two = parse(vec![rsa("r1"), rsa("r2")]);
    assert_eq!(
        two.select(None, Alg::Rs256).unwrap_err(),
        AuthError::UnknownKey
    );
}

#[test]
fn hmac_selection() {
    let mut s = parse(vec![rsa("r1")]);
    assert_eq!(
        s.select(None, Alg::Hs256).unwrap_err(),
        AuthError::UnknownKey
    );
    assert_eq!(
        s.select(Some("r1"), Alg::Hs256).unwrap_err(),
        AuthError::UnknownKey
    );
    s.keys.push(Arc::new(Jwk::hmac(&[b'z'; 32]).unwrap()));
    // The configured secret has no kid; it serves HS tokens with any kid.
    for kid in [None, Some("r1"), Some("keycloak-hs-kid")] {
        assert_eq!(s.select(kid, Alg::Hs512).unwrap().kind(), KeyKind::Hmac);
    }
    // And never RSA tokens.
    assert_eq!(s.select(None, Alg::Rs256).unwrap().kind(), KeyKind::Rsa);
}
