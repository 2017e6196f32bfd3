//! Claim checks after the signature (contract 3.4): time with leeway,
//! audience, token type, lifetime. Produces the only [`VerifiedToken`].

use crate::config::IssuerConfig;
use crate::error::AuthError;
use crate::json_tree::{Tree, Value};
use crate::token::UnverifiedToken;

/// A token whose signature verified with a key of its issuer and whose
/// claims passed. Made only by [`check`], which needs a [`SignatureOk`].
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    issuer_index: usize,
    claims: Tree,
    exp: u64,
}

impl VerifiedToken {
    pub fn issuer_index(&self) -> usize {
        self.issuer_index
    }
    pub fn claims(&self) -> &Tree {
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
        return Err(AuthError::Expired { exp });
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
fn time(claims: &Tree, name: &'static str) -> Result<Option<u64>, AuthError> {
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
        (None, f) if f.is_finite() && f >= 0.0 && f <= LATEST as f64 => f as u64,
        _ => return Err(AuthError::Malformed(reason)),
    };
    if seconds > LATEST {
        return Err(AuthError::Malformed(reason));
    }
    Ok(Some(seconds))
}

/// `aud` is a string or an array of strings (RFC 7519 4.1.3); with
/// audiences configured it must name one of them.
fn audience(claims: &Tree, wanted: Option<&[String]>) -> Result<(), AuthError> {
    const BAD: &str = "aud is neither a string nor an array of strings";
    let named: Vec<&str> = match claims.get("aud") {
        None => Vec::new(),
        Some(Value::String(one)) => vec![one],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().ok_or(AuthError::Malformed(BAD)))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(AuthError::Malformed(BAD)),
    };
    match wanted {
        Some(wanted) if !named.iter().any(|a| wanted.iter().any(|w| w == a)) => {
            Err(AuthError::WrongAudience(wanted.to_vec()))
        }
        _ => Ok(()),
    }
}

/// A payload `typ` (Keycloak: `Bearer`, `Refresh`, `ID`, ...) must be one
/// of the accepted types; a token without one passes.
fn token_type(claims: &Tree, accepted: &[String]) -> Result<(), AuthError> {
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
pub(crate) fn for_tests(issuer_index: usize, claims: Tree, exp: u64) -> VerifiedToken {
    VerifiedToken {
        issuer_index,
        claims,
        exp,
    }
}

#[cfg(test)]
mod tests;
