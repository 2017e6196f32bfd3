//! What the claims and header members the page meets mean, and what the
//! edge does with them: a static table, so the page and the tests read the
//! same words. The sources are the documents the project started from (the
//! ScpCloud Keycloak notes, Red Hat SSO's claims, the Authn docs) and the
//! RFCs.

use serde::Serialize;
use serde_json::Value;

use crate::json_tree::{self as tree, Tree};
use crate::policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClaimDoc {
    /// Dotted path, as in `org_claims` and `forward`.
    pub path: &'static str,
    pub title: &'static str,
    pub meaning: &'static str,
    /// What the edge does with it; `None`: the edge ignores it.
    pub edge: Option<&'static str>,
    pub source: &'static str,
}

const fn doc(
    path: &'static str,
    title: &'static str,
    meaning: &'static str,
    edge: Option<&'static str>,
    source: &'static str,
) -> ClaimDoc {
    ClaimDoc {
        path,
        title,
        meaning,
        edge,
        source,
    }
}

const RFC7519: &str = "RFC 7519";
const RFC7515: &str = "RFC 7515";
const KEYCLOAK: &str = "Keycloak";
const SCP: &str = "ScpCloud service account";
const RHSSO: &str = "Red Hat SSO (kas-fleet-manager)";
const AUTHN: &str = "Authn";
const OIDC: &str = "OpenID Connect";

const ORG: Option<&str> = Some(
    "one of the default org_claims (organizationId, org_id, rh-org-id, tenant): the first \
     present is the organisation the token acts for; compared with {org} and org_header",
);
const ROLES: Option<&str> = Some(
    "read as roles for roles_any and cross_org_roles (with realm_access.roles, roles, groups)",
);

/// Members of the JOSE header.
#[rustfmt::skip]
pub static HEADER: &[ClaimDoc] = &[
    doc("alg", "Algorithm", "How the token is signed (RS256, PS256, ES256, EdDSA, HS256, ...).",
        Some("must be allowed for the issuer (algorithms) and fit the key; `none` never passes"), RFC7515),
    doc("kid", "Key id", "Which of the issuer's keys signed the token.",
        Some("picks the key in the issuer's JWKS; an unknown kid triggers one refetch"), RFC7515),
    doc("typ", "Media type", "What the token is: JWT, or at+jwt for an OAuth access token (RFC 9068).",
        Some("when present must be JWT or at+jwt (any case, optional application/)"), RFC7515),
    doc("cty", "Content type", "Marks a nested token.", Some("refused: nested tokens are not accepted"), RFC7515),
    doc("crit", "Critical extensions", "Extensions the recipient must understand.",
        Some("refused: the edge understands no extension"), RFC7515),
    doc("b64", "Unencoded payload", "RFC 7797 payloads that are not base64url-encoded.",
        Some("refused"), "RFC 7797"),
    doc("jku", "JWKS URL", "Where the signer says its keys are.", Some("never fetched or trusted"), RFC7515),
    doc("x5u", "X.509 URL", "Where the signer says its certificate is.", Some("never fetched or trusted"), RFC7515),
    doc("jwk", "Embedded key", "A public key carried in the token itself.",
        Some("never trusted: anyone can embed their own key"), RFC7515),
    doc("x5c", "Certificate chain", "Certificates carried in the token itself.", Some("never trusted"), RFC7515),
    doc("x5t", "Certificate thumbprint", "SHA-1 thumbprint of the signer's certificate.", None, RFC7515),
];

/// Payload claims.
#[rustfmt::skip]
pub static PAYLOAD: &[ClaimDoc] = &[
    doc("iss", "Issuer", "Who issued and signed the token (for Keycloak, the realm URL, e.g. .../realms/ScpCloud).",
        Some("picks the issuer configuration, matched exactly; trusted only after the signature"), RFC7519),
    doc("sub", "Subject", "Who the token is about: a user id, or for client credentials the service account's user.",
        Some("logged; forwardable (\"x-auth-subject\" = \"sub\")"), RFC7519),
    doc("aud", "Audience", "Who the token is meant for: a string or a list (Keycloak adds \"account\").",
        Some("must name one of the issuer's audiences when they are set"), RFC7519),
    doc("exp", "Expires", "Seconds since 1970 after which the token is no longer valid.",
        Some("required; checked with leeway_seconds"), RFC7519),
    doc("nbf", "Not before", "Seconds since 1970 before which the token is not valid yet.",
        Some("checked with leeway_seconds"), RFC7519),
    doc("iat", "Issued at", "Seconds since 1970 when the token was issued. exp - iat is its lifetime: in Keycloak, the Access Token Lifespan (5 min by default).",
        Some("may not be in the future beyond the leeway; exp - iat is bounded by max_lifetime_seconds when set"), RFC7519),
    doc("jti", "Token id", "A unique id of this token, for replay detection.", None, RFC7519),
    doc("typ", "Token type", "Keycloak: Bearer for access tokens, Refresh and ID for refresh and ID tokens.",
        Some("must be one of the issuer's token_types (default Bearer), so refresh and ID tokens are refused"), KEYCLOAK),
    doc("azp", "Authorized party", "The client the token was issued to (Keycloak: the client id, e.g. integration-api-service).",
        Some("checked against the issuer's clients; forwardable (\"x-auth-client-id\" = \"azp\")"), OIDC),
    doc("client_id", "Client id", "The client that obtained the token; Keycloak adds it for client credentials.",
        Some("checked against the issuer's clients when azp is absent"), "RFC 9068"),
    doc("organizationId", "Organisation", "A hardcoded claim mapper on the service account's client: the organisation it acts for.", ORG, SCP),
    doc("org_id", "Organisation id", "The organisation of the entity the token was issued for; resources are filtered by it.", ORG, RHSSO),
    doc("rh-org-id", "Red Hat organisation id", "The organisation of a service account (MAS-SSO).", ORG, RHSSO),
    doc("tenant", "Tenant", "The tenant id that sets the customer's context (optional).", ORG, AUTHN),
    doc("is_org_admin", "Organisation admin", "true: may update and delete resources of the organisation it does not own.", None, RHSSO),
    doc("realm_access.roles", "Realm roles", "Keycloak realm roles, e.g. kas-fleet-manager-admin-read / -write / -full, offline_access.", ROLES, KEYCLOAK),
    doc("realm_access", "Realm access", "Keycloak's realm-level access: its roles list.", None, KEYCLOAK),
    doc("resource_access", "Client roles", "Keycloak roles per client: resource_access.<client>.roles.",
        Some("not read for roles_any; name the path in forward to pass them on"), KEYCLOAK),
    doc("roles", "Roles", "Roles assigned to the user (Authn: a list or a space-separated string).", ROLES, AUTHN),
    doc("groups", "Groups", "Groups the user belongs to (Authn: customer, agent).", ROLES, AUTHN),
    doc("scope", "Scope", "Space-separated scopes granted (openid, api:read, ...).",
        Some("scopes_all of a route must all be here (or in scp)"), "RFC 8693"),
    doc("scp", "Scopes", "Scopes as a list (Azure AD, Okta).", Some("read for scopes_all with scope"), "RFC 9068"),
    doc("scopes", "Scopes (Authn)", "Authn's older spelling of scope.", None, AUTHN),
    doc("cid", "Client code", "Authn's internal client code; not public.", None, AUTHN),
    doc("tid", "Token code", "Authn's internal token code; not public.", None, AUTHN),
    doc("preferred_username", "Preferred username", "The username to show for the entity the token was issued for.", None, OIDC),
    doc("username", "Username", "The username of the entity the token was issued for; owner of created resources.", None, RHSSO),
    doc("email", "Email", "Email address of the entity the token was issued for.", None, OIDC),
    doc("account_id", "Account id", "Account id of the entity the token was issued for.", None, RHSSO),
    doc("rh-user-id", "Red Hat user id", "The user id behind a service account (MAS-SSO).", None, RHSSO),
    doc("first_name", "First name", "First name of the entity the token was issued for.", None, RHSSO),
    doc("last_name", "Last name", "Last name of the entity the token was issued for.", None, RHSSO),
    doc("name", "Name", "Full name (Authn: only with the Active Directory provider).", None, OIDC),
    doc("given_name", "Given name", "Given name (Authn: only with the Active Directory provider).", None, OIDC),
    doc("family_name", "Family name", "Family name (Authn: only with the Active Directory provider).", None, OIDC),
    doc("kas-fleetshard-operator-cluster-id", "Fleetshard cluster id", "The data-plane cluster a fleetshard operator acts for.", None, RHSSO),
    doc("allowed-origins", "Allowed origins", "Keycloak web origins for CORS.", None, KEYCLOAK),
    doc("clientHost", "Client host", "Keycloak service accounts: the host the client called from.", None, KEYCLOAK),
    doc("clientAddress", "Client address", "Keycloak service accounts: the address the client called from.", None, KEYCLOAK),
    doc("sid", "Session id", "The login session the token belongs to.", None, OIDC),
    doc("session_state", "Session state", "Keycloak's older name for the session id.", None, KEYCLOAK),
    doc("acr", "Authentication context", "How strongly the user was authenticated.", None, OIDC),
    doc("app_metadata_roles", "App roles (Authn)", "Custom roles of the application, space-separated.", None, AUTHN),
    doc("provider_internal_id", "Provider id (Authn)", "Internal customer id at the provider.", None, AUTHN),
];

/// A documented member found in a token, with its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    /// `header` or `payload`.
    pub part: &'static str,
    /// The path in this token (`resource_access.account.roles` is
    /// documented by the `resource_access` entry).
    pub path: String,
    pub value: Value,
    pub doc: ClaimDoc,
}

pub fn lookup(part: &str, path: &str) -> Option<&'static ClaimDoc> {
    let table = if part == "header" { HEADER } else { PAYLOAD };
    table.iter().find(|d| d.path == path)
}

/// The documented members of a token, header first, in table order.
pub fn annotate(header: &Tree, payload: &Tree) -> Vec<Found> {
    let mut out = Vec::new();
    for (part, members, table) in [("header", header, HEADER), ("payload", payload, PAYLOAD)] {
        for d in table {
            if let Some(v) = policy::lookup(members, d.path) {
                out.push(Found {
                    part,
                    path: d.path.to_string(),
                    value: v.to_serde(),
                    doc: *d,
                });
            }
        }
    }
    // Client roles: one line per client, as engineers look for them.
    if let (Some(tree::Value::Object(clients)), Some(d)) = (
        payload.get("resource_access"),
        lookup("payload", "resource_access"),
    ) {
        // By client name (the map's order), as the page has always listed
        // them; a sort of its own here was 2 KB of the page's wasm.
        for (client, access) in clients.to_map() {
            if let Some(roles) = access.get("roles") {
                out.push(Found {
                    part: "payload",
                    path: format!("resource_access.{client}.roles"),
                    value: roles.clone(),
                    doc: *d,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_tree::tree;
    use serde_json::json;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_claim_the_issue_names_is_documented() {
        for path in [
            "organizationId",
            "org_id",
            "rh-org-id",
            "tenant",
            "is_org_admin",
            "realm_access.roles",
            "resource_access",
            "azp",
            "client_id",
            "typ",
            "groups",
            "roles",
            "scope",
            "scp",
            "cid",
            "tid",
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nbf",
            "jti",
            "preferred_username",
            "email",
            "account_id",
            "rh-user-id",
            "username",
        ] {
            assert!(lookup("payload", path).is_some(), "{path}");
        }
        for member in [
            "alg", "kid", "typ", "jku", "x5u", "jwk", "x5c", "crit", "cty",
        ] {
            assert!(lookup("header", member).is_some(), "{member}");
        }
    }

    #[test]
    fn paths_are_unique_and_texts_filled() {
        for table in [HEADER, PAYLOAD] {
            for (i, d) in table.iter().enumerate() {
                assert!(
                    table[i + 1..].iter().all(|o| o.path != d.path),
                    "{}",
                    d.path
                );
                assert!(
                    !d.title.is_empty() && d.meaning.ends_with('.'),
                    "{}",
                    d.path
                );
            }
        }
    }

    #[test]
    fn iat_is_explained_for_a_keycloak_reader() {
        let iat = lookup("payload", "iat").unwrap();
        assert!(!iat.meaning.contains("OCM"), "{}", iat.meaning);
        assert!(
            iat.meaning.contains("Keycloak") && iat.meaning.contains("Access Token Lifespan"),
            "{}",
            iat.meaning
        );
    }

    #[test]
    fn the_default_org_claims_say_so() {
        for path in ["organizationId", "org_id", "rh-org-id", "tenant"] {
            assert!(lookup("payload", path)
                .unwrap()
                .edge
                .unwrap()
                .contains("org_claims"));
        }
        assert!(lookup("header", "jku")
            .unwrap()
            .edge
            .unwrap()
            .contains("never"));
    }

    #[test]
    fn annotates_a_keycloak_token() {
        let header = json!({"alg": "RS256", "kid": "k1", "typ": "JWT"});
        let payload = json!({
            "iss": "https://sso.example.com/realms/ScpCloud", "typ": "Bearer",
            "azp": "integration-api-service", "organizationId": "c7834e89",
            "realm_access": {"roles": ["offline_access"]},
            "resource_access": {"account": {"roles": ["view-profile"]}, "odd": 1},
            "custom": true,
        });
        let found = annotate(&tree(header), &tree(payload));
        let paths: Vec<(&str, &str)> = found.iter().map(|f| (f.part, f.path.as_str())).collect();
        assert_eq!(
            paths,
            [
                ("header", "alg"),
                ("header", "kid"),
                ("header", "typ"),
                ("payload", "iss"),
                ("payload", "typ"),
                ("payload", "azp"),
                ("payload", "organizationId"),
                ("payload", "realm_access.roles"),
                ("payload", "realm_access"),
                ("payload", "resource_access"),
                ("payload", "resource_access.account.roles"),
            ]
        );
        assert_eq!(found[7].value, json!(["offline_access"]));
        assert_eq!(found[10].value, json!(["view-profile"]));
    }
}
