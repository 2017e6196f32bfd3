//! Basic credentials between the start and the token endpoint's answer.

use super::*;

/// Basic credentials waiting for the token endpoint (contract section 4).
pub struct PendingExchange {
    pub(super) basic: Secret,
    pub(super) client_id: String,
    pub(super) ctx: Ctx,
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
        let mut out = refuse(cfg, self.ctx, err, None);
        // Keycloak's client ids are at most 255 characters: anything
        // longer, or an id with no secret after it, may be a key.
        if self.client_id.len() <= 255 && crate::extract::has_secret(self.basic.expose()) {
            out.log.client = Some(self.client_id);
        }
        out
    }

    /// As [`Self::into_bearer`]; a token in `remembered` (it verified
    /// before, for the exchange issuer) is decided at once.
    pub fn into_bearer_with(
        self,
        cfg: &Config,
        req: &Request<'_>,
        access_token: String,
        remembered: Option<(&VerifiedCache, u64)>,
    ) -> Start {
        let exchange_issuer = cfg.basic_exchange.as_ref().map(|b| b.issuer);
        let hit = verified_cache::look_up(remembered, &access_token)
            .filter(|v| Some(v.token().issuer_index()) == exchange_issuer);
        if let Some(hit) = hit {
            let mut ctx = self.ctx;
            ctx.trail
                .pass(Stage::Exchange, "the issuer returned an access token");
            return Start::Done(pending_bearer::remembered(
                cfg,
                req,
                &access_token,
                hit,
                ctx,
            ));
        }
        match self.into_bearer(cfg, access_token) {
            Ok(p) => Start::NeedKeys(p),
            Err(out) => Start::Done(*out),
        }
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
