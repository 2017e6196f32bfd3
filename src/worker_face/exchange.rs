//! Basic-to-token exchange on the worker (contract section 4). The cache,
//! the answers and the rules live in `crate::exchange`; this module posts
//! to the token endpoint and waits, never sharing a promise across
//! requests: followers of an exchange in flight poll the cache instead.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use worker::{Delay, Env};

use super::discovery::{self, Endpoint};
use super::{http, now_ms, now_secs, remembered, verify};
use crate::config::Config;
use crate::decision::{self, Outcome, PendingExchange, Start};
use crate::error::AuthError;
use crate::exchange::{self, Answer, Cached, ExchangeCache};

thread_local! {
    static CACHE: RefCell<ExchangeCache> = RefCell::new(ExchangeCache::new());
}

const RETRY_AFTER: u32 = 5;
/// How often a follower looks whether the leader's token has arrived.
const POLL: Duration = Duration::from_millis(10);

pub async fn run(
    cfg: &Rc<Config>,
    env: &Env,
    req: &decision::Request<'_>,
    pending: PendingExchange,
) -> Outcome {
    let Some(exchange) = &cfg.basic_exchange else {
        return pending.fail(cfg, AuthError::BasicRefused);
    };
    let key = exchange::cache_key(pending.basic());
    // Form-decoded by the core whatever the padding, so refused attempts
    // cannot dodge the limit by respelling the id.
    let client = Some(pending.client_id().to_string());

    loop {
        let cached = CACHE.with(|c| {
            c.borrow_mut()
                .lookup(&key, client.as_deref(), now_secs(), now_ms())
        });
        match cached {
            Cached::Token(token) => {
                let out = with_token(cfg, env, req, pending, token).await;
                let stopped_verifying = out.verified.is_none()
                    && out.log.code == Some(AuthError::BadUpstreamToken.code());
                if stopped_verifying {
                    // It verified when cached and no longer does (keys
                    // rotated): the next request exchanges anew.
                    CACHE.with(|c| c.borrow_mut().forget_token(&key));
                }
                return out;
            }
            Cached::InFlight => Delay::from(POLL).await,
            Cached::Miss => break,
            Cached::Refused => {
                CACHE.with(|c| c.borrow_mut().count_refusal(client.as_deref(), now_secs()));
                return pending.fail(cfg, AuthError::BasicRefused);
            }
            Cached::RateLimited { retry_after } => {
                return pending.fail(cfg, AuthError::RateLimited { retry_after });
            }
            Cached::Unavailable => return pending.fail(cfg, unavailable()),
        }
    }

    // This request leads the exchange for these credentials.
    let iss = &cfg.issuers[exchange.issuer];
    let answer = match discovery::endpoint(iss, Endpoint::Token).await {
        Ok(url) => {
            let authorization = format!("Basic {}", pending.basic().expose());
            let body = exchange::request_body(exchange.scope.as_deref());
            match http::post_form(&url, &authorization, body).await {
                Ok(answer) => exchange::read_answer(answer.status, &answer.body),
                Err(reason) => {
                    log_failure(&iss.issuer, &reason);
                    Answer::Unavailable
                }
            }
        }
        Err(reason) => {
            log_failure(&iss.issuer, &reason);
            Answer::Unavailable
        }
    };

    match answer {
        Answer::Token {
            access_token,
            expires_in,
        } => {
            let out = with_token(cfg, env, req, pending, access_token.clone()).await;
            CACHE.with(|c| {
                let mut c = c.borrow_mut();
                match out.verified.as_ref().map(|v| v.exp()) {
                    Some(exp) => c.store_token(&key, access_token, exp, expires_in, now_secs()),
                    None => c.abandon(&key),
                }
            });
            out
        }
        Answer::Refused => {
            CACHE.with(|c| {
                c.borrow_mut()
                    .store_refusal(&key, client.as_deref(), now_secs())
            });
            pending.fail(cfg, AuthError::BasicRefused)
        }
        Answer::Invalid => {
            CACHE.with(|c| c.borrow_mut().abandon(&key));
            pending.fail(cfg, AuthError::BadUpstreamToken)
        }
        Answer::Unavailable => {
            // Requests with these credentials now answer at once for a few
            // seconds (the token below if still valid, else 503) instead of
            // each waiting out its own timeout.
            let still_valid = CACHE.with(|c| {
                let mut c = c.borrow_mut();
                c.store_failure(&key, now_secs());
                c.valid_token(&key, now_secs())
            });
            match still_valid {
                Some(token) => with_token(cfg, env, req, pending, token).await,
                None => pending.fail(cfg, unavailable()),
            }
        }
    }
}

fn unavailable() -> AuthError {
    AuthError::TokenEndpointUnavailable {
        retry_after: RETRY_AFTER,
    }
}

async fn with_token(
    cfg: &Rc<Config>,
    env: &Env,
    req: &decision::Request<'_>,
    pending: PendingExchange,
    token: String,
) -> Outcome {
    let start = remembered(cfg, |cache, now| {
        pending.into_bearer_with(cfg, req, token, Some((&*cache, now)))
    });
    match start {
        Start::NeedKeys(bearer) => verify(cfg, env, req, bearer).await,
        Start::Done(out) => out,
        // An access token is a bearer token, never Basic again.
        Start::NeedExchange(p) => p.fail(cfg, AuthError::BadUpstreamToken),
    }
}

fn log_failure(issuer: &str, reason: &str) {
    worker::console_error!(
        "{}",
        serde_json::json!({"authz": {"event": "token_endpoint_failed", "issuer": issuer, "reason": reason}})
    );
}
