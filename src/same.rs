//! Equality of long texts (a token, a header value holding one) a word at
//! a time. Compiled to wasm, `==` on slices calls compiler-builtins'
//! `memcmp`, which goes byte by byte: about a tenth of a remembered
//! token's decision in wasm, where the token is compared in full on every
//! hit and again against the inbound `Authorization` value.

/// `a == b`, as `[u8]` equality says.
pub fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// The same for bytes (a token's member names, natively too: short names
/// compared without a call to `memcmp`).
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    a_words
        .iter()
        .zip(b_words)
        .all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn agrees_with_eq_at_every_length_and_position() {
        let base: String = (0..40u8).map(|i| char::from(b'a' + i % 26)).collect();
        for len in 0..=base.len() {
            let a = &base[..len];
            assert!(same(a, a), "{len}");
            for i in 0..len {
                let mut b = a.as_bytes().to_vec();
                b[i] = b'#';
                let b = String::from_utf8(b).unwrap();
                assert!(!same(a, &b), "{len} {i}");
            }
            if len > 0 {
                assert!(!same(a, &base[..len - 1]), "shorter {len}");
            }
        }
    }
}
