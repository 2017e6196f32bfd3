//! Route patterns and path matching (src/routes.rs).
//!
//! Input: `pattern \n method \n path`. A pattern that parses is checked
//! against the path through both ways in (`RoutePattern::matches` and
//! `routes::find`, which must agree); a capture is one clean segment; and
//! matching ignores what the module says it ignores (a trailing `/`, a
//! doubled `/`, a `./` segment), so a differently spelt path cannot land on
//! another route.
#![no_main]

use edge_authz::config::{AuthMode, Mode, Route};
use edge_authz::routes::{find, RoutePattern};
use libfuzzer_sys::fuzz_target;

fn route(path: &str, pattern: RoutePattern, methods: Option<Vec<String>>) -> Route {
    Route {
        path: path.to_string(),
        pattern,
        methods,
        auth: AuthMode::Required,
        issuers: None,
        org_header: None,
        roles_any: None,
        scopes_all: None,
        cross_org_roles: Vec::new(),
        mode: Mode::Enforce,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let (Some(pattern_text), Some(method), Some(path)) = (lines.next(), lines.next(), lines.next())
    else {
        return;
    };

    let found_any = find(&[], method, path);
    let Ok(pattern) = RoutePattern::parse(pattern_text) else {
        return;
    };
    assert!(pattern_text.starts_with('/'));
    assert!(!pattern_text.contains(['%', '?', '#', ';', '\\', ' ']));

    let m = pattern.matches(path);
    let any = [route(pattern_text, pattern.clone(), None)];
    let found = find(&any, method, path);
    assert_eq!(
        found_any.is_err(),
        found.is_err(),
        "refusal depends on the routes"
    );
    match &found {
        Err(_) => assert!(m.is_none(), "a refused path matched"),
        Ok(f) => assert_eq!(
            f.as_ref().map(|(i, m)| (*i, m.clone())),
            m.clone().map(|m| (0, m))
        ),
    }

    // A route for one other method never takes this one; one for this
    // method (any case) always does.
    let upper = method.to_ascii_uppercase();
    let only = [route(
        pattern_text,
        pattern.clone(),
        Some(vec![format!("{upper}X")]),
    )];
    assert_eq!(find(&only, method, path).ok().flatten(), None);
    let same = [route(pattern_text, pattern.clone(), Some(vec![upper]))];
    assert_eq!(find(&same, method, path).ok(), found.clone().ok());

    if let Some(m) = &m {
        assert!(path.starts_with('/'));
        match &m.org {
            Some(org) => {
                assert!(pattern.has_org());
                assert!(!org.is_empty());
                assert!(!org.contains(['/', '\\', ';']) && !org.contains(char::is_control));
                assert!(org != "." && org != "..");
            }
            None => assert!(!pattern.has_org()),
        }
    }

    // Spellings the matcher must not tell apart.
    let (bare, rest) = match path.find(['?', '#']) {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    if let Some(tail) = bare.strip_prefix('/') {
        for respelt in [
            format!("{bare}/{rest}"),
            format!("//{tail}{rest}"),
            format!("/./{tail}{rest}"),
            format!("/{tail}/x/..{rest}"),
        ] {
            assert_eq!(pattern.matches(&respelt), m, "{path:?} vs {respelt:?}");
        }
    }
});
