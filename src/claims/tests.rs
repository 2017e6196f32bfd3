use super::*;
use crate::alg::Alg;
use crate::b64;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000;
const LEEWAY: u64 = 30;

fn issuer() -> IssuerConfig {
    IssuerConfig {
        issuer: "https://sso.example.com/realms/ScpCloud".into(),
        jwks_uri: None,
        token_endpoint: None,
        audiences: None,
        algorithms: Alg::DEFAULT_ALLOWED.to_vec(),
        token_types: vec!["Bearer".into()],
        org_claims: vec!["organizationId".into()],
        organizations: None,
        clients: None,
        max_lifetime_seconds: None,
        hs_secret_var: None,
    }
}

fn token(payload: &str) -> UnverifiedToken {
    let raw = format!(
        "{}.{}.c2ln",
        b64::encode(br#"{"alg":"RS256"}"#),
        b64::encode(payload.as_bytes())
    );
    crate::token::decode(&raw).unwrap()
}

fn run(payload: Value, issuer: &IssuerConfig) -> Result<VerifiedToken, AuthError> {
    check(
        token(&payload.to_string()),
        SignatureOk(()),
        0,
        issuer,
        LEEWAY,
        NOW,
    )
}

fn run_text(payload: &str) -> Result<VerifiedToken, AuthError> {
    check(token(payload), SignatureOk(()), 0, &issuer(), LEEWAY, NOW)
}

fn malformed(r: Result<VerifiedToken, AuthError>) -> bool {
    matches!(r, Err(AuthError::Malformed(_)))
}

#[test]
fn a_plain_token_passes() {
    let v = run(
        json!({"exp": NOW + 60, "sub": "u1", "azp": "c1"}),
        &issuer(),
    )
    .unwrap();
    assert_eq!(
        (v.exp(), v.subject(), v.client()),
        (NOW + 60, Some("u1"), Some("c1"))
    );
    assert_eq!(v.issuer_index(), 0);
    let v = run(json!({"exp": NOW + 60, "client_id": "c2"}), &issuer()).unwrap();
    assert_eq!(v.client(), Some("c2"));
}

#[test]
fn exp_is_required_and_a_number() {
    assert_eq!(
        run(json!({}), &issuer()).unwrap_err(),
        AuthError::Malformed("the token has no exp")
    );
    for bad in [
        json!(format!("{}", NOW + 60)),
        json!(-1),
        json!(-0.5),
        json!(null),
        json!(true),
        json!([NOW + 60]),
        json!(1e300),
        json!(u64::MAX),
        json!(LATEST + 1),
    ] {
        assert!(malformed(run(json!({ "exp": bad }), &issuer())), "{bad}");
    }
    // 1e309 is not even a JSON number to serde_json: the payload fails.
    assert!(
        crate::token::decode(&format!("e30.{}.c2ln", b64::encode(br#"{"exp":1e309}"#))).is_err()
    );
}

#[test]
fn fractional_times_are_truncated() {
    assert_eq!(
        run_text(&format!(r#"{{"exp":{NOW}.9}}"#)).unwrap().exp(),
        NOW
    );
    assert_eq!(run_text(r#"{"exp":1.7e9}"#).unwrap().exp(), 1_700_000_000);
    assert!(run_text(&format!(r#"{{"exp":{NOW},"iat":-0.0}}"#)).is_ok());
}

#[test]
fn expiry_with_leeway() {
    assert!(run(json!({"exp": NOW}), &issuer()).is_ok());
    assert!(run(json!({"exp": NOW - LEEWAY + 1}), &issuer()).is_ok());
    assert_eq!(
        run(json!({"exp": NOW - LEEWAY}), &issuer()).unwrap_err(),
        AuthError::Expired { exp: NOW - LEEWAY },
        "expired at exp + leeway itself"
    );
    let at = |exp: u64| {
        let t = token(&json!({ "exp": exp }).to_string());
        check(t, SignatureOk(()), 0, &issuer(), 0, NOW)
    };
    assert_eq!(
        at(NOW).unwrap_err(),
        AuthError::Expired { exp: NOW },
        "no leeway"
    );
    assert!(at(NOW + 1).is_ok());
    assert_eq!(
        run(json!({"exp": 0}), &issuer()).unwrap_err(),
        AuthError::Expired { exp: 0 }
    );
    assert_eq!(
        AuthError::Expired { exp: 1_700_000_000 }.detail(),
        "the token expired at 2023-11-14T22:13:20Z"
    );
}

#[test]
fn not_before_with_leeway() {
    assert!(run(json!({"exp": NOW + 600, "nbf": NOW + LEEWAY}), &issuer()).is_ok());
    assert_eq!(
        run(
            json!({"exp": NOW + 600, "nbf": NOW + LEEWAY + 1}),
            &issuer()
        )
        .unwrap_err(),
        AuthError::NotYetValid
    );
    assert!(malformed(run(
        json!({"exp": NOW + 600, "nbf": "soon"}),
        &issuer()
    )));
}

#[test]
fn issued_in_the_future() {
    assert!(run(json!({"exp": NOW + 600, "iat": NOW + LEEWAY}), &issuer()).is_ok());
    assert_eq!(
        run(
            json!({"exp": NOW + 600, "iat": NOW + LEEWAY + 1}),
            &issuer()
        )
        .unwrap_err(),
        AuthError::IssuedInFuture
    );
    assert!(malformed(run(
        json!({"exp": NOW + 600, "iat": -5}),
        &issuer()
    )));
}

#[test]
fn audience() {
    let mut iss = issuer();
    iss.audiences = Some(vec!["scpCloud".into(), "other".into()]);
    let exp = NOW + 60;
    assert!(run(json!({"exp": exp, "aud": "scpCloud"}), &iss).is_ok());
    assert!(run(json!({"exp": exp, "aud": ["account", "other"]}), &iss).is_ok());
    for aud in [json!("account"), json!([]), json!(["SCPCLOUD"])] {
        assert_eq!(
            run(json!({"exp": exp, "aud": aud}), &iss).unwrap_err(),
            AuthError::WrongAudience(vec!["scpCloud".into(), "other".into()])
        );
    }
    assert_eq!(
        run(json!({"exp": exp}), &iss).unwrap_err(),
        AuthError::WrongAudience(vec!["scpCloud".into(), "other".into()])
    );
    assert_eq!(
        AuthError::WrongAudience(vec!["scpCloud".into(), "other".into()]).detail(),
        "the token's aud names none of the audiences accepted here: scpCloud, other"
    );
    assert!(malformed(run(
        json!({"exp": exp, "aud": ["scpCloud", 1]}),
        &iss
    )));
    assert!(malformed(run(json!({"exp": exp, "aud": {"a": 1}}), &iss)));
    // Not configured: any well-typed aud passes, a badly typed one does not.
    assert!(run(json!({"exp": exp, "aud": "x"}), &issuer()).is_ok());
    assert!(malformed(run(json!({"exp": exp, "aud": 5}), &issuer())));
}

#[test]
fn token_types() {
    let exp = NOW + 60;
    assert!(run(json!({"exp": exp, "typ": "Bearer"}), &issuer()).is_ok());
    assert!(run(json!({"exp": exp, "typ": "bearer"}), &issuer()).is_ok());
    for refused in ["Refresh", "ID", "Offline", "Logout"] {
        assert_eq!(
            run(json!({"exp": exp, "typ": refused}), &issuer()).unwrap_err(),
            AuthError::WrongTokenType
        );
    }
    assert!(malformed(run(
        json!({"exp": exp, "typ": ["Bearer"]}),
        &issuer()
    )));
    let mut iss = issuer();
    iss.token_types = vec!["Bearer".into(), "ID".into()];
    assert!(run(json!({"exp": exp, "typ": "id"}), &iss).is_ok());
}

#[test]
fn max_lifetime() {
    let mut iss = issuer();
    iss.max_lifetime_seconds = Some(900);
    assert!(run(json!({"iat": NOW, "exp": NOW + 900}), &iss).is_ok());
    assert_eq!(
        run(json!({"iat": NOW, "exp": NOW + 901}), &iss).unwrap_err(),
        AuthError::LifetimeTooLong
    );
    assert_eq!(
        run(json!({"exp": NOW + 60}), &iss).unwrap_err(),
        AuthError::LifetimeTooLong
    );
}

#[test]
fn order_of_checks() {
    // Time first, then audience, then type.
    let mut iss = issuer();
    iss.audiences = Some(vec!["a".into()]);
    assert_eq!(
        run(json!({"exp": 1, "aud": "b", "typ": "ID"}), &iss).unwrap_err(),
        AuthError::Expired { exp: 1 }
    );
    assert_eq!(
        run(json!({"exp": NOW + 5, "aud": "b", "typ": "ID"}), &iss).unwrap_err(),
        AuthError::WrongAudience(vec!["a".into()])
    );
}

#[test]
fn huge_leeway_and_now_do_not_overflow() {
    let r = check(
        token(&json!({"exp": LATEST, "nbf": LATEST, "iat": LATEST}).to_string()),
        SignatureOk(()),
        0,
        &issuer(),
        u64::MAX,
        u64::MAX,
    );
    assert!(r.is_ok());
}
