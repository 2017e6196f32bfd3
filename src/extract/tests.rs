use super::*;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const MAX: usize = 8192;
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

fn one(v: &str) -> Result<Credentials, AuthError> {
    extract(&[v], MAX, true)
}

fn invalid(v: &str) -> Option<InvalidRequest> {
    match one(v) {
        Err(AuthError::InvalidRequest(r)) => Some(r),
        _ => None,
    }
}

#[test]
fn no_header_is_no_credentials() {
    assert_eq!(extract(&[], MAX, false), Ok(Credentials::None));
}

#[test]
fn two_headers_are_refused_even_if_identical() {
    let h = format!("Bearer {JWT}");
    assert_eq!(
        extract(&[&h, &h], MAX, true),
        Err(bad(InvalidRequest::DuplicateAuthorization))
    );
}

#[test]
fn bearer_scheme_any_case_and_spacing() {
    for v in [
        format!("Bearer {JWT}"),
        format!("bearer {JWT}"),
        format!("BEARER {JWT}"),
        format!("Bearer   {JWT}"),
        format!(" Bearer {JWT}\t"),
    ] {
        assert_eq!(one(&v), Ok(Credentials::Bearer(JWT.into())), "{v:?}");
    }
}

#[test]
fn bearer_with_extra_parts_is_a_bad_request() {
    assert_eq!(
        invalid(&format!("Bearer {JWT} extra")),
        Some(InvalidRequest::MalformedCredentials)
    );
    assert_eq!(
        invalid(&format!("Bearer {JWT}\tx")),
        Some(InvalidRequest::MalformedCredentials)
    );
}

#[test]
fn empty_credentials() {
    for v in [
        "",
        "   ",
        "Bearer",
        "Bearer ",
        "bearer    ",
        "Basic",
        "Basic  ",
    ] {
        assert_eq!(invalid(v), Some(InvalidRequest::EmptyCredentials), "{v:?}");
    }
}

#[test]
fn other_schemes_are_unsupported() {
    for v in [
        "Token abc",
        "Digest username=x",
        "Bearer\tabc",
        "Bearer:abc",
        JWT,
        "Bearerabc",
    ] {
        assert_eq!(invalid(v), Some(InvalidRequest::UnsupportedScheme), "{v:?}");
    }
}

#[test]
fn bearer_too_long_is_401() {
    let long = "a".repeat(MAX + 1);
    assert_eq!(
        one(&format!("Bearer {long}")),
        Err(AuthError::TokenTooLong { limit: MAX })
    );
    let exact = "a".repeat(MAX);
    assert!(one(&format!("Bearer {exact}")).is_ok());
    assert_eq!(
        extract(&["Bearer abcd"], 3, false),
        Err(AuthError::TokenTooLong { limit: 3 })
    );
}

#[test]
fn bearer_charset_is_jws() {
    for t in [
        "a+b", "a/b", "abc=", "a~b", "a,b", "ä", "a\u{0}b", "\"abc\"",
    ] {
        assert!(
            matches!(one(&format!("Bearer {t}")), Err(AuthError::Malformed(_))),
            "{t:?}"
        );
    }
    // Long tokens are scanned sixteen bytes at a time: a stray byte is
    // found in any chunk and in the rest after the last whole one.
    let clean = "abcdefghij.KLMNOPQRST-0123456789_uvwxyz.AB";
    assert!(matches!(
        one(&format!("Bearer {clean}")),
        Ok(Credentials::Bearer(_))
    ));
    for at in 0..clean.len() {
        for stray in ['+', '=', '\u{7f}', '\u{80}'] {
            let mut t = clean.to_string();
            t.replace_range(at..at + 1, &stray.to_string());
            assert!(
                matches!(one(&format!("Bearer {t}")), Err(AuthError::Malformed(_))),
                "{stray:?} at {at}"
            );
        }
    }
}

#[test]
fn bearer_refusals_keep_their_order() {
    // Whitespace first, then length, then other characters, whichever
    // else the token also breaks.
    let long_spaced = format!("{} x", "a".repeat(MAX));
    assert_eq!(
        invalid(&format!("Bearer {long_spaced}")),
        Some(InvalidRequest::MalformedCredentials)
    );
    let long_plus = format!("{}+", "a".repeat(MAX));
    assert_eq!(
        one(&format!("Bearer {long_plus}")),
        Err(AuthError::TokenTooLong { limit: MAX })
    );
    assert!(matches!(
        one("Bearer a+b\tc"),
        Err(AuthError::InvalidRequest(
            InvalidRequest::MalformedCredentials
        ))
    ));
    // Every byte outside base64url and `.` is refused, every one inside passes.
    for b in 0u8..=127 {
        let c = char::from(b);
        let t = format!("ab{c}cd");
        let jws = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        assert_eq!(
            extract(&[&format!("Bearer {t}")], MAX, false).is_ok(),
            jws,
            "{b}"
        );
    }
}

fn basic(value: &str, client_id: &str) -> Credentials {
    Credentials::Basic {
        value: Secret::new(value),
        client_id: client_id.into(),
    }
}

#[test]
fn basic_when_enabled() {
    // "client:s3cret"
    let v = "Y2xpZW50OnMzY3JldA==";
    assert_eq!(one(&format!("Basic {v}")), Ok(basic(v, "client")));
    assert_eq!(
        one("basic Y2xpZW50OnMzY3JldA"),
        Ok(basic("Y2xpZW50OnMzY3JldA", "client")),
        "unpadded, value kept unchanged"
    );
    // "id:" (empty secret) has the colon; the issuer judges it.
    assert_eq!(one("Basic aWQ6"), Ok(basic("aWQ6", "id")));
}

#[test]
fn basic_client_id_is_form_decoded() {
    // "svc%3Aa+b%2D%C3%A9:pa:ss" -> the id "svc:a b-é", cut at the first `:`
    assert_eq!(
        one("Basic c3ZjJTNBYStiJTJEJUMzJUE5OnBhOnNz"),
        Ok(basic("c3ZjJTNBYStiJTJEJUMzJUE5OnBhOnNz", "svc:a b-é"))
    );
    for v in [
        "Basic JTpz",     // "%:s": broken escape
        "Basic JUZGOnM=", // "%FF:s": not UTF-8 once decoded
    ] {
        assert_eq!(invalid(v), Some(InvalidRequest::BadClientId), "{v:?}");
    }
}

#[test]
fn basic_when_not_enabled() {
    assert_eq!(
        extract(&["Basic Y2xpZW50OnMzY3JldA=="], MAX, false),
        Err(bad(InvalidRequest::BasicNotEnabled))
    );
}

#[test]
fn basic_bad_base64() {
    for v in [
        "Basic ***",
        "Basic Y2xpZW50OnMzY3JldA=",   // wrong padding
        "Basic Y2xpZW50-nMzY3JldA==",  // url alphabet
        "Basic Y2xpZW50 OnMzY3JldA==", // inner space
        "Basic YR==",                  // non-canonical trailing bits
    ] {
        assert_eq!(invalid(v), Some(InvalidRequest::BadBase64), "{v:?}");
    }
}

#[test]
fn basic_base64_of_no_client_and_secret() {
    for v in [
        "Basic Y2xpZW50", // "client": no colon
        "Basic //79",     // not UTF-8
    ] {
        assert_eq!(
            invalid(v),
            Some(InvalidRequest::NotClientAndSecret),
            "{v:?}"
        );
    }
}

#[test]
fn basic_too_long_is_400() {
    let long = "QUFB".repeat(MAX / 4 + 1);
    assert_eq!(
        invalid(&format!("Basic {long}")),
        Some(InvalidRequest::BasicTooLong)
    );
}

#[test]
fn access_token_in_the_query() {
    for q in [
        "access_token=x",
        "a=1&access_token=",
        "access_token",
        "access%5Ftoken=x",
        "x=1&access_token=a&access_token=b",
    ] {
        assert!(query_has_access_token(q), "{q:?}");
    }
    for q in [
        "",
        "access_token_x=1",
        "x=access_token",
        "Access_Token=1",
        "access%5token=1",
    ] {
        assert!(!query_has_access_token(q), "{q:?}");
    }
}

#[test]
fn basic_value_never_in_debug() {
    let c = one("Basic Y2xpZW50OnMzY3JldA==").unwrap();
    assert!(!format!("{c:?}").contains("Y2xp"));
}

#[test]
fn a_basic_value_with_no_secret_is_told_apart() {
    assert!(has_secret("Y2xpZW50OnMzY3JldA==")); // "client:s3cret"
    assert!(has_secret("Y2xpZW50OnMzY3JldA")); // unpadded
    assert!(!has_secret("Y2xpZW50Og==")); // "client:"
    assert!(!has_secret("Y2xpZW50")); // "client"
    assert!(!has_secret("not*base64"));
}
