//! OpenID discovery: endpoints an issuer did not configure, read from
//! `{issuer}/.well-known/openid-configuration` once per isolate.

use std::cell::RefCell;
use std::collections::HashMap;

use super::http;
use crate::config::{check_endpoint, IssuerConfig};

#[derive(Debug, Clone, Copy)]
pub enum Endpoint {
    Jwks,
    Token,
}

impl Endpoint {
    fn member(self) -> &'static str {
        match self {
            Endpoint::Jwks => "jwks_uri",
            Endpoint::Token => "token_endpoint",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Discovered {
    jwks_uri: Option<String>,
    token_endpoint: Option<String>,
}

thread_local! {
    static DISCOVERED: RefCell<HashMap<String, Discovered>> = RefCell::new(HashMap::new());
}

/// The configured endpoint, else the discovered one. `Err` is a short
/// reason for the log.
pub async fn endpoint(iss: &IssuerConfig, which: Endpoint) -> Result<String, String> {
    let configured = match which {
        Endpoint::Jwks => &iss.jwks_uri,
        Endpoint::Token => &iss.token_endpoint,
    };
    if let Some(uri) = configured {
        return Ok(uri.clone());
    }
    let known = DISCOVERED.with(|d| d.borrow().get(&iss.issuer).cloned());
    let doc = match known {
        Some(doc) => doc,
        None => {
            let doc = fetch(iss).await?;
            DISCOVERED.with(|d| d.borrow_mut().insert(iss.issuer.clone(), doc.clone()));
            doc
        }
    };
    let uri = match which {
        Endpoint::Jwks => doc.jwks_uri,
        Endpoint::Token => doc.token_endpoint,
    }
    .ok_or_else(|| format!("discovery has no {}", which.member()))?;
    // Checked when used: a bad member the worker never needs (say a
    // plain-http token endpoint without the exchange) blocks nothing else.
    check_endpoint(&uri).map_err(|e| format!("discovered {}: {e}", which.member()))?;
    Ok(uri)
}

async fn fetch(iss: &IssuerConfig) -> Result<Discovered, String> {
    let doc = http::get_json(&iss.discovery_url()).await?;
    let doc: serde_json::Value =
        serde_json::from_slice(&doc.body).map_err(|_| "discovery is not JSON".to_string())?;
    // OpenID Connect Discovery 4.3: the document must name the same issuer.
    if doc.get("issuer").and_then(|v| v.as_str()) != Some(iss.issuer.as_str()) {
        return Err("discovery names another issuer".into());
    }
    let member = |which: Endpoint| {
        doc.get(which.member())
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(Discovered {
        jwks_uri: member(Endpoint::Jwks),
        token_endpoint: member(Endpoint::Token),
    })
}
