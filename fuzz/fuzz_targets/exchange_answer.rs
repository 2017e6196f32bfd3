//! Reading the token endpoint's answer (src/exchange.rs).
//!
//! Input: two bytes of status (taken modulo 600), then the body. Only a 200
//! gives a token, and exactly the body's `access_token`; only the refusal
//! statuses are refusals; every 5xx is "unavailable"; `{:?}` never shows
//! the token.
#![no_main]

use edge_authz::exchange::{read_answer, Answer};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let [hi, lo, body @ ..] = data else {
        return;
    };
    let status = u16::from_be_bytes([*hi, *lo]) % 600;
    let answer = read_answer(status, body);
    match &answer {
        Answer::Token {
            access_token,
            expires_in,
        } => {
            assert_eq!(status, 200);
            assert!(!access_token.is_empty());
            // Read strictly (src/json_tree.rs): a token comes only from a
            // body that is JSON a `Value` holds.
            let doc = serde_json::from_slice::<Value>(body).expect("a token from invalid JSON");
            assert_eq!(doc["access_token"].as_str(), Some(access_token.as_str()));
            if let Some(n) = expires_in {
                let given = &doc["expires_in"];
                let same = given.as_u64() == Some(*n)
                    || given.as_str().and_then(|s| s.parse().ok()) == Some(*n);
                assert!(same, "expires_in {n} from {given}");
            }
            let other = Answer::Token {
                access_token: "x".into(),
                expires_in: *expires_in,
            };
            assert_eq!(
                format!("{answer:?}"),
                format!("{other:?}"),
                "Debug shows the token"
            );
        }
        Answer::Refused => assert!(matches!(status, 400 | 401 | 403)),
        Answer::Unavailable => assert!((500..=599).contains(&status)),
        Answer::Invalid => assert!(!(500..=599).contains(&status) && status != 401),
    }
    if (500..=599).contains(&status) {
        assert_eq!(answer, Answer::Unavailable);
    }
});
