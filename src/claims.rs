//! Claim checks after the signature (contract 3.4): time with leeway,
//! audience, token type, lifetime. Produces the only [`VerifiedToken`].

use serde_json::{Map, Value};

use crate::config::IssuerConfig;
use crate::error::AuthError;
use crate::token::UnverifiedToken;

/// A token whose signature verified with a key of its issuer and whose
/// claims passed. Made only by [`check`], which needs a [`SignatureOk`].
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    issuer_index: usize,
    claims: Map<String, Value>,
    exp: u64,
}

impl VerifiedToken {
    pub fn issuer_index(&self) -> usize {
        self.issuer_index
    }
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
    pub fn exp(&self) -> u64 {
        self.exp
    }
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
    /// `azp`, else `client_id`.
    pub fn client(&self) -> Option<&str> {
        self.claims
            .get("azp")
            .or_else(|| self.claims.get("client_id"))
            .and_then(Value::as_str)
    }
}

/// Proof that a signature check passed; only [`crate::decision`] makes one,
/// from an engine's `true`.
#[derive(Debug)]
pub struct SignatureOk(pub(crate) ());

/// `exp` required (a number; not a string, not huge, not negative); `exp`,
/// `nbf` and `iat` with `leeway`; then `aud` against `audiences`, payload
/// `typ` against `token_types` (absent `typ` passes), `exp - iat` against
/// `max_lifetime_seconds` (needs `iat` when set). `now` is Unix seconds.
pub fn check(
    token: UnverifiedToken,
    _proof: SignatureOk,
    issuer_index: usize,
    issuer: &IssuerConfig,
    leeway: u64,
    now: u64,
) -> Result<VerifiedToken, AuthError> {
    let _ = (token, issuer_index, issuer, leeway, now);
    todo!()
}

/// A verified token without a signature, for the policy and forward unit
/// tests only; never compiled into the library.
#[cfg(test)]
pub(crate) fn for_tests(
    issuer_index: usize,
    claims: Map<String, Value>,
    exp: u64,
) -> VerifiedToken {
    VerifiedToken {
        issuer_index,
        claims,
        exp,
    }
}
