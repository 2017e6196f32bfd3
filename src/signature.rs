//! The one seam between deciding and checking signatures. The core prepares
//! a [`SignatureCheck`]; an engine answers yes or no. Natively, in tests and
//! in the page the engine is pure Rust ([`RustCrypto`], jwt-compact); the
//! worker face answers through WebCrypto, which is many times faster inside
//! workerd than pure-Rust crypto compiled to wasm.

use crate::alg::Alg;
use crate::jwks::Jwk;

/// Everything needed to check one signature, and nothing else.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    pub alg: Alg,
    pub key: &'a Jwk,
    pub signing_input: &'a [u8],
    /// As in the JWS: raw `r || s` for ES256, not DER.
    pub signature: &'a [u8],
}

pub trait SignatureEngine {
    /// `true` only when the signature is valid for this key and algorithm.
    /// Any malformed input (wrong length, key unusable) is `false`.
    fn verify(&self, check: &SignatureCheck<'_>) -> bool;
}

/// Pure-Rust engine on jwt-compact.
#[cfg(feature = "rust-crypto")]
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

#[cfg(feature = "rust-crypto")]
impl SignatureEngine for RustCrypto {
    fn verify(&self, check: &SignatureCheck<'_>) -> bool {
        let _ = check;
        todo!()
    }
}
