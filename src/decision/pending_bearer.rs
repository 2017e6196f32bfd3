//! A bearer token between key lookup and the end of the decision.

use super::*;

/// A bearer token waiting for its issuer's keys and a signature check.
pub struct PendingBearer {
    pub(super) raw: String,
    pub(super) token: UnverifiedToken,
    pub(super) issuer: usize,
    pub(super) ctx: Ctx,
    /// From the Basic exchange: a token that fails verification is the
    /// token endpoint's fault (502), not the caller's (401).
    pub(super) exchanged: bool,
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
            let err = if self.token.signature().is_empty() {
                AuthError::NoSignature
            } else {
                AuthError::BadSignature
            };
            return self.fail(cfg, err);
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
            format_args!("signature verified ({})", token.header.alg),
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
                let verified = Verified::new(&raw, v);
                authorize(cfg, req, &raw, verified, ctx)
            }
            Err(e) => {
                ctx.trail.fail(Stage::Claims, e.detail());
                refuse(cfg, ctx, upstream_fault(exchanged, e), iss_name)
            }
        }
    }
}

/// A token that verified before (from the [`VerifiedCache`]): the steps
/// it passed then, and the scope checks now.
pub(super) fn remembered(
    cfg: &Config,
    req: &Request<'_>,
    raw: &str,
    hit: Verified,
    mut ctx: Ctx,
) -> Outcome {
    let issuer = &cfg.issuers[hit.token().issuer_index()];
    ctx.trail
        .pass(Stage::Issuer, format_args!("issuer {}", issuer.issuer));
    ctx.trail.pass(
        Stage::Signature,
        "signature verified earlier; remembered until exp",
    );
    ctx.trail
        .pass(Stage::Claims, "exp, nbf, iat, aud and typ accepted");
    authorize(cfg, req, raw, hit, ctx)
}

/// Scope checks and the forward plan for a verified token. Also the way in
/// for tokens obtained by the Basic exchange.
fn authorize(
    cfg: &Config,
    req: &Request<'_>,
    raw: &str,
    verified: Verified,
    mut ctx: Ctx,
) -> Outcome {
    let token = verified.token();
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
    match policy::check(token, issuer, route, &ctx.matched, org_header.as_deref()) {
        Ok(scoped) => {
            match &scoped.org {
                Some(o) => ctx
                    .trail
                    .pass(Stage::Scope, format_args!("acting for organisation {o}")),
                None => ctx
                    .trail
                    .pass(Stage::Scope, "no organisation in the token; none required"),
            }
            let plan = forward::plan(cfg, token, raw, scoped.org.as_deref());
            ctx.trail.pass(
                Stage::Forward,
                format_args!("forwarded to origin with {} header(s) set", plan.set.len()),
            );
            log.decision = "allow";
            log.org = scoped.org;
            log.route = route_name(cfg, &ctx);
            Outcome {
                verdict: Verdict::Forward(plan),
                trail: ctx.trail,
                log,
                verified: Some(verified),
            }
        }
        Err(e) => {
            ctx.trail.fail(Stage::Scope, e.detail());
            let mut out = refuse(cfg, ctx, e, log.issuer.clone());
            out.log.subject = log.subject;
            out.log.org = log.org;
            out.verified = Some(verified);
            out
        }
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
