//! JSON parsing that refuses duplicate object members at any depth.
//!
//! `serde_json::Value` keeps the last of two equal keys, so
//! `{"iss":"a","iss":"b"}` would be read differently by us and by a parser
//! that keeps the first. Building the value through our own visitor lets us
//! see every key as it arrives. Depth stays bounded by serde_json's own
//! recursion limit (128), which applies to any visitor.
//!
//! The page's diagnosis parses with this; the edge decodes with
//! [`crate::json_tree`], which must accept exactly the same texts (its
//! tests and the `json_tree` fuzz target compare the two).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// Parses `bytes` as one JSON value; duplicate members are an error.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(bytes).map(|v| v.0)
}

/// A `serde_json::Value` whose deserialisation refuses repeated keys.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json never hands out a non-finite float, but say so anyway.
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One search of the map per member, for the check and the insert.
            match object.entry(key) {
                // The key is input: keep it out of the message.
                Entry::Occupied(_) => return Err(de::Error::custom("duplicate member")),
                Entry::Vacant(slot) => {
                    let StrictValue(v) = map.next_value()?;
                    slot.insert(v);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_what_serde_json_parses() {
        let text = br#"{"a":[1,-2,3.5,"x",null,true,{"b":{}}],"c":"\u00e9"}"#;
        let ours = from_slice(text).unwrap();
        let theirs: Value = serde_json::from_slice(text).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn refuses_duplicates_at_any_depth() {
        assert!(from_slice(br#"{"iss":"a","iss":"b"}"#).is_err());
        assert!(from_slice(br#"{"x":{"k":1,"k":1}}"#).is_err());
        assert!(from_slice(br#"[{"k":1},{"k":1,"k":2}]"#).is_err());
        // Equal after unescaping is still equal.
        assert!(from_slice(br#"{"iss":"a","\u0069ss":"b"}"#).is_err());
        assert!(from_slice(br#"{"k":1,"K":2}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(from_slice(deep.as_bytes()).is_err());
        let deep_obj = r#"{"a":"#.repeat(10_000) + "1" + &"}".repeat(10_000);
        assert!(from_slice(deep_obj.as_bytes()).is_err());
    }

    #[test]
    fn refuses_numbers_out_of_range_and_bad_text() {
        assert!(from_slice(b"1e309").is_err());
        assert!(from_slice(b"-1e309").is_err());
        assert!(from_slice(br#""\ud800""#).is_err());
        assert!(from_slice(b"{} x").is_err());
        assert!(from_slice(b"\xef\xbb\xbf{}").is_err());
    }
}
