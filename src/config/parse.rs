//! Walks the `AUTHZ` value by hand rather than through `serde` derive, so
//! that every error names the exact key (`routes[2].methods[0]`) and says
//! what is wrong in words a config author understands.

use serde_json::{Map, Value};

use super::url;
use super::{AuthMode, BasicExchange, Config, ConfigError, IssuerConfig, Mode, Route};
use crate::alg::Alg;
use crate::forward;
use crate::routes::RoutePattern;

type R<T> = Result<T, ConfigError>;

fn err(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

const TOP_KEYS: &[&str] = &[
    "origin",
    "realm",
    "leeway_seconds",
    "max_token_bytes",
    "strip_header_prefix",
    "issuers",
    "basic_exchange",
    "routes",
    "forward",
];

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

const ROUTE_KEYS: &[&str] = &[
    "path",
    "methods",
    "auth",
    "issuers",
    "org_header",
    "roles_any",
    "scopes_all",
    "cross_org_roles",
    "mode",
];

const DEFAULT_ORG_CLAIMS: [&str; 4] = ["organizationId", "org_id", "rh-org-id", "tenant"];

/// Headers the authorizer must never set from a claim: the credential it
/// forwards itself, routing, cookies and framing, and (in
/// [`forward::HOP_BY_HOP`]) the hop-by-hop headers a proxy owns.
const UNFORWARDABLE: &[&str] = &["authorization", "host", "cookie", "content-length"];

/// An object whose keys have been checked against the allowed set.
struct Obj<'a> {
    at: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, at: &str, allowed: &[&str]) -> R<Obj<'a>> {
        let map = value.as_object().ok_or_else(|| {
            err(
                if at.is_empty() { "AUTHZ" } else { at },
                "expected a table (object)",
            )
        })?;
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(err(child(at, k), "unknown key"));
        }
        Ok(Obj {
            at: at.to_string(),
            map,
        })
    }

    fn key(&self, k: &str) -> String {
        child(&self.at, k)
    }

    fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k)
    }

    fn string(&self, k: &str) -> R<Option<&'a str>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(err(self.key(k), "expected a string")),
        }
    }

    /// A string that, when present, is not empty.
    fn text(&self, k: &str) -> R<Option<&'a str>> {
        match self.string(k)? {
            Some("") => Err(err(self.key(k), "must not be empty")),
            s => Ok(s),
        }
    }

    fn required_text(&self, k: &str) -> R<&'a str> {
        self.text(k)?
            .ok_or_else(|| err(self.key(k), "required key is missing"))
    }

    fn uint(&self, k: &str) -> R<Option<u64>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| err(self.key(k), "expected a whole number, 0 or more")),
        }
    }

    /// A non-empty list of non-empty strings: an empty list would either
    /// refuse everyone or mean nothing, so it is refused as a likely mistake.
    fn strings(&self, k: &str) -> R<Option<Vec<String>>> {
        let Some(v) = self.get(k) else {
            return Ok(None);
        };
        let items = v
            .as_array()
            .ok_or_else(|| err(self.key(k), "expected a list of strings"))?;
        if items.is_empty() {
            return Err(err(
                self.key(k),
                "must not be empty (leave the key out instead)",
            ));
        }
        let mut out = Vec::with_capacity(items.len());
        for (j, item) in items.iter().enumerate() {
            match item.as_str() {
                Some("") => return Err(err(index(&self.key(k), j), "must not be empty")),
                Some(s) => out.push(s.to_string()),
                None => return Err(err(index(&self.key(k), j), "expected a string")),
            }
        }
        Ok(Some(out))
    }

    /// Like [`Obj::strings`], each element also checked by `valid`.
    fn checked_strings(
        &self,
        k: &str,
        valid: impl Fn(&str) -> Result<(), String>,
    ) -> R<Option<Vec<String>>> {
        let list = self.strings(k)?;
        for (j, s) in list.iter().flatten().enumerate() {
            valid(s).map_err(|m| err(index(&self.key(k), j), m))?;
        }
        Ok(list)
    }
}

fn child(at: &str, k: &str) -> String {
    if at.is_empty() {
        k.to_string()
    } else {
        format!("{at}.{k}")
    }
}

fn index(at: &str, i: usize) -> String {
    format!("{at}[{i}]")
}

fn array<'a>(value: &'a Value, at: &str) -> R<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| err(at, "expected a list (array of tables)"))
}

pub(super) fn config(value: &Value) -> R<Config> {
    let top = Obj::new(value, "", TOP_KEYS)?;

    let origin = top.required_text("origin")?;
    let parsed = url::parse(origin).map_err(|m| err("origin", m))?;
    if parsed.has_query_or_fragment {
        return Err(err("origin", "must not have a query or a fragment"));
    }

    let realm = top.text("realm")?.unwrap_or("api");
    if !realm
        .chars()
        .all(|c| (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\')
    {
        return Err(err(
            "realm",
            "must be printable ASCII without quotes or backslashes",
        ));
    }

    let leeway_seconds = top.uint("leeway_seconds")?.unwrap_or(30);
    if leeway_seconds > 300 {
        return Err(err("leeway_seconds", "must be between 0 and 300"));
    }

    let max_token_bytes = top.uint("max_token_bytes")?.unwrap_or(8192);
    if !(256..=65536).contains(&max_token_bytes) {
        return Err(err("max_token_bytes", "must be between 256 and 65536"));
    }

    let strip_header_prefix = match top.string("strip_header_prefix")?.unwrap_or("x-auth-") {
        "" => None,
        p => {
            header_chars(p).map_err(|m| err("strip_header_prefix", m))?;
            Some(p.to_ascii_lowercase())
        }
    };

    let issuers = issuers(&top)?;
    let basic_exchange = match top.get("basic_exchange") {
        None => None,
        Some(v) => Some(basic_exchange(v, &issuers)?),
    };
    let routes = match top.get("routes") {
        None => Vec::new(),
        Some(v) => array(v, "routes")?
            .iter()
            .enumerate()
            .map(|(i, r)| route(r, &index("routes", i), &issuers))
            .collect::<R<Vec<_>>>()?,
    };
    let forward = match top.get("forward") {
        None => Vec::new(),
        Some(v) => forward(v)?,
    };

    Ok(Config {
        origin: origin.to_string(),
        realm: realm.to_string(),
        leeway_seconds,
        // In range by the check above, so it fits any usize.
        max_token_bytes: usize::try_from(max_token_bytes).unwrap_or(8192),
        strip_header_prefix,
        issuers,
        basic_exchange,
        routes,
        forward,
    })
}

fn issuers(top: &Obj<'_>) -> R<Vec<IssuerConfig>> {
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
pub(super) fn fetchable(s: &str) -> Result<(), String> {
    let u = url::parse(s)?;
    if u.https || u.is_loopback() {
        Ok(())
    } else {
        Err("must be https:// (plain http:// only on 127.0.0.1, [::1] or localhost)".into())
    }
}

fn basic_exchange(value: &Value, issuers: &[IssuerConfig]) -> R<BasicExchange> {
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

fn route(value: &Value, at: &str, issuers: &[IssuerConfig]) -> R<Route> {
    let o = Obj::new(value, at, ROUTE_KEYS)?;
    let path = o.required_text("path")?;
    let pattern = RoutePattern::parse(path).map_err(|m| err(o.key("path"), m))?;

    let methods = o
        .checked_strings("methods", |m| {
            header_chars(m).map_err(|_| "not an HTTP method".into())
        })?
        .map(|ms| {
            let mut up: Vec<String> = Vec::with_capacity(ms.len());
            for m in ms {
                let m = m.to_ascii_uppercase();
                if !up.contains(&m) {
                    up.push(m);
                }
            }
            up
        });

    let auth = match o.string("auth")?.unwrap_or("required") {
        "required" => AuthMode::Required,
        "public" => AuthMode::Public,
        _ => return Err(err(o.key("auth"), "must be \"required\" or \"public\"")),
    };
    let mode = match o.string("mode")?.unwrap_or("enforce") {
        "enforce" => Mode::Enforce,
        "shadow" => Mode::Shadow,
        _ => return Err(err(o.key("mode"), "must be \"enforce\" or \"shadow\"")),
    };

    let route_issuers = o.checked_strings("issuers", |name| {
        if issuers.iter().any(|i| i.issuer == name) {
            Ok(())
        } else {
            Err("not one of the configured issuers".into())
        }
    })?;

    let org_header = match o.text("org_header")? {
        None => None,
        Some(h) => {
            header_chars(h).map_err(|m| err(o.key("org_header"), m))?;
            Some(h.to_ascii_lowercase())
        }
    };

    let roles_any = o.strings("roles_any")?;
    let scopes_all = o.checked_strings("scopes_all", |s| {
        if s.contains(char::is_whitespace) {
            Err("one scope per entry (no spaces)".into())
        } else {
            Ok(())
        }
    })?;
    let cross_org_roles = match o.get("cross_org_roles") {
        // An explicit empty list is the default spelt out: allowed here.
        Some(Value::Array(a)) if a.is_empty() => Vec::new(),
        _ => o.strings("cross_org_roles")?.unwrap_or_default(),
    };

    if auth == AuthMode::Public {
        let set = [
            ("issuers", route_issuers.is_some()),
            ("org_header", org_header.is_some()),
            ("roles_any", roles_any.is_some()),
            ("scopes_all", scopes_all.is_some()),
            ("cross_org_roles", !cross_org_roles.is_empty()),
            ("mode", mode == Mode::Shadow),
        ];
        if let Some((k, _)) = set.iter().find(|(_, on)| *on) {
            return Err(err(
                o.key(k),
                "has no effect on a public route (nothing is checked there)",
            ));
        }
    }
    if !cross_org_roles.is_empty() && !pattern.has_org() && org_header.is_none() {
        return Err(err(
            o.key("cross_org_roles"),
            "needs a target organisation: `{org}` in path or org_header",
        ));
    }

    Ok(Route {
        path: path.to_string(),
        pattern,
        methods,
        auth,
        issuers: route_issuers,
        org_header,
        roles_any,
        scopes_all,
        cross_org_roles,
        mode,
    })
}

fn forward(value: &Value) -> R<Vec<(String, String)>> {
    let map = value
        .as_object()
        .ok_or_else(|| err("forward", "expected a table (header name = claim path)"))?;
    let mut out: Vec<(String, String)> = Vec::with_capacity(map.len());
    for (name, target) in map {
        let key = child("forward", name);
        header_chars(name).map_err(|m| err(&key, m))?;
        let lower = name.to_ascii_lowercase();
        if [UNFORWARDABLE, forward::HOP_BY_HOP]
            .iter()
            .any(|list| list.contains(&lower.as_str()))
        {
            return Err(err(key, "this header cannot be set from a claim"));
        }
        if out.iter().any(|(n, _)| *n == lower) {
            return Err(err(key, "the same header twice (names ignore case)"));
        }
        let target = target
            .as_str()
            .ok_or_else(|| err(&key, "expected a claim path or \"$org\""))?;
        if target.starts_with('$') {
            if target != "$org" {
                return Err(err(key, "the only variable is \"$org\""));
            }
        } else {
            claim_path(target).map_err(|m| err(&key, m))?;
        }
        out.push((lower, target.to_string()));
    }
    Ok(out)
}

/// A dotted claim path such as `realm_access.roles`.
fn claim_path(p: &str) -> Result<(), String> {
    if p.is_empty() || p.split('.').any(str::is_empty) {
        Err("not a claim path (names separated by single dots)".into())
    } else if p.chars().any(char::is_control) {
        Err("control characters are not allowed".into())
    } else {
        Ok(())
    }
}

/// RFC 9110 `token` characters: header names, methods, header prefixes.
fn header_chars(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)))
    {
        None => Ok(()),
        Some(c) => Err(format!("character {c:?} is not allowed in a header name")),
    }
}
