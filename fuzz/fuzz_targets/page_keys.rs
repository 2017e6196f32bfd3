//! What the page reads as keys (src/inspect/keys.rs, src/inspect/pem.rs,
//! feature browser): a JWKS, a JWK, a PEM public key or an HMAC secret, and
//! the PEM RSA private key of the assertion builder.
//!
//! Keys read are held to the JWKS rules (RSA 2048 to 8192 bits, P-256,
//! Ed25519; an HMAC key only from a secret, 32 bytes or more); errors and
//! `{:?}` never quote key material.
#![no_main]

use edge_authz::inspect::keys::{parse, KeyView, Source};
use edge_authz::inspect::pem::{public_of, rsa_private_key};
use edge_authz::jwks::KeyMaterial;
use edge_authz_fuzz::distinctive;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let material = key_material(input);
    let quiet = |text: &str, what: &str, material: &[&str]| {
        for w in material {
            assert!(!text.contains(w), "{what} quotes the input: {text}");
        }
    };
    // rsa_private_key reads a one-line paste's `\n` as line breaks (a key
    // copied out of a JSON file), so its BEGIN line, and the label its
    // errors name, may only exist in that reading.
    let unescaped =
        (!input.contains('\n') && input.contains("\\n")).then(|| input.replace("\\n", "\n"));
    let private_material = unescaped
        .as_deref()
        .map_or_else(|| material.clone(), key_material);

    match parse(input) {
        Ok(p) => {
            for key in &p.set.keys {
                match &key.material {
                    KeyMaterial::Hmac { secret } => {
                        assert_eq!(p.source, Source::Secret);
                        assert!(secret.expose().len() >= 32);
                    }
                    KeyMaterial::Rsa { n, .. } => {
                        let bits = KeyView::of(key).kind;
                        let bits: usize = bits["RSA ".len()..].parse().expect("RSA <bits>");
                        assert!(
                            (2048..=8192).contains(&bits),
                            "{bits}-bit key, {} bytes",
                            n.len()
                        );
                    }
                    KeyMaterial::EcP256 { x, y } => assert!(x.len() == 32 && y.len() == 32),
                    KeyMaterial::Ed25519 { x } => assert_eq!(x.len(), 32),
                }
            }
            if p.source == Source::Secret {
                assert_eq!(p.set.keys.len(), 1);
                quiet(&format!("{p:?}"), "Debug of a secret", &material);
            }
        }
        Err(e) => {
            assert!(!e.is_empty());
            if input.trim_start().starts_with("-----") {
                quiet(&e, "a PEM error", &material);
            }
        }
    }

    match rsa_private_key(input) {
        Ok(key) => {
            let jwk = public_of(&key);
            assert_eq!(jwk["kty"], "RSA");
            assert!(jwk.get("d").is_none(), "the public half holds d");
        }
        Err(e) => quiet(&e, "a private key error", &private_material),
    }
});

/// Key material: every distinctive word but those of PEM armour lines (a
/// label is no secret, and errors name it).
fn key_material(text: &str) -> Vec<&str> {
    let armour = |l: &&str| l.trim_start().starts_with("-----");
    let labels: Vec<&str> = text
        .lines()
        .filter(armour)
        .flat_map(|l| l.split_whitespace())
        .collect();
    text.lines()
        .filter(|l| !armour(l))
        .flat_map(|l| l.split_whitespace())
        .filter(|w| distinctive(w) && !labels.iter().any(|l| l.contains(w)))
        .collect()
}
