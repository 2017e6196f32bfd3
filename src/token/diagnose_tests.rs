use super::*;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn token(header: &str, payload: &str) -> String {
    format!(
        "{}.{}.{}",
        b64::encode(header.as_bytes()),
        b64::encode(payload.as_bytes()),
        b64::encode(b"sig")
    )
}

fn good() -> String {
    token(r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"iss":"x","exp":1}"#)
}

fn problem(input: &str) -> Problem {
    diagnose(input).problem.expect("a problem")
}

/// The reason is always the decoder's.
fn same_reason_as_decode(input: &str) {
    let d = diagnose(input);
    if matches!(d.input, "empty" | "basic") {
        return;
    }
    let decoded = decode(&d.token);
    match (&d.problem, decoded) {
        (None, Ok(_)) => {}
        (Some(p), Err(e)) => assert_eq!(p.reason, e.detail(), "{input}"),
        (p, e) => panic!("disagree on {input}: {p:?} vs {e:?}"),
    }
}

#[test]
fn a_good_token_in_three_wrappings() {
    let t = good();
    for (input, kind, start) in [
        (t.clone(), "token", 0),
        (format!("  Bearer {t}\n"), "bearer", 9),
        (format!("Authorization: bearer   {t}"), "header", 24),
        (format!("authorization:Bearer {t}"), "header", 21),
    ] {
        let d = diagnose(&input);
        assert_eq!((d.input, d.token_start), (kind, start), "{input}");
        assert_eq!(d.token, t);
        assert!(d.problem.is_none());
        assert_eq!(d.header.as_ref().unwrap()["alg"], "RS256");
        assert_eq!(d.payload.as_ref().unwrap()["iss"], "x");
        let names: Vec<&str> = d.parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["header", "payload", "signature"]);
        assert_eq!(
            &input[d.parts[1].start..d.parts[1].end],
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(d.parts[2].bytes, Some(3));
    }
}

#[test]
fn empty_and_basic_are_not_tokens() {
    for input in ["", "   ", "Bearer ", "Authorization: Bearer"] {
        let d = diagnose(input);
        assert_eq!(d.input, "empty", "{input:?}");
        assert!(d.problem.unwrap().reason.contains("nothing to decode"));
    }
    let d = diagnose("Authorization: Basic Y2xpZW50OnNlY3JldA==");
    assert_eq!(d.input, "basic");
    assert!(d.problem.unwrap().reason.contains("Basic credentials"));
}

#[test]
fn base64_faults_point_at_the_character() {
    let t = good();
    let dot = t.find('.').unwrap();
    // A '+' as the 5th character of the payload.
    let mut bad = t.clone();
    bad.replace_range(dot + 5..dot + 6, "+");
    let p = problem(&format!("Bearer {bad}"));
    assert_eq!(p.segment.as_deref(), Some("payload"));
    assert_eq!(p.offset, Some(7 + dot + 5));
    assert!(p.at.unwrap().contains("character 5 of the payload is '+'"));
    assert_eq!(p.code, Some("invalid_token"));
    assert_eq!(
        p.reason,
        "the token is malformed: the payload is not base64url"
    );

    // A line break pasted into the header.
    let wrapped = format!("{}\n{}", &t[..10], &t[10..]);
    let p = problem(&wrapped);
    assert_eq!((p.segment.as_deref(), p.offset), (Some("header"), Some(10)));
    assert!(p.at.unwrap().contains("a line break"));

    // Padding on the signature.
    let padded = format!("{t}=");
    let p = problem(&padded);
    assert_eq!(p.segment.as_deref(), Some("signature"));
    assert!(p.at.unwrap().contains("padding"));
    same_reason_as_decode(&padded);
}

#[test]
fn a_truncated_part_is_a_length_fault() {
    let t = good();
    let (head, rest) = t.split_once('.').unwrap();
    let cut = format!("{}.{rest}", &head[..head.len() - 3]);
    let p = problem(&cut);
    assert_eq!(p.segment.as_deref(), Some("header"));
    assert!(
        p.at.unwrap().contains("characters"),
        "length or last symbol"
    );
    same_reason_as_decode(&cut);
}

#[test]
fn json_faults_say_line_and_column() {
    let dup = token(r#"{"alg":"RS256"}"#, r#"{"iss":"a","iss":"b"}"#);
    let d = diagnose(&dup);
    let p = d.problem.clone().unwrap();
    assert_eq!(p.segment.as_deref(), Some("payload"));
    let at = p.at.unwrap();
    assert!(at.contains("line 1 column"), "{at}");
    assert!(at.contains("duplicate member"), "{at}");
    assert!(p.offset.unwrap() > d.parts[1].start);
    assert!(p.offset.unwrap() < d.parts[1].end);
    assert_eq!(d.parts[1].text.as_deref(), Some(r#"{"iss":"a","iss":"b"}"#));
    assert!(d.header.is_some() && d.payload.is_none());

    let array = token(r#"["RS256"]"#, "{}");
    let p = problem(&array);
    assert_eq!(p.segment.as_deref(), Some("header"));
    assert!(p.at.unwrap().contains("not an object"));
}

#[test]
fn part_counts() {
    let t = good();
    let (two, _) = t.rsplit_once('.').unwrap();
    let p = problem(two);
    assert_eq!(p.offset, Some(two.len()));
    assert!(p.at.unwrap().contains("signature part is missing"));
    let p = problem(&format!("{t}.more"));
    assert_eq!(p.offset, Some(t.len()));
    assert!(p.at.unwrap().contains("4 parts"));
    assert!(problem("abc").at.unwrap().contains("no dots"));
    let jwe_header = crate::b64::encode(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#);
    let p = problem(&format!("{jwe_header}.b.c.d.e"));
    assert_eq!(
        p.reason,
        "the token is malformed: encrypted tokens (JWE) are not accepted"
    );
    assert!(p.at.unwrap().contains("encrypted token (JWE)"));
    let p = problem(&format!("{t}{t}"));
    assert!(p.reason.contains("two tokens run together"), "{}", p.reason);
    assert!(p.at.unwrap().contains("two tokens run together"));
    // The parts that do decode are still shown.
    let d = diagnose(two);
    assert!(d.header.is_some() && d.payload.is_some());
}

#[test]
fn refused_header_members_are_named() {
    for (header, member) in [
        (r#"{"alg":"RS256","crit":["x"]}"#, "crit"),
        (r#"{"alg":"RS256","cty":"JWT"}"#, "cty"),
        (r#"{"alg":"RS256","typ":"JWS"}"#, "typ"),
        (r#"{"alg":7}"#, "alg"),
        (r#"{"typ":"JWT"}"#, "alg"),
        (r#"{"alg":"RS256","kid":1}"#, "kid"),
    ] {
        let t = token(header, "{}");
        let d = diagnose(&t);
        let p = d.problem.clone().unwrap();
        assert_eq!(p.segment.as_deref(), Some("header"), "{header}");
        assert_eq!(
            p.at.unwrap(),
            format!("the header member \"{member}\""),
            "{header}"
        );
        assert!(d.header.is_some() && d.payload.is_some());
        same_reason_as_decode(&t);
    }
}

#[test]
fn stripped_tokens_decode() {
    let t = good();
    let stripped = format!("{}.", t.rsplit_once('.').unwrap().0);
    let d = diagnose(&stripped);
    assert!(d.problem.is_none());
    assert_eq!(d.parts[2].bytes, Some(0));
}

#[test]
fn never_panics_on_odd_text() {
    for input in [
        "é",
        "Authorizatioé: x",
        "Bearer é.é.é",
        "....",
        ".",
        "Bearer\u{a0}x",
        "\u{0}",
        "authorization:",
        "Authorization: Basic",
        "a.b.c",
        "e30.e30.",
        "e30.e30.e30.e30",
    ] {
        same_reason_as_decode(input);
    }
}

#[test]
fn a_non_ascii_character_is_pointed_at_whole() {
    // Found by fuzzing: base64 named the second byte of 'Ĳ' (and the
    // offset split the character the page then marks).
    let p = problem("Authorization: BciOiJcĲ.5.F");
    assert_eq!(p.offset, Some(22));
    assert!(
        p.at.as_deref()
            .unwrap()
            .contains("character 8 of the header is 'Ĳ' (not ASCII)"),
        "{p:?}"
    );
    let input = "Bearer aé.e30.";
    let p = problem(input);
    assert_eq!(p.offset, Some(8));
    assert!(input.is_char_boundary(8));
    assert!(p.at.unwrap().contains("character 2 of the header is 'é'"));
}
