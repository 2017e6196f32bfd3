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
mod tests;
