//! Route patterns: literal segments, one `{org}` capture, a trailing `*`.

use crate::config::Route;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    segments: Vec<Segment>,
    trailing_wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Org,
}

/// What a matching path captured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteMatch {
    /// The `{org}` segment, percent-decoded.
    pub org: Option<String>,
}

impl RoutePattern {
    pub fn parse(pattern: &str) -> Result<RoutePattern, String> {
        let _ = pattern;
        todo!()
    }

    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        let _ = path;
        todo!()
    }

    pub fn has_org(&self) -> bool {
        self.segments.contains(&Segment::Org)
    }
}

/// The first route whose path and method match (contract 3.1).
pub fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<(&'a Route, RouteMatch)> {
    let _ = (routes, method, path, Segment::Literal(String::new()), ());
    todo!()
}
