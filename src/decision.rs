//! The decision, as a sans-IO state machine (the split of Envoy's
//! `jwt_authn`: extraction, key lookup, verification, matching).
//!
//! [`begin`] does everything that needs no key. When a token must be
//! verified it hands back a [`PendingBearer`]: the face fetches (or finds
//! cached) the issuer's keys, asks [`PendingBearer::check`] what to verify,
//! verifies it with its engine and calls [`PendingBearer::finish`].
//! [`decide`] drives the whole thing synchronously when keys are at hand
//! (tests, the page, benchmarks).

use crate::claims::{self, SignatureOk};
use crate::config::{AuthMode, Config, Mode, Route};
use crate::error::{AuthError, InvalidRequest};
use crate::extract::{self, Credentials};
use crate::forward::{self, ForwardPlan};
use crate::jwks::KeySet;
use crate::policy;
use crate::routes::{self, RouteMatch};
use crate::secret::Secret;
use crate::signature::{SignatureCheck, SignatureEngine};
use crate::token::{self, UnverifiedToken};
use crate::trail::{Stage, Trail};
use crate::verified_cache::{self, Verified, VerifiedCache};

mod outcome;
mod pending_bearer;
mod pending_exchange;

use outcome::{pass_through, refuse, route_name};
pub use pending_bearer::PendingBearer;
pub use pending_exchange::PendingExchange;

/// The parts of a request the decision reads. Header names lowercased.
/// Borrowed throughout: the worker points into the one text the runtime
/// handed over instead of copying each header (see `worker_face`).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query string without its `?` ("" when there is none).
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
}

impl Request<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .collect()
    }

    /// Every `Authorization` value. Fetch-style header maps join repeated
    /// headers with ", "; no JWS or base64 credential contains a comma, so
    /// splitting on it recovers the repeats, which are then refused.
    fn authorizations(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == "authorization")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .collect()
    }

    fn is_preflight(&self) -> bool {
        self.method.eq_ignore_ascii_case("OPTIONS")
            && self.header("origin").is_some()
            && self.header("access-control-request-method").is_some()
    }
}

impl<'a> Request<'a> {
    /// The value of a header sent exactly once.
    fn lone(&self, name: &str) -> Option<&'a str> {
        let mut named = self.headers.iter().filter(|(n, _)| *n == name);
        match (named.next(), named.next()) {
            (Some((_, v)), None) => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Verdict {
    Forward(ForwardPlan),
    Refuse(AuthError),
}

/// What the log line says about a decision. Never a token or a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogFields {
    /// `allow`, `public`, `deny`, or `shadow_deny` (refused, forwarded anyway).
    pub decision: &'static str,
    pub code: Option<&'static str>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub org: Option<String>,
    pub route: Option<String>,
    /// The client id of a Basic value the exchange refused or could not
    /// use (as the issuer reads it: what refused attempts are counted
    /// under). No token was verified, so without it the line would not say
    /// which customer failed or is rate limited. An id, not a secret: left
    /// out when no secret followed it (then it may be a key) or when it
    /// is longer than any client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub trail: Trail,
    pub log: LogFields,
    /// The token when it verified (whatever the scope checks then said):
    /// lets the face remember it and cache an exchanged token.
    pub verified: Option<Verified>,
}

pub enum Start {
    Done(Outcome),
    /// A bearer token whose issuer's keys are needed.
    NeedKeys(PendingBearer),
    /// Basic credentials to exchange at the exchange issuer.
    NeedExchange(PendingExchange),
}

/// The route context carried through the stages.
#[derive(Debug, Clone)]
struct Ctx {
    route: Option<usize>,
    matched: RouteMatch,
    trail: Trail,
    /// The caller sent Basic credentials meant for the exchange (a secret
    /// to keep from the origin), well-formed or not.
    basic: bool,
}

pub fn begin(cfg: &Config, req: &Request<'_>) -> Start {
    begin_with(cfg, req, None, Trail::new())
}

/// As [`begin`]; a bearer token found in `remembered` (it verified before
/// and `now` is before its `exp`) is decided at once: no decoding, no key,
/// no signature check. The scope checks run as for any token. The steps
/// are written to `trail` ([`Trail::quiet`] where nobody reads them).
pub fn begin_with(
    cfg: &Config,
    req: &Request<'_>,
    remembered: Option<(&VerifiedCache, u64)>,
    mut trail: Trail,
) -> Start {
    let found = match routes::find(&cfg.routes, req.method, req.path) {
        Ok(found) => found,
        Err(why) => {
            // Before any route: a route's public or shadow mode must not
            // apply to a path that might be another route's at the origin.
            let err = AuthError::InvalidRequest(why);
            trail.fail(Stage::Route, err.detail());
            let ctx = Ctx {
                route: None,
                matched: RouteMatch::default(),
                trail,
                basic: false,
            };
            return Start::Done(refuse(cfg, ctx, err, None));
        }
    };
    let (route, matched) = match found {
        Some((i, m)) => {
            trail.pass(
                Stage::Route,
                format_args!(
                    "{} {} matched route {}",
                    req.method, req.path, cfg.routes[i].path
                ),
            );
            (Some(i), m)
        }
        None => {
            trail.pass(
                Stage::Route,
                format_args!(
                    "{} {} matched no route: a valid token of any configured issuer is needed",
                    req.method, req.path
                ),
            );
            (None, RouteMatch::default())
        }
    };
    // A remembered token is found before its bytes are scanned (and the
    // header split on commas): those are most of a repeated token's work.
    let lone = remembered_bearer(cfg, req, remembered).ok_or_else(|| req.authorizations());
    let mut ctx = Ctx {
        route,
        matched,
        trail,
        basic: cfg.basic_exchange.is_some()
            && lone
                .as_ref()
                .is_err_and(|all| all.iter().copied().any(forward::is_basic)),
    };
    let route_cfg = ctx.route.map(|i| &cfg.routes[i]);

    if route_cfg.is_some_and(|r| r.auth == AuthMode::Public) {
        ctx.trail
            .pass(Stage::Forward, "public route: forwarded untouched");
        return Start::Done(pass_through(cfg, ctx, "public"));
    }
    if req.is_preflight() {
        ctx.trail
            .pass(Stage::Forward, "CORS preflight: forwarded untouched");
        return Start::Done(pass_through(cfg, ctx, "public"));
    }

    let authorizations = match lone {
        Ok((raw, hit)) => {
            if let Some(err) = token_in_query(req) {
                ctx.trail.fail(Stage::Credentials, err.detail());
                return Start::Done(refuse(cfg, ctx, err, None));
            }
            ctx.trail.pass(Stage::Credentials, "Bearer token");
            return Start::Done(pending_bearer::remembered(cfg, req, raw, hit, ctx));
        }
        Err(all) => all,
    };
    let creds = extract::extract(
        &authorizations,
        cfg.max_token_bytes,
        cfg.basic_exchange.is_some(),
    );
    let creds = creds.and_then(|c| match c {
        Credentials::None => Ok(c),
        _ => token_in_query(req).map_or(Ok(c), Err),
    });
    match creds {
        Err(e) => {
            ctx.trail.fail(Stage::Credentials, e.detail());
            Start::Done(refuse(cfg, ctx, e, None))
        }
        Ok(Credentials::None) => {
            ctx.trail
                .fail(Stage::Credentials, "no Authorization header");
            Start::Done(refuse(cfg, ctx, AuthError::MissingCredentials, None))
        }
        Ok(Credentials::Basic { value, client_id }) => {
            ctx.trail.pass(
                Stage::Credentials,
                "Basic credentials, to exchange for a token",
            );
            Start::NeedExchange(PendingExchange {
                basic: value,
                client_id,
                ctx,
            })
        }
        Ok(Credentials::Bearer(raw)) => {
            // Not remembered: `remembered_bearer` asked the cache for
            // exactly this token already.
            ctx.trail.pass(Stage::Credentials, "Bearer token");
            match bearer(cfg, raw, ctx) {
                Ok(p) => Start::NeedKeys(p),
                Err(failed) => {
                    let (ctx, e) = *failed;
                    Start::Done(refuse(cfg, ctx, e, None))
                }
            }
        }
    }
}

/// RFC 6750 2: one way of sending a token per request. A token in the
/// query beside the header would reach the origin unverified, and an
/// origin reading the query first would act on it.
fn token_in_query(req: &Request<'_>) -> Option<AuthError> {
    extract::query_has_access_token(req.query)
        .then_some(AuthError::InvalidRequest(InvalidRequest::TokenInQuery))
}

/// The token of the request's one `Authorization` header when this
/// isolate remembers it as verified (see [`extract::lone_bearer`]), with
/// what it remembers.
fn remembered_bearer<'r>(
    cfg: &Config,
    req: &Request<'r>,
    remembered: Option<(&VerifiedCache, u64)>,
) -> Option<(&'r str, Verified)> {
    // Without a cache (the page, most tests) the header is read as usual.
    remembered?;
    let raw = extract::lone_bearer(req.lone("authorization")?)?;
    let hit = verified_cache::look_up(remembered, raw)?;
    (raw.len() <= cfg.max_token_bytes && hit.token().issuer_index() < cfg.issuers.len())
        .then_some((raw, hit))
}

/// The trail's word on a token of no configured issuer: its `iss` beside
/// the issuers that are configured, the usual slip being one character
/// (a trailing slash, `http` for `https`, the realm's case). The trail is
/// the page's alone (the worker's is quiet), so the unverified `iss` is
/// shown only to whoever pasted the token.
struct NotConfigured<'a>(Option<&'a str>, &'a Config);

impl std::fmt::Display for NotConfigured<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(iss) => write!(
                f,
                "the token's iss {iss:?} is none of the configured issuers: "
            )?,
            None => f.write_str("the token has no iss; the configured issuers are: ")?,
        }
        for (i, c) in self.1.issuers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{:?}", c.issuer)?;
        }
        Ok(())
    }
}

/// Decodes a token and picks its issuer. On failure the context comes back
/// with the error, for the caller to decide whose fault it is (the
/// caller's, or the token endpoint's after an exchange).
fn bearer(cfg: &Config, raw: String, mut ctx: Ctx) -> Result<PendingBearer, Box<(Ctx, AuthError)>> {
    let token = match token::decode(&raw) {
        Ok(t) => t,
        Err(e) => {
            ctx.trail.fail(Stage::Credentials, e.detail());
            return Err(Box::new((ctx, e)));
        }
    };
    let Some(issuer) = token.issuer().and_then(|iss| cfg.issuer_index(iss)) else {
        ctx.trail
            .fail(Stage::Issuer, NotConfigured(token.issuer(), cfg));
        return Err(Box::new((ctx, AuthError::UnknownIssuer)));
    };
    ctx.trail.pass(
        Stage::Issuer,
        format_args!("issuer {}", cfg.issuers[issuer].issuer),
    );
    Ok(PendingBearer {
        raw,
        token,
        issuer,
        ctx,
        exchanged: false,
    })
}

/// The whole decision with keys at hand: `keys(i)` gives the key set of
/// issuer `i` (`None`: unreachable).
pub fn decide<'k>(
    cfg: &Config,
    req: &Request<'_>,
    keys: impl Fn(usize) -> Option<&'k KeySet>,
    engine: &impl SignatureEngine,
    now: u64,
) -> Outcome {
    match begin(cfg, req) {
        Start::Done(o) => o,
        Start::NeedExchange(p) => {
            p.fail(cfg, AuthError::TokenEndpointUnavailable { retry_after: 5 })
        }
        Start::NeedKeys(p) => {
            let Some(set) = keys(p.issuer_index()) else {
                return p.fail(cfg, AuthError::KeysUnavailable { retry_after: 5 });
            };
            let verdict = p.check(cfg, set).map(|c| engine.verify(&c));
            match verdict {
                Ok(valid) => p.finish(cfg, req, valid, now),
                Err(e) => p.fail(cfg, e),
            }
        }
    }
}
