//! What the request to origin carries (contract 3.6).

use crate::claims::VerifiedToken;
use crate::config::Config;

/// Header edits for the request to origin. The face applies `remove` first
/// (every inbound header whose name starts with `strip_header_prefix`, plus
/// every configured forward header name, so a spoofed one never survives a
/// missing claim), then `set`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForwardPlan {
    pub strip_prefix: Option<String>,
    /// Lowercased names removed whatever the prefix.
    pub remove: Vec<String>,
    /// Lowercased name and value; values are single-line printable text.
    pub set: Vec<(String, String)>,
}

impl ForwardPlan {
    /// For public routes and preflights: only the stripping.
    pub fn untouched(cfg: &Config) -> ForwardPlan {
        let _ = cfg;
        todo!()
    }

    /// Whether an inbound header of this (lowercased) name must be dropped.
    pub fn drops(&self, name: &str) -> bool {
        self.strip_prefix
            .as_deref()
            .is_some_and(|p| name.starts_with(p))
            || self.remove.iter().any(|r| r == name)
    }
}

/// The plan for an allowed request: `Authorization: Bearer <token>` plus the
/// `forward` headers (claims by dotted path, arrays joined with ",", numbers
/// and booleans as text, `$org` the resolved org; absent claims set nothing;
/// values with control characters are dropped).
pub fn plan(
    cfg: &Config,
    token: &VerifiedToken,
    raw_token: &str,
    org: Option<&str>,
) -> ForwardPlan {
    let _ = (cfg, token, raw_token, org);
    todo!()
}
