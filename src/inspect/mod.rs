//! What the browser page does with what people paste: decode a token and
//! say where it is malformed, verify it against a pasted key, explain the
//! decision the edge would make for a config and a request, and build
//! client credentials. All of it over the core the worker uses, with no
//! I/O: the clock and the randomness are passed in. The wasm-bindgen glue
//! lives in `browser_face`; everything here is plain Rust, tested natively.

pub mod basic;
pub mod decode;
pub mod explain;
pub mod issuers;
pub mod keys;
pub mod verify;

#[cfg(feature = "browser")]
pub mod assertion;
#[cfg(feature = "browser")]
mod der;
#[cfg(feature = "browser")]
pub mod pem;

/// Added to the edge's detail for a token whose signature part is empty:
/// the page's own links leave it out, so a token opened from one cannot
/// verify, and the edge's words alone would not say why it is empty.
pub(crate) const NO_SIGNATURE_HINT: &str = ": links from the page leave it out";

/// A string in single quotes for a POSIX shell, for the curl lines.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
    }
}
