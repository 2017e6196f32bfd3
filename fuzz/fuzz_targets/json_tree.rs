//! The edge's JSON parser (src/json_tree.rs) against the page's strict
//! parse (src/token/strict.rs, serde_json with repeated members refused),
//! on arbitrary bytes.
//!
//! They must accept the same texts, refuse the rest alike (not JSON, or
//! JSON but not an object) and read the same values: the page explains a
//! token by one, the edge decides by the other.
#![no_main]

use edge_authz::json_tree::{parse_object, Refused};
use edge_authz::token::strict;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let ours = parse_object(data.to_vec());
    let theirs = strict::from_slice(data);
    match (ours, theirs) {
        (Ok(tree), Ok(Value::Object(map))) => {
            // Both read numbers with serde_json, so values are equal exactly.
            assert_eq!(tree.to_map(), map, "the parsers read different values");
            for (name, value) in &map {
                assert_eq!(tree.get(name).map(|v| v.to_serde()).as_ref(), Some(value));
            }
        }
        (Err(Refused::NotObject), Ok(v)) => assert!(!v.is_object()),
        (Err(Refused::NotJson), Err(_)) => {}
        (ours, theirs) => panic!(
            "json_tree {:?}, strict {:?}",
            ours.err(),
            theirs.map(|_| ())
        ),
    }
});
