//! Percent-decoding (RFC 3986 2.1), shared by route paths and the client id
//! in Basic credentials: one reading of `%XX`, so the edge cannot decode a
//! value one way for routing and another way for rate limiting.

/// The bytes `s` stands for. With `plus_is_space`, `+` is a space, as in
/// `application/x-www-form-urlencoded` (what RFC 6749 2.3.1 prescribes for
/// client ids and secrets); paths keep `+` as it is.
///
/// `None` when a `%` is not followed by two hex digits. Readers disagree on
/// such text (WHATWG keeps the `%`, Java's `URLDecoder` throws), so no one
/// reading of it can be trusted to be the origin's or the issuer's.
pub fn decode(s: &str, plus_is_space: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|h| hex(*h))?;
                let lo = bytes.get(i + 2).and_then(|l| hex(*l))?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` (the WHATWG URL standard's set):
/// ASCII letters, digits and `*-._` stay, space becomes `+`, every other
/// UTF-8 byte is `%XX` (upper-case hex). RFC 6749 2.3.1 has client ids and
/// secrets encoded so before they are joined for Basic.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn text(s: &str, plus_is_space: bool) -> Option<String> {
        decode(s, plus_is_space).and_then(|b| String::from_utf8(b).ok())
    }

    #[test]
    fn escapes_in_either_case() {
        assert_eq!(text("a%41%62", false).as_deref(), Some("aAb"));
        assert_eq!(text("%e2%82%AC", false).as_deref(), Some("€"));
        assert_eq!(text("", false).as_deref(), Some(""));
        assert_eq!(decode("%FF", false), Some(vec![0xFF]), "bytes, not text");
    }

    #[test]
    fn plus_only_in_forms() {
        assert_eq!(text("a+b%2B", true).as_deref(), Some("a b+"));
        assert_eq!(text("a+b%2B", false).as_deref(), Some("a+b+"));
    }

    #[test]
    fn broken_escapes_are_refused() {
        for bad in ["100%", "%4", "%zz", "%g0", "a%%41", "é%"] {
            assert_eq!(decode(bad, false), None, "{bad:?}");
            assert_eq!(decode(bad, true), None, "{bad:?}");
        }
    }

    #[test]
    fn form_encoding_per_appendix_b() {
        assert_eq!(form_encode("abcXYZ019*-._"), "abcXYZ019*-._");
        assert_eq!(form_encode("a b+c:d%e"), "a+b%2Bc%3Ad%25e");
        assert_eq!(form_encode("~!'()/"), "%7E%21%27%28%29%2F");
        assert_eq!(form_encode("é€"), "%C3%A9%E2%82%AC");
    }
}
