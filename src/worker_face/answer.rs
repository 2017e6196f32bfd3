//! What the worker's JS entry (`entry.mjs`) carries out, as one JSON text:
//! a forward (where to, which inbound headers to drop, which to set) or a
//! refusal (status, headers, problem body), and the log line's fields.
//! Every rule is decided here; the entry only moves bytes.

use serde_json::{json, Value};

use crate::config::Config;
use crate::decision::{self, LogFields};
use crate::error::AuthError;
use crate::forward::{ForwardPlan, HOP_BY_HOP};
use crate::target::Target;

/// Set by the runtime for the request to origin, whatever came in.
const SET_BY_RUNTIME: [&str; 2] = ["host", "content-length"];

/// The line the entry prints once the request is answered, with the time
/// spent added (`dur_ms`). No query: tokens sometimes travel there.
pub fn log(fields: &LogFields, method: &str, path: &str) -> Value {
    json!({ "authz": fields, "method": method, "path": path })
}

/// Same method, path, query and body to origin; inbound identity headers
/// and hop-by-hop headers dropped, the plan's headers set.
pub fn forward(
    cfg: &Config,
    inbound: &decision::Request<'_>,
    url: &Target<'_>,
    plan: &ForwardPlan,
    log: Value,
) -> String {
    let drop: Vec<&str> = inbound
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            plan.drops(name) || HOP_BY_HOP.contains(name) || SET_BY_RUNTIME.contains(name)
        })
        .collect();
    json!({
        "forward": { "url": url.at(&cfg.origin), "drop": drop, "set": plan.set },
        "log": log,
    })
    .to_string()
}

/// `cfg` is `None` when the configuration itself is the problem; the
/// default realm is used then.
pub fn refusal(cfg: Option<&Config>, err: &AuthError, log: Value) -> String {
    json!({ "refuse": refuse(cfg, err), "log": log }).to_string()
}

fn refuse(cfg: Option<&Config>, err: &AuthError) -> Value {
    let realm = cfg.map_or("api", |c| c.realm.as_str());
    let exchange = cfg.is_some_and(|c| c.basic_exchange.is_some());
    let mut headers = vec![
        ("content-type", "application/problem+json".to_string()),
        ("cache-control", "no-store".to_string()),
    ];
    if let Some(challenge) = err.www_authenticate(realm, exchange) {
        headers.push(("www-authenticate", challenge));
    }
    if let Some(secs) = err.retry_after() {
        headers.push(("retry-after", secs.to_string()));
    }
    json!({
        "status": err.status(),
        "code": err.code(),
        "headers": headers,
        "body": err.problem_body(),
    })
}

/// The refusal for a forward the runtime could not make; no log fields
/// (the entry keeps the decision's line and takes the code from here).
pub fn failed_forward(err: &AuthError) -> String {
    json!({ "refuse": refuse(None, err) }).to_string()
}
