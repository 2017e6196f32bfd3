//! Route patterns: literal segments, one `{org}` capture, a trailing `*`.
//!
//! Paths are compared the way an origin is likely to read them, so that a
//! differently spelt path cannot slip past a stricter route onto a looser
//! one: each segment is percent-decoded, empty segments (`//`, a trailing
//! `/`) are ignored, and `.` / `..` segments are resolved (RFC 3986 5.2.4)
//! before matching. The query string and fragment are not part of the path.
//!
//! A path whose segments cannot be read as plain text (an encoded `/` or
//! `\`, a control character, a broken escape or invalid UTF-8) is refused as a
//! whole: origins split, strip or reject such segments in ways of their
//! own, so no route decided here can be trusted to be the one they serve.

use std::borrow::Cow;

use crate::config::Route;
use crate::error::InvalidRequest;
use crate::percent;

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
        let Some(rest) = pattern.strip_prefix('/') else {
            return Err("must start with `/`".into());
        };
        // A trailing slash is allowed and means nothing: paths ignore it too.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let raw: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut segments = Vec::new();
        let mut trailing_wildcard = false;
        for (i, seg) in raw.iter().enumerate() {
            let last = i + 1 == raw.len();
            match *seg {
                "" => return Err("empty segment (`//`)".into()),
                "*" if last => trailing_wildcard = true,
                "*" => return Err("`*` is only allowed as the last segment".into()),
                "{org}" if segments.contains(&Segment::Org) => {
                    return Err("`{org}` may appear only once".into())
                }
                "{org}" => segments.push(Segment::Org),
                "." | ".." => return Err(format!("`{seg}` segments never match")),
                lit => {
                    if let Some(c) = lit.chars().find(|c| !is_literal_char(*c)) {
                        return Err(match c {
                            '{' | '}' => "only `{org}` may be captured".into(),
                            '*' => "`*` must be a whole segment".into(),
                            _ => format!("character {c:?} is not allowed in a path pattern"),
                        });
                    }
                    segments.push(Segment::Literal(lit.to_string()));
                }
            }
        }
        Ok(RoutePattern {
            segments,
            trailing_wildcard,
        })
    }

    /// `None` also for a path [`find`] would refuse: it matches nothing.
    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        self.matches_segments(&normalize(path).ok()??)
    }

    fn matches_segments(&self, segments: &[Cow<'_, str>]) -> Option<RouteMatch> {
        if segments.len() < self.segments.len()
            || (!self.trailing_wildcard && segments.len() != self.segments.len())
        {
            return None;
        }
        let mut found = RouteMatch::default();
        for (want, got) in self.segments.iter().zip(segments) {
            match want {
                Segment::Literal(lit) if lit == got => {}
                Segment::Literal(_) => return None,
                Segment::Org => found.org = Some(got.to_string()),
            }
        }
        Some(found)
    }

    pub fn has_org(&self) -> bool {
        self.segments.contains(&Segment::Org)
    }
}

/// The first route whose path and method match (contract 3.1). Methods are
/// compared ignoring case, so `get` cannot dodge a `GET`-only route, and a
/// route listing `GET` also takes `HEAD` (as nginx's `limit_except` does):
/// origins answer HEAD with GET's handler, so it must not find a looser
/// route further down.
/// The route comes back as its index in `routes`, the identity the
/// decision carries. `Err` for a path that cannot be matched safely (see
/// the module docs), whatever the routes: the request is malformed, not
/// unrouted.
pub fn find(
    routes: &[Route],
    method: &str,
    path: &str,
) -> Result<Option<(usize, RouteMatch)>, InvalidRequest> {
    let Some(segments) = normalize(path)? else {
        return Ok(None);
    };
    Ok(routes.iter().enumerate().find_map(|(i, r)| {
        let head = method.eq_ignore_ascii_case("HEAD");
        let method_ok = r.methods.as_ref().is_none_or(|ms| {
            ms.iter()
                .any(|m| m.eq_ignore_ascii_case(method) || (head && m.eq_ignore_ascii_case("GET")))
        });
        if !method_ok {
            return None;
        }
        r.pattern.matches_segments(&segments).map(|m| (i, m))
    }))
}

/// RFC 3986 `pchar` minus `%` (patterns are written decoded), `;` (path
/// parameters are not matched) and the pattern syntax characters.
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()+,=:@".contains(c)
}

/// The path's segments, decoded, without empty ones and with dot segments
/// resolved. `Ok(None)` when the path is not origin-form (`/...`): no route
/// is written for it. `Err` when a segment decodes to something an origin
/// may read differently from us (see the module docs).
///
/// Path parameters (`/admin;jsessionid=x`) are cut off, as servlet
/// containers cut them before routing: otherwise `/admin;x/secret` would
/// miss an `/admin/*` route here and still reach `/admin/secret` there.
fn normalize(path: &str) -> Result<Option<Vec<Cow<'_, str>>>, InvalidRequest> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let Some(rest) = path.strip_prefix('/') else {
        return Ok(None);
    };
    let mut out: Vec<Cow<'_, str>> = Vec::new();
    for raw in rest.split('/') {
        // Most segments hold no escape: borrowed, not decoded into a copy
        // (this runs on every request).
        let decoded: Cow<'_, str> = if raw.contains('%') {
            percent::decode(raw, false)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(InvalidRequest::UnsafePath)?
                .into()
        } else {
            raw.into()
        };
        // Some origins (IIS, frameworks on Windows paths) read `\` as `/`.
        // The exact test (`char::is_control` takes U+0080..U+009F too, led
        // by the byte 0xC2 in UTF-8) only for a segment with such a byte.
        let suspect = decoded
            .bytes()
            .any(|b| b.is_ascii_control() || matches!(b, b'/' | b'\\' | 0xc2));
        if suspect && (decoded.contains(['/', '\\']) || decoded.contains(char::is_control)) {
            return Err(InvalidRequest::UnsafePath);
        }
        let segment = match decoded {
            Cow::Borrowed(d) => {
                Cow::Borrowed(d.split_once(';').map_or(d, |(segment, _params)| segment))
            }
            Cow::Owned(d) => match d.split_once(';') {
                Some((segment, _params)) => Cow::Owned(segment.to_string()),
                None => Cow::Owned(d),
            },
        };
        match &*segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            _ => out.push(segment),
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn p(s: &str) -> RoutePattern {
        RoutePattern::parse(s).unwrap()
    }

    fn org(pattern: &str, path: &str) -> Option<Option<String>> {
        p(pattern).matches(path).map(|m| m.org)
    }

    #[test]
    fn parse_accepts_the_contract_shapes() {
        for ok in [
            "/",
            "/*",
            "/health",
            "/orgs/{org}/*",
            "/a/b/",
            "/v1/{org}",
            "/a:b/c@d",
        ] {
            assert!(RoutePattern::parse(ok).is_ok(), "{ok}");
        }
        assert!(p("/orgs/{org}/*").has_org());
        assert!(!p("/orgs/*").has_org());
    }

    #[test]
    fn parse_refuses_everything_else() {
        for bad in [
            "",
            "orgs",
            "/a//b",
            "/*/a",
            "/a*",
            "/a/*b",
            "/{org}/{org}",
            "/{tenant}",
            "/{org}x",
            "/a/%2F",
            "/a b",
            "/a?x",
            "/a/../b",
            "/./a",
            "/a\\b",
            "/a;b",
        ] {
            assert!(RoutePattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn literals_match_exactly_and_ignore_trailing_and_double_slashes() {
        let pat = p("/a/b");
        assert!(pat.matches("/a/b").is_some());
        assert!(pat.matches("/a/b/").is_some());
        assert!(pat.matches("/a//b").is_some());
        assert!(pat.matches("/a/b?x=/c").is_some());
        assert!(pat.matches("/a/b#frag").is_some());
        assert!(pat.matches("/a/B").is_none());
        assert!(pat.matches("/a/b/c").is_none());
        assert!(pat.matches("/a").is_none());
        assert!(pat.matches("a/b").is_none());
        assert!(pat.matches("").is_none());
        assert!(pat.matches("*").is_none());
    }

    #[test]
    fn root_pattern() {
        assert!(p("/").matches("/").is_some());
        assert!(p("/").matches("/x").is_none());
        assert!(p("/*").matches("/").is_some());
        assert!(p("/*").matches("/x/y/z").is_some());
    }

    #[test]
    fn paths_are_decoded_and_dot_segments_resolved() {
        let pat = p("/admin/*");
        assert!(pat.matches("/%61dmin/x").is_some());
        assert!(pat.matches("/public/../admin/x").is_some());
        assert!(pat.matches("/public/%2e%2e/admin").is_some());
        assert!(pat.matches("/./admin").is_some());
        assert!(pat.matches("/../../admin").is_some());
        assert!(pat.matches("/admin;jsessionid=1/x").is_some());
        assert!(pat.matches("/admin%3Bx").is_some());
        assert!(pat.matches("/;x/admin").is_some());
        assert!(p("/public/*").matches("/public/../admin").is_none());
    }

    #[test]
    fn trailing_wildcard_takes_zero_or_more_segments() {
        let pat = p("/orgs/*");
        assert!(pat.matches("/orgs").is_some());
        assert!(pat.matches("/orgs/").is_some());
        assert!(pat.matches("/orgs/1/2/3").is_some());
        assert!(pat.matches("/orgs/a%2Fb").is_none(), "never swallowed by *");
        assert!(pat.matches("/orgsx").is_none());
    }

    #[test]
    fn org_captures_one_decoded_segment() {
        assert_eq!(
            org("/orgs/{org}/*", "/orgs/abc/x"),
            Some(Some("abc".into()))
        );
        assert_eq!(org("/orgs/{org}/*", "/orgs/abc"), Some(Some("abc".into())));
        assert_eq!(org("/orgs/{org}", "/orgs/a%20b"), Some(Some("a b".into())));
        assert_eq!(org("/orgs/{org}", "/orgs/o1;v=2"), Some(Some("o1".into())));
        assert_eq!(org("/orgs/{org}", "/orgs/;v=2"), None);
        assert_eq!(
            org("/orgs/{org}", "/orgs/caf%C3%A9"),
            Some(Some("café".into()))
        );
        assert_eq!(org("/orgs/{org}", "/orgs/"), None, "empty capture");
        assert_eq!(org("/orgs/{org}", "/orgs"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/a/b"), None);
    }

    #[test]
    fn org_never_captures_a_slash_or_broken_text() {
        assert_eq!(org("/orgs/{org}/*", "/orgs/a%2Fb/x"), None);
        assert_eq!(
            org("/orgs/{org}", "/orgs/caf\u{e9}"),
            Some(Some("caf\u{e9}".into()))
        );
        assert_eq!(
            org("/orgs/{org}", "/orgs/a+b;v=1"),
            Some(Some("a+b".into()))
        );
        assert_eq!(
            org("/orgs/{org}", "/orgs/a%2Bb;v=1"),
            Some(Some("a+b".into()))
        );
        assert_eq!(org("/orgs/{org}/*", "/orgs/a%2fb"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/%FF"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/%C3"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/%zz"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/%4"), None);
        assert_eq!(org("/orgs/{org}", "/orgs/%"), None);
    }

    #[test]
    fn find_refuses_what_it_cannot_read() {
        for bad in [
            "/a%2Fb",
            "/a/%2f",
            "/a%00",
            "/a%09b",
            "/a\u{7}b",
            "/a%7F",
            "/a%C2%9F",
            "/a\u{85}b",
            "/a\u{80}b",
            "/a\u{9f}b",
            "/a\x7fb",
            "/a\tb",
            "/%FF",
            "/%C3",
            "/%zz",
            "/%4",
            "/100%",
            "/ok/../a%2Fb",
            "/public/..%5Cadmin/x",
            "/a\\b",
        ] {
            assert!(
                matches!(find(&[], "GET", bad), Err(InvalidRequest::UnsafePath)),
                "{bad:?}"
            );
        }
        for fine in [
            "/",
            "/a%20b",
            "/%2e%2e/a",
            "/caf%C3%A9",
            "/caf\u{e9}/\u{100}",
            "/a\u{a0}b",
            "/a?x=%2F",
            "*",
            "",
        ] {
            assert!(matches!(find(&[], "GET", fine), Ok(None)), "{fine:?}");
        }
    }
}
