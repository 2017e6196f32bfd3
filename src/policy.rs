//! Scope (contract 3.5): which organisation a token acts for, and whether
//! it may act on this target through this route.

use crate::claims::VerifiedToken;
use crate::config::{IssuerConfig, Route};
use crate::error::{AuthError, OrgSide};
use crate::json_tree::{Object, Tree, Value};
use crate::routes::RouteMatch;

/// A claim by dotted path (`realm_access.roles`). A claim whose own name
/// holds dots (namespaced claims such as `https://example.com/org`) is
/// found too: at each level the whole remaining path is tried as a name
/// before it is split.
pub fn lookup<'a>(claims: &'a Tree, path: &str) -> Option<Value<'a>> {
    lookup_in(claims.object(), path)
}

fn lookup_in<'a>(object: Object<'a>, path: &str) -> Option<Value<'a>> {
    if let Some(v) = object.get(path) {
        return Some(v);
    }
    path.match_indices('.').find_map(|(i, _)| {
        let head = path.get(..i)?;
        let tail = path.get(i + 1..)?;
        match object.get(head)? {
            Value::Object(inner) => lookup_in(inner, tail),
            _ => None,
        }
    })
}

/// The org of the first of `org_claims` present: a non-empty string, or an
/// integer as its decimal. A present claim that is neither (empty, null,
/// another type) means the token has no org: falling through to the next
/// claim would let a lower-priority claim, perhaps one the issuer does not
/// control as tightly, speak for a token whose real org claim is broken.
pub fn resolve_org(claims: &Tree, org_claims: &[String]) -> Option<String> {
    let first = org_claims.iter().find_map(|path| lookup(claims, path))?;
    match first {
        Value::String(s) if !s.is_empty() => Some(s.to_string()),
        Value::Number(n) if n.is_integer() => Some(n.to_string()),
        _ => None,
    }
}

/// Roles from `realm_access.roles`, `roles` and `groups` (arrays, or a
/// space-separated string as some issuers send).
pub fn roles(claims: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for path in ["realm_access.roles", "roles", "groups"] {
        collect_words(lookup(claims, path), &mut out);
    }
    out
}

/// The space-separated `scope` claim (also `scp` as an array).
pub fn scopes(claims: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    collect_words(claims.get("scope"), &mut out);
    collect_words(claims.get("scp"), &mut out);
    out
}

/// Adds the strings of an array, or the words of a string, skipping
/// duplicates and anything that is not a string.
fn collect_words(value: Option<Value<'_>>, out: &mut Vec<String>) {
    let mut add = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    match value {
        Some(Value::String(s)) => s.split_whitespace().for_each(&mut add),
        Some(Value::Array(items)) => {
            for item in items.iter() {
                if let Value::String(s) = item {
                    add(s);
                }
            }
        }
        _ => {}
    }
}

/// The organisation the request acts for, once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoped {
    /// The token's org (what `$org` forwards).
    pub org: Option<String>,
}

/// Order: route `issuers` allow-list; issuer `clients`; issuer
/// `organizations`; target org from `{org}` and/or `org_header` must equal
/// the token's org unless the token holds a `cross_org_roles` role (a
/// target with no token org is a mismatch); then `roles_any`, `scopes_all`.
/// `org_header_value` is the request's header value when the route names one
/// (a route with `org_header` but no such header has no header target).
///
/// Two targets that disagree (`{org}` says one org, the header another) are
/// a mismatch even for a cross-org role: the request names no single org.
/// An issuer's `organizations` bound the target too, so a cross-org role
/// cannot carry a token past its issuer's organisations.
pub fn check(
    token: &VerifiedToken,
    issuer: &IssuerConfig,
    route: Option<&Route>,
    matched: &RouteMatch,
    org_header_value: Option<&str>,
) -> Result<Scoped, AuthError> {
    let claims = token.claims();

    if let Some(allowed) = route.and_then(|r| r.issuers.as_ref()) {
        if !allowed.contains(&issuer.issuer) {
            return Err(AuthError::IssuerNotAllowed);
        }
    }

    if let Some(clients) = &issuer.clients {
        if !token
            .client()
            .is_some_and(|c| clients.iter().any(|x| x == c))
        {
            return Err(AuthError::ClientNotAllowed);
        }
    }

    let org = resolve_org(claims, &issuer.org_claims);
    let org_allowed = |o: &str| {
        issuer
            .organizations
            .as_ref()
            .is_none_or(|orgs| orgs.iter().any(|x| x == o))
    };
    if issuer.organizations.is_some() && !org.as_deref().is_some_and(org_allowed) {
        return Err(AuthError::OrgNotAllowed(OrgSide::Token));
    }

    // Only a route that names roles reads them: most do not.
    let held = match route {
        Some(r) if !r.cross_org_roles.is_empty() || r.roles_any.is_some() => roles(claims),
        _ => Vec::new(),
    };
    let mut targets = matched.org.as_deref().into_iter().chain(org_header_value);
    if let Some(target) = targets.next() {
        if targets.any(|other| other != target) {
            return Err(AuthError::TargetsDisagree);
        }
        let cross_org = route.is_some_and(|r| r.cross_org_roles.iter().any(|c| held.contains(c)));
        if !cross_org && org.as_deref() != Some(target) {
            return Err(AuthError::OrgMismatch(org));
        }
        if !org_allowed(target) {
            return Err(AuthError::OrgNotAllowed(OrgSide::Target));
        }
    }

    if let Some(any) = route.and_then(|r| r.roles_any.as_ref()) {
        if !any.iter().any(|r| held.contains(r)) {
            return Err(AuthError::MissingRole(any.clone()));
        }
    }

    if let Some(all) = route.and_then(|r| r.scopes_all.as_ref()) {
        let granted = scopes(claims);
        let missing: Vec<String> = all
            .iter()
            .filter(|s| !granted.contains(s))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(AuthError::MissingScope(missing));
        }
    }

    Ok(Scoped { org })
}

#[cfg(test)]
mod tests;
