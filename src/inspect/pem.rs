//! PEM keys as JWKs: public keys for Verify (SPKI `PUBLIC KEY` for RSA,
//! P-256 and Ed25519; PKCS#1 `RSA PUBLIC KEY`), and the RSA private key of
//! a service account for Build (PKCS#1 or PKCS#8). The DER inside is read
//! by [`super::der`]; the `rsa` and `p256` crates only check the numbers.
//! Errors never quote the key.

use base64::Engine;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};

use super::der;
use crate::b64;

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

/// The DER bytes of a block: the base64 between its BEGIN and END lines.
fn der(label: &str, pem: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("the {label} block is not valid PEM (base64 of DER between the lines)");
    let body = pem
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect::<String>();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| bad())
}

/// PKCS#1 `RSAPublicKey`: the modulus and the exponent.
fn pkcs1_public(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut seq = der::top_sequence(bytes)?;
    let n = seq.unsigned()?;
    let e = seq.unsigned()?;
    seq.is_empty().then_some((n, e))
}

fn rsa_jwk(key: &RsaPublicKey) -> Value {
    rsa_parts_jwk(&key.n().to_bytes_be(), &key.e().to_bytes_be())
}

fn rsa_parts_jwk(n: &[u8], e: &[u8]) -> Value {
    json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e)})
}

/// A pasted PEM public key as a public JWK.
pub fn public_jwk(text: &str) -> Result<Value, String> {
    let (label, pem) = block(text)?;
    match label {
        "RSA PUBLIC KEY" => pkcs1_public(&der(label, pem)?)
            .map(|(n, e)| rsa_parts_jwk(n, e))
            .ok_or_else(|| "the RSA PUBLIC KEY block is not a PKCS#1 RSA key".into()),
        "PUBLIC KEY" => spki_jwk(&der(label, pem)?),
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

fn spki_jwk(bytes: &[u8]) -> Result<Value, String> {
    const NOT_SPKI: &str = "the PUBLIC KEY block is not a SubjectPublicKeyInfo";
    let mut spki = der::top_sequence(bytes).ok_or(NOT_SPKI)?;
    let mut algorithm = spki.sequence().ok_or(NOT_SPKI)?;
    let oid = algorithm.expect(der::OID).ok_or(NOT_SPKI)?;
    let key = spki.bit_string().ok_or(NOT_SPKI)?;
    if !spki.is_empty() {
        return Err(NOT_SPKI.into());
    }
    match oid {
        der::RSA_ENCRYPTION => pkcs1_public(key)
            .map(|(n, e)| rsa_parts_jwk(n, e))
            .ok_or_else(|| "the RSA public key does not decode".into()),
        der::EC_PUBLIC_KEY => {
            let not_p256 = "an EC key that is not on P-256 (the only curve the edge takes)";
            if algorithm.expect(der::OID) != Some(der::PRIME256V1) {
                return Err(not_p256.into());
            }
            // Checks the point is on the curve; a compressed one is expanded.
            let point = p256::PublicKey::from_sec1_bytes(key)
                .map_err(|_| not_p256)?
                .to_encoded_point(false);
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return Err("the EC point has no coordinates".into());
            };
            Ok(json!({"kty": "EC", "crv": "P-256", "x": b64::encode(x), "y": b64::encode(y)}))
        }
        der::ED25519 if key.len() == 32 => {
            Ok(json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(key)}))
        }
        der::ED25519 => Err("the Ed25519 key is not 32 bytes".into()),
        _ => Err(
            "a public key of another algorithm: the edge takes RSA, EC P-256 and Ed25519".into(),
        ),
    }
}

/// PKCS#1 `RSAPrivateKey` (two primes), checked by `rsa`.
fn pkcs1_private(bytes: &[u8]) -> Option<RsaPrivateKey> {
    let mut seq = der::top_sequence(bytes)?;
    if seq.unsigned()? != [0] {
        return None;
    }
    let mut next = || seq.unsigned().map(BigUint::from_bytes_be);
    let (n, e, d, p, q) = (next()?, next()?, next()?, next()?, next()?);
    RsaPrivateKey::from_components(n, e, d, vec![p, q]).ok()
}

/// PKCS#8 `PrivateKeyInfo` holding an RSA key.
fn pkcs8_private(bytes: &[u8]) -> Option<RsaPrivateKey> {
    let mut info = der::top_sequence(bytes)?;
    if info.unsigned()? != [0] {
        return None;
    }
    let mut algorithm = info.sequence()?;
    if algorithm.expect(der::OID)? != der::RSA_ENCRYPTION {
        return None;
    }
    pkcs1_private(info.expect(der::OCTET_STRING)?)
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
        "RSA PRIVATE KEY" => pkcs1_private(&der(label, pem)?)
            .ok_or_else(|| "the RSA PRIVATE KEY block is not a PKCS#1 RSA key".into()),
        "PRIVATE KEY" => pkcs8_private(&der(label, pem)?)
            .ok_or_else(|| "the PRIVATE KEY block is not a PKCS#8 RSA key".into()),
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
