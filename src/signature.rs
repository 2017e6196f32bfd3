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
        rust_crypto::verify(check)
    }
}

#[cfg(feature = "rust-crypto")]
mod rust_crypto;

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use super::*;
    use crate::jwks::{Jwk, KeyMaterial};
    use jwt_compact::alg::{Es256, Hs256, Hs256Key, SigningKey as _};
    use jwt_compact::{Algorithm, AlgorithmSignature};

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const INPUT: &[u8] = b"eyJhbGciOiJIUzI1NiJ9.e30";

    fn verify(alg: Alg, key: &Jwk, signature: &[u8]) -> bool {
        RustCrypto.verify(&SignatureCheck {
            alg,
            key,
            signing_input: INPUT,
            signature,
        })
    }

    fn material(material: KeyMaterial) -> Jwk {
        Jwk {
            kid: None,
            alg: None,
            material,
            fingerprint: [0; 32],
        }
    }

    fn es256() -> (Jwk, Vec<u8>) {
        let sk = <<Es256 as Algorithm>::SigningKey>::from_slice(&[7; 32]).unwrap();
        let point = sk.to_verifying_key().to_encoded_point(false);
        let key = material(KeyMaterial::EcP256 {
            x: point.x().unwrap().to_vec(),
            y: point.y().unwrap().to_vec(),
        });
        (key, Es256.sign(&sk, INPUT).as_bytes().to_vec())
    }

    #[test]
    fn hmac_round_trip_and_wrong_lengths() {
        let key = Jwk::hmac(SECRET).unwrap();
        let sig = Hs256
            .sign(&Hs256Key::new(SECRET), INPUT)
            .as_bytes()
            .to_vec();
        assert!(verify(Alg::Hs256, &key, &sig));
        assert!(!verify(Alg::Hs384, &key, &sig));
        for len in [0, 31, 33, 64] {
            assert!(!verify(Alg::Hs256, &key, &vec![0; len]), "{len}");
        }
        let other = Jwk::hmac(b"0123456789abcdef0123456789abcdeF").unwrap();
        assert!(!verify(Alg::Hs256, &other, &sig));
    }

    #[test]
    fn es256_round_trip() {
        let (key, sig) = es256();
        assert!(verify(Alg::Es256, &key, &sig));
        let mut flipped = sig.clone();
        flipped[10] ^= 1;
        assert!(!verify(Alg::Es256, &key, &flipped));
        assert!(!verify(Alg::Es256, &key, &sig[..63]));
        assert!(!verify(Alg::Es256, &key, &[0; 64]));
    }

    #[test]
    fn a_point_off_the_curve_is_false() {
        let (_, sig) = es256();
        let key = material(KeyMaterial::EcP256 {
            x: vec![1; 32],
            y: vec![2; 32],
        });
        assert!(!verify(Alg::Es256, &key, &sig));
    }

    #[test]
    fn malformed_material_is_false_not_a_panic() {
        let weird = [
            KeyMaterial::Rsa {
                n: vec![],
                e: vec![],
            },
            KeyMaterial::Rsa {
                n: vec![0xff; 1100],
                e: vec![1, 0, 1],
            },
            KeyMaterial::Rsa {
                n: vec![0xff; 256],
                e: vec![0xff; 64],
            },
            KeyMaterial::EcP256 {
                x: vec![],
                y: vec![1; 40],
            },
            KeyMaterial::Ed25519 { x: vec![9; 3] },
            KeyMaterial::Ed25519 { x: vec![0; 32] },
        ];
        for m in weird {
            let key = material(m);
            for alg in [Alg::Rs256, Alg::Ps512, Alg::Es256, Alg::EdDsa] {
                for len in [0, 1, 63, 64, 65, 256] {
                    assert!(!verify(alg, &key, &vec![1; len]));
                }
            }
        }
    }

    #[test]
    fn the_key_must_fit_the_alg() {
        let (ec, sig) = es256();
        // An EC key restricted to another alg, or asked for an RSA alg.
        let mut pinned = ec.clone();
        pinned.alg = Some(Alg::Rs256);
        assert!(!verify(Alg::Es256, &pinned, &sig));
        assert!(!verify(Alg::Rs256, &ec, &sig));
        // An HMAC key is never used for an asymmetric alg, nor the reverse.
        let hmac = Jwk::hmac(SECRET).unwrap();
        assert!(!verify(Alg::Es256, &hmac, &sig));
    }
}
