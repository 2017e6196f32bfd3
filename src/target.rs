//! The request URL as the runtime hands it over: absolute and already
//! serialised by the WHATWG URL rules, so its path and query are split
//! off, not parsed again. (A URL parser would bring Unicode host tables
//! into the worker for hosts it never reads.)

/// The path (still percent-encoded, as routes match it) and the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
}

/// `None` when `url` is not `scheme://authority...`.
pub fn split(url: &str) -> Option<Target<'_>> {
    let (_, rest) = url.split_once("://")?;
    // A fragment never reaches a server; drop one if a caller kept it.
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let after_authority = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
    let (path, query) = match after_authority.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (after_authority, None),
    };
    Some(Target {
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

impl Target<'_> {
    /// The same path and query at `origin` (a configured base URL, with
    /// or without a trailing slash).
    pub fn at(&self, origin: &str) -> String {
        // Pushed into a sized String, not `format!`ed: this runs on every
        // forwarded request, and the formatting machinery costs more than
        // the copies.
        let origin = origin.trim_end_matches('/');
        let query = self.query.map_or(0, |q| q.len() + 1);
        let mut out = String::with_capacity(origin.len() + self.path.len() + query);
        out.push_str(origin);
        out.push_str(self.path);
        if let Some(q) = self.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn t(url: &str) -> (String, Option<String>) {
        let t = split(url).expect("an absolute URL");
        (t.path.to_string(), t.query.map(str::to_string))
    }

    #[test]
    fn path_and_query_as_sent() {
        assert_eq!(
            t("https://edge.example/orgs/a%2Fb/x?q=1&r=%20"),
            ("/orgs/a%2Fb/x".into(), Some("q=1&r=%20".into()))
        );
        assert_eq!(t("http://127.0.0.1:8787/"), ("/".into(), None));
        assert_eq!(t("http://127.0.0.1:8787"), ("/".into(), None));
        assert_eq!(t("http://h?x"), ("/".into(), Some("x".into())));
        assert_eq!(t("http://h/a?"), ("/a".into(), Some(String::new())));
        assert_eq!(t("http://h/a#frag?no"), ("/a".into(), None));
        // A second `?` belongs to the query.
        assert_eq!(t("http://h/a?b?c"), ("/a".into(), Some("b?c".into())));
    }

    #[test]
    fn not_an_absolute_url() {
        assert_eq!(split("/relative/path"), None);
        assert_eq!(split(""), None);
    }

    #[test]
    fn moved_to_the_origin() {
        let target = split("https://edge.example/v1/x?token=no").expect("absolute");
        assert_eq!(
            target.at("http://127.0.0.1:9401/"),
            "http://127.0.0.1:9401/v1/x?token=no"
        );
        assert_eq!(
            target.at("https://api.internal"),
            "https://api.internal/v1/x?token=no"
        );
    }
}
