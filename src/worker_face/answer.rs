//! What the worker's JS entry (`entry.mjs`) carries out, as one JSON text:
//! a forward (where to, which inbound headers to drop, which to set) or a
//! refusal (status, headers, problem body), and the log line's fields.
//! Every rule is decided here; the entry only moves bytes.
//!
//! The answers are borrowed structs written straight to text: building
//! `serde_json::Value` trees first was over a quarter of the worker's wasm
//! time per request in a V8 profile (README, "Edge benchmark").

use serde::Serialize;

use crate::config::Config;
use crate::decision::{self, LogFields};
use crate::error::AuthError;
use crate::forward::{Edits, ForwardPlan};
use crate::target::Target;

/// Set by the runtime for the request to origin, whatever came in.
const SET_BY_RUNTIME: [&str; 2] = ["host", "content-length"];

/// The line the entry prints once the request is answered, with the time
/// spent added (`dur_ms`). No query: tokens sometimes travel there.
#[derive(Serialize)]
pub struct Log<'a> {
    authz: &'a LogFields,
    method: &'a str,
    path: &'a str,
}

pub fn log<'a>(fields: &'a LogFields, method: &'a str, path: &'a str) -> Log<'a> {
    Log {
        authz: fields,
        method,
        path,
    }
}

#[derive(Serialize)]
struct ForwardAnswer<'a> {
    forward: Forward<'a>,
    log: Log<'a>,
}

#[derive(Serialize)]
struct Forward<'a> {
    url: String,
    drop: Vec<&'a str>,
    set: Vec<&'a (String, String)>,
}

#[derive(Serialize)]
struct RefuseAnswer<'a> {
    refuse: Refuse,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<Log<'a>>,
}

#[derive(Serialize)]
struct Refuse {
    status: u16,
    code: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

/// Same method, path, query and body to origin; inbound identity headers
/// and hop-by-hop headers dropped, the plan's headers set.
pub fn forward(
    cfg: &Config,
    inbound: &decision::Request<'_>,
    url: &Target<'_>,
    plan: &ForwardPlan,
    log: Log<'_>,
) -> String {
    let Edits { drop, set } = plan.edits(inbound.headers, &SET_BY_RUNTIME);
    text(&ForwardAnswer {
        forward: Forward {
            url: url.at(&cfg.origin),
            drop,
            set,
        },
        log,
    })
}

/// `cfg` is `None` when the configuration itself is the problem; the
/// default realm is used then.
pub fn refusal(cfg: Option<&Config>, err: &AuthError, log: Log<'_>) -> String {
    text(&RefuseAnswer {
        refuse: refuse(cfg, err),
        log: Some(log),
    })
}

fn refuse(cfg: Option<&Config>, err: &AuthError) -> Refuse {
    let mut headers = vec![
        ("content-type", "application/problem+json".to_string()),
        ("cache-control", "no-store".to_string()),
    ];
    if let Some(challenge) = err.challenge(cfg) {
        headers.push(("www-authenticate", challenge));
    }
    if let Some(secs) = err.retry_after() {
        headers.push(("retry-after", secs.to_string()));
    }
    Refuse {
        status: err.status(),
        code: err.code(),
        headers,
        body: err.problem_body(),
    }
}

/// The refusal for a forward the runtime could not make; no log fields
/// (the entry keeps the decision's line and takes the code from here).
pub fn failed_forward(err: &AuthError) -> String {
    text(&RefuseAnswer {
        refuse: refuse(None, err),
        log: None,
    })
}

fn text(answer: &impl Serialize) -> String {
    // Strings, numbers, sequences and structs only: serialising cannot
    // fail. Were it to, the entry's JSON.parse would throw and the runtime
    // answer 500: closed, not open.
    serde_json::to_string(answer).unwrap_or_default()
}
