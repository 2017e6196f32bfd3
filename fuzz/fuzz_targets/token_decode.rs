//! Token decoding (src/token.rs) and the page's diagnosis of a pasted token
//! (src/token/diagnose.rs), on arbitrary text.
//!
//! A decoded token must round-trip: its signing input and re-encoded
//! signature give back the input exactly (base64url is strict, so there is
//! one spelling). The diagnosis must agree with the decoder, and every
//! offset it gives must point into the input at a character boundary (the
//! page slices the input with them).
#![no_main]

use edge_authz::b64;
use edge_authz::error::AuthError;
use edge_authz::token::{decode, diagnose};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };

    match decode(input) {
        Ok(t) => {
            let again = format!(
                "{}.{}",
                std::str::from_utf8(t.signing_input()).expect("ASCII"),
                b64::encode(t.signature())
            );
            assert_eq!(again, input, "decode does not round-trip");
            let (header_b64, _) = input.split_once('.').expect("three parts");
            let header: Value =
                serde_json::from_slice(&b64::decode(header_b64).expect("base64url")).expect("JSON");
            assert_eq!(header["alg"].as_str(), Some(t.header.alg.as_str()));
            for refused in ["crit", "b64", "cty"] {
                assert!(header.get(refused).is_none(), "{refused} accepted");
            }
            if let Some(typ) = &t.header.typ {
                let bare = typ.to_ascii_lowercase();
                let bare = bare.strip_prefix("application/").unwrap_or(&bare);
                assert!(bare == "jwt" || bare == "at+jwt", "typ {typ:?} accepted");
            }
            let claims = t.claims.to_map();
            assert_eq!(t.issuer(), claims.get("iss").and_then(Value::as_str));
            // `{:?}` shows neither the signature nor claim values: it is the
            // same for the token with another signature and null claims.
            // (In the token's order: `{:?}` lists names as the token has them.)
            let nulls: Vec<String> = t
                .claims
                .names()
                .map(|k| format!("{}:null", Value::from(k)))
                .collect();
            let blank = format!(
                "{header_b64}.{}.",
                b64::encode(format!("{{{}}}", nulls.join(",")).as_bytes())
            );
            let blank = decode(&blank).expect("the same header with null claims decodes");
            assert_eq!(
                format!("{t:?}"),
                format!("{blank:?}"),
                "Debug shows token data"
            );
        }
        Err(e) => assert!(matches!(e, AuthError::Malformed(_)), "{e:?}"),
    }

    let d = diagnose(input);
    let at = |offset: usize| {
        assert!(offset <= input.len(), "offset {offset} past the input");
        assert!(
            input.is_char_boundary(offset),
            "offset {offset} inside a character"
        );
    };
    at(d.token_start);
    at(d.token_start + d.token.len());
    assert_eq!(
        &input[d.token_start..d.token_start + d.token.len()],
        d.token
    );
    for part in &d.parts {
        at(part.start);
        at(part.end);
        assert!(part.start <= part.end);
    }
    if let Some(offset) = d.problem.as_ref().and_then(|p| p.offset) {
        at(offset);
    }
    match d.input {
        "token" | "bearer" | "header" => {
            assert_eq!(
                d.problem.is_none(),
                decode(&d.token).is_ok(),
                "page and edge disagree"
            );
        }
        "basic" | "empty" => assert!(d.problem.is_some()),
        other => panic!("unknown input kind {other}"),
    }
    serde_json::to_string(&d).expect("the diagnosis serialises");
});
