//! Claim checks after the signature (contract 3.4): time with leeway,
//! audience, token type, lifetime. Produces the only [`VerifiedToken`].

use serde_json::{Map, Value};

use crate::config::IssuerConfig;
use crate::error::AuthError;
use crate::token::UnverifiedToken;

/// A token whose signature verified with a key of its issuer and whose
/// claims passed. Made only by [`check`], which needs a [`SignatureOk`].
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    issuer_index: usize,
    claims: Map<String, Value>,
    exp: u64,
}

impl VerifiedToken {
    pub fn issuer_index(&self) -> usize {
        self.issuer_index
    }
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
    pub fn exp(&self) -> u64 {
        self.exp
    }
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
    /// `azp`, else `client_id`.
    pub fn client(&self) -> Option<&str> {
        self.claims
            .get("azp")
            .or_else(|| self.claims.get("client_id"))
            .and_then(Value::as_str)
    }
}

/// Proof that a signature check passed; only [`crate::decision`] makes one,
/// from an engine's `true`.
#[derive(Debug)]
pub struct SignatureOk(pub(crate) ());

/// `exp` required (a number; not a string, not huge, not negative); `exp`,
/// `nbf` and `iat` with `leeway`; then `aud` against `audiences`, payload
/// `typ` against `token_types` (absent `typ` passes), `exp - iat` against
/// `max_lifetime_seconds` (needs `iat` when set). `now` is Unix seconds.
pub fn check(
    token: UnverifiedToken,
    _proof: SignatureOk,
    issuer_index: usize,
    issuer: &IssuerConfig,
    leeway: u64,
    now: u64,
) -> Result<VerifiedToken, AuthError> {
    let claims = token.claims;
    let exp = time(&claims, "exp")?.ok_or(AuthError::Malformed("the token has no exp"))?;
    // RFC 7519 4.1.4: not accepted "on or after" exp, so the last second
    // is exp + leeway - 1. An end past u64 is never reached.
    if exp.checked_add(leeway).is_some_and(|end| now >= end) {
        return Err(AuthError::Expired);
    }
    let nbf = time(&claims, "nbf")?;
    if nbf.is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
        return Err(AuthError::NotYetValid);
    }
    let iat = time(&claims, "iat")?;
    if iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
        return Err(AuthError::IssuedInFuture);
    }
    audience(&claims, issuer.audiences.as_deref())?;
    token_type(&claims, &issuer.token_types)?;
    if let Some(max) = issuer.max_lifetime_seconds {
        // Without iat the lifetime is unknown, so it cannot be shown short.
        let iat = iat.ok_or(AuthError::LifetimeTooLong)?;
        if exp.saturating_sub(iat) > max {
            return Err(AuthError::LifetimeTooLong);
        }
    }
    Ok(VerifiedToken {
        issuer_index,
        claims,
        exp,
    })
}

/// 9999-12-31T23:59:59Z: later times are not dates anyone issues, and
/// JavaScript and most date libraries cannot show them.
const LATEST: u64 = 253_402_300_799;

/// A NumericDate claim (RFC 7519 2): a non-negative JSON number, fractions
/// truncated. Strings, negatives and times past [`LATEST`] are malformed.
fn time(claims: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, AuthError> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let reason = match name {
        "exp" => "exp is not a valid time (a non-negative number of seconds)",
        "nbf" => "nbf is not a valid time (a non-negative number of seconds)",
        _ => "iat is not a valid time (a non-negative number of seconds)",
    };
    let Value::Number(n) = value else {
        return Err(AuthError::Malformed(reason));
    };
    let seconds = match (n.as_u64(), n.as_f64()) {
        (Some(whole), _) => whole,
        // `as` saturates; the bound below refuses anything that large.
        (None, Some(f)) if f.is_finite() && f >= 0.0 && f <= LATEST as f64 => f as u64,
        _ => return Err(AuthError::Malformed(reason)),
    };
    if seconds > LATEST {
        return Err(AuthError::Malformed(reason));
    }
    Ok(Some(seconds))
}

/// `aud` is a string or an array of strings (RFC 7519 4.1.3); with
/// audiences configured it must name one of them.
fn audience(claims: &Map<String, Value>, wanted: Option<&[String]>) -> Result<(), AuthError> {
    const BAD: &str = "aud is neither a string nor an array of strings";
    let named: Vec<&str> = match claims.get("aud") {
        None => Vec::new(),
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().ok_or(AuthError::Malformed(BAD)))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(AuthError::Malformed(BAD)),
    };
    match wanted {
        Some(wanted) if !named.iter().any(|a| wanted.iter().any(|w| w == a)) => {
            Err(AuthError::WrongAudience)
        }
        _ => Ok(()),
    }
}

/// A payload `typ` (Keycloak: `Bearer`, `Refresh`, `ID`, ...) must be one
/// of the accepted types; a token without one passes.
fn token_type(claims: &Map<String, Value>, accepted: &[String]) -> Result<(), AuthError> {
    match claims.get("typ") {
        None => Ok(()),
        Some(Value::String(typ)) if accepted.iter().any(|a| a.eq_ignore_ascii_case(typ)) => Ok(()),
        Some(Value::String(_)) => Err(AuthError::WrongTokenType),
        Some(_) => Err(AuthError::Malformed("the payload typ is not a string")),
    }
}

/// A verified token without a signature, for the policy and forward unit
/// tests only; never compiled into the library.
#[cfg(test)]
pub(crate) fn for_tests(
    issuer_index: usize,
    claims: Map<String, Value>,
    exp: u64,
) -> VerifiedToken {
    VerifiedToken {
        issuer_index,
        claims,
        exp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::Alg;
    use crate::b64;
    use serde_json::json;

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
            crate::token::decode(&format!("e30.{}.c2ln", b64::encode(br#"{"exp":1e309}"#)))
                .is_err()
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
            AuthError::Expired,
            "expired at exp + leeway itself"
        );
        let at = |exp: u64| {
            let t = token(&json!({ "exp": exp }).to_string());
            check(t, SignatureOk(()), 0, &issuer(), 0, NOW)
        };
        assert_eq!(at(NOW).unwrap_err(), AuthError::Expired, "no leeway");
        assert!(at(NOW + 1).is_ok());
        assert_eq!(
            run(json!({"exp": 0}), &issuer()).unwrap_err(),
            AuthError::Expired
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
                AuthError::WrongAudience
            );
        }
        assert_eq!(
            run(json!({"exp": exp}), &iss).unwrap_err(),
            AuthError::WrongAudience
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
            AuthError::Expired
        );
        assert_eq!(
            run(json!({"exp": NOW + 5, "aud": "b", "typ": "ID"}), &iss).unwrap_err(),
            AuthError::WrongAudience
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
}
