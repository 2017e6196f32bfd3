//! Credential extraction (contract 3.2): exactly one `Authorization` header,
//! scheme case-insensitive, `Bearer <jwt>` or `Basic <b64>`.
//!
//! The grammar is RFC 9110 11.4: `scheme 1*SP credential`. Surrounding
//! whitespace is tolerated (proxies add it); anything after the credential
//! (`Bearer a b`) is a malformed request (400), not a bad token, because no
//! token was cleanly presented.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::error::{AuthError, InvalidRequest};
use crate::percent;
use crate::secret::Secret;

#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    /// The compact JWS as sent.
    Bearer(String),
    Basic {
        /// The base64 value after `Basic `, unchanged: the issuer decodes
        /// it, and the exchange cache is keyed by it.
        value: Secret,
        /// The client id as the issuer will read it (RFC 6749 2.3.1), for
        /// the refused-attempt count: decoded here, the one place that
        /// knows which base64 padding the value came with.
        client_id: String,
    },
}

/// Hand-written so that a stray `{:?}` cannot print a bearer token; the
/// Basic value is a [`Secret`] already, and the client id is no secret.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { value, client_id } => f
                .debug_struct("Basic")
                .field("value", value)
                .field("client_id", client_id)
                .finish(),
        }
    }
}

/// RFC 7617 uses the standard alphabet; clients differ on padding, so a
/// value may be fully padded or not padded at all (never half-padded).
/// Non-canonical trailing bits are refused either way.
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// `authorization` holds every `Authorization` header value of the request.
pub fn extract(
    authorization: &[&str],
    max_token_bytes: usize,
    basic_enabled: bool,
) -> Result<Credentials, AuthError> {
    let value = match authorization {
        [] => return Ok(Credentials::None),
        [one] => one.trim_matches([' ', '\t']),
        _ => return Err(bad(InvalidRequest::DuplicateAuthorization)),
    };
    if value.is_empty() {
        return Err(bad(InvalidRequest::EmptyCredentials));
    }
    let (scheme, credential) = scheme_and_credential(value);
    if scheme.eq_ignore_ascii_case("bearer") {
        bearer(credential, max_token_bytes)
    } else if scheme.eq_ignore_ascii_case("basic") {
        basic(credential, max_token_bytes, basic_enabled)
    } else {
        Err(bad(InvalidRequest::UnsupportedScheme))
    }
}

/// A trimmed value's scheme and credential (`scheme 1*SP credential`).
fn scheme_and_credential(value: &str) -> (&str, &str) {
    match value.split_once(' ') {
        Some((s, c)) => (s, c.trim_start_matches(' ')),
        None => (value, ""),
    }
}

/// The token of a lone `Authorization` value (one header, one value)
/// with the Bearer scheme, read as [`extract`] reads it but not checked:
/// for looking up a token remembered as verified before scanning its
/// bytes. A remembered token passed those checks when it verified, and
/// any verified token's text is base64url and dots (only its length
/// against the configured limit can differ, for a token obtained by the
/// exchange). On a miss the caller extracts as usual.
pub fn lone_bearer(value: &str) -> Option<&str> {
    let (scheme, credential) = scheme_and_credential(value.trim());
    scheme.eq_ignore_ascii_case("bearer").then_some(credential)
}

/// Whether a query string names an `access_token` parameter (RFC 6750
/// 2.3), the name read as a form decoder reads it (`access%5Ftoken` too).
/// Its value does not matter: any is a second way of sending a token.
pub fn query_has_access_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(n, _)| n);
        percent::decode(name, true).is_some_and(|n| n == b"access_token")
    })
}

fn bad(why: InvalidRequest) -> AuthError {
    AuthError::InvalidRequest(why)
}

fn bearer(token: &str, max_token_bytes: usize) -> Result<Credentials, AuthError> {
    if token.is_empty() {
        return Err(bad(InvalidRequest::EmptyCredentials));
    }
    // A compact JWS is base64url parts joined by dots; anything else (even
    // token68's `+/~=`) cannot be one. One pass over the token's bytes (it
    // is long and this runs on every request); the rare failure then looks
    // again to say which rule it broke, in the order below.
    let jws_text = is_jws_text(token.as_bytes());
    if !jws_text && token.bytes().any(|b| b == b' ' || b == b'\t') {
        return Err(bad(InvalidRequest::MalformedCredentials));
    }
    if token.len() > max_token_bytes {
        return Err(AuthError::TokenTooLong {
            limit: max_token_bytes,
        });
    }
    if !jws_text {
        return Err(AuthError::Malformed(
            "characters other than base64url and `.`",
        ));
    }
    Ok(Credentials::Bearer(token.to_string()))
}

/// Whether every byte is one of a compact JWS's. Sixteen bytes at a time,
/// their table entries or-ed without a branch between them: byte by byte
/// this scan was an eighth of a new token's instructions in the core.
/// (At the worker's `opt-level = 3` the chunks are unrolled; the bench's
/// `"s"` keeps a loop and gains little.)
fn is_jws_text(bytes: &[u8]) -> bool {
    let foreign = |chunk: &[u8]| {
        chunk
            .iter()
            .fold(0, |acc, b| acc | NOT_JWS[usize::from(*b)])
    };
    let mut chunks = bytes.chunks_exact(16);
    chunks.by_ref().all(|chunk| foreign(chunk) == 0) && foreign(chunks.remainder()) == 0
}

/// 1 for a byte that a compact JWS cannot hold: all but base64url's
/// alphabet and `.`.
static NOT_JWS: [u8; 256] = {
    let mut table = [1; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' {
            table[b] = 0;
        }
        b += 1;
    }
    table
};

fn basic(
    value: &str,
    max_token_bytes: usize,
    basic_enabled: bool,
) -> Result<Credentials, AuthError> {
    if !basic_enabled {
        return Err(bad(InvalidRequest::BasicNotEnabled));
    }
    if value.is_empty() {
        return Err(bad(InvalidRequest::EmptyCredentials));
    }
    if value.len() > max_token_bytes {
        return Err(bad(InvalidRequest::BasicTooLong));
    }
    // What is sent on is the value as it came; of the decoded bytes only
    // the client id is kept, and the secret half is dropped here.
    let decoded = decoded(value).map_err(|_| bad(InvalidRequest::BadBase64))?;
    let text =
        std::str::from_utf8(&decoded).map_err(|_| bad(InvalidRequest::NotClientAndSecret))?;
    let (id, _secret) = text
        .split_once(':')
        .ok_or(bad(InvalidRequest::NotClientAndSecret))?;
    // An id the issuer cannot form-decode either is refused here, rather
    // than counted under a name of our own making.
    let client_id = percent::decode(id, true)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(bad(InvalidRequest::BadClientId))?;
    Ok(Credentials::Basic {
        value: Secret::new(value),
        client_id,
    })
}

/// A Basic value's bytes, padded or not.
fn decoded(value: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let engine = if value.ends_with('=') {
        &PADDED
    } else {
        &UNPADDED
    };
    engine.decode(value)
}

/// Whether a Basic value has a secret after its client id's colon. One
/// with none may be an API key sent as the user name (`curl -u KEY:`):
/// its "client id" is then no id to write in a log line.
pub fn has_secret(value: &str) -> bool {
    decoded(value).is_ok_and(|bytes| {
        bytes
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|colon| colon + 1 < bytes.len())
    })
}

#[cfg(test)]
mod tests;
