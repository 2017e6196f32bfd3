//! Strict base64url (RFC 7515 section 2: no padding, no `+`/`/`, no whitespace).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Decodes unpadded base64url; anything else (padding, `+`, `/`, spaces,
/// non-canonical trailing bits) is an error.
pub fn decode(input: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(input)
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_padding_and_standard_alphabet() {
        assert!(decode("YQ==").is_err());
        assert!(decode("a+b/").is_err());
        assert!(decode("YW Jj").is_err());
        assert_eq!(decode("YWJj").unwrap(), b"abc");
    }
}
