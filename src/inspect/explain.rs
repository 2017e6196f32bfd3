//! The Explain tab: the decision the edge makes for an `AUTHZ` config, a
//! request and the issuers' keys, with the steps that led to it.
//!
//! The decision is `decision::decide`'s, and the refusal is rendered with
//! the same `AuthError` methods the worker's response uses (status,
//! `WWW-Authenticate`, problem body, `Retry-After`). Where the edge would go
//! on to the network (Basic exchange; keys nobody pasted), the page stops
//! and says so rather than guess.

use serde::Serialize;
use serde_json::Value;

use super::keys::{self, KeyView};
use crate::config::{Config, ConfigError};
use crate::decision::{self, LogFields, Request, Verdict};
use crate::error::AuthError;
use crate::jwks::KeySet;
use crate::signature::RustCrypto;
use crate::trail::{Stage, Step};

mod input;

pub use input::{config_from_text, request_from_json, RequestIn};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// `allow`, `public`, `deny`, `shadow_deny`, or `stopped` (the page
    /// cannot take the next step).
    pub decision: &'static str,
    /// The worker's own status for a refusal; `None` when forwarded (the
    /// origin answers) or stopped.
    pub status: Option<u16>,
    pub code: Option<&'static str>,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<u32>,
    /// The `application/problem+json` body, parsed.
    pub problem: Option<Value>,
    pub trail: Vec<Step>,
    pub log: Option<LogFields>,
    /// For a forwarded request: the header edits on the way to origin.
    pub forward: Option<ForwardView>,
    /// Why the page stopped, when `decision` is `stopped`.
    pub stopped: Option<String>,
    pub keys: Vec<IssuerKeys>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardView {
    pub strip_prefix: Option<String>,
    pub remove: Vec<String>,
    /// The token in `authorization` is shown as `Bearer <token>`.
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerKeys {
    pub issuer: String,
    /// Whether anything was pasted (or fetched) for it.
    pub given: bool,
    pub keys: Vec<KeyView>,
    pub skipped: Vec<String>,
    /// Why the keys given cannot be used (the edge would answer 503).
    pub problem: Option<String>,
}

/// `keys_json`: `{"<issuer>": {"jwks": "<JWKS or PEM text, or a JWKS
/// object>", "hs_secret": "<text>"}}`; issuers left out have no keys.
/// `now` is Unix seconds.
pub fn explain(config_text: &str, request_json: &str, keys_json: &str, now: u64) -> Explanation {
    let cfg = match config_from_text(config_text) {
        Ok(cfg) => cfg,
        Err(e) => return config_refusal(e),
    };
    let req = match request_from_json(request_json) {
        Ok(r) => r,
        Err(why) => return stopped(format!("the request cannot be read: {why}"), Vec::new()),
    };
    let given: Value = match keys_json.trim() {
        "" => Value::Object(Default::default()),
        text => match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return stopped(format!("the keys are not valid JSON: {e}"), Vec::new()),
        },
    };
    if let Some(e) = secret_refusal(&cfg, &given) {
        return config_refusal(e);
    }
    let (sets, notes) = key_sets(&cfg, &given);
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = Request {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &headers,
    };
    let outcome = decision::decide(&cfg, &request, |i| sets[i].as_ref(), &RustCrypto, now);
    let mut trail = outcome.trail.steps().to_vec();
    let last = trail.last().map(|s| (s.stage, s.ok));
    let code = outcome.log.code;
    // Only the page's step adds why: the problem body stays the worker's.
    if matches!(outcome.verdict, Verdict::Refuse(AuthError::NoSignature)) {
        if let Some(step) = trail.last_mut() {
            step.detail.push_str(super::NO_SIGNATURE_HINT);
        }
    }

    // Where the edge would now reach the network, the page stops.
    if last == Some((Stage::Exchange, false)) && code == Some("token_endpoint_unavailable") {
        trail.pop();
        trail.push(Step {
            stage: Stage::Exchange,
            ok: false,
            detail: "the page cannot exchange Basic credentials: it sends your secret nowhere. \
                     The edge would POST them to the exchange issuer's token endpoint and go on \
                     with the token it returns (explain that token as a Bearer request)"
                .into(),
        });
        return Explanation {
            trail,
            ..stopped(
                "Basic credentials: the edge would exchange them now".into(),
                notes,
            )
        };
    }
    if last == Some((Stage::Key, false)) && code == Some("keys_unavailable") {
        let issuer = outcome.log.issuer.clone().unwrap_or_default();
        if notes.iter().any(|n| n.issuer == issuer && !n.given) {
            trail.pop();
            let why = format!(
                "no keys for {issuer}: paste its JWKS (or fetch it from its discovery) to go on"
            );
            trail.push(Step {
                stage: Stage::Key,
                ok: false,
                detail: why.clone(),
            });
            return Explanation {
                trail,
                ..stopped(why, notes)
            };
        }
    }

    let mut out = Explanation {
        decision: outcome.log.decision,
        status: None,
        code,
        www_authenticate: None,
        retry_after: None,
        problem: None,
        trail,
        log: Some(outcome.log.clone()),
        forward: None,
        stopped: None,
        keys: notes,
    };
    match outcome.verdict {
        Verdict::Refuse(err) => fill_refusal(&mut out, Some(&cfg), &err),
        Verdict::Forward(plan) => {
            out.forward = Some(ForwardView {
                strip_prefix: plan.strip_prefix,
                remove: plan.remove,
                set: plan
                    .set
                    .into_iter()
                    .map(|(name, value)| {
                        if name == "authorization" {
                            (name, "Bearer <token>".to_string())
                        } else {
                            (name, value)
                        }
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The worker's refusal: `worker_face::answer` reads these same methods.
fn fill_refusal(out: &mut Explanation, cfg: Option<&Config>, err: &AuthError) {
    out.status = Some(err.status());
    out.code = Some(err.code());
    out.www_authenticate = err.challenge(cfg);
    out.retry_after = err.retry_after();
    out.problem = serde_json::from_str(&err.problem_body()).ok();
}

/// A bad config: the worker answers every request 500 with the key named.
fn config_refusal(e: ConfigError) -> Explanation {
    let detail = format!("{}: {}", e.key, e.message);
    let err = AuthError::from(e);
    let mut out = Explanation {
        decision: "deny",
        trail: vec![Step {
            stage: Stage::Config,
            ok: false,
            detail,
        }],
        ..stopped(String::new(), Vec::new())
    };
    out.stopped = None;
    fill_refusal(&mut out, None, &err);
    out
}

fn stopped(why: String, keys: Vec<IssuerKeys>) -> Explanation {
    Explanation {
        decision: "stopped",
        status: None,
        code: None,
        www_authenticate: None,
        retry_after: None,
        problem: None,
        trail: Vec::new(),
        log: None,
        forward: None,
        stopped: Some(why),
        keys,
    }
}

/// The configuration error the edge gives for an HS secret pasted here
/// (the value of the issuer's `hs_secret_var`) that it could not use: 500
/// for every request, as the worker checks it with `AUTHZ`.
fn secret_refusal(cfg: &Config, given: &Value) -> Option<ConfigError> {
    cfg.issuers.iter().enumerate().find_map(|(i, iss)| {
        let pasted = given.get(&iss.issuer)?.get("hs_secret")?.as_str()?;
        if pasted.trim().is_empty() {
            return None;
        }
        let message = iss.hs_key(Some(pasted)).err()?;
        Some(ConfigError {
            key: format!("issuers[{i}].hs_secret_var"),
            message,
        })
    })
}

/// The key set of each configured issuer, as the worker's fetch would
/// leave it: a JWKS with no usable key is a failed fetch (`None`, so
/// 503), as in `worker_face::keys`; an HS secret not pasted is keys not
/// given.
fn key_sets(cfg: &Config, given: &Value) -> (Vec<Option<KeySet>>, Vec<IssuerKeys>) {
    let mut sets = Vec::new();
    let mut notes = Vec::new();
    for iss in &cfg.issuers {
        let entry = given.get(&iss.issuer);
        let text = |name: &str| -> Option<String> {
            match entry?.get(name)? {
                Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                Value::String(_) | Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        let (jwks, secret) = (text("jwks"), text("hs_secret"));
        let mut note = IssuerKeys {
            issuer: iss.issuer.clone(),
            given: jwks.is_some() || secret.is_some(),
            keys: Vec::new(),
            skipped: Vec::new(),
            problem: None,
        };
        let needs_jwks = iss.algorithms.iter().any(|a| !a.is_hmac());
        let mut set = KeySet::default();
        let mut failed = None;
        match (&jwks, needs_jwks) {
            (Some(t), true) => match keys::parse(t) {
                Ok(p) if p.set.keys.is_empty() => {
                    note.skipped = p.set.skipped;
                    failed = Some("no usable key in what was given".to_string());
                }
                Ok(p) => set = p.set,
                Err(why) => failed = Some(why),
            },
            (None, true) => failed = Some("no JWKS given".into()),
            _ => {}
        }
        // An unusable pasted secret is the edge's configuration error,
        // found by `secret_refusal` before any decision; none pasted is
        // like keys not given.
        match (&iss.hs_secret_var, iss.hs_key(secret.as_deref())) {
            (_, Ok(Some(k))) => set.keys.push(std::sync::Arc::new(k)),
            (Some(var), _) if secret.is_none() => {
                failed = failed.or(Some(format!("no secret for {var} given")))
            }
            _ => {}
        }
        note.keys = set.keys.iter().map(|k| KeyView::of(k)).collect();
        note.skipped.extend(set.skipped.iter().cloned());
        if note.given {
            note.problem = failed.clone();
        }
        sets.push(if failed.is_some() { None } else { Some(set) });
        notes.push(note);
    }
    (sets, notes)
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
