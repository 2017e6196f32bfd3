//! A pasted key, whatever its form, as the [`KeySet`] the edge would hold:
//! a JWKS or a single JWK, a PEM public key, or an HMAC secret. PEM keys
//! are turned into a JWK and read by the same JWKS parser, so the same
//! rules apply (RSA of 2048 bits at least, P-256, Ed25519).

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use crate::alg::KeyKind;
use crate::jwks::{self, Jwk, KeySet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Jwks,
    Jwk,
    Pem,
    Secret,
}

#[derive(Debug, Clone)]
pub struct Pasted {
    pub source: Source,
    pub set: KeySet,
}

/// A key as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyView {
    pub kid: Option<String>,
    /// `RSA 2048`, `EC P-256`, `OKP Ed25519`, `HMAC 32 bytes`.
    pub kind: String,
    pub alg: Option<String>,
}

impl KeyView {
    pub fn of(key: &Jwk) -> KeyView {
        let kind = match (&key.material, key.kind()) {
            (jwks::KeyMaterial::Rsa { n, .. }, _) => format!("RSA {}", bits(n)),
            (jwks::KeyMaterial::Hmac { secret }, _) => {
                format!("HMAC {} bytes", secret.expose().len())
            }
            (_, KeyKind::EcP256) => "EC P-256".into(),
            _ => "OKP Ed25519".into(),
        };
        KeyView {
            kid: key.kid.clone(),
            kind,
            alg: key.alg.map(|a| a.name().to_string()),
        }
    }
}

fn bits(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize)
}

/// Reads what was pasted. Text that is neither JSON nor PEM is an HMAC
/// secret, taken as it is apart from surrounding line breaks (a pasted
/// secret often ends with one; a real one never does).
pub fn parse(input: &str) -> Result<Pasted, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("no key: paste a JWKS, a JWK, a PEM public key or an HMAC secret".into());
    }
    if trimmed.starts_with('{') {
        return json_keys(trimmed);
    }
    if trimmed.starts_with("-----BEGIN") {
        return pem_key(trimmed);
    }
    let secret = input.trim_matches(['\r', '\n']);
    let key = Jwk::hmac(secret.as_bytes())?;
    Ok(Pasted {
        source: Source::Secret,
        set: KeySet {
            keys: vec![Arc::new(key)],
            skipped: Vec::new(),
        },
    })
}

fn json_keys(text: &str) -> Result<Pasted, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("the key is not valid JSON: {e}"))?;
    let (source, jwks) = if doc.get("keys").is_some() {
        (Source::Jwks, doc)
    } else if doc.get("kty").is_some() {
        (Source::Jwk, json!({ "keys": [doc] }))
    } else {
        return Err("JSON without `keys` (a JWKS) or `kty` (a JWK)".into());
    };
    let set = jwks::parse_jwks(jwks.to_string().as_bytes()).map_err(|e| e.0)?;
    Ok(Pasted { source, set })
}

#[cfg(feature = "browser")]
fn pem_key(text: &str) -> Result<Pasted, String> {
    let jwk = super::pem::public_jwk(text)?;
    let set = jwks::parse_jwks(json!({ "keys": [jwk] }).to_string().as_bytes()).map_err(|e| e.0)?;
    Ok(Pasted {
        source: Source::Pem,
        set,
    })
}

#[cfg(not(feature = "browser"))]
fn pem_key(_: &str) -> Result<Pasted, String> {
    Err("PEM keys are read only in the page build (feature browser)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ed_jwk(kid: &str) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64::encode(&[3; 32])})
    }

    #[test]
    fn a_jwks_and_a_single_jwk() {
        let p = parse(&json!({"keys": [ed_jwk("a"), ed_jwk("b")]}).to_string()).unwrap();
        assert_eq!(p.source, Source::Jwks);
        assert_eq!(p.set.keys.len(), 2);
        let p = parse(&format!("  {}\n", ed_jwk("a"))).unwrap();
        assert_eq!(p.source, Source::Jwk);
        let view = KeyView::of(&p.set.keys[0]);
        assert_eq!(
            (view.kid.as_deref(), view.kind.as_str()),
            (Some("a"), "OKP Ed25519")
        );
    }

    #[test]
    fn skipped_keys_say_why() {
        let weak = json!({"kty": "RSA", "n": b64::encode(&[0xc1; 128]), "e": "AQAB"});
        let p = parse(&weak.to_string()).unwrap();
        assert!(p.set.keys.is_empty());
        assert!(p.set.skipped[0].contains("1024 bits is too weak"));
    }

    #[test]
    fn a_secret() {
        let p = parse("0123456789abcdef0123456789abcdef\n").unwrap();
        assert_eq!(p.source, Source::Secret);
        assert_eq!(KeyView::of(&p.set.keys[0]).kind, "HMAC 32 bytes");
        let err = parse("too-short-secret").unwrap_err();
        assert!(err.contains("at least 32"));
        assert!(!err.contains("too-short-secret"));
    }

    #[test]
    fn junk() {
        assert!(parse("").is_err());
        assert!(parse("{nope").unwrap_err().contains("not valid JSON"));
        assert!(parse(r#"{"a":1}"#).unwrap_err().contains("kty"));
    }
}
