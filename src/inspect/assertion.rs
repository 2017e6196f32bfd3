//! A jwt-bearer assertion (RFC 7523) from a service-account JSON key, as
//! the Authn docs describe it: header `alg` RS256, `typ` JWT, `kid` =
//! `private_key_id`; claims `iss` = `client_email`, `aud` = `token_uri`,
//! `iat`, `exp` at most one hour later, optional `scope`, and a `jti`.
//! Signed with jwt-compact's RS256 from the PKCS#1 or PKCS#8 key in the
//! file. The key is used here and dropped; it is never part of the output.

use jwt_compact::alg::Rsa;
use jwt_compact::{Algorithm, AlgorithmSignature};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{pem, sh_quote};
use crate::b64;

/// The Authn docs: "a maximum of 1 hour after the issued time".
pub const MAX_LIFETIME: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assertion {
    pub assertion: String,
    pub header: Value,
    pub claims: Value,
    pub token_uri: String,
    /// The public half of the key, as the issuer should hold it.
    pub public_jwk: Value,
    /// The jwt-bearer grant at `token_uri` with this assertion.
    pub curl: String,
}

#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Instead of the file's `token_uri` (e.g. another environment).
    pub token_uri: Option<&'a str>,
    pub scope: Option<&'a str>,
    /// Seconds from `iat` to `exp`; at most (and by default) one hour.
    pub lifetime: Option<u64>,
}

fn field<'a>(sa: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match sa.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        Some(Value::String(_)) | None => Err(format!("the key file has no {name}")),
        Some(_) => Err(format!("{name} in the key file is not a string")),
    }
}

/// `now` is Unix seconds; `jti` a fresh random id from the caller.
pub fn build(
    service_account_json: &str,
    now: u64,
    jti: &str,
    opts: &Options<'_>,
) -> Result<Assertion, String> {
    // serde_json's messages quote no input past a position; still, say
    // nothing of the content: it holds a private key.
    let sa: Value = serde_json::from_str(service_account_json).map_err(|e| {
        format!(
            "the service-account key is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let sa = sa
        .as_object()
        .ok_or("the service-account key is not a JSON object")?;
    if let Some(t) = sa.get("type").and_then(Value::as_str) {
        if t != "service_account" {
            return Err(format!(
                "the key file's type is {t:?}, not \"service_account\""
            ));
        }
    }
    let kid = field(sa, "private_key_id")?;
    let email = field(sa, "client_email")?;
    let token_uri = match opts.token_uri.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => u,
        None => field(sa, "token_uri")?,
    };
    let key = pem::rsa_private_key(field(sa, "private_key")?)?;
    let lifetime = opts.lifetime.unwrap_or(MAX_LIFETIME);
    if lifetime == 0 || lifetime > MAX_LIFETIME {
        return Err(format!("the lifetime must be 1 to {MAX_LIFETIME} seconds"));
    }
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let mut claims = json!({
        "iss": email,
        "aud": token_uri,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti,
    });
    if let Some(scope) = opts.scope.map(str::trim).filter(|s| !s.is_empty()) {
        claims["scope"] = json!(scope);
    }
    let input = format!(
        "{}.{}",
        b64::encode(header.to_string().as_bytes()),
        b64::encode(claims.to_string().as_bytes())
    );
    let signature = Rsa::rs256().sign(&key, input.as_bytes());
    let assertion = format!("{input}.{}", b64::encode(signature.as_bytes().as_ref()));
    let curl = format!(
        "curl -X POST {} \\\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\n  --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \\\n  --data-urlencode {}",
        sh_quote(token_uri),
        sh_quote(&format!("assertion={assertion}")),
    );
    Ok(Assertion {
        public_jwk: pem::public_of(&key),
        token_uri: token_uri.to_string(),
        assertion,
        header,
        claims,
        curl,
    })
}

#[cfg(test)]
#[path = "assertion_tests.rs"]
mod tests;
