//! The Verify tab: a token against a pasted key, with the edge's codes.
//!
//! The steps are the edge's for one issuer whose keys are the pasted ones:
//! decode, pick the key by `kid` and `alg`, check the signature with the
//! pure-Rust engine, then the time claims with the contract's default
//! leeway. Audience, type and lifetime depend on an issuer's settings:
//! Explain shows those.

use std::sync::Arc;

use serde::Serialize;

use super::keys::{self, KeyView, Source};
use crate::alg::{Alg, KeyKind};
use crate::claims::{self, SignatureOk};
use crate::config::IssuerConfig;
use crate::error::AuthError;
use crate::jwks::{Jwk, KeySet};
use crate::signature::{RustCrypto, SignatureEngine};
use crate::token;
use crate::when::{self, TimeNote};

/// The contract's default `leeway_seconds`.
pub const DEFAULT_LEEWAY: u64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// The signature verified with one of the pasted keys.
    pub ok: bool,
    /// The edge's code when it did not (`bad_signature`, `unknown_key`, ...).
    pub code: Option<&'static str>,
    pub status: Option<u16>,
    pub detail: String,
    /// Set when the pasted key itself could not be read (not a token fault).
    pub key_problem: Option<String>,
    pub key_source: Option<Source>,
    pub keys: Vec<KeyView>,
    /// Pasted keys the edge would not use, and why.
    pub skipped: Vec<String>,
    /// The key that verified (or was tried).
    pub key: Option<KeyView>,
    pub alg: Option<String>,
    pub kid: Option<String>,
    /// After a good signature: `exp`/`nbf`/`iat` at `now` with the default
    /// leeway, as the edge checks them.
    pub times_ok: Option<bool>,
    pub times_status: Option<u16>,
    pub times_code: Option<&'static str>,
    pub times_detail: Option<String>,
    pub times: Vec<TimeNote>,
}

pub fn verify(input: &str, key_input: &str, now: u64) -> VerifyReport {
    let mut r = VerifyReport {
        ok: false,
        code: None,
        status: None,
        detail: String::new(),
        key_problem: None,
        key_source: None,
        keys: Vec::new(),
        skipped: Vec::new(),
        key: None,
        alg: None,
        kid: None,
        times_ok: None,
        times_status: None,
        times_code: None,
        times_detail: None,
        times: Vec::new(),
    };
    let diagnosis = token::diagnose(input);
    let decoded = match token::decode(&diagnosis.token) {
        Ok(t) if diagnosis.problem.is_none() => t,
        _ => {
            let p = diagnosis.problem.as_ref();
            r.code = p.and_then(|p| p.code);
            r.status = r.code.map(|_| 401);
            r.detail = p.map_or_else(String::new, |p| p.reason.clone());
            return r;
        }
    };
    r.alg = Some(decoded.header.alg.clone());
    r.kid = decoded.header.kid.clone();
    r.times = when::notes(&decoded.claims, now);
    let mut pasted = match keys::parse(key_input) {
        Ok(p) => p,
        Err(why) => {
            r.detail = format!("the key cannot be used: {why}");
            r.key_problem = Some(why);
            return r;
        }
    };
    r.key_source = Some(pasted.source);
    adopt_kid(&mut pasted.set, decoded.header.kid.as_deref());
    r.keys = pasted.set.keys.iter().map(|k| KeyView::of(k)).collect();
    r.skipped = pasted.set.skipped.clone();
    let refuse = |r: &mut VerifyReport, e: AuthError| {
        r.code = Some(e.code());
        r.status = Some(e.status());
        r.detail = e.detail();
    };
    let Some(alg) = Alg::from_name(&decoded.header.alg) else {
        refuse(&mut r, AuthError::AlgorithmNotAllowed);
        return r;
    };
    let key = match pick_key(&pasted.set, decoded.header.kid.as_deref(), alg) {
        Ok(k) => k,
        Err(e) => {
            refuse(&mut r, e);
            return r;
        }
    };
    r.key = Some(KeyView::of(key));
    let check = crate::signature::SignatureCheck {
        alg,
        key,
        signing_input: decoded.signing_input(),
        signature: decoded.signature(),
    };
    if !RustCrypto.verify(&check) {
        // The edge tells an empty signature part apart (still
        // bad_signature); the page's links are where such tokens come from.
        if decoded.signature().is_empty() {
            refuse(&mut r, AuthError::NoSignature);
            r.detail.push_str(super::NO_SIGNATURE_HINT);
        } else {
            refuse(&mut r, AuthError::BadSignature);
        }
        return r;
    }
    r.ok = true;
    r.detail = format!("signature verified ({alg})");
    let issuer = lenient_issuer(decoded.claims.get("typ"));
    // The engine said yes just above: the same ground on which the
    // decision makes its proof.
    let times = claims::check(decoded, SignatureOk(()), 0, &issuer, DEFAULT_LEEWAY, now);
    match times {
        Ok(_) => {
            r.times_ok = Some(true);
            r.times_detail = Some(format!(
                "exp, nbf and iat accepted at this time (leeway {DEFAULT_LEEWAY} s)"
            ));
        }
        Err(e) => {
            r.times_ok = Some(false);
            r.times_status = Some(e.status());
            r.times_code = Some(e.code());
            r.times_detail = Some(e.detail());
        }
    }
    r
}

/// The key as the edge picks it, in its order: the algorithm must be
/// allowed before any key is looked at (`PendingBearer::check`), and HS* is
/// allowed only with `hs_secret_var`, whose key a pasted secret stands
/// for. Keys without an HMAC one are then an issuer without it: an HS*
/// token is refused for its algorithm, whatever its kid names.
fn pick_key<'k>(set: &'k KeySet, kid: Option<&str>, alg: Alg) -> Result<&'k Arc<Jwk>, AuthError> {
    if alg.is_hmac() && !set.keys.iter().any(|k| k.kind() == KeyKind::Hmac) {
        return Err(AuthError::AlgorithmNotAllowed);
    }
    set.select(kid, alg)
}

/// One pasted key without a kid (a PEM key, a bare JWK) is the key the
/// user means, whatever kid the token names: it takes the token's kid, so
/// selection still applies the edge's algorithm and key-type rules. (An
/// HMAC key already serves any kid, as the edge's does.)
fn adopt_kid(set: &mut KeySet, kid: Option<&str>) {
    if let ([only], Some(kid)) = (set.keys.as_mut_slice(), kid) {
        if only.kid.is_none() {
            Arc::make_mut(only).kid = Some(kid.to_string());
        }
    }
}

/// An issuer that checks only what every issuer checks: the times. The
/// token's own `typ` is accepted (one that is not a string is still
/// malformed), since which types pass is an issuer setting.
fn lenient_issuer(typ: Option<crate::json_tree::Value<'_>>) -> IssuerConfig {
    IssuerConfig {
        issuer: String::new(),
        jwks_uri: None,
        token_endpoint: None,
        audiences: None,
        algorithms: Vec::new(),
        token_types: typ
            .and_then(|t| t.as_str())
            .map(|t| vec![t.to_string()])
            .unwrap_or_default(),
        org_claims: Vec::new(),
        organizations: None,
        clients: None,
        max_lifetime_seconds: None,
        hs_secret_var: None,
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
