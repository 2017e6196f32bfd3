//! Signature checks with jwt-compact's algorithms, one key built per check.
//!
//! Building a key from raw material is cheap next to the check itself, and
//! keeps no state to invalidate when a JWKS rotates.

use jwt_compact::alg::{
    Ed25519, Es256, Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key, Rsa, RsaPublicKey,
    VerifyingKey,
};
use jwt_compact::{Algorithm, AlgorithmSignature};
use rsa::BigUint;

use super::SignatureCheck;
use crate::alg::Alg;
use crate::jwks::{KeyMaterial, MAX_RSA_BITS};

pub(super) fn verify(check: &SignatureCheck<'_>) -> bool {
    // The selection already ensured this; a mismatch here is never a pass.
    if !check.key.accepts(check.alg) {
        return false;
    }
    let (message, signature) = (check.signing_input, check.signature);
    match (&check.key.material, check.alg) {
        (KeyMaterial::Rsa { n, e }, alg) => {
            let Some(rsa) = rsa_alg(alg) else {
                return false;
            };
            // `RsaPublicKey::new` stops at 4096 bits; we accept up to 8192.
            let key = RsaPublicKey::new_with_max_size(
                BigUint::from_bytes_be(n),
                BigUint::from_bytes_be(e),
                MAX_RSA_BITS,
            );
            key.is_ok_and(|key| run(rsa, &key, signature, message))
        }
        (KeyMaterial::EcP256 { x, y }, Alg::Es256) => {
            let mut point = Vec::with_capacity(65);
            point.push(0x04); // SEC1 uncompressed
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let key =
                <<Es256 as Algorithm>::VerifyingKey as VerifyingKey<Es256>>::from_slice(&point);
            key.is_ok_and(|key| run(Es256, &key, signature, message))
        }
        (KeyMaterial::Ed25519 { x }, Alg::EdDsa) => {
            let key =
                <<Ed25519 as Algorithm>::VerifyingKey as VerifyingKey<Ed25519>>::from_slice(x);
            key.is_ok_and(|key| run(Ed25519, &key, signature, message))
        }
        (KeyMaterial::Hmac { secret }, alg) => {
            let secret = secret.expose().as_bytes();
            match alg {
                Alg::Hs256 => run(Hs256, &Hs256Key::new(secret), signature, message),
                Alg::Hs384 => run(Hs384, &Hs384Key::new(secret), signature, message),
                Alg::Hs512 => run(Hs512, &Hs512Key::new(secret), signature, message),
                _ => false,
            }
        }
        _ => false,
    }
}

fn rsa_alg(alg: Alg) -> Option<Rsa> {
    Some(match alg {
        Alg::Rs256 => Rsa::rs256(),
        Alg::Rs384 => Rsa::rs384(),
        Alg::Rs512 => Rsa::rs512(),
        Alg::Ps256 => Rsa::ps256(),
        Alg::Ps384 => Rsa::ps384(),
        Alg::Ps512 => Rsa::ps512(),
        _ => return None,
    })
}

/// Checks the length first: jwt-compact's Ed25519 and HMAC signature types
/// copy into fixed arrays and would panic on any other length.
fn run<A: Algorithm>(alg: A, key: &A::VerifyingKey, signature: &[u8], message: &[u8]) -> bool {
    if A::Signature::LENGTH.is_some_and(|len| len.get() != signature.len()) {
        return false;
    }
    A::Signature::try_from_slice(signature)
        .is_ok_and(|sig| alg.verify_signature(&sig, key, message))
}
