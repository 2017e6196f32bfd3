//! JWKS parsing and key selection, kept apart from fetching (as panva
//! `jose` keeps them): the face fetches bytes, this module decides which key
//! may verify which token. A [`KeySet`] belongs to one issuer.

use std::sync::Arc;

use crate::alg::{Alg, KeyKind};
use crate::error::AuthError;
use crate::secret::Secret;

mod parse;

use parse::{fingerprint, kid_note, parse_key};
use serde_json::Value;

/// RFC 7518 3.3 floor; the contract refuses weaker keys.
pub const MIN_RSA_BITS: usize = 2048;
/// Bounds the cost of a verification; larger moduli are not in use.
pub const MAX_RSA_BITS: usize = 8192;
/// Keys read from one JWKS; the rest are noted as skipped.
pub const MAX_KEYS: usize = 100;
/// The contract's floor for HS secrets (RFC 7518 3.2's for HS256).
pub const MIN_HMAC_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// Big-endian modulus and exponent, 2048 bits or more.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Uncompressed P-256 coordinates, 32 bytes each.
    EcP256 { x: Vec<u8>, y: Vec<u8> },
    /// 32-byte Ed25519 public key.
    Ed25519 { x: Vec<u8> },
    /// At least 32 bytes; only from `hs_secret_var`, never from a JWKS.
    Hmac { secret: Secret },
}

#[derive(Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The JWK's own `alg`, if it names one: a token must then use exactly it.
    pub alg: Option<Alg>,
    pub material: KeyMaterial,
    /// SHA-256 over the key material: a stable identity for caches of
    /// imported (e.g. WebCrypto) keys.
    pub fingerprint: [u8; 32],
}

/// Kind, kid and alg name a key well enough for a log line. The
/// fingerprint is left out: for an HMAC key it is a hash of the secret,
/// which a weak secret would not survive being guessed against.
impl std::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwk")
            .field("kind", &self.kind())
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl KeyMaterial {
    pub fn kind(&self) -> KeyKind {
        match self {
            KeyMaterial::Rsa { .. } => KeyKind::Rsa,
            KeyMaterial::EcP256 { .. } => KeyKind::EcP256,
            KeyMaterial::Ed25519 { .. } => KeyKind::Ed25519,
            KeyMaterial::Hmac { .. } => KeyKind::Hmac,
        }
    }
}

impl Jwk {
    pub fn kind(&self) -> KeyKind {
        self.material.kind()
    }

    /// Whether a token signed with `alg` may be checked with this key:
    /// the kind must fit and the JWK's own `alg`, if any, must agree.
    pub fn accepts(&self, alg: Alg) -> bool {
        alg.key_kind() == self.kind() && self.alg.is_none_or(|a| a == alg)
    }

    /// An HMAC key from a secret (`hs_secret_var`); under 32 bytes refused.
    pub fn hmac(secret: &[u8]) -> Result<Jwk, String> {
        if secret.len() < MIN_HMAC_BYTES {
            return Err(format!(
                "the HS secret has {} bytes; at least {MIN_HMAC_BYTES} are needed",
                secret.len()
            ));
        }
        // `Secret` holds text, and wrangler secrets are text.
        let text = std::str::from_utf8(secret)
            .map_err(|_| "the HS secret is not valid UTF-8".to_string())?;
        let material = KeyMaterial::Hmac {
            secret: Secret::new(text),
        };
        Ok(Jwk {
            kid: None,
            alg: None,
            fingerprint: fingerprint(&material),
            material,
        })
    }
}

/// The usable keys of one issuer, plus why the others were skipped.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    pub keys: Vec<Arc<Jwk>>,
    /// One line per skipped key (weak RSA, unsupported kty/crv, `use` not
    /// `sig`, bad encoding): for the log and the page, never fatal.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksError(pub String);

/// Parses a JWKS document. Only public keys (`RSA`, `EC` P-256, `OKP`
/// Ed25519) are taken; `oct` keys in a JWKS are skipped. Bounded: more
/// than 100 keys or an RSA modulus over 8192 bits is skipped or refused,
/// never slow.
pub fn parse_jwks(body: &[u8]) -> Result<KeySet, JwksError> {
    let doc: Value =
        serde_json::from_slice(body).map_err(|_| JwksError("the JWKS is not valid JSON".into()))?;
    let Some(entries) = doc.get("keys").and_then(Value::as_array) else {
        return Err(JwksError("the JWKS has no `keys` array".into()));
    };
    let mut set = KeySet::default();
    for (i, entry) in entries.iter().take(MAX_KEYS).enumerate() {
        match parse_key(entry) {
            Ok(jwk) => set.keys.push(Arc::new(jwk)),
            Err(why) => set
                .skipped
                .push(format!("key {i}{}: {why}", kid_note(entry))),
        }
    }
    if entries.len() > MAX_KEYS {
        set.skipped.push(format!(
            "{} keys after the first {MAX_KEYS} ignored",
            entries.len() - MAX_KEYS
        ));
    }
    Ok(set)
}

impl KeySet {
    /// Picks the key for a token (contract section 4): by `kid` when the
    /// token has one, else the single key whose kind fits `alg`; the key must
    /// [`Jwk::accepts`] `alg`. `Err(UnknownKey)` when no key has the kid (the
    /// face may then refetch); `Err(AlgorithmNotAllowed)` when the kid
    /// matches but the key does not fit the algorithm.
    ///
    /// HMAC is the exception: its one key comes from `hs_secret_var` and has
    /// no kid, while issuers (Keycloak) put their own kid in HS tokens; so for
    /// HS* a kid-less key fits any kid.
    pub fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&Arc<Jwk>, AuthError> {
        if alg.is_hmac() {
            return self.single(|k| k.accepts(alg) && (k.kid.is_none() || k.kid.as_deref() == kid));
        }
        let Some(kid) = kid else {
            return self.single(|k| k.accepts(alg));
        };
        let mut named = self
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .peekable();
        if named.peek().is_none() {
            return Err(AuthError::UnknownKey);
        }
        named
            .find(|k| k.accepts(alg))
            .ok_or(AuthError::AlgorithmNotAllowed)
    }

    /// The one key that fits; none or several is `UnknownKey`, since
    /// guessing among several would let the token choose.
    fn single(&self, fits: impl Fn(&Jwk) -> bool) -> Result<&Arc<Jwk>, AuthError> {
        let mut found = self.keys.iter().filter(|k| fits(k));
        match (found.next(), found.next()) {
            (Some(k), None) => Ok(k),
            _ => Err(AuthError::UnknownKey),
        }
    }
}

#[cfg(test)]
mod tests {
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
}
