//! The `AUTHZ` configuration (contract section 2): parsed strictly, so an
//! unknown key, a bad type or an inconsistent setting is an error naming the
//! key, and the worker refuses every request rather than fall open.

use crate::alg::Alg;
use crate::routes::RoutePattern;

mod parse;
mod url;

/// `max_token_bytes` when the configuration names none (contract 2).
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;

/// The `WWW-Authenticate` realm when the configuration names none, or
/// when there is no valid configuration to read it from.
pub const DEFAULT_REALM: &str = "api";

/// A validated configuration. Only [`Config::from_json_str`] /
/// [`Config::from_value`] make one.
#[derive(Debug, Clone)]
pub struct Config {
    pub origin: String,
    /// `WWW-Authenticate` realm; default [`DEFAULT_REALM`].
    pub realm: String,
    /// 0..=300; default 30.
    pub leeway_seconds: u64,
    /// Default [`DEFAULT_MAX_TOKEN_BYTES`].
    pub max_token_bytes: usize,
    /// Lowercased; default `"x-auth-"`. `None` only when set to `""`.
    pub strip_header_prefix: Option<String>,
    pub issuers: Vec<IssuerConfig>,
    pub basic_exchange: Option<BasicExchange>,
    pub routes: Vec<Route>,
    /// Header name (lowercased) -> claim path or `$org`, sorted by name
    /// (a TOML table or JSON object keeps no order).
    pub forward: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct IssuerConfig {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub token_endpoint: Option<String>,
    /// `None`: audience not checked.
    pub audiences: Option<Vec<String>>,
    /// Default [`Alg::DEFAULT_ALLOWED`]; HS* only together with `hs_secret_var`.
    pub algorithms: Vec<Alg>,
    /// Default `["Bearer"]`; compared case-insensitively with the payload `typ`.
    pub token_types: Vec<String>,
    /// Default `organizationId, org_id, rh-org-id, tenant`.
    pub org_claims: Vec<String>,
    pub organizations: Option<Vec<String>>,
    pub clients: Option<Vec<String>>,
    pub max_lifetime_seconds: Option<u64>,
    pub hs_secret_var: Option<String>,
}

impl IssuerConfig {
    /// The HMAC key for HS* tokens from the value of `hs_secret_var`, or
    /// `None` for an issuer without one. The one place a secret becomes a
    /// key: the configuration check, the worker's key set and the page's
    /// Explain all come here. The error names the var, never the secret
    /// nor its length (it reaches every caller in a 500's body).
    pub fn hs_key(&self, secret: Option<&str>) -> Result<Option<crate::jwks::Jwk>, String> {
        let Some(var) = &self.hs_secret_var else {
            return Ok(None);
        };
        let secret = secret
            .ok_or_else(|| format!("the secret {var} is not set (wrangler secret put {var})"))?;
        crate::jwks::Jwk::hmac(secret.as_bytes())
            .map(Some)
            .map_err(|_| {
                format!(
                    "the secret {var} is under {} bytes",
                    crate::jwks::MIN_HMAC_BYTES
                )
            })
    }

    /// Where the JWKS lives when `jwks_uri` is not set.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

#[derive(Debug, Clone)]
pub struct BasicExchange {
    /// Index into [`Config::issuers`].
    pub issuer: usize,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Required,
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    Shadow,
}

#[derive(Debug, Clone)]
pub struct Route {
    /// As written, for logs and the trail.
    pub path: String,
    pub pattern: RoutePattern,
    /// Uppercased; `None`: any method.
    pub methods: Option<Vec<String>>,
    pub auth: AuthMode,
    /// Issuer URLs; `None`: any configured issuer.
    pub issuers: Option<Vec<String>>,
    /// Lowercased header name.
    pub org_header: Option<String>,
    pub roles_any: Option<Vec<String>>,
    pub scopes_all: Option<Vec<String>>,
    pub cross_org_roles: Vec<String>,
    pub mode: Mode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the offending key, e.g. `issuers[0].jwks_uri`.
    pub key: String,
    pub message: String,
}

impl From<ConfigError> for crate::error::AuthError {
    fn from(e: ConfigError) -> Self {
        crate::error::AuthError::Config {
            key: e.key,
            message: e.message,
        }
    }
}

impl Config {
    /// The var as a JSON string (`wrangler dev --var`, `.dev.vars`).
    pub fn from_json_str(s: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(s).map_err(|e| ConfigError {
            key: "AUTHZ".into(),
            message: format!("not valid JSON: {e}"),
        })?;
        Config::from_value(value)
    }

    /// The var as an object (`[vars.AUTHZ]` in `wrangler.toml`).
    pub fn from_value(value: serde_json::Value) -> Result<Config, ConfigError> {
        parse::config(&value)
    }

    /// The HS secrets the issuers name, checked as their keys will use
    /// them ([`IssuerConfig::hs_key`]). A secret lives outside `AUTHZ` (a
    /// wrangler secret), so the face reads it (`secret`); an unusable one
    /// is a configuration error like any other, not a 503 at every key
    /// load that would also drop the issuer's JWKS keys.
    pub fn check_hs_secrets(
        &self,
        secret: impl Fn(&str) -> Option<crate::secret::Secret>,
    ) -> Result<(), ConfigError> {
        for (i, iss) in self.issuers.iter().enumerate() {
            let value = iss.hs_secret_var.as_deref().and_then(&secret);
            iss.hs_key(value.as_ref().map(|s| s.expose()))
                .map_err(|message| ConfigError {
                    key: format!("issuers[{i}].hs_secret_var"),
                    message,
                })?;
        }
        Ok(())
    }

    pub fn issuer_index(&self, iss: &str) -> Option<usize> {
        self.issuers.iter().position(|i| i.issuer == iss)
    }
}

/// Whether a key or token endpoint URL may be used: `https://`, or plain
/// `http://` on a loopback host. Used for configured endpoints and for the
/// `jwks_uri` that discovery returns.
pub fn check_endpoint(url: &str) -> Result<(), String> {
    parse::fetchable(url)
}
