//! JSON text written straight into a `String`, for the worker's answer on
//! every request. serde_json's serializer escapes a string by looking up
//! each byte and writing through `io::Write`: compiled to wasm at
//! `opt-level = "z"` that was a tenth of a remembered token's decision in a
//! V8 profile, for some 400 bytes of names, paths and claims. Here a string
//! that needs no escape (nearly all of them) is copied whole.

/// A JSON text under construction; the caller writes the punctuation.
pub struct JsonText(String);

impl JsonText {
    pub fn with_capacity(bytes: usize) -> JsonText {
        JsonText(String::with_capacity(bytes))
    }

    /// Punctuation, a number or a literal, as it is.
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self
    }

    /// A JSON string: quoted, with `"`, `\` and control characters escaped
    /// as serde_json escapes them. Everything else, non-ASCII included,
    /// goes as it is: JSON text is UTF-8.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.0.push('"');
        let mut clean = 0;
        for (i, &b) in s.as_bytes().iter().enumerate() {
            let escaped = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            // Only ASCII bytes reach here, so `clean..i` and `i + 1..`
            // fall on character boundaries.
            self.0.push_str(&s[clean..i]);
            if escaped.is_empty() {
                self.0.push_str("\\u00");
                self.0.push(HEX[usize::from(b >> 4)] as char);
                self.0.push(HEX[usize::from(b & 0xf)] as char);
            } else {
                self.0.push_str(escaped);
            }
            clean = i + 1;
        }
        self.0.push_str(&s[clean..]);
        self.0.push('"');
        self
    }

    /// A string, or `null`.
    pub fn option(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.string(s),
            None => self.raw("null"),
        }
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn written(s: &str) -> String {
        let mut out = JsonText::with_capacity(0);
        out.string(s);
        out.into_string()
    }

    #[test]
    fn every_ascii_character_is_written_as_serde_json_writes_it() {
        for b in 0..=0x7fu8 {
            let s = format!("a{}b", b as char);
            assert_eq!(
                written(&s),
                serde_json::to_string(&s).unwrap(),
                "byte {b:#04x}"
            );
        }
    }

    #[test]
    fn texts_read_back_as_themselves() {
        for s in [
            "",
            "/orgs/{org}/*",
            "https://sso.example.com/realms/acme",
            "say \"hi\"\\ to\r\nthe\tlog",
            "\u{0}\u{1f}\u{7f}",
            "é, ü, 漢字, 🙂, \u{2028}\u{2029}",
            "\"",
            "ends with a quote\"",
            "\\",
        ] {
            let text = written(s);
            assert_eq!(text, serde_json::to_string(s).unwrap());
            let back: String = serde_json::from_str(&text).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn options_and_punctuation_compose_an_object() {
        let mut out = JsonText::with_capacity(64);
        out.raw("{\"a\":")
            .option(Some("x"))
            .raw(",\"b\":")
            .option(None)
            .raw(",\"n\":")
            .raw(&401.to_string())
            .raw("}");
        let text = out.into_string();
        assert_eq!(text, r#"{"a":"x","b":null,"n":401}"#);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["n"], 401);
    }
}
