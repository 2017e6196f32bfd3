//! The config and the request as pasted, read the way the worker reads
//! them: `AUTHZ` as TOML (`[vars.AUTHZ]` of `wrangler.toml`) or JSON, and
//! the request as a fetch `Request` presents it (header names lowercased,
//! repeated headers joined with ", ", the path without its query).

use serde_json::{Map, Value};

use crate::config::{Config, ConfigError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIn {
    pub method: String,
    pub path: String,
    /// Without `?` or fragment; "" when there is none.
    pub query: String,
    /// Lowercased names, one entry per name.
    pub headers: Vec<(String, String)>,
}

fn authz_error(message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: "AUTHZ".into(),
        message: message.into(),
    }
}

/// A whole `wrangler.toml`, its `[vars.AUTHZ]` table alone, the table's
/// keys alone, or the same as JSON (also a JSON string holding it, as
/// `--var AUTHZ:...` passes it).
pub fn config_from_text(text: &str) -> Result<Config, ConfigError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(authz_error(
            "empty: paste the [vars.AUTHZ] table of wrangler.toml, or its JSON",
        ));
    }
    let mut value = if t.starts_with('{') || t.starts_with('"') {
        serde_json::from_str(t).map_err(|e| authz_error(format!("not valid JSON: {e}")))?
    } else {
        toml_value(t)?
    };
    if let Value::String(inner) = &value {
        value = serde_json::from_str(inner)
            .map_err(|e| authz_error(format!("a JSON string that is not valid JSON: {e}")))?;
    }
    Config::from_value(pick_authz(value))
}

fn pick_authz(mut value: Value) -> Value {
    if let Some(authz) = value.pointer_mut("/vars/AUTHZ") {
        return authz.take();
    }
    match value.get_mut("AUTHZ") {
        Some(authz) if authz.is_object() => authz.take(),
        _ => value,
    }
}

#[cfg(feature = "browser")]
fn toml_value(text: &str) -> Result<Value, ConfigError> {
    basic_toml::from_str::<Value>(text).map_err(|e| authz_error(format!("not valid TOML: {e}")))
}

#[cfg(not(feature = "browser"))]
fn toml_value(_: &str) -> Result<Value, ConfigError> {
    Err(authz_error(
        "TOML is read only in the page build (feature browser); paste JSON",
    ))
}

/// `{"method": "GET", "path": "/orgs/a/x", "headers": ...}` where headers
/// is an object (a value or a list of values per name), a list of
/// `[name, value]` pairs, or `Name: value` lines. `path` may be a whole URL.
pub fn request_from_json(text: &str) -> Result<RequestIn, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let method = match obj.get("method") {
        None | Some(Value::Null) => "GET".to_string(),
        Some(Value::String(m)) if is_token(m.trim()) => m.trim().to_ascii_uppercase(),
        Some(_) => return Err("method is not an HTTP method".into()),
    };
    let (path, query) = match obj.get("path").or_else(|| obj.get("url")) {
        None | Some(Value::Null) => ("/".to_string(), String::new()),
        Some(Value::String(p)) => path_of(p.trim()),
        Some(_) => return Err("path is not a string".into()),
    };
    let mut pairs = Vec::new();
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => object_pairs(map, &mut pairs)?,
        Some(Value::Array(list)) => {
            for item in list {
                match item.as_array().map(Vec::as_slice) {
                    Some([Value::String(n), Value::String(v)]) => {
                        pairs.push((n.clone(), v.clone()))
                    }
                    _ => return Err("headers as a list must hold [name, value] pairs".into()),
                }
            }
        }
        Some(Value::String(lines)) => {
            for line in lines.lines().filter(|l| !l.trim().is_empty()) {
                let (n, v) = line
                    .split_once(':')
                    .ok_or_else(|| format!("the header line {:?} has no ':'", short(line)))?;
                pairs.push((n.to_string(), v.to_string()));
            }
        }
        Some(_) => return Err("headers is neither an object, a list nor text".into()),
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        let name = name.trim().to_ascii_lowercase();
        if !is_token(&name) {
            return Err(format!("{:?} is not a header name", short(&name)));
        }
        let value = value.trim_matches([' ', '\t']).to_string();
        if value.contains(['\r', '\n', '\0']) {
            return Err(format!("the value of {name} holds a line break"));
        }
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    Ok(RequestIn {
        method,
        path,
        query,
        headers,
    })
}

fn object_pairs(map: &Map<String, Value>, pairs: &mut Vec<(String, String)>) -> Result<(), String> {
    for (name, value) in map {
        match value {
            Value::String(s) => pairs.push((name.clone(), s.clone())),
            Value::Array(items) => {
                for item in items {
                    let s = item
                        .as_str()
                        .ok_or_else(|| format!("a value of {name} is not a string"))?;
                    pairs.push((name.clone(), s.to_string()));
                }
            }
            _ => return Err(format!("the value of {name} is not a string")),
        }
    }
    Ok(())
}

/// The path of a URL or of a path with a query, as `URL.pathname` gives it.
/// The path and the query of a pasted path or URL.
fn path_of(p: &str) -> (String, String) {
    let after_host = match p.find("://") {
        Some(i) => {
            let rest = &p[i + 3..];
            rest.find(['/', '?', '#']).map_or("", |j| &rest[j..])
        }
        None => p,
    };
    let before_fragment = after_host.split('#').next().unwrap_or_default();
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let path = match path {
        "" => "/".into(),
        p if p.starts_with('/') => p.into(),
        p => format!("/{p}"),
    };
    (path, query.into())
}

/// An RFC 9110 token (method and header-name syntax).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn short(s: &str) -> &str {
    s.char_indices().nth(40).map_or(s, |(i, _)| &s[..i])
}
