//! What the request to origin carries (contract 3.6).

use crate::claims::VerifiedToken;
use crate::config::Config;
use crate::json_tree::Value;
use crate::policy;
use crate::same::same;

/// Connection-level headers (RFC 9110 7.6.1, and RFC 2616 13.5.1's older
/// list, which some clients and proxies still send): they describe one hop,
/// so they are neither set from a claim nor passed on to the origin. One
/// list, so that configuration checks and the proxy cannot drift apart.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Header edits for the request to origin. The face applies `remove` first
/// (every inbound header whose name starts with `strip_header_prefix`, plus
/// every configured forward header name, so a spoofed one never survives a
/// missing claim), then `set`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ForwardPlan {
    pub strip_prefix: Option<String>,
    /// Lowercased names removed whatever the prefix.
    pub remove: Vec<String>,
    /// Lowercased name and value; values are single-line printable text.
    pub set: Vec<(String, String)>,
}

/// The `authorization` value set for the origin is the caller's token:
/// `{:?}` (in a log line, a panic, a test failure) shows it redacted.
impl std::fmt::Debug for ForwardPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<(&str, &str)> = self
            .set
            .iter()
            .map(|(name, value)| {
                let shown = if name.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("ForwardPlan")
            .field("strip_prefix", &self.strip_prefix)
            .field("remove", &self.remove)
            .field("set", &set)
            .finish()
    }
}

impl ForwardPlan {
    /// For public routes and preflights: only the stripping.
    /// Configured forward names are removed here too: an origin that
    /// trusts `x-user` must not get a caller's own `x-user` on a public
    /// route either.
    pub fn untouched(cfg: &Config) -> ForwardPlan {
        ForwardPlan {
            strip_prefix: cfg.strip_header_prefix.clone(),
            remove: cfg.forward.iter().map(|(name, _)| name.clone()).collect(),
            set: Vec::new(),
        }
    }

    /// Whether an inbound header of this (lowercased) name must be dropped.
    pub fn drops(&self, name: &str) -> bool {
        self.strip_prefix
            .as_deref()
            .is_some_and(|p| name.starts_with(p))
            || self.remove.iter().any(|r| r == name)
    }

    /// What to do to the inbound headers (lowercased names, one entry per
    /// name as fetch joins them) so that the origin gets this plan: names
    /// to delete (the plan's, hop-by-hop ones and `also_drop`), then pairs
    /// to set. A header sent once with exactly the value the plan sets is
    /// left as it is, neither deleted nor set: the usual `Authorization:
    /// Bearer <token>` then costs no copy of the token.
    ///
    /// Only for a planned value without a comma: fetch shows lines sent
    /// several times joined with ", ", while the request to origin may
    /// carry them as they came, so `a` and `b` sent as two lines look like
    /// a planned `a, b` here and would reach an origin reading the first
    /// line as `a`.
    pub fn edits<'a>(&'a self, inbound: &[(&'a str, &'a str)], also_drop: &[&str]) -> Edits<'a> {
        let as_sent = |name: &str| {
            let mut sent = inbound.iter().filter(|(n, _)| *n == name);
            match (
                self.set.iter().find(|(n, _)| n == name),
                sent.next(),
                sent.next(),
            ) {
                (Some((_, planned)), Some((_, value)), None) => {
                    same(planned, value) && !planned.contains(',')
                }
                _ => false,
            }
        };
        Edits {
            drop: inbound
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| {
                    (self.drops(name) || HOP_BY_HOP.contains(name) || also_drop.contains(name))
                        && !as_sent(name)
                })
                .collect(),
            set: self.set.iter().filter(|(name, _)| !as_sent(name)).collect(),
        }
    }
}

/// [`ForwardPlan::edits`]: deletions first, then the pairs to set. No
/// `Debug`: `set` may hold the caller's token.
pub struct Edits<'a> {
    pub drop: Vec<&'a str>,
    pub set: Vec<&'a (String, String)>,
}

/// Whether an `Authorization` value holds Basic credentials, the scheme in
/// any case. Read by whole scheme token, so that no other scheme (nor a
/// value with multi-byte text where the scheme would end) is taken for it.
pub fn is_basic(authorization: &str) -> bool {
    authorization
        .trim_start_matches([' ', '\t'])
        .split([' ', '\t'])
        .next()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"))
}

/// The plan for an allowed request: `Authorization: Bearer <token>` plus the
/// `forward` headers (claims by dotted path, arrays joined with ",", numbers
/// and booleans as text, `$org` the resolved org; absent claims set nothing;
/// values with control characters are dropped, and so are empty values and
/// values that are not ASCII).
pub fn plan(
    cfg: &Config,
    token: &VerifiedToken,
    raw_token: &str,
    org: Option<&str>,
) -> ForwardPlan {
    let mut out = ForwardPlan::untouched(cfg);
    out.remove.push("authorization".to_string());
    out.set
        .push(("authorization".to_string(), ["Bearer ", raw_token].concat()));
    for (name, source) in &cfg.forward {
        let value = if source == "$org" {
            org.map(str::to_string)
        } else {
            policy::lookup(token.claims(), source).and_then(render)
        };
        if let Some(v) = value.filter(|v| header_safe(v)) {
            out.set.push((name.clone(), v));
        }
    }
    out
}

/// A claim as header text: strings as they are, numbers and booleans
/// written out, arrays of those joined with ","; objects and nulls (and
/// arrays holding them) have no faithful one-line form and set nothing.
fn render(value: Value<'_>) -> Option<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(",")),
        other => scalar(other),
    }
}

fn scalar(value: Value<'_>) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Non-empty, printable ASCII and spaces only. Control characters could
/// split or smuggle headers; other non-ASCII text would make the worker's
/// `Headers.set` throw (it takes Latin-1 byte strings) or be mangled, so
/// such a claim is left for the origin to read from the token itself.
fn header_safe(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic() || c == ' ')
}

#[cfg(test)]
mod tests;
