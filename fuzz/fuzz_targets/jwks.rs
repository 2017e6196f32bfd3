//! JWKS parsing (src/jwks.rs) and key selection.
//!
//! Whatever the document, the key set is bounded (at most `MAX_KEYS` keys,
//! one skip note per entry beyond), every key it holds is usable (RSA
//! within the modulus bounds, P-256 and Ed25519 of the right sizes, never an
//! HMAC key from a JWKS), and selection only hands out a key that accepts
//! the algorithm.
#![no_main]

use edge_authz::alg::Alg;
use edge_authz::jwks::{parse_jwks, KeyMaterial, MAX_KEYS, MAX_RSA_BITS, MIN_RSA_BITS};
use libfuzzer_sys::fuzz_target;

const ALGS: [&str; 12] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "EdDSA", "HS256", "HS384",
    "HS512", "none",
];

fn bits(n: &[u8]) -> usize {
    match n.iter().position(|&b| b != 0) {
        Some(i) => (n.len() - i - 1) * 8 + (8 - n[i].leading_zeros() as usize),
        None => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(set) = parse_jwks(data) else {
        return;
    };
    assert!(set.keys.len() <= MAX_KEYS);
    assert!(set.keys.len() + set.skipped.len() <= MAX_KEYS + 1);
    for key in &set.keys {
        match &key.material {
            KeyMaterial::Rsa { n, e } => {
                let b = bits(n);
                assert!(
                    (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&b),
                    "{b}-bit modulus taken"
                );
                assert!(!e.is_empty());
            }
            KeyMaterial::EcP256 { x, y } => assert!(x.len() == 32 && y.len() == 32),
            KeyMaterial::Ed25519 { x } => assert_eq!(x.len(), 32),
            KeyMaterial::Hmac { .. } => panic!("an HMAC key from a JWKS"),
        }
        if let Some(alg) = key.alg {
            assert!(key.accepts(alg), "a key refusing its own alg");
        }
        let _ = format!("{key:?}");
    }
    let kids: Vec<Option<&str>> = set
        .keys
        .iter()
        .map(|k| k.kid.as_deref())
        .chain([None, Some("")])
        .collect();
    for name in ALGS {
        let Some(alg) = Alg::from_name(name) else {
            assert_eq!(name, "none");
            continue;
        };
        for kid in &kids {
            if let Ok(k) = set.select(*kid, alg) {
                assert!(k.accepts(alg));
                if let Some(kid) = kid {
                    assert_eq!(k.kid.as_deref(), Some(*kid), "selected another kid's key");
                }
            }
        }
    }
});
