//! Scope (contract 3.5): which organisation a token acts for, and whether
//! it may act on this target through this route.

use serde_json::{Map, Value};

use crate::claims::VerifiedToken;
use crate::config::{IssuerConfig, Route};
use crate::error::AuthError;
use crate::routes::RouteMatch;

/// A claim by dotted path (`realm_access.roles`).
pub fn lookup<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let _ = (claims, path);
    todo!()
}

/// The first of `org_claims` present (string, or number as its decimal).
pub fn resolve_org(claims: &Map<String, Value>, org_claims: &[String]) -> Option<String> {
    let _ = (claims, org_claims);
    todo!()
}

/// Roles from `realm_access.roles`, `roles` and `groups` (arrays, or a
/// space-separated string as some issuers send).
pub fn roles(claims: &Map<String, Value>) -> Vec<String> {
    let _ = claims;
    todo!()
}

/// The space-separated `scope` claim (also `scp` as an array).
pub fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    let _ = claims;
    todo!()
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
pub fn check(
    token: &VerifiedToken,
    issuer: &IssuerConfig,
    route: Option<&Route>,
    matched: &RouteMatch,
    org_header_value: Option<&str>,
) -> Result<Scoped, AuthError> {
    let _ = (token, issuer, route, matched, org_header_value);
    todo!()
}
