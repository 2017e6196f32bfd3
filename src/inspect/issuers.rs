//! What the page needs to fetch an issuer's keys on request: the issuers a
//! config names, where their discovery document is, and which `jwks_uri` a
//! discovery document may point to. The page's own fetch then follows the
//! same rules the worker's does.

use serde::Serialize;
use serde_json::Value;

use super::explain::config_from_text;
use crate::config;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerSummary {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub discovery_url: String,
    /// Set when HS* tokens verify with a secret; the page asks for it.
    pub hs_secret_var: Option<String>,
    /// Whether any algorithm needs a JWKS (not only HS*).
    pub needs_jwks: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigSummary {
    /// `key: message` when the config does not parse.
    pub error: Option<String>,
    pub issuers: Vec<IssuerSummary>,
    pub routes: Vec<String>,
    /// The exchange issuer, when Basic credentials are exchanged.
    pub basic_exchange: Option<String>,
}

pub fn summary(config_text: &str) -> ConfigSummary {
    match config_from_text(config_text) {
        Err(e) => ConfigSummary {
            error: Some(format!("{}: {}", e.key, e.message)),
            issuers: Vec::new(),
            routes: Vec::new(),
            basic_exchange: None,
        },
        Ok(cfg) => ConfigSummary {
            error: None,
            issuers: cfg
                .issuers
                .iter()
                .map(|i| IssuerSummary {
                    issuer: i.issuer.clone(),
                    jwks_uri: i.jwks_uri.clone(),
                    discovery_url: i.discovery_url(),
                    hs_secret_var: i.hs_secret_var.clone(),
                    needs_jwks: i.algorithms.iter().any(|a| !a.is_hmac()),
                })
                .collect(),
            routes: cfg.routes.iter().map(|r| r.path.clone()).collect(),
            basic_exchange: cfg
                .basic_exchange
                .as_ref()
                .map(|b| cfg.issuers[b.issuer].issuer.clone()),
        },
    }
}

/// Where an issuer (a token's `iss`) publishes its discovery document;
/// only for issuers the worker could fetch from (https, or loopback http).
pub fn discovery_url(issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim();
    config::check_endpoint(issuer).map_err(|e| format!("the issuer {e}"))?;
    Ok(format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
}

/// The `jwks_uri` of a discovery document, checked as the worker checks
/// it: the document names the same issuer (OpenID Connect Discovery 4.3)
/// and the URI is fetchable under the endpoint rule.
pub fn jwks_uri_from_discovery(issuer: &str, discovery_json: &str) -> Result<String, String> {
    let doc: Value = serde_json::from_str(discovery_json)
        .map_err(|_| "the discovery document is not JSON".to_string())?;
    if doc.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err("the discovery document names another issuer".into());
    }
    let uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or("the discovery document has no jwks_uri")?;
    config::check_endpoint(uri).map_err(|e| format!("the discovered jwks_uri {e}"))?;
    Ok(uri.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ISS: &str = "https://sso.example.com/realms/ScpCloud";

    #[test]
    fn summarises_a_config() {
        let s = summary(
            &json!({"origin": "https://o.example",
                "issuers": [{"issuer": ISS},
                    {"issuer": "http://127.0.0.1:9400/realms/hs", "algorithms": ["HS256"],
                     "hs_secret_var": "HS", "jwks_uri": "http://127.0.0.1:9400/certs"}],
                "basic_exchange": {"issuer": ISS},
                "routes": [{"path": "/orgs/{org}/*"}]})
            .to_string(),
        );
        assert_eq!(s.error, None);
        assert_eq!(
            s.issuers[0].discovery_url,
            format!("{ISS}/.well-known/openid-configuration")
        );
        assert!(s.issuers[0].needs_jwks && !s.issuers[1].needs_jwks);
        assert_eq!(s.issuers[1].hs_secret_var.as_deref(), Some("HS"));
        assert_eq!(s.basic_exchange.as_deref(), Some(ISS));
        assert_eq!(s.routes, ["/orgs/{org}/*"]);
        assert!(summary("{}").error.unwrap().contains("origin"));
    }

    #[test]
    fn discovery_rules() {
        assert_eq!(
            discovery_url("http://127.0.0.1:9400/realms/demo/").unwrap(),
            "http://127.0.0.1:9400/realms/demo/.well-known/openid-configuration"
        );
        assert!(discovery_url("http://sso.example.com/realms/x").is_err());
        let doc = |iss: &str, uri: &str| json!({"issuer": iss, "jwks_uri": uri}).to_string();
        assert_eq!(
            jwks_uri_from_discovery(ISS, &doc(ISS, "https://sso.example.com/certs")).unwrap(),
            "https://sso.example.com/certs"
        );
        assert!(jwks_uri_from_discovery(ISS, &doc("https://evil.example", "https://e/c")).is_err());
        assert!(jwks_uri_from_discovery(ISS, &doc(ISS, "http://evil.example/certs")).is_err());
        assert!(jwks_uri_from_discovery(ISS, "{}").is_err());
        assert!(jwks_uri_from_discovery(ISS, "<html>").is_err());
    }
}
