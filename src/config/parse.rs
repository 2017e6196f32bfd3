//! Walks the `AUTHZ` value by hand rather than through `serde` derive, so
//! that every error names the exact key (`routes[2].methods[0]`) and says
//! what is wrong in words a config author understands.

use serde_json::{Map, Value};

use super::url;
use super::{AuthMode, BasicExchange, Config, ConfigError, IssuerConfig, Mode, Route};
use crate::alg::Alg;
use crate::forward;
use crate::routes::RoutePattern;

mod issuer;
mod route;

pub(super) use issuer::fetchable;

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
    // An empty key (TOML `[''.x]`, JSON `{"": 1}`) is shown as `""`, so
    // that the error still names something.
    let k = if k.is_empty() { "\"\"" } else { k };
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

    let realm = top.text("realm")?.unwrap_or(super::DEFAULT_REALM);
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

    let max_token_bytes =
        (top.uint("max_token_bytes")?).unwrap_or(super::DEFAULT_MAX_TOKEN_BYTES as u64);
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

    let issuers = issuer::issuers(&top)?;
    let basic_exchange = match top.get("basic_exchange") {
        None => None,
        Some(v) => Some(issuer::basic_exchange(v, &issuers)?),
    };
    let routes = match top.get("routes") {
        None => Vec::new(),
        Some(v) => array(v, "routes")?
            .iter()
            .enumerate()
            .map(|(i, r)| route::route(r, &index("routes", i), &issuers))
            .collect::<R<Vec<_>>>()?,
    };
    let forward = match top.get("forward") {
        None => Vec::new(),
        Some(v) => route::forward(v)?,
    };

    Ok(Config {
        origin: origin.to_string(),
        realm: realm.to_string(),
        leeway_seconds,
        // In range by the check above, so it fits any usize.
        max_token_bytes: usize::try_from(max_token_bytes).unwrap_or(super::DEFAULT_MAX_TOKEN_BYTES),
        strip_header_prefix,
        issuers,
        basic_exchange,
        routes,
        forward,
    })
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
