//! `Authorization` header extraction (src/extract.rs).
//!
//! Input: one flag byte (bit 0: Basic enabled; bit 1: a small
//! `max_token_bytes`), then the header values, one per line (no line: no
//! header). Checks that what comes out was cut from the one header, within
//! bounds, in the right alphabet, and that `{:?}` never shows a credential.
#![no_main]

use edge_authz::error::{AuthError, InvalidRequest};
use edge_authz::extract::{extract, Credentials};
use edge_authz::secret::Secret;
use edge_authz_fuzz::distinctive;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let basic_enabled = flags & 1 == 1;
    let max = if flags & 2 == 2 { 64 } else { 8192 };
    let values: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    };

    match extract(&values, max, basic_enabled) {
        Ok(Credentials::None) => assert!(values.is_empty()),
        Ok(Credentials::Bearer(token)) => {
            let [value] = values[..] else {
                panic!("a token from {} headers", values.len())
            };
            assert!(!token.is_empty() && token.len() <= max);
            assert!(token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
            // `scheme SP+ token`, the scheme `bearer` in any case.
            let trimmed = value.trim_matches([' ', '\t']);
            let scheme = trimmed
                .strip_suffix(token.as_str())
                .expect("token ends the value");
            assert!(scheme.trim_end_matches(' ').eq_ignore_ascii_case("bearer"));
            assert!(scheme.ends_with(' '));
            let shown = format!("{:?}", Credentials::Bearer(token.clone()));
            assert_eq!(shown, "Bearer(<redacted>)");
        }
        Ok(Credentials::Basic { value, client_id }) => {
            assert!(basic_enabled);
            let [header] = values[..] else {
                panic!("Basic from {} headers", values.len())
            };
            let v = value.expose();
            assert!(!v.is_empty() && v.len() <= max);
            assert!(header.trim_matches([' ', '\t']).ends_with(v));
            assert!(!v.contains([' ', '\t']), "one credential, no spaces");
            // Debug depends on the client id only, never on the value.
            let shown = format!(
                "{:?}",
                Credentials::Basic {
                    value: value.clone(),
                    client_id: client_id.clone()
                }
            );
            let other = format!(
                "{:?}",
                Credentials::Basic {
                    value: Secret::new("something else"),
                    client_id
                }
            );
            assert_eq!(shown, other);
        }
        Err(e) => {
            assert!(matches!(e.status(), 400 | 401), "{e:?}");
            if values.len() > 1 {
                assert_eq!(
                    e,
                    AuthError::InvalidRequest(InvalidRequest::DuplicateAuthorization)
                );
            }
            if !basic_enabled {
                // Basic is refused as not accepted before it is decoded.
                assert!(
                    !matches!(
                        e,
                        AuthError::InvalidRequest(
                            InvalidRequest::BadBase64
                                | InvalidRequest::NotClientAndSecret
                                | InvalidRequest::BadClientId
                        )
                    ),
                    "{e:?}"
                );
            }
            // Details are ours: no credential is echoed.
            let body = e.problem_body();
            for v in &values {
                for word in v.split([' ', '\t']).filter(|w| distinctive(w)) {
                    assert!(!body.contains(word), "echoed: {body}");
                }
            }
        }
    }
});
