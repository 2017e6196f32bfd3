use super::*;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const PAYLOAD: &str = r#"{"iss":"https://issuer.example","exp":1700000300}"#;

fn token(header: &str, payload: &str) -> String {
    format!(
        "{}.{}.{}",
        b64::encode(header.as_bytes()),
        b64::encode(payload.as_bytes()),
        b64::encode(b"signature")
    )
}

fn reason(token: &str) -> &'static str {
    match decode(token) {
        Err(AuthError::Malformed(why)) => why,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn decodes_a_plain_token() {
    let t = decode(&token(
        r#"{"alg":"RS256","kid":"k1","typ":"JWT","x5u":"https://evil.example"}"#,
        PAYLOAD,
    ))
    .unwrap();
    assert_eq!(t.header.alg, "RS256");
    assert_eq!(t.header.kid.as_deref(), Some("k1"));
    assert_eq!(t.header.typ.as_deref(), Some("JWT"));
    assert_eq!(t.issuer(), Some("https://issuer.example"));
    assert_eq!(t.signature(), b"signature");
    let raw = token(
        r#"{"alg":"RS256","kid":"k1","typ":"JWT","x5u":"https://evil.example"}"#,
        PAYLOAD,
    );
    let (input, _) = raw.rsplit_once('.').unwrap();
    assert_eq!(t.signing_input(), input.as_bytes());
}

#[test]
fn part_counts() {
    assert_eq!(reason("a.b"), "a token has three dot-separated parts");
    assert_eq!(reason("a.b.c.d"), "a token has three dot-separated parts");
    assert_eq!(reason(""), "a token has three dot-separated parts");
    let jwe_header = b64::encode(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#);
    assert_eq!(
        reason(&format!("{jwe_header}.b.c.d.e")),
        "encrypted tokens (JWE) are not accepted"
    );
    // The same token pasted twice also has five parts.
    let signed = token(r#"{"alg":"RS256"}"#, PAYLOAD);
    let twice = reason(&format!("{signed}{signed}"));
    assert!(twice.contains("two tokens run together"), "{twice}");
    assert!(reason("a.b.c.d.e").contains("names no encryption"));
}

#[test]
fn strict_base64url() {
    let good = token(r#"{"alg":"RS256"}"#, PAYLOAD);
    let parts: Vec<&str> = good.split('.').collect();
    let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
    assert_eq!(reason(&padded), "the header is not base64url");
    let spaced = format!("{}.{} .{}", parts[0], parts[1], parts[2]);
    assert_eq!(reason(&spaced), "the payload is not base64url");
    let plus = format!("{}.{}.{}+", parts[0], parts[1], parts[2]);
    assert_eq!(reason(&plus), "the signature is not base64url");
    // Ten bytes end in a character of which 4 bits are unused (as
    // RS256's 256 do): "A" -> "B" sets one of them, in the alphabet.
    let ten = b64::encode(&[0; 10]);
    assert!(ten.ends_with('A'));
    let edited = format!("{}.{}.{}B", parts[0], parts[1], &ten[..ten.len() - 1]);
    assert_eq!(
        reason(&edited),
        "the signature's last character has bits no encoder sets (not canonical base64url)"
    );
}

#[test]
fn json_objects_only() {
    assert_eq!(
        reason(&token(r#"["alg","RS256"]"#, PAYLOAD)),
        "the header is not a JSON object"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256"}"#, "42")),
        "the payload is not a JSON object"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256"}"#, "{nope")),
        "the payload is not valid JSON (or repeats a member)"
    );
    assert_eq!(
        reason(&token("{\"alg\":\"RS256\"", PAYLOAD)),
        "the header is not valid JSON (or repeats a member)"
    );
}

#[test]
fn duplicate_members() {
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","alg":"none"}"#, PAYLOAD)),
        "the header is not valid JSON (or repeats a member)"
    );
    assert_eq!(
        reason(&token(
            r#"{"alg":"RS256"}"#,
            r#"{"iss":"https://a.example","iss":"https://b.example","exp":1}"#
        )),
        "the payload is not valid JSON (or repeats a member)"
    );
}

#[test]
fn alg_is_required_and_a_string() {
    assert_eq!(
        reason(&token(r#"{"typ":"JWT"}"#, PAYLOAD)),
        "the header has no alg"
    );
    assert_eq!(
        reason(&token(r#"{"alg":null}"#, PAYLOAD)),
        "the header alg is not a string"
    );
    // `none` decodes; it is refused at key selection, as any unknown alg.
    assert_eq!(
        decode(&token(r#"{"alg":"none"}"#, PAYLOAD))
            .unwrap()
            .header
            .alg,
        "none"
    );
}

#[test]
fn refused_header_members() {
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, PAYLOAD)),
        "the header lists critical extensions (crit)"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","crit":[]}"#, PAYLOAD)),
        "the header lists critical extensions (crit)"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","b64":false}"#, PAYLOAD)),
        "unencoded payloads (b64) are not accepted"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","cty":"JWT"}"#, PAYLOAD)),
        "nested tokens (cty) are not accepted"
    );
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","kid":7}"#, PAYLOAD)),
        "the header kid is not a string"
    );
}

#[test]
fn header_typ() {
    for ok in [
        "JWT",
        "jwt",
        "at+jwt",
        "AT+JWT",
        "application/jwt",
        "Application/At+JWT",
    ] {
        let header = format!(r#"{{"alg":"RS256","typ":"{ok}"}}"#);
        assert!(decode(&token(&header, PAYLOAD)).is_ok(), "{ok}");
    }
    for bad in [
        "JWS",
        "",
        "application/",
        "secevent+jwt",
        "application/json",
        "jwt ",
    ] {
        let header = format!(r#"{{"alg":"RS256","typ":"{bad}"}}"#);
        assert_eq!(
            reason(&token(&header, PAYLOAD)),
            "the header typ is neither JWT nor at+jwt",
            "{bad}"
        );
    }
    assert_eq!(
        reason(&token(r#"{"alg":"RS256","typ":1}"#, PAYLOAD)),
        "the header typ is not a string"
    );
    // Multi-byte text right where the prefix would end must not panic.
    let header = r#"{"alg":"RS256","typ":"applicatioé/jwt"}"#;
    assert!(decode(&token(header, PAYLOAD)).is_err());
}

#[test]
fn deep_json_is_refused_without_overflow() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert_eq!(
        reason(&token(r#"{"alg":"RS256"}"#, &format!(r#"{{"x":{deep}}}"#))),
        "the payload is not valid JSON (or repeats a member)"
    );
}

#[test]
fn reasons_never_quote_input() {
    let t = token(
        r#"{"alg":"RS256","typ":"<script>"}"#,
        r#"{"secret":"hunter2","secret":1}"#,
    );
    let e = decode(&t).unwrap_err();
    assert!(!e.detail().contains("hunter2"));
    assert!(!e.detail().contains("script"));
}

#[test]
fn an_empty_signature_decodes() {
    // The page strips signatures from shared links; verification fails.
    let t = token(r#"{"alg":"RS256"}"#, PAYLOAD);
    let stripped = format!("{}.", t.rsplit_once('.').unwrap().0);
    assert!(decode(&stripped).unwrap().signature().is_empty());
}
