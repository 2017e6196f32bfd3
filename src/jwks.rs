//! JWKS parsing and key selection, kept apart from fetching (as panva
//! `jose` keeps them): the face fetches bytes, this module decides which key
//! may verify which token. A [`KeySet`] belongs to one issuer.

use std::sync::Arc;

use crate::alg::{Alg, KeyKind};
use crate::error::AuthError;
use crate::secret::Secret;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The JWK's own `alg`, if it names one: a token must then use exactly it.
    pub alg: Option<Alg>,
    pub material: KeyMaterial,
    /// SHA-256 over the key material: a stable identity for caches of
    /// imported (e.g. WebCrypto) keys.
    pub fingerprint: [u8; 32],
}

impl Jwk {
    pub fn kind(&self) -> KeyKind {
        match self.material {
            KeyMaterial::Rsa { .. } => KeyKind::Rsa,
            KeyMaterial::EcP256 { .. } => KeyKind::EcP256,
            KeyMaterial::Ed25519 { .. } => KeyKind::Ed25519,
            KeyMaterial::Hmac { .. } => KeyKind::Hmac,
        }
    }

    /// Whether a token signed with `alg` may be checked with this key:
    /// the kind must fit and the JWK's own `alg`, if any, must agree.
    pub fn accepts(&self, alg: Alg) -> bool {
        alg.key_kind() == self.kind() && self.alg.map_or(true, |a| a == alg)
    }

    /// An HMAC key from a secret (`hs_secret_var`); under 32 bytes refused.
    pub fn hmac(secret: &[u8]) -> Result<Jwk, String> {
        let _ = secret;
        todo!()
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
    let _ = body;
    todo!()
}

impl KeySet {
    /// Picks the key for a token (contract section 4): by `kid` when the
    /// token has one, else the single key whose kind fits `alg`; the key must
    /// [`Jwk::accepts`] `alg`. `Err(UnknownKey)` when no key has the kid (the
    /// face may then refetch); `Err(AlgorithmNotAllowed)` when the kid
    /// matches but the key does not fit the algorithm.
    pub fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&Arc<Jwk>, AuthError> {
        let _ = (kid, alg);
        todo!()
    }
}
