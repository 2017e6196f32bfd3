//! PEM keys as JWKs: public keys for Verify (SPKI `PUBLIC KEY` for RSA,
//! P-256 and Ed25519; PKCS#1 `RSA PUBLIC KEY`), and the RSA private key of
//! a service account for Build (PKCS#1 or PKCS#8). Decoding is the `rsa`
//! and `p256` crates'; here we only pick by label and algorithm. Errors
//! never quote the key.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, Document, ObjectIdentifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};

use crate::b64;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The first PEM block in `text`: its label and the block itself. Errors
/// name the label, so nothing else may pass for one: the BEGIN line starts
/// a line, and the label is RFC 7468's (section 3: printable words joined
/// by single spaces or hyphens), and short, on that line.
fn block(text: &str) -> Result<(&str, &str), String> {
    let start = text
        .match_indices("-----BEGIN ")
        .map(|(i, _)| i)
        .find(|&i| {
            text[..i]
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .trim()
                .is_empty()
        })
        .ok_or("no -----BEGIN line")?;
    let begin_line = text[start + 11..].lines().next().unwrap_or_default();
    let label_end = begin_line
        .find("-----")
        .ok_or("the BEGIN line is not closed with -----")?;
    let label = &begin_line[..label_end];
    let words_ok = label
        .split([' ', '-'])
        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_graphic() && b != b'-'));
    if label.len() > 40 || !words_ok {
        return Err("the BEGIN line has no PEM label (such as PUBLIC KEY)".into());
    }
    let end_line = format!("-----END {label}-----");
    let end = text[start..]
        .find(&end_line)
        .ok_or_else(|| format!("no -----END {label}----- line"))?;
    Ok((label, &text[start..start + end + end_line.len()]))
}

/// The DER bytes of a block.
fn der(label: &str, pem: &str) -> Result<Document, String> {
    Document::from_pem(pem).map(|(_, doc)| doc).map_err(|_| {
        format!("the {label} block is not valid PEM (base64 of DER between the lines)")
    })
}

fn rsa_jwk(key: &RsaPublicKey) -> Value {
    json!({
        "kty": "RSA",
        "n": b64::encode(&key.n().to_bytes_be()),
        "e": b64::encode(&key.e().to_bytes_be()),
    })
}

/// A pasted PEM public key as a public JWK.
pub fn public_jwk(text: &str) -> Result<Value, String> {
    let (label, pem) = block(text)?;
    match label {
        "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(der(label, pem)?.as_bytes())
            .map(|k| rsa_jwk(&k))
            .map_err(|_| "the RSA PUBLIC KEY block is not a PKCS#1 RSA key".into()),
        "PUBLIC KEY" => spki_jwk(der(label, pem)?.as_bytes()),
        "CERTIFICATE" => Err(
            "a certificate: paste its public key instead (openssl x509 -pubkey -noout -in cert.pem)"
                .into(),
        ),
        l if l.contains("PRIVATE KEY") => Err(
            "a private key: paste the public key instead (openssl pkey -pubout -in key.pem); \
             a private key has no business in a verifier"
                .into(),
        ),
        l => Err(format!("a PEM {l:?} block: expected PUBLIC KEY or RSA PUBLIC KEY")),
    }
}

fn spki_jwk(der: &[u8]) -> Result<Value, String> {
    let spki = SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|_| "the PUBLIC KEY block is not a SubjectPublicKeyInfo")?;
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        RsaPublicKey::from_public_key_der(der)
            .map(|k| rsa_jwk(&k))
            .map_err(|_| "the RSA public key does not decode".into())
    } else if oid == EC_PUBLIC_KEY {
        let key = p256::PublicKey::from_public_key_der(der)
            .map_err(|_| "an EC key that is not on P-256 (the only curve the edge takes)")?;
        let point = key.to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err("the EC point has no coordinates".into());
        };
        Ok(json!({"kty": "EC", "crv": "P-256", "x": b64::encode(x), "y": b64::encode(y)}))
    } else if oid == ED25519 {
        let x = spki
            .subject_public_key
            .as_bytes()
            .ok_or("the Ed25519 key is not whole bytes")?;
        Ok(json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(x)}))
    } else {
        Err(format!(
            "a public key of algorithm {oid}: the edge takes RSA, EC P-256 and Ed25519"
        ))
    }
}

/// An RSA private key from PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8
/// (`PRIVATE KEY`) PEM. A JSON string that lost its newlines to double
/// escaping (`\\n`) is repaired first.
pub fn rsa_private_key(text: &str) -> Result<RsaPrivateKey, String> {
    let repaired;
    let text = if !text.contains('\n') && text.contains("\\n") {
        repaired = text.replace("\\n", "\n");
        &repaired
    } else {
        text
    };
    let (label, pem) = block(text)?;
    match label {
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(der(label, pem)?.as_bytes())
            .map_err(|_| "the RSA PRIVATE KEY block is not a PKCS#1 RSA key".into()),
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(der(label, pem)?.as_bytes())
            .map_err(|_| "the PRIVATE KEY block is not a PKCS#8 RSA key".into()),
        "ENCRYPTED PRIVATE KEY" => Err(
            "the private key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)"
                .into(),
        ),
        l => Err(format!(
            "a PEM {l:?} block: expected RSA PRIVATE KEY or PRIVATE KEY"
        )),
    }
}

/// The public half of a private key, as a JWK (for checking what the
/// issuer should hold).
pub fn public_of(key: &RsaPrivateKey) -> Value {
    rsa_jwk(&key.to_public_key())
}

#[cfg(test)]
#[path = "pem_tests.rs"]
mod tests;
