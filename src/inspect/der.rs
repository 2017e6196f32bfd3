//! Just enough DER (X.690) to read the keys people paste: definite-length
//! TLVs, walked without copying. The page's keys are small and well-formed
//! or refused; a general ASN.1 library would be most of the page's size.

/// Universal tags the key formats use.
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const OID: u8 = 0x06;
pub const SEQUENCE: u8 = 0x30;

/// Object identifiers, as their DER content bytes.
pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// A cursor over the contents of one constructed value.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(der: &'a [u8]) -> Self {
        Reader { rest: der }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next value's tag and contents.
    pub fn any(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        // High tag numbers (low five bits all set) never occur in these formats.
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            // Long form: 1 to 4 length bytes, minimal, no indefinite length.
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (bytes, after) = rest.split_at(count);
            rest = after;
            if bytes[0] == 0 {
                return None;
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return None;
            }
            len
        };
        if rest.len() < len {
            return None;
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Some((tag, contents))
    }

    /// The next value, which must carry `tag`.
    pub fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.any()? {
            (t, contents) if t == tag => Some(contents),
            _ => None,
        }
    }

    pub fn sequence(&mut self) -> Option<Reader<'a>> {
        self.expect(SEQUENCE).map(Reader::new)
    }

    /// A non-negative INTEGER's magnitude, big-endian, without the sign byte.
    pub fn unsigned(&mut self) -> Option<&'a [u8]> {
        let bytes = self.expect(INTEGER)?;
        match bytes {
            [] => None,
            [first, ..] if first & 0x80 != 0 => None,
            [0, rest @ ..] if !rest.is_empty() => Some(rest),
            _ => Some(bytes),
        }
    }

    /// A BIT STRING of whole bytes.
    pub fn bit_string(&mut self) -> Option<&'a [u8]> {
        match self.expect(BIT_STRING)? {
            [0, bytes @ ..] => Some(bytes),
            _ => None,
        }
    }
}

/// The whole input is exactly one SEQUENCE: its contents.
pub fn top_sequence(der: &[u8]) -> Option<Reader<'_>> {
    let mut outer = Reader::new(der);
    let seq = outer.sequence()?;
    outer.is_empty().then_some(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn short_and_long_lengths() {
        let mut r = Reader::new(&[0x02, 0x01, 0x05, 0x04, 0x81, 0x80]);
        assert_eq!(r.unsigned(), Some(&[5u8][..]));
        // 0x81 0x80 announces 128 bytes that are not there.
        assert_eq!(r.any(), None);
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 128]);
        assert_eq!(
            Reader::new(&long).expect(OCTET_STRING).map(<[u8]>::len),
            Some(128)
        );
    }

    #[test]
    fn non_minimal_or_indefinite_lengths_are_refused() {
        assert_eq!(Reader::new(&[0x04, 0x81, 0x01, 0x00]).any(), None);
        assert_eq!(Reader::new(&[0x04, 0x82, 0x00, 0x80]).any(), None);
        assert_eq!(Reader::new(&[0x30, 0x80, 0x00, 0x00]).any(), None);
    }

    #[test]
    fn integers_lose_their_sign_byte_and_negatives_are_refused() {
        assert_eq!(
            Reader::new(&[0x02, 0x02, 0x00, 0x80]).unsigned(),
            Some(&[0x80u8][..])
        );
        assert_eq!(Reader::new(&[0x02, 0x01, 0x80]).unsigned(), None);
        assert_eq!(
            Reader::new(&[0x02, 0x01, 0x00]).unsigned(),
            Some(&[0u8][..])
        );
        assert_eq!(Reader::new(&[0x02, 0x00]).unsigned(), None);
    }

    #[test]
    fn one_sequence_and_nothing_after_it() {
        assert!(top_sequence(&[0x30, 0x00]).is_some());
        assert!(top_sequence(&[0x30, 0x00, 0x00]).is_none());
        assert!(top_sequence(&[0x31, 0x00]).is_none());
    }
}
