//! The decision, as a sans-IO state machine (the split of Envoy's
//! `jwt_authn`: extraction, key lookup, verification, matching).
//!
//! [`begin`] does everything that needs no key. When a token must be
//! verified it hands back a [`PendingBearer`]: the face fetches (or finds
//! cached) the issuer's keys, asks [`PendingBearer::check`] what to verify,
//! verifies it with its engine and calls [`PendingBearer::finish`].
//! [`decide`] drives the whole thing synchronously when keys are at hand
//! (tests, the page, benchmarks).

use crate::claims::{self, SignatureOk, VerifiedToken};
use crate::config::{AuthMode, Config, Mode, Route};
use crate::error::AuthError;
use crate::extract::{self, Credentials};
use crate::forward::{self, ForwardPlan};
use crate::jwks::KeySet;
use crate::policy;
use crate::routes::{self, RouteMatch};
use crate::secret::Secret;
use crate::signature::{SignatureCheck, SignatureEngine};
use crate::token::{self, UnverifiedToken};
use crate::trail::{Stage, Trail};

/// The parts of a request the decision reads. Header names lowercased.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
}

impl Request<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every `Authorization` value. Fetch-style header maps join repeated
    /// headers with ", "; no JWS or base64 credential contains a comma, so
    /// splitting on it recovers the repeats, which are then refused.
    fn authorizations(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "authorization")
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
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub trail: Trail,
    pub log: LogFields,
    /// `exp` of the token when it verified (whatever the scope checks then
    /// said): lets the face cache an exchanged token.
    pub verified_exp: Option<u64>,
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
    let mut trail = Trail::new();
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
                format!(
                    "{} {} matched route {}",
                    req.method, req.path, cfg.routes[i].path
                ),
            );
            (Some(i), m)
        }
        None => {
            trail.pass(
                Stage::Route,
                format!(
                    "{} {} matched no route: a valid token of any configured issuer is needed",
                    req.method, req.path
                ),
            );
            (None, RouteMatch::default())
        }
    };
    let mut ctx = Ctx {
        route,
        matched,
        trail,
        basic: cfg.basic_exchange.is_some()
            && req.authorizations().into_iter().any(forward::is_basic),
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

    let creds = extract::extract(
        &req.authorizations(),
        cfg.max_token_bytes,
        cfg.basic_exchange.is_some(),
    );
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
        ctx.trail.fail(
            Stage::Issuer,
            "the token's iss is none of the configured issuers",
        );
        return Err(Box::new((ctx, AuthError::UnknownIssuer)));
    };
    ctx.trail.pass(
        Stage::Issuer,
        format!("issuer {}", cfg.issuers[issuer].issuer),
    );
    Ok(PendingBearer {
        raw,
        token,
        issuer,
        ctx,
        exchanged: false,
    })
}

/// A bearer token waiting for its issuer's keys and a signature check.
pub struct PendingBearer {
    raw: String,
    token: UnverifiedToken,
    issuer: usize,
    ctx: Ctx,
    /// From the Basic exchange: a token that fails verification is the
    /// token endpoint's fault (502), not the caller's (401).
    exchanged: bool,
}

impl std::fmt::Debug for PendingBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingBearer")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl PendingBearer {
    /// Index into [`Config::issuers`] of the issuer whose keys are needed.
    pub fn issuer_index(&self) -> usize {
        self.issuer
    }

    pub fn token(&self) -> &UnverifiedToken {
        &self.token
    }

    /// What to verify, with a key of this issuer. `Err(UnknownKey)` means
    /// the face may refetch the JWKS (rate-limited) and ask again.
    pub fn check<'k>(
        &'k self,
        cfg: &Config,
        keys: &'k KeySet,
    ) -> Result<SignatureCheck<'k>, AuthError> {
        let issuer = &cfg.issuers[self.issuer];
        let alg = crate::alg::Alg::from_name(&self.token.header.alg)
            .filter(|a| issuer.algorithms.contains(a))
            .ok_or(AuthError::AlgorithmNotAllowed)?;
        let key = keys.select(self.token.header.kid.as_deref(), alg)?;
        Ok(SignatureCheck {
            alg,
            key,
            signing_input: self.token.signing_input(),
            signature: self.token.signature(),
        })
    }

    /// Ends the decision without a signature (unknown key after refetch,
    /// keys unreachable, algorithm refused).
    pub fn fail(mut self, cfg: &Config, err: AuthError) -> Outcome {
        let stage = match err {
            AuthError::KeysUnavailable { .. } | AuthError::UnknownKey => Stage::Key,
            _ => Stage::Signature,
        };
        self.ctx.trail.fail(stage, err.detail());
        let iss = Some(cfg.issuers[self.issuer].issuer.clone());
        let err = upstream_fault(self.exchanged, err);
        refuse(cfg, self.ctx, err, iss)
    }

    /// Ends the decision from the engine's answer.
    pub fn finish(
        self,
        cfg: &Config,
        req: &Request<'_>,
        signature_valid: bool,
        now: u64,
    ) -> Outcome {
        if !signature_valid {
            return self.fail(cfg, AuthError::BadSignature);
        }
        let PendingBearer {
            raw,
            token,
            issuer,
            mut ctx,
            exchanged,
        } = self;
        ctx.trail.pass(
            Stage::Signature,
            format!("signature verified ({})", token.header.alg),
        );
        let iss_cfg = &cfg.issuers[issuer];
        let iss_name = Some(iss_cfg.issuer.clone());
        match claims::check(
            token,
            SignatureOk(()),
            issuer,
            iss_cfg,
            cfg.leeway_seconds,
            now,
        ) {
            Ok(v) => {
                ctx.trail
                    .pass(Stage::Claims, "exp, nbf, iat, aud and typ accepted");
                authorize(cfg, req, &raw, v, ctx)
            }
            Err(e) => {
                ctx.trail.fail(Stage::Claims, e.detail());
                refuse(cfg, ctx, upstream_fault(exchanged, e), iss_name)
            }
        }
    }
}

/// Scope checks and the forward plan for a verified token. Also the way in
/// for tokens obtained by the Basic exchange.
fn authorize(
    cfg: &Config,
    req: &Request<'_>,
    raw: &str,
    token: VerifiedToken,
    mut ctx: Ctx,
) -> Outcome {
    let issuer = &cfg.issuers[token.issuer_index()];
    let route = ctx.route.map(|i| &cfg.routes[i]);
    // Repeated org headers are joined as HTTP would (and as `Headers.get`
    // does), so the check cannot pass on the first value while the origin
    // reads another.
    let org_header = route
        .and_then(|r| r.org_header.as_deref())
        .map(|h| req.all(h))
        .filter(|values| !values.is_empty())
        .map(|values| values.join(", "));
    let mut log = LogFields {
        issuer: Some(issuer.issuer.clone()),
        subject: token.subject().map(str::to_owned),
        org: policy::resolve_org(token.claims(), &issuer.org_claims),
        ..LogFields::default()
    };
    match policy::check(&token, issuer, route, &ctx.matched, org_header.as_deref()) {
        Ok(scoped) => {
            ctx.trail.pass(
                Stage::Scope,
                match &scoped.org {
                    Some(o) => format!("acting for organisation {o}"),
                    None => "no organisation in the token; none required".to_string(),
                },
            );
            let plan = forward::plan(cfg, &token, raw, scoped.org.as_deref());
            ctx.trail.pass(
                Stage::Forward,
                format!("forwarded to origin with {} header(s) set", plan.set.len()),
            );
            log.decision = "allow";
            log.org = scoped.org;
            log.route = route_name(cfg, &ctx);
            Outcome {
                verdict: Verdict::Forward(plan),
                trail: ctx.trail,
                log,
                verified_exp: Some(token.exp()),
            }
        }
        Err(e) => {
            ctx.trail.fail(Stage::Scope, e.detail());
            let mut out = refuse(cfg, ctx, e, log.issuer.clone());
            out.log.subject = log.subject;
            out.log.org = log.org;
            out.verified_exp = Some(token.exp());
            out
        }
    }
}

/// Basic credentials waiting for the token endpoint (contract section 4).
pub struct PendingExchange {
    basic: Secret,
    client_id: String,
    ctx: Ctx,
}

impl std::fmt::Debug for PendingExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingExchange").finish_non_exhaustive()
    }
}

impl PendingExchange {
    /// The caller's Basic value, to send unchanged to the token endpoint.
    pub fn basic(&self) -> &Secret {
        &self.basic
    }

    /// The client id as the issuer reads it (form-decoded), whatever the
    /// base64 padding: what refused attempts are counted under.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Ends the decision with an exchange failure.
    pub fn fail(mut self, cfg: &Config, err: AuthError) -> Outcome {
        self.ctx.trail.fail(Stage::Exchange, err.detail());
        refuse(cfg, self.ctx, err, None)
    }

    /// Continues with the access token the issuer returned, verified like
    /// any bearer token; it must come from the exchange issuer.
    pub fn into_bearer(
        mut self,
        cfg: &Config,
        access_token: String,
    ) -> Result<PendingBearer, Box<Outcome>> {
        self.ctx
            .trail
            .pass(Stage::Exchange, "the issuer returned an access token");
        let exchange_issuer = cfg.basic_exchange.as_ref().map(|b| b.issuer);
        let mut p = match bearer(cfg, access_token, self.ctx) {
            Ok(p) => p,
            Err(failed) => {
                // Malformed, or from an issuer we do not know: the endpoint's
                // fault. Through `refuse`, so that a shadow route still forwards.
                let (ctx, _) = *failed;
                return Err(Box::new(refuse(
                    cfg,
                    ctx,
                    AuthError::BadUpstreamToken,
                    None,
                )));
            }
        };
        p.exchanged = true;
        if Some(p.issuer) != exchange_issuer {
            return Err(Box::new(p.fail(cfg, AuthError::BadUpstreamToken)));
        }
        Ok(p)
    }
}

/// For an exchanged token, any verification failure but unreachable keys
/// becomes 502: the caller's credentials were fine, the token endpoint
/// answered with something that is not a valid token of its issuer.
fn upstream_fault(exchanged: bool, err: AuthError) -> AuthError {
    match err {
        AuthError::KeysUnavailable { .. } => err,
        _ if exchanged => AuthError::BadUpstreamToken,
        _ => err,
    }
}

fn route_name(cfg: &Config, ctx: &Ctx) -> Option<String> {
    ctx.route.map(|i| cfg.routes[i].path.clone())
}

fn route_of<'c>(cfg: &'c Config, ctx: &Ctx) -> Option<&'c Route> {
    ctx.route.map(|i| &cfg.routes[i])
}

/// The plan for a request forwarded without a decision of ours (public
/// route, preflight, shadow refusal): as it came, except that Basic
/// credentials meant for the exchange are dropped (contract section 4: the
/// customer's secret never reaches the origin).
fn untouched(cfg: &Config, ctx: &Ctx) -> ForwardPlan {
    let mut plan = ForwardPlan::untouched(cfg);
    if ctx.basic {
        plan.remove.push("authorization".to_string());
    }
    plan
}

fn pass_through(cfg: &Config, ctx: Ctx, decision: &'static str) -> Outcome {
    let log = LogFields {
        decision,
        route: route_name(cfg, &ctx),
        ..LogFields::default()
    };
    Outcome {
        verdict: Verdict::Forward(untouched(cfg, &ctx)),
        trail: ctx.trail,
        log,
        verified_exp: None,
    }
}

/// A refusal, unless the route is in shadow mode: then it is logged as
/// `shadow_deny` and the request goes on untouched.
fn refuse(cfg: &Config, mut ctx: Ctx, err: AuthError, issuer: Option<String>) -> Outcome {
    let shadow = route_of(cfg, &ctx).is_some_and(|r| r.mode == Mode::Shadow);
    let log = LogFields {
        decision: if shadow { "shadow_deny" } else { "deny" },
        code: Some(err.code()),
        issuer,
        route: route_name(cfg, &ctx),
        ..LogFields::default()
    };
    let verdict = if shadow {
        ctx.trail.pass(
            Stage::Forward,
            format!(
                "shadow route: would refuse ({}), forwarded anyway",
                err.code()
            ),
        );
        Verdict::Forward(untouched(cfg, &ctx))
    } else {
        Verdict::Refuse(err)
    };
    Outcome {
        verdict,
        trail: ctx.trail,
        log,
        verified_exp: None,
    }
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
