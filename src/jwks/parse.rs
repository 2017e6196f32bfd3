//! One JWK object to a [`Jwk`], or the reason it is skipped.
//!
//! Reasons are for the log and the page; a JWKS comes from the configured
//! issuer, not from the caller, but the kid quoted in a note is still
//! shortened and escaped.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{Jwk, KeyMaterial, MAX_RSA_BITS, MIN_RSA_BITS};
use crate::alg::Alg;
use crate::b64;

/// The `rsa` crate's ceiling for a public exponent.
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

pub fn parse_key(entry: &Value) -> Result<Jwk, String> {
    let Value::Object(jwk) = entry else {
        return Err("not a JSON object".into());
    };
    let kty = text(jwk, "kty")?.ok_or("no kty")?;
    if let Some(usage) = text(jwk, "use")? {
        if usage != "sig" {
            return Err(format!("use is {:?}, not \"sig\"", short(usage)));
        }
    }
    if let Some(ops) = jwk.get("key_ops") {
        let ops = ops.as_array().ok_or("key_ops is not an array")?;
        if !ops.iter().any(|o| o.as_str() == Some("verify")) {
            return Err("key_ops does not include \"verify\"".into());
        }
    }
    let kid = text(jwk, "kid")?.map(str::to_owned);
    if kty == "oct" {
        return Err("symmetric (oct) keys are never taken from a JWKS".into());
    }
    // A published private key means anyone can sign: refuse to trust it.
    if ["d", "p", "q"].iter().any(|m| jwk.contains_key(*m)) {
        return Err("the JWK holds private key material".into());
    }
    let material = match kty {
        "RSA" => rsa(jwk)?,
        "EC" => ec(jwk)?,
        "OKP" => okp(jwk)?,
        other => return Err(format!("unsupported kty {:?}", short(other))),
    };
    let alg = match text(jwk, "alg")? {
        None => None,
        Some(name) => {
            let alg =
                Alg::from_name(name).ok_or_else(|| format!("unsupported alg {:?}", short(name)))?;
            if alg.key_kind() != material.kind() {
                return Err(format!("alg {alg} does not fit a {kty} key"));
            }
            Some(alg)
        }
    };
    Ok(Jwk {
        kid,
        alg,
        fingerprint: fingerprint(&material),
        material,
    })
}

fn rsa(jwk: &Map<String, Value>) -> Result<KeyMaterial, String> {
    let n = strip_zeros(bytes(jwk, "n")?);
    let e = strip_zeros(bytes(jwk, "e")?);
    let bits = bit_length(&n);
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "RSA key of {bits} bits is too weak ({MIN_RSA_BITS} at least)"
        ));
    }
    if bits > MAX_RSA_BITS {
        return Err(format!(
            "RSA key of {bits} bits is too large ({MAX_RSA_BITS} at most)"
        ));
    }
    // An even modulus is no RSA modulus.
    if n.last().is_some_and(|b| b % 2 == 0) {
        return Err("the RSA modulus is even".into());
    }
    let exponent = (e.len() <= 8)
        .then(|| e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
        .filter(|x| *x >= 3 && x % 2 == 1 && *x <= MAX_RSA_EXPONENT);
    if exponent.is_none() {
        return Err("the RSA exponent is not usable".into());
    }
    Ok(KeyMaterial::Rsa { n, e })
}

fn ec(jwk: &Map<String, Value>) -> Result<KeyMaterial, String> {
    let crv = text(jwk, "crv")?.ok_or("no crv")?;
    if crv != "P-256" {
        return Err(format!("unsupported EC curve {:?}", short(crv)));
    }
    let x = sized(jwk, "x", 32)?;
    let y = sized(jwk, "y", 32)?;
    Ok(KeyMaterial::EcP256 { x, y })
}

fn okp(jwk: &Map<String, Value>) -> Result<KeyMaterial, String> {
    let crv = text(jwk, "crv")?.ok_or("no crv")?;
    if crv != "Ed25519" {
        return Err(format!("unsupported OKP curve {:?}", short(crv)));
    }
    Ok(KeyMaterial::Ed25519 {
        x: sized(jwk, "x", 32)?,
    })
}

/// An optional string member; any other type is a reason to skip.
fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let encoded = text(jwk, name)?.ok_or_else(|| format!("no {name}"))?;
    b64::decode(encoded).map_err(|_| format!("{name} is not base64url"))
}

fn sized(jwk: &Map<String, Value>, name: &str, len: usize) -> Result<Vec<u8>, String> {
    let raw = bytes(jwk, name)?;
    if raw.len() != len {
        return Err(format!("{name} has {} bytes, not {len}", raw.len()));
    }
    Ok(raw)
}

fn strip_zeros(mut raw: Vec<u8>) -> Vec<u8> {
    let zeros = raw.iter().take_while(|b| **b == 0).count();
    raw.drain(..zeros);
    raw
}

/// Bits of a big-endian integer without leading zero bytes.
fn bit_length(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(top) => n.len() * 8 - top.leading_zeros() as usize,
    }
}

/// A note naming the key for a skip reason, e.g. ` (kid "abc")`.
pub fn kid_note(entry: &Value) -> String {
    match entry.get("kid").and_then(Value::as_str) {
        Some(kid) => format!(" (kid {:?})", short(kid)),
        None => String::new(),
    }
}

/// At most 64 characters of a value quoted in a reason.
fn short(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// SHA-256 over a tagged, length-prefixed encoding of the kind and the
/// material, so that no two different keys share an encoding.
pub fn fingerprint(material: &KeyMaterial) -> [u8; 32] {
    let (tag, fields): (&[u8], Vec<&[u8]>) = match material {
        KeyMaterial::Rsa { n, e } => (b"RSA", vec![n, e]),
        KeyMaterial::EcP256 { x, y } => (b"EC P-256", vec![x, y]),
        KeyMaterial::Ed25519 { x } => (b"OKP Ed25519", vec![x]),
        KeyMaterial::Hmac { secret } => (b"oct", vec![secret.expose().as_bytes()]),
    };
    let mut hash = Sha256::new();
    hash.update(b"edge-authz key v1\0");
    for field in std::iter::once(tag).chain(fields) {
        hash.update((field.len() as u64).to_be_bytes());
        hash.update(field);
    }
    hash.finalize().into()
}
