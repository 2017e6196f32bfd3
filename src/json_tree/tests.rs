use super::parse::{heapsort, PAIRWISE};
use super::*;
use crate::token::strict;
use serde_json::json;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// What the page's strict parse makes of `text`: the same refusal, or the
/// same object (numbers too: both read them with serde_json).
fn agree(text: &str) {
    let ours = parse_object(text.as_bytes().to_vec());
    let theirs = strict::from_slice(text.as_bytes());
    match (&ours, theirs) {
        (Ok(tree), Ok(serde_json::Value::Object(map))) => {
            assert_eq!(tree.to_map(), map, "{text:?}")
        }
        (Err(Refused::NotObject), Ok(v)) => assert!(!v.is_object(), "{text:?}"),
        (Err(Refused::NotJson), Err(_)) => {}
        (ours, theirs) => panic!("{text:?}: ours {ours:?}, strict {theirs:?}"),
    }
}

#[test]
fn accepts_and_refuses_what_the_strict_parse_does() {
    for text in [
        // Objects and values of every kind.
        r#"{}"#,
        r#" { "a" : 1 } "#,
        "\t{\r\n\"a\":[]}\n",
        r#"{"a":[1,-2,3.5,"x",null,true,false,{"b":{}},[]]}"#,
        r#"{"":""}"#,
        r#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#,
        // Strings: escapes, surrogate pairs, raw multi-byte text.
        r#"{"s":"\"\\\/\b\f\n\r\t"}"#,
        r#"{"s":"\u00e9\u20AC\ud83d\ude00 and \u0000"}"#,
        r#"{"s":"é€😀 plain"}"#,
        r#"{"s":"a\u0062c","t":"x"}"#,
        r#"{"s":"\ud800"}"#,
        r#"{"s":"\udc00"}"#,
        r#"{"s":"\ud800\u0041"}"#,
        r#"{"s":"\ud800x"}"#,
        r#"{"s":"\x"}"#,
        r#"{"s":"\u12"}"#,
        r#"{"s":"\u12G4"}"#,
        "{\"s\":\"tab\there\"}",
        "{\"s\":\"nl\nhere\"}",
        r#"{"s":"unterminated}"#,
        r#"{"s":"ends in a backslash\"#,
        // Numbers.
        r#"{"n":0,"m":-0,"f":-0.0,"e":1e3,"E":1E+3,"x":2.5e-3}"#,
        r#"{"n":18446744073709551615,"m":18446744073709551616}"#,
        r#"{"n":-9223372036854775808,"m":-9223372036854775809}"#,
        r#"{"n":123456789012345678901234567890}"#,
        r#"{"n":1e308,"m":-1e308,"s":1e-400,"z":0e99999999999999999999}"#,
        r#"{"n":1e309}"#,
        r#"{"n":-1e309}"#,
        r#"{"n":1700000000.9999999}"#,
        r#"{"n":01}"#,
        r#"{"n":-}"#,
        r#"{"n":1.}"#,
        r#"{"n":.5}"#,
        r#"{"n":1e}"#,
        r#"{"n":+1}"#,
        r#"{"n":NaN}"#,
        r#"{"n":Infinity}"#,
        r#"{"n":0x10}"#,
        // Literals and structure.
        r#"{"t":tru}"#,
        r#"{"t":truex}"#,
        r#"{"t":nulL}"#,
        r#"{"a":1,}"#,
        r#"{"a":[1,]}"#,
        r#"{"a" 1}"#,
        r#"{a:1}"#,
        r#"{'a':1}"#,
        r#"{"a":1}}"#,
        r#"{"a":1} x"#,
        r#"{"a":1}{}"#,
        "{\"a\":1}\u{a0}",
        "\u{feff}{}",
        "{\u{c}}",
        "",
        " ",
        "{",
        // Repeated members, at any depth, compared unescaped.
        r#"{"iss":"a","iss":"b"}"#,
        r#"{"x":{"k":1,"k":1}}"#,
        r#"{"x":[{"k":1},{"k":1,"k":2}]}"#,
        r#"{"iss":"a","\u0069ss":"b"}"#,
        r#"{"k":1,"K":2}"#,
        r#"{"a":{"k":1},"b":{"k":1}}"#,
        // Names past six bytes that share their first six.
        r#"{"resource_access":1,"resource_accesz":2,"resource":3,"resourc":4}"#,
        r#"{"resource_access":1,"resource_access":2}"#,
        r#"{"resource_access":1,"resource_acces\u0073":2}"#,
        r#"{"abcdef":1,"abcdefg":2,"abcde":3,"":4,"a":5}"#,
        r#"{"":1,"":2}"#,
        // Not objects.
        r#"[]"#,
        r#""text""#,
        r#"1"#,
        r#"null"#,
    ] {
        agree(text);
    }
}

#[test]
fn refuses_invalid_utf8_like_the_strict_parse() {
    for bytes in [
        &b"{\"s\":\"\xff\"}"[..],
        b"{\"s\":\"\xc3\"}",
        b"{\"\xed\xa0\x80\":1}",
    ] {
        assert_eq!(parse_object(bytes.to_vec()).unwrap_err(), Refused::NotJson);
        assert!(strict::from_slice(bytes).is_err());
    }
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [126, 127, 128, 129, 10_000] {
        let arrays = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        );
        agree(&arrays);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        agree(&objects);
    }
    let at_limit = format!("{}1{}", r#"{"a":"#.repeat(127), "}".repeat(127));
    assert!(parse_object(at_limit.into_bytes()).is_ok());
}

/// Large objects are checked by sorting their names; every size around the
/// switch must still find a repeat wherever it sits.
#[test]
fn repeats_are_found_in_objects_of_every_size() {
    for members in [2, 3, PAIRWISE - 1, PAIRWISE, PAIRWISE + 1, 40, 1_000] {
        let names: Vec<String> = (0..members).map(|i| format!("m{i}")).collect();
        let object = |names: &[String]| {
            let inner: Vec<String> = names.iter().map(|n| format!("{n:?}:[{n:?}]")).collect();
            format!("{{{}}}", inner.join(","))
        };
        assert!(
            parse_object(object(&names).into_bytes()).is_ok(),
            "{members}"
        );
        for (from, to) in [
            (0, members - 1),
            (members - 1, members - 2),
            (members / 2, 0),
        ] {
            let mut repeated = names.clone();
            repeated[to] = names[from].clone();
            let text = object(&repeated);
            assert_eq!(
                parse_object(text.into_bytes()).unwrap_err(),
                Refused::NotJson,
                "{members} members, {from} repeated at {to}"
            );
        }
        // A repeat spelt with an escape is a repeat too.
        let mut escaped = names.clone();
        escaped[members - 1] = "\\u006d0".into();
        let inner: Vec<String> = escaped.iter().map(|n| format!("\"{n}\":1")).collect();
        agree(&format!("{{{}}}", inner.join(",")));
    }
}

/// A name's length goes into its key capped, not cut: a name of 65,542
/// bytes is no repeat of a six-byte one (found in review: 65,542 is 6
/// modulo 65,536).
#[test]
fn long_names_are_no_repeats_of_short_ones() {
    for long in [65_536 + 6, 65_536 + 3, 65_535, 65_536] {
        let name = format!("abcdef{}", "x".repeat(long - 6));
        agree(&format!(r#"{{"{name}":0,"abcdef":1,"abc":2}}"#));
        agree(&format!(r#"{{"{name}":0,"{name}":1}}"#));
    }
}

#[test]
fn values_read_as_serde_json_reads_them() {
    let text = r#"{"u":7,"neg":-7,"zero":-0,"f":1.5,"big":1e20,"s":"a\"b","arr":[1,"x"],
        "o":{"in":true},"nil":null}"#;
    let t = parse_object(text.as_bytes().to_vec()).unwrap();
    assert_eq!(t.get("u").and_then(num), Some(Number::Unsigned(7)));
    assert_eq!(t.get("neg").and_then(num), Some(Number::Negative(-7)));
    let Some(Number::Float(zero)) = t.get("zero").and_then(num) else {
        panic!("-0 is a float, as in serde_json");
    };
    assert!(zero == 0.0 && zero.is_sign_negative());
    assert_eq!(t.get("s").and_then(Value::as_str), Some("a\"b"));
    assert!(matches!(t.get("nil"), Some(Value::Null)));
    assert!(t.get("missing").is_none());
    let Some(Value::Object(o)) = t.get("o") else {
        panic!("o is an object");
    };
    assert!(matches!(o.get("in"), Some(Value::Bool(true))));
    assert!(
        o.get("u").is_none(),
        "members of the top level are not inside o"
    );
    let Some(Value::Array(a)) = t.get("arr") else {
        panic!("arr is an array");
    };
    assert_eq!(a.iter().count(), 2);
    // Written out as a serde_json number of the same text displays
    // (what a forwarded claim held before the tree).
    let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
    for (name, written) in [("u", "7"), ("neg", "-7"), ("f", "1.5"), ("big", "1e+20")] {
        let n = t.get(name).and_then(num).unwrap();
        assert_eq!(n.to_string(), written, "{name}");
        assert_eq!(theirs[name].as_number().unwrap().to_string(), written);
    }
    assert_eq!(
        t.names().collect::<Vec<_>>(),
        ["u", "neg", "zero", "f", "big", "s", "arr", "o", "nil"],
        "in the token's order"
    );
}

fn num(v: Value<'_>) -> Option<Number> {
    match v {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

#[test]
fn debug_shows_names_not_values() {
    let t = tree(json!({"sub": "alice@example.com", "o": {"secret": "s3"}}));
    let shown = format!("{t:?}");
    assert!(shown.contains("sub") && shown.contains('o'), "{shown}");
    assert!(!shown.contains("alice") && !shown.contains("s3"), "{shown}");
    let t = tree(json!({"sub": "alice@example.com", "n": 4_242, "o": {"k": "s3"}}));
    for name in ["sub", "n", "o"] {
        let shown = format!("{:?}", t.get(name).unwrap());
        assert!(
            !shown.contains("alice") && !shown.contains("4242") && !shown.contains("s3"),
            "{shown}"
        );
    }
}

#[test]
fn a_map_round_trips() {
    let v = json!({"a": [1, {"b": "c\u{e9}\"\n"}], "n": -1.25, "e": {}});
    let t = tree(v.clone());
    assert_eq!(serde_json::Value::Object(t.to_map()), v);
    assert_eq!(Tree::empty().names().count(), 0);
    assert!(Tree::empty().to_map().is_empty());
}

#[test]
fn heapsort_sorts() {
    let words = ["m", "", "b", "ba", "a", "zz", "b", "\u{e9}", "a"];
    for n in 0..=words.len() {
        let mut ours: Vec<&[u8]> = words[..n].iter().map(|w| w.as_bytes()).collect();
        let mut theirs = ours.clone();
        heapsort(&mut ours);
        theirs.sort();
        assert_eq!(ours, theirs, "{n}");
    }
}
