use super::*;
use serde_json::json;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000;

/// The first example of the Authn docs ("Response customer login").
const AUTHN_CUSTOMER: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6IjRhekgzb01hQXlBVVFlN0llNkJrIiwiZXhwIjoxNTg2MzU1NTc2LCJncm91cHMiOiJjdXN0b21lciIsImlhdCI6MTU4NjM1MTk3NiwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJtb2kiOjIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJmdW5ra3lzczFAaG90bWFpbC5jb20iLCJ0ZW5hbnQiOiIyIiwidGlkIjoiOTU1MWU0MzEtODdhZC00MWI2LTg1MDYtMWI5YjhiZTM3ODQwIiwidXNlcl9tZXRhZGF0YSI6eyJncm91cHMiOlsiY3VzdG9tZXIiXX19.OYkt_XoVZw1TyJizkmGWH71y8iwmQx95gHDfUj5vxqCHHcIUZXG4siCtlTZCxUo-Ppxa-SDEwIIf5BEP3zJ7cc-t_ua5AAlPRtEFVRP81-5fBcwT1xKq8-J7Agfg_YXPIX7TnYt5Q7DA0AxWzHiEJ11HCzCWXK2ofShoTSgej80v5eRfGRUpycBUbEgsrnD0doF9YH4QZcrxVFpZ-O7hwH6fp5JmZjH46kUYV0c1TQgMF0WH48tfQWyMGapdylJtus5vZV3WK1AOhtwubGaa1xmWJXn1LdzxvDMh3at_h2XeLq_eTti6IPPlqYZesI97XNtJ1NYAsdzQTeKFwS1Pjg";

#[test]
fn the_authn_example_decodes() {
    let r = decode(AUTHN_CUSTOMER, NOW);
    assert!(r.diagnosis.problem.is_none());
    let payload = r.diagnosis.payload.as_ref().unwrap();
    assert_eq!(payload["tenant"], "2");
    assert_eq!(payload["groups"], "customer");
    let exp = r.times.iter().find(|t| t.claim == "exp").unwrap();
    assert_eq!(exp.utc, "2020-04-08T14:19:36Z");
    assert!(exp.summary.starts_with("expired ") && !exp.ok);
    let paths: Vec<&str> = r.claims.iter().map(|c| c.path.as_str()).collect();
    for p in ["tenant", "groups", "cid", "tid", "scope", "kid"] {
        assert!(paths.contains(&p), "{p}");
    }
    let texts: Vec<&str> = r.notes.iter().map(|n| n.text.as_str()).collect();
    assert!(texts.contains(&"acts for organisation 2 (from tenant, with the default org_claims)"));
    assert!(texts.contains(&"roles the edge reads: customer"));
    let (hp, _) = AUTHN_CUSTOMER.rsplit_once('.').unwrap();
    assert_eq!(r.shareable.unwrap(), format!("{hp}."));
}

#[test]
fn warnings_for_what_the_edge_refuses() {
    let t = format!(
        "{}.{}.",
        b64::encode(br#"{"alg":"none","jku":"https://evil.example"}"#),
        b64::encode(json!({"typ": "Refresh", "sub": "x"}).to_string().as_bytes())
    );
    let r = decode(&t, NOW);
    assert!(r.diagnosis.problem.is_none());
    let warns: Vec<&str> = r
        .notes
        .iter()
        .filter(|n| n.level == "warn")
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(warns.len(), 4, "{warns:?}");
    assert!(warns[0].contains("algorithm_not_allowed"));
    assert!(warns.iter().any(|w| w.contains("no exp")));
    assert!(warns.iter().any(|w| w.contains("Refresh")));
    assert!(r.notes.iter().any(|n| n.text.contains("never fetches")));
    assert!(r.notes.iter().any(|n| n.text.contains("no signature")));
}

/// A token of the given claims, unsigned: Decode never needs the key.
fn unsigned(claims: serde_json::Value) -> String {
    format!(
        "{}.{}.",
        b64::encode(br#"{"alg":"RS256","kid":"k1"}"#),
        b64::encode(claims.to_string().as_bytes())
    )
}

/// What the worker's extraction says of one `Authorization` value.
fn worker_says(value: &str) -> crate::error::AuthError {
    crate::extract::extract(&[value], 8192, true).unwrap_err()
}

#[test]
fn an_authorization_value_is_read_as_the_worker_reads_it() {
    let unsupported = worker_says("Token x");
    assert_eq!(unsupported.code(), "invalid_request");
    for value in [
        format!("Bearer\t{AUTHN_CUSTOMER}"),
        format!("Bearer: {AUTHN_CUSTOMER}"),
        format!("Authorization: Bearer: {AUTHN_CUSTOMER}"),
        format!("authorization: {AUTHN_CUSTOMER}"),
    ] {
        let r = decode(&value, NOW);
        let p = r.diagnosis.problem.expect("the worker refuses it");
        assert_eq!(
            (p.code, p.reason),
            (Some("invalid_request"), unsupported.detail()),
            "{}",
            &value[..20]
        );
        // No character of the token is at fault: the scheme is.
        assert_eq!((p.offset, p.at), (None, None));
    }
    let two = format!("Bearer {AUTHN_CUSTOMER} {AUTHN_CUSTOMER}");
    let p = decode(&two, NOW).diagnosis.problem.unwrap();
    assert_eq!(p.reason, worker_says(&two).detail());
    let basic = decode("Basic !not-base64!", NOW).diagnosis.problem.unwrap();
    assert_eq!(
        (basic.code, basic.reason),
        (
            Some("invalid_request"),
            worker_says("Basic !not-base64!").detail()
        )
    );
}

#[test]
fn what_the_worker_takes_stays_well_formed_and_a_bare_token_a_token() {
    for input in [
        AUTHN_CUSTOMER.to_string(),
        format!("Bearer {AUTHN_CUSTOMER}"),
        format!("Authorization: bearer   {AUTHN_CUSTOMER}\n"),
    ] {
        let r = decode(&input, NOW);
        assert!(r.diagnosis.problem.is_none(), "{:?}", r.diagnosis.problem);
    }
    assert_eq!(decode(AUTHN_CUSTOMER, NOW).diagnosis.input, "token");
    assert!(decode("Basic Zm9vOmJhcg==", NOW)
        .diagnosis
        .problem
        .unwrap()
        .reason
        .contains("Basic credentials"));
}

#[test]
fn a_bearer_tokens_stray_character_has_the_workers_reason_and_the_pages_place() {
    let (hd, rest) = AUTHN_CUSTOMER.split_once('.').unwrap();
    let broken = format!("Bearer {hd}.{}+{}", &rest[..10], &rest[11..]);
    let p = decode(&broken, NOW).diagnosis.problem.unwrap();
    let worker = worker_says(&broken);
    assert_eq!((p.code, p.reason), (Some(worker.code()), worker.detail()));
    assert_eq!(
        p.at.as_deref(),
        Some("character 11 of the payload is '+' (standard base64, not base64url)")
    );
    assert_eq!(p.offset, Some("Bearer ".len() + hd.len() + 1 + 10));
}

#[test]
fn a_stray_character_in_a_token_without_dots_marks_no_place() {
    // The worker's reason is the `+`; the diagnosis's first fault is
    // the missing dots, which must not be shown as the place of it.
    let p = decode("Bearer abc+def", NOW).diagnosis.problem.unwrap();
    let worker = worker_says("Bearer abc+def");
    assert_eq!((p.code, p.reason), (Some(worker.code()), worker.detail()));
    assert_eq!((p.offset, p.at), (None, None));
}

fn exp_note(r: &DecodeReport) -> &TimeNote {
    r.times.iter().find(|t| t.claim == "exp").unwrap()
}

#[test]
fn past_exp_within_the_default_leeway_is_still_accepted() {
    let late = decode(&unsigned(json!({"exp": NOW - 6})), NOW);
    let exp = exp_note(&late);
    assert!(exp.ok, "{exp:?}");
    assert!(
        exp.summary.contains("expired 6 s ago") && exp.summary.contains("default leeway of 30 s"),
        "{}",
        exp.summary
    );
    assert!(WITHIN_LEEWAY.ends_with(&format!(" {DEFAULT_LEEWAY} s")));
    // From exp + leeway on, the edge refuses it, and the page says so.
    for gone in [NOW - 30, NOW - 3600] {
        let r = decode(&unsigned(json!({"exp": gone})), NOW);
        let exp = exp_note(&r);
        assert!(!exp.ok && !exp.summary.contains("leeway"), "{exp:?}");
    }
    // nbf and iat a little ahead of the clock: also within the leeway.
    let skewed = decode(
        &unsigned(json!({"exp": NOW + 600, "nbf": NOW + 10, "iat": NOW + 10})),
        NOW,
    );
    assert!(skewed.times.iter().all(|t| t.ok), "{:?}", skewed.times);
    let ahead = decode(&unsigned(json!({"exp": NOW + 600, "nbf": NOW + 31})), NOW);
    assert!(!ahead.times[1].ok, "{:?}", ahead.times);
}

#[test]
fn malformed_input_still_reports() {
    let r = decode("Bearer not-a-token", NOW);
    let p = r.diagnosis.problem.as_ref().unwrap();
    assert_eq!(p.code, Some("invalid_token"));
    assert!(r.shareable.is_none());
    assert!(r.times.is_empty() && r.claims.is_empty());
    // The whole report serialises for the page.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["input"], "bearer");
    assert_eq!(v["problem"]["code"], "invalid_token");
}
