//! What the worker's JS entry (`entry.mjs`) carries out: a JSON text, a
//! forward (where to, which inbound headers to drop, which to set) or a
//! refusal (status, headers, problem body); then, after a line break, the
//! log line ready to print (the entry adds `dur_ms`). Every rule is decided
//! here; the entry only moves bytes.
//!
//! The log line travels as text, not as a member the entry parses and
//! then serialises again: parsing the answer was about 5 µs per request in
//! workerd, most of it the log's objects and strings. A JSON text never
//! holds a raw line break, so the first one ends the JSON.
//!
//! The answers are written straight to text (`JsonText`): first built as
//! `serde_json::Value` trees, then as borrowed structs through serde,
//! their writing was each time a large share of the worker's wasm time per
//! request in a V8 profile (README, "Edge benchmark").

use crate::config::Config;
use crate::decision::{self, LogFields};
use crate::error::AuthError;
use crate::forward::{Edits, ForwardPlan};
use crate::json_text::JsonText;
use crate::target::Target;

/// Set by the runtime for the request to origin, whatever came in.
const SET_BY_RUNTIME: [&str; 2] = ["host", "content-length"];

/// The line the entry prints once the request is answered, with the time
/// spent added (`dur_ms`, before the closing brace). No query: tokens
/// sometimes travel there.
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

impl Log<'_> {
    /// `{"authz":{"decision",...,"route"},"method","path"}`, the members in
    /// the order of `LogFields` (`client` only when there is one).
    fn write(&self, out: &mut JsonText) {
        let f = self.authz;
        out.raw("{\"authz\":{\"decision\":")
            .string(f.decision)
            .raw(",\"code\":")
            .option(f.code)
            .raw(",\"issuer\":")
            .option(f.issuer.as_deref())
            .raw(",\"subject\":")
            .option(f.subject.as_deref())
            .raw(",\"org\":")
            .option(f.org.as_deref())
            .raw(",\"route\":")
            .option(f.route.as_deref());
        if let Some(client) = &f.client {
            out.raw(",\"client\":").string(client);
        }
        out.raw("},\"method\":")
            .string(self.method)
            .raw(",\"path\":")
            .string(self.path)
            .raw("}");
    }
}

/// `[["name","value"],...]`.
fn pairs<'a>(out: &mut JsonText, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    out.raw("[");
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        out.raw(if i == 0 { "[" } else { ",[" })
            .string(name)
            .raw(",")
            .string(value)
            .raw("]");
    }
    out.raw("]");
}

/// Same method, path, query and body to origin; inbound identity headers
/// and hop-by-hop headers dropped, the plan's headers set:
/// `{"forward":{"url","drop":[names],"set":[[name,value]]}}`, `\n`, log.
pub fn forward(
    cfg: &Config,
    inbound: &decision::Request<'_>,
    url: &Target<'_>,
    plan: &ForwardPlan,
    log: Log<'_>,
) -> String {
    let Edits { drop, set } = plan.edits(inbound.headers, &SET_BY_RUNTIME);
    let mut out = JsonText::with_capacity(512);
    out.raw("{\"forward\":{\"url\":")
        .string(&url.at(&cfg.origin))
        .raw(",\"drop\":[");
    for (i, name) in drop.iter().enumerate() {
        if i > 0 {
            out.raw(",");
        }
        out.string(name);
    }
    out.raw("],\"set\":");
    pairs(&mut out, set.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    out.raw("}}\n");
    log.write(&mut out);
    out.into_string()
}

/// `cfg` is `None` when the configuration itself is the problem; the
/// default realm is used then.
pub fn refusal(cfg: Option<&Config>, err: &AuthError, log: Log<'_>) -> String {
    refuse(cfg, err, Some(log))
}

/// The refusal for a forward the runtime could not make; no log fields
/// (the entry keeps the decision's line and takes the code from here).
pub fn failed_forward(err: &AuthError) -> String {
    refuse(None, err, None)
}

/// `{"refuse":{"status","code","headers":[[name,value]],"body"}}`, then
/// `\n` and the log line when there is one.
fn refuse(cfg: Option<&Config>, err: &AuthError, log: Option<Log<'_>>) -> String {
    let challenge = err.challenge(cfg);
    let retry_after = err.retry_after().map(|secs| secs.to_string());
    let headers = [
        Some(("content-type", "application/problem+json")),
        Some(("cache-control", "no-store")),
        challenge.as_deref().map(|c| ("www-authenticate", c)),
        retry_after.as_deref().map(|r| ("retry-after", r)),
    ];
    let mut out = JsonText::with_capacity(512);
    out.raw("{\"refuse\":{\"status\":")
        .raw(&err.status().to_string())
        .raw(",\"code\":")
        .string(err.code())
        .raw(",\"headers\":");
    pairs(&mut out, headers.into_iter().flatten());
    out.raw(",\"body\":").string(&err.problem_body()).raw("}}");
    if let Some(log) = log {
        out.raw("\n");
        log.write(&mut out);
    }
    out.into_string()
}
