//! The `issuers` list and `basic_exchange`.

use serde_json::Value;

use super::*;

const ISSUER_KEYS: &[&str] = &[
    "issuer",
    "jwks_uri",
    "token_endpoint",
    "audiences",
    "algorithms",
    "token_types",
    "org_claims",
    "organizations",
    "clients",
    "max_lifetime_seconds",
    "hs_secret_var",
];

const EXCHANGE_KEYS: &[&str] = &["issuer", "scope"];

const DEFAULT_ORG_CLAIMS: [&str; 4] = ["organizationId", "org_id", "rh-org-id", "tenant"];

pub(super) fn issuers(top: &Obj<'_>) -> R<Vec<IssuerConfig>> {
    let list = array(
        top.get("issuers")
            .ok_or_else(|| err("issuers", "at least one issuer is required"))?,
        "issuers",
    )?;
    if list.is_empty() {
        return Err(err("issuers", "at least one issuer is required"));
    }
    let mut out: Vec<IssuerConfig> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let at = index("issuers", i);
        let parsed = issuer(v, &at)?;
        if let Some(first) = out.iter().position(|o| o.issuer == parsed.issuer) {
            return Err(err(
                format!("{at}.issuer"),
                format!("the same issuer as issuers[{first}]"),
            ));
        }
        out.push(parsed);
    }
    Ok(out)
}

fn issuer(value: &Value, at: &str) -> R<IssuerConfig> {
    let o = Obj::new(value, at, ISSUER_KEYS)?;
    let issuer = o.required_text("issuer")?;

    let jwks_uri = o.text("jwks_uri")?;
    if let Some(u) = jwks_uri {
        fetchable(u).map_err(|m| err(o.key("jwks_uri"), m))?;
    }
    let token_endpoint = o.text("token_endpoint")?;
    if let Some(u) = token_endpoint {
        fetchable(u).map_err(|m| err(o.key("token_endpoint"), m))?;
    }

    let algorithms = match o.strings("algorithms")? {
        None => Alg::DEFAULT_ALLOWED.to_vec(),
        Some(names) => {
            let mut algs: Vec<Alg> = Vec::with_capacity(names.len());
            for (j, name) in names.iter().enumerate() {
                let alg = Alg::from_name(name).ok_or_else(|| {
                    let key = index(&o.key("algorithms"), j);
                    if name.eq_ignore_ascii_case("none") {
                        err(key, "`none` is never allowed")
                    } else {
                        err(key, format!("unknown algorithm {name:?}"))
                    }
                })?;
                if !algs.contains(&alg) {
                    algs.push(alg);
                }
            }
            algs
        }
    };

    let hs_secret_var = o.text("hs_secret_var")?;
    if let Some(var) = hs_secret_var {
        let valid = var
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(err(
                o.key("hs_secret_var"),
                "must be the name of a secret (letters, digits, `_`)",
            ));
        }
    }
    let has_hs = algorithms.iter().any(|a| a.is_hmac());
    if has_hs && hs_secret_var.is_none() {
        return Err(err(
            o.key("algorithms"),
            "HS* algorithms need hs_secret_var (the secret is never in the config)",
        ));
    }
    if hs_secret_var.is_some() && !has_hs {
        return Err(err(
            o.key("hs_secret_var"),
            "set, but algorithms allows no HS256/HS384/HS512",
        ));
    }

    // Without a jwks_uri the keys come from discovery under the issuer URL,
    // so that URL is fetched and must meet the same bar as a jwks_uri.
    // An issuer with only HS* keys fetches nothing.
    let needs_discovery = jwks_uri.is_none() && algorithms.iter().any(|a| !a.is_hmac());
    if needs_discovery {
        fetchable(issuer).map_err(|m| {
            err(
                o.key("issuer"),
                format!("with no jwks_uri, keys are discovered from this URL: {m}"),
            )
        })?;
    }

    let max_lifetime_seconds = o.uint("max_lifetime_seconds")?;
    if max_lifetime_seconds == Some(0) {
        return Err(err(o.key("max_lifetime_seconds"), "must be more than 0"));
    }

    Ok(IssuerConfig {
        issuer: issuer.to_string(),
        jwks_uri: jwks_uri.map(str::to_string),
        token_endpoint: token_endpoint.map(str::to_string),
        audiences: o.strings("audiences")?,
        algorithms,
        token_types: o
            .strings("token_types")?
            .unwrap_or_else(|| vec!["Bearer".to_string()]),
        org_claims: o
            .checked_strings("org_claims", claim_path)?
            .unwrap_or_else(|| DEFAULT_ORG_CLAIMS.map(String::from).to_vec()),
        organizations: o.strings("organizations")?,
        clients: o.strings("clients")?,
        max_lifetime_seconds,
        hs_secret_var: hs_secret_var.map(str::to_string),
    })
}

/// Key and token endpoints: `https://`, or plain `http://` on loopback.
pub(in crate::config) fn fetchable(s: &str) -> Result<(), String> {
    let u = url::parse(s)?;
    if u.https || u.is_loopback() {
        Ok(())
    } else {
        Err("must be https:// (plain http:// only on 127.0.0.1, [::1] or localhost)".into())
    }
}

pub(super) fn basic_exchange(value: &Value, issuers: &[IssuerConfig]) -> R<BasicExchange> {
    let o = Obj::new(value, "basic_exchange", EXCHANGE_KEYS)?;
    let name = o.required_text("issuer")?;
    let issuer = issuers
        .iter()
        .position(|i| i.issuer == name)
        .ok_or_else(|| err(o.key("issuer"), "not one of the configured issuers"))?;
    let scope = o.text("scope")?;
    if let Some(s) = scope {
        // RFC 6749 3.3: space-separated tokens of printable ASCII, no `"` or `\`.
        let valid = s.split(' ').all(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        });
        if !valid {
            return Err(err(
                o.key("scope"),
                "must be space-separated scope tokens (printable ASCII, no quotes)",
            ));
        }
    }
    // The token endpoint comes from discovery when not configured.
    if let Some(cfg) = issuers.get(issuer) {
        if cfg.token_endpoint.is_none() {
            fetchable(&cfg.issuer).map_err(|m| {
                err(
                    o.key("issuer"),
                    format!("its issuer has no token_endpoint, so it is discovered from the issuer URL: {m}"),
                )
            })?;
        }
    }
    Ok(BasicExchange {
        issuer,
        scope: scope.map(str::to_string),
    })
}
