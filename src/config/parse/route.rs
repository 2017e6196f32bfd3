//! The `routes` list and the `forward` table.

use serde_json::Value;

use super::*;

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

/// Headers the authorizer must never set from a claim: the credential it
/// forwards itself, routing, cookies and framing, and (in
/// [`forward::HOP_BY_HOP`]) the hop-by-hop headers a proxy owns.
const UNFORWARDABLE: &[&str] = &["authorization", "host", "cookie", "content-length"];

pub(super) fn route(value: &Value, at: &str, issuers: &[IssuerConfig]) -> R<Route> {
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

pub(super) fn forward(value: &Value) -> R<Vec<(String, String)>> {
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
