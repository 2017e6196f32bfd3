//! Every refusal the authorizer can give, and the one place that maps each
//! to the contract's status, `WWW-Authenticate` challenge, `code` and
//! problem body (contract section 3).
//!
//! Details are written here from the variant: fixed texts, values of the
//! configuration (a limit, the roles or audiences a route wants) and claims
//! of a token whose signature verified (its org, its `exp`). Never from
//! the request, so a token or secret cannot be echoed into a body or a
//! header.

use serde_json::json;

use crate::config::{Config, DEFAULT_REALM};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    // 400
    /// Two `Authorization` headers, an unknown scheme, bad base64 or a
    /// Basic value that decodes to no `client_id:secret`, an over-long
    /// Basic value, Basic without `basic_exchange`, an unsafe path.
    InvalidRequest(InvalidRequest),

    // 401, Bearer challenge without error
    MissingCredentials,

    // 401, invalid_token
    /// Not a well-formed JWS compact token; the reason is ours, never input.
    Malformed(&'static str),
    /// Longer than `max_token_bytes`, which it names.
    TokenTooLong {
        limit: usize,
    },
    UnknownIssuer,
    UnknownKey,
    AlgorithmNotAllowed,
    BadSignature,
    /// An empty signature part: `bad_signature` too, said plainly (links
    /// from the page leave the signature out).
    NoSignature,
    /// Past `exp` (Unix seconds, named in the detail) and the leeway.
    /// The time itself rather than how long ago: the same token gets the
    /// same detail from the edge and the page, a second apart.
    Expired {
        exp: u64,
    },
    NotYetValid,
    IssuedInFuture,
    /// The audiences the issuer accepts, none of which `aud` names.
    WrongAudience(Vec<String>),
    WrongTokenType,
    LifetimeTooLong,

    // 403, insufficient_scope
    /// The target org is not the token's own, whose org (a verified
    /// claim) is named, if it has one.
    OrgMismatch(Option<String>),
    /// The path's `{org}` and the `org_header` name different orgs.
    TargetsDisagree,
    OrgNotAllowed(OrgSide),
    IssuerNotAllowed,
    ClientNotAllowed,
    /// The route's `roles_any`, none of which the token holds.
    MissingRole(Vec<String>),
    /// The scopes the route requires and the token lacks.
    MissingScope(Vec<String>),

    // Basic exchange (contract section 4)
    BasicRefused,
    RateLimited {
        retry_after: u32,
    },
    BadUpstreamToken,
    TokenEndpointUnavailable {
        retry_after: u32,
    },

    // Operational
    KeysUnavailable {
        retry_after: u32,
    },
    /// The request was allowed but the origin could not be reached.
    OriginUnreachable,
    /// The runtime failed under us (not a decision): nothing is forwarded.
    Internal,
    Config {
        key: String,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidRequest {
    DuplicateAuthorization,
    UnsupportedScheme,
    /// More than one credential after the scheme (`Bearer a b`).
    MalformedCredentials,
    /// An `access_token` query parameter beside the `Authorization` header.
    TokenInQuery,
    EmptyCredentials,
    BadBase64,
    /// Valid base64 whose bytes are no `client_id:secret`: not UTF-8 text,
    /// or no colon.
    NotClientAndSecret,
    /// A client id whose `%`-escapes are broken or decode to no UTF-8 (the
    /// issuer form-decodes it, so it would name no client there either).
    BadClientId,
    BasicTooLong,
    BasicNotEnabled,
    /// A path segment that decodes to a `/`, a control character or
    /// invalid UTF-8, or has a broken escape: no route can be trusted to
    /// match it as the origin will read it.
    UnsafePath,
}

/// Which org an issuer's `organizations` refused: the token's own, or
/// the one a cross-org role acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgSide {
    Token,
    Target,
}

/// What kind of `WWW-Authenticate` a refusal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Challenge {
    None,
    /// Plain `Bearer realm=...` (plus `Basic realm=...` when exchange is on).
    Ask,
    InvalidToken,
    InsufficientScope,
    InvalidRequest,
    Basic,
}

impl AuthError {
    pub fn status(&self) -> u16 {
        use AuthError::*;
        match self {
            InvalidRequest(_) => 400,
            MissingCredentials
            | Malformed(_)
            | TokenTooLong { .. }
            | UnknownIssuer
            | UnknownKey
            | AlgorithmNotAllowed
            | BadSignature
            | NoSignature
            | Expired { .. }
            | NotYetValid
            | IssuedInFuture
            | WrongAudience(_)
            | WrongTokenType
            | LifetimeTooLong
            | BasicRefused => 401,
            OrgMismatch(_) | TargetsDisagree | OrgNotAllowed(_) | IssuerNotAllowed
            | ClientNotAllowed | MissingRole(_) | MissingScope(_) => 403,
            RateLimited { .. } => 429,
            Config { .. } | Internal => 500,
            BadUpstreamToken | OriginUnreachable => 502,
            TokenEndpointUnavailable { .. } | KeysUnavailable { .. } => 503,
        }
    }

    /// The machine-readable code in the problem body and the log line.
    pub fn code(&self) -> &'static str {
        use AuthError::*;
        match self {
            InvalidRequest(_) => "invalid_request",
            MissingCredentials => "missing_credentials",
            Malformed(_) => "invalid_token",
            TokenTooLong { .. } => "token_too_long",
            UnknownIssuer => "unknown_issuer",
            UnknownKey => "unknown_key",
            AlgorithmNotAllowed => "algorithm_not_allowed",
            BadSignature | NoSignature => "bad_signature",
            Expired { .. } => "token_expired",
            NotYetValid => "token_not_yet_valid",
            IssuedInFuture => "issued_in_future",
            WrongAudience(_) => "wrong_audience",
            WrongTokenType => "wrong_token_type",
            LifetimeTooLong => "lifetime_too_long",
            OrgMismatch(_) | TargetsDisagree => "org_mismatch",
            OrgNotAllowed(_) => "org_not_allowed",
            IssuerNotAllowed => "issuer_not_allowed",
            ClientNotAllowed => "client_not_allowed",
            MissingRole(_) => "missing_role",
            MissingScope(_) => "missing_scope",
            BasicRefused => "invalid_client",
            RateLimited { .. } => "rate_limited",
            BadUpstreamToken => "bad_upstream_token",
            TokenEndpointUnavailable { .. } => "token_endpoint_unavailable",
            KeysUnavailable { .. } => "keys_unavailable",
            OriginUnreachable => "origin_unreachable",
            Internal => "internal_error",
            Config { .. } => "config_error",
        }
    }

    pub fn title(&self) -> &'static str {
        if let AuthError::Internal = self {
            return "Authorizer error";
        }
        match self.status() {
            400 => "Bad request",
            401 => "Unauthorized",
            403 => "Forbidden",
            429 => "Too many requests",
            500 => "Authorizer misconfigured",
            502 => "Bad gateway",
            _ => "Service unavailable",
        }
    }

    /// A human sentence for the problem body and `error_description`.
    pub fn detail(&self) -> String {
        use AuthError::*;
        match self {
            InvalidRequest(r) => r.detail().to_string(),
            // Without the configuration here: the challenge beside it names
            // Basic when the exchange is on.
            MissingCredentials => {
                "no credentials: send Authorization: Bearer <token>, or Basic <base64 of client_id:secret> where WWW-Authenticate offers it".into()
            }
            Malformed(why) => format!("the token is malformed: {why}"),
            TokenTooLong { limit } => {
                format!("the token is longer than max_token_bytes ({limit} bytes)")
            }
            UnknownIssuer => "the token's issuer is not configured".into(),
            UnknownKey => "no key of the issuer matches the token's kid and algorithm".into(),
            AlgorithmNotAllowed => {
                "the token's algorithm is not allowed for this issuer or does not fit the key"
                    .into()
            }
            BadSignature => "the token's signature does not verify".into(),
            NoSignature => "the token has no signature (its third part is empty)".into(),
            Expired { exp } => format!("the token expired at {}", crate::when::utc(*exp)),
            NotYetValid => "the token is not valid yet (nbf)".into(),
            IssuedInFuture => "the token is issued in the future (iat)".into(),
            WrongAudience(wanted) => format!(
                "the token's aud names none of the audiences accepted here: {}",
                wanted.join(", ")
            ),
            WrongTokenType => "the token type is not accepted here".into(),
            LifetimeTooLong => "the token lives longer than max_lifetime_seconds".into(),
            OrgMismatch(Some(org)) => {
                format!("the token acts for organisation {org}, not for the target one")
            }
            OrgMismatch(None) => {
                "the token names no organisation (org_claims), so it cannot act for the target one"
                    .into()
            }
            TargetsDisagree => "the path and the org header name different organisations".into(),
            OrgNotAllowed(OrgSide::Token) => {
                "the issuer may not act for the token's organisation".into()
            }
            OrgNotAllowed(OrgSide::Target) => {
                "the issuer may not act for the target organisation (its organisations bound cross-org roles too)"
                    .into()
            }
            IssuerNotAllowed => "the token's issuer is not allowed on this route".into(),
            ClientNotAllowed => "the token's client is not allowed for this issuer".into(),
            MissingRole(any) => format!(
                "the token holds none of the roles this route requires (one of: {})",
                any.join(", ")
            ),
            MissingScope(s) => format!("the token lacks the scopes: {}", s.join(" ")),
            BasicRefused => "the issuer refused the client credentials".into(),
            RateLimited { .. } => "too many refused attempts for this client id".into(),
            BadUpstreamToken => "the token endpoint answered with no valid token".into(),
            TokenEndpointUnavailable { .. } => "the token endpoint is unreachable".into(),
            KeysUnavailable { .. } => "the issuer's keys are unreachable".into(),
            OriginUnreachable => "the origin is unreachable".into(),
            Internal => "the authorizer failed; nothing was forwarded".into(),
            Config { key, message } => format!("configuration error at `{key}`: {message}"),
        }
    }

    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AuthError::RateLimited { retry_after }
            | AuthError::TokenEndpointUnavailable { retry_after }
            | AuthError::KeysUnavailable { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    fn challenge_kind(&self) -> Challenge {
        use AuthError::*;
        match self {
            InvalidRequest(_) => Challenge::InvalidRequest,
            MissingCredentials => Challenge::Ask,
            BasicRefused => Challenge::Basic,
            s if s.status() == 401 => Challenge::InvalidToken,
            s if s.status() == 403 => Challenge::InsufficientScope,
            _ => Challenge::None,
        }
    }

    /// The `WWW-Authenticate` value under `cfg`'s realm and exchange
    /// setting; `None` for `cfg` when the configuration itself failed (the
    /// default realm, no exchange). What the worker sends and the page
    /// shows.
    pub fn challenge(&self, cfg: Option<&Config>) -> Option<String> {
        match cfg {
            Some(c) => self.www_authenticate(&c.realm, c.basic_exchange.is_some()),
            None => self.www_authenticate(DEFAULT_REALM, false),
        }
    }

    /// The `WWW-Authenticate` value, if the contract gives this refusal one.
    pub fn www_authenticate(&self, realm: &str, basic_exchange: bool) -> Option<String> {
        let realm = quote_safe(realm);
        let bearer = format!("Bearer realm=\"{realm}\"");
        let describe = |error: &str| {
            format!(
                "{bearer}, error=\"{error}\", error_description=\"{}\"",
                quote_safe(&self.detail())
            )
        };
        match self.challenge_kind() {
            Challenge::None => None,
            Challenge::Ask if basic_exchange => Some(format!("{bearer}, Basic realm=\"{realm}\"")),
            Challenge::Ask => Some(bearer),
            Challenge::InvalidToken => Some(describe("invalid_token")),
            Challenge::InsufficientScope => {
                let mut c = describe("insufficient_scope");
                if let AuthError::MissingScope(scopes) = self {
                    c.push_str(&format!(", scope=\"{}\"", quote_safe(&scopes.join(" "))));
                }
                Some(c)
            }
            Challenge::InvalidRequest => Some(format!("{bearer}, error=\"invalid_request\"")),
            Challenge::Basic => Some(format!("Basic realm=\"{realm}\"")),
        }
    }

    /// The `application/problem+json` body (RFC 9457).
    pub fn problem_body(&self) -> String {
        json!({
            "type": format!("urn:edge-authz:problem:{}", self.code()),
            "title": self.title(),
            "status": self.status(),
            "detail": self.detail(),
            "code": self.code(),
        })
        .to_string()
    }
}

impl InvalidRequest {
    fn detail(&self) -> &'static str {
        match self {
            InvalidRequest::DuplicateAuthorization => "more than one Authorization header",
            InvalidRequest::UnsupportedScheme => {
                "the Authorization value is not `Bearer <token>` (or `Basic <credentials>` where WWW-Authenticate offers it): the scheme, a space, then the credential"
            }
            InvalidRequest::MalformedCredentials => {
                "the Authorization value is not one scheme and one credential"
            }
            InvalidRequest::EmptyCredentials => "empty credentials after the scheme",
            InvalidRequest::TokenInQuery => {
                "an access_token in the query as well as the Authorization header"
            }
            InvalidRequest::BadBase64 => "the Basic credentials are not valid base64",
            InvalidRequest::NotClientAndSecret => {
                "the Basic credentials decode to no client_id:secret (no colon, or not UTF-8 text)"
            }
            InvalidRequest::BadClientId => {
                "the Basic client id has a broken %-escape or is not UTF-8 once decoded"
            }
            InvalidRequest::BasicTooLong => "the Basic credentials are longer than max_token_bytes",
            InvalidRequest::BasicNotEnabled => "Basic credentials are not accepted here",
            InvalidRequest::UnsafePath => {
                "the path has an encoded slash or backslash, a control character, a broken escape or invalid UTF-8"
            }
        }
    }
}

/// Header parameter values are quoted strings: keep them printable ASCII
/// without quotes or backslashes.
fn quote_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect()
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

impl std::error::Error for AuthError {}
