//! Decoding a compact JWS without trusting it: strict base64url, strict JSON
//! (duplicate members refused), header checks that need no key.

use crate::b64;
use crate::error::AuthError;
use crate::json_tree::{self, Refused, Tree, Value};

mod diagnose;
pub mod strict;

pub use diagnose::{diagnose, Diagnosis, PartView, Problem};

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// As written; mapped to an [`crate::alg::Alg`] at key selection.
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

/// A token split and parsed but not verified. Nothing in it may be trusted
/// except to pick the issuer and the key.
#[derive(Clone)]
pub struct UnverifiedToken {
    pub header: Header,
    pub claims: Tree,
    signing_input: String,
    signature: Vec<u8>,
}

/// The signing input and signature together are the token, so `{:?}` shows
/// neither; the claims show by name only, since their values may be
/// personal data that a log line has no business holding.
impl std::fmt::Debug for UnverifiedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedToken")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl UnverifiedToken {
    /// `base64url(header) "." base64url(payload)`, what the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The unverified `iss`, used only to pick the issuer configuration.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }
}

/// Splits and parses a compact JWS. Refuses (as [`AuthError::Malformed`]):
/// not three parts (five with an `enc` header: "encrypted tokens (JWE) are
/// not accepted"), bad
/// base64url, header or payload not a JSON object, duplicate members,
/// a missing or non-string `alg`, a non-string `kid`, `crit` (no extension
/// is understood), `b64`, `cty`, a header `typ` other than `JWT` / `at+jwt`
/// (any case, optional `application/`). An empty signature decodes (the
/// page shows stripped tokens) and then fails verification.
pub fn decode(token: &str) -> Result<UnverifiedToken, AuthError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(AuthError::Malformed(match parts.len() {
            5 if is_encrypted(parts[0]) => "encrypted tokens (JWE) are not accepted",
            5 => "a token has three dot-separated parts; this has five, and its header names no encryption (two tokens run together?)",
            _ => "a token has three dot-separated parts",
        }));
    };
    let header = object(header_b64, Part::Header)?;
    let claims = object(payload_b64, Part::Payload)?;
    // A hand-edited last character is the usual way to break a signature
    // while testing, and it is often still in the alphabet.
    let signature = b64::decode(signature_b64).map_err(|e| {
        AuthError::Malformed(match e {
            base64::DecodeError::InvalidLastSymbol(..) => {
                "the signature's last character has bits no encoder sets (not canonical base64url)"
            }
            _ => "the signature is not base64url",
        })
    })?;
    let header = check_header(header)?;
    Ok(UnverifiedToken {
        header,
        claims,
        signing_input: format!("{header_b64}.{payload_b64}"),
        signature,
    })
}

/// Whether a first part is a JWE's protected header, which names its
/// content encryption (`enc`; RFC 7516 4.1.2). Five parts without one are
/// more likely two signed tokens pasted together than an encrypted token.
pub(crate) fn is_encrypted(header_b64: &str) -> bool {
    object(header_b64, Part::Header).is_ok_and(|h| h.get("enc").is_some())
}

#[derive(Clone, Copy)]
enum Part {
    Header,
    Payload,
}

/// One base64url JSON object, strictly parsed. The reasons are fixed
/// strings: serde's messages may quote the input.
fn object(b64_text: &str, part: Part) -> Result<Tree, AuthError> {
    let (not_b64, not_json, not_object) = match part {
        Part::Header => (
            "the header is not base64url",
            "the header is not valid JSON (or repeats a member)",
            "the header is not a JSON object",
        ),
        Part::Payload => (
            "the payload is not base64url",
            "the payload is not valid JSON (or repeats a member)",
            "the payload is not a JSON object",
        ),
    };
    let bytes = b64::decode(b64_text).map_err(|_| AuthError::Malformed(not_b64))?;
    json_tree::parse_object(bytes).map_err(|refused| match refused {
        Refused::NotObject => AuthError::Malformed(not_object),
        Refused::NotJson => AuthError::Malformed(not_json),
    })
}

/// The header checks that need no key (contract 3.4).
fn check_header(raw: Tree) -> Result<Header, AuthError> {
    let alg = match raw.get("alg") {
        Some(Value::String(a)) => a.to_string(),
        Some(_) => return Err(AuthError::Malformed("the header alg is not a string")),
        None => return Err(AuthError::Malformed("the header has no alg")),
    };
    // RFC 7515 4.1.11: a recipient that does not understand a listed
    // extension must refuse; we understand none, so any `crit` is refused.
    if raw.get("crit").is_some() {
        return Err(AuthError::Malformed(
            "the header lists critical extensions (crit)",
        ));
    }
    // RFC 7797 unencoded payloads change what the signature covers.
    if raw.get("b64").is_some() {
        return Err(AuthError::Malformed(
            "unencoded payloads (b64) are not accepted",
        ));
    }
    if raw.get("cty").is_some() {
        return Err(AuthError::Malformed("nested tokens (cty) are not accepted"));
    }
    let kid = match raw.get("kid") {
        Some(Value::String(k)) => Some(k.to_string()),
        Some(_) => return Err(AuthError::Malformed("the header kid is not a string")),
        None => None,
    };
    let typ = match raw.get("typ") {
        Some(Value::String(t)) if typ_accepted(t) => Some(t.to_string()),
        Some(Value::String(_)) => {
            return Err(AuthError::Malformed(
                "the header typ is neither JWT nor at+jwt",
            ))
        }
        Some(_) => return Err(AuthError::Malformed("the header typ is not a string")),
        None => None,
    };
    Ok(Header { alg, kid, typ })
}

/// `JWT` (RFC 7519) or `at+jwt` (RFC 9068), any case, with or without the
/// `application/` media type prefix (RFC 7515 4.1.9).
fn typ_accepted(typ: &str) -> bool {
    const PREFIX: &str = "application/";
    let bare = match typ.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => &typ[PREFIX.len()..],
        _ => typ,
    };
    bare.eq_ignore_ascii_case("jwt") || bare.eq_ignore_ascii_case("at+jwt")
}

#[cfg(test)]
mod tests {
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
}
