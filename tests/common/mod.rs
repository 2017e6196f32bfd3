//! Test keys, JWKS documents and token minting, shared by the integration
//! tests (native and wasm). Use it with `mod common;` and `use common::*;`.
//!
//! # Keys
//!
//! Every key is fixed (tests are deterministic) and built once per test
//! binary; each function returns a `&'static TestKey`:
//!
//! | function     | kind                          | kid          | default alg |
//! |--------------|-------------------------------|--------------|-------------|
//! | `rsa_a()`    | RSA 2048 (`fixtures/rsa2048-a.pem`) | `"rsa-a"` | RS256 |
//! | `rsa_b()`    | RSA 2048 (`fixtures/rsa2048-b.pem`) | `"rsa-b"` | RS256 |
//! | `rsa_8192()` | RSA 8192 (`fixtures/rsa8192.pem`)   | `"rsa-8192"` | RS256 |
//! | `ec()`       | P-256 from a fixed scalar     | `"ec-1"`     | ES256       |
//! | `ed()`       | Ed25519 from a fixed seed     | `"ed-1"`     | EdDSA       |
//! | `hs()`       | HMAC, the 32 bytes [`HS_SECRET`] | none      | HS256       |
//!
//! - `key.jwk()`: its public JWK as JSON (`kty`, key members, `kid`; no `alg`).
//!   Add members with [`with`], e.g. `with(rsa_a().jwk(), json!({"alg": "RS256"}))`.
//! - `jwks(&[jwk, ...])`: a JWKS document (`{"keys": [...]}`) as a string,
//!   what an issuer's `jwks_uri` serves.
//! - `keyset(&[key, ...])`: those keys parsed with `parse_jwks`, plus the
//!   HMAC key through `Jwk::hmac` when `hs()` is among them (as the worker
//!   adds `hs_secret_var`).
//! - `TestKey::hmac(secret)`: an HMAC "key" with any bytes (e.g. a PEM).
//!
//! # Tokens
//!
//! - `mint(&claims, &header, key)`: a compact JWS. `header` is a JSON object;
//!   `alg` defaults to the key's default alg and `kid` to the key's kid
//!   (write `"kid": null` to leave it out). The token is signed with the
//!   header's `alg` when it names an algorithm for this kind of key, else
//!   with the key's default, so `"alg": "none"` or `"alg": "HS256"` on an
//!   RSA key still give a well-formed token that must then fail.
//! - `mint_raw(header_json, payload_json, alg, key)`: exactly these bytes,
//!   for duplicate members and other things `serde_json::Value` cannot hold.
//! - `claims()`: valid baseline claims at [`NOW`] for [`ISSUER`] (aud
//!   [`AUDIENCE`], `typ` Bearer, `iat` NOW - 60, `exp` NOW + 300, `azp`,
//!   `organizationId`); change them with [`with`] (a `null` member removes).
//! - `issuer_config()`: an `IssuerConfig` for [`ISSUER`] with the contract's
//!   defaults, built directly (no config parsing).
//! - [`fixtures`]: named tokens: `valid_rs256()`, `expired()`, ...
//!
//! The clock is [`NOW`]; pass it as `now` wherever one is needed.

#![allow(dead_code)]

use std::sync::OnceLock;

use edge_authz::alg::{Alg, KeyKind};
use edge_authz::b64;
use edge_authz::config::IssuerConfig;
use edge_authz::jwks::{parse_jwks, Jwk, KeySet};
use jwt_compact::alg::{
    Ed25519, Es256, Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key, Rsa, RsaPrivateKey,
    SigningKey as _,
};
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{Algorithm, AlgorithmSignature};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{json, Map, Value};

/// The fixed clock of every test, Unix seconds (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000;
pub const ISSUER: &str = "https://sso.example.com/realms/ScpCloud";
pub const AUDIENCE: &str = "scpCloud";
pub const ORG: &str = "c7834e89-0000-4000-8000-000000000001";
/// Every algorithm the edge supports, in the contract's order.
pub const EVERY_ALG: [Alg; 11] = [
    Alg::Rs256,
    Alg::Rs384,
    Alg::Rs512,
    Alg::Ps256,
    Alg::Ps384,
    Alg::Ps512,
    Alg::Es256,
    Alg::EdDsa,
    Alg::Hs256,
    Alg::Hs384,
    Alg::Hs512,
];

/// The test key that signs `alg`.
pub fn key_for(alg: Alg) -> &'static TestKey {
    match alg.key_kind() {
        KeyKind::Rsa => rsa_a(),
        KeyKind::EcP256 => ec(),
        KeyKind::Ed25519 => ed(),
        KeyKind::Hmac => hs(),
    }
}

/// The secret of `hs()`: exactly the 32 bytes the contract requires.
pub const HS_SECRET: &[u8] = b"test-only-hs-secret-32-bytes-ok!";

type EcSigningKey = <Es256 as Algorithm>::SigningKey;
type EdSigningKey = <Ed25519 as Algorithm>::SigningKey;

pub enum Signer {
    Rsa(Box<RsaPrivateKey>),
    Ec(Box<EcSigningKey>),
    Ed(EdSigningKey),
    Hmac(Vec<u8>),
}

pub struct TestKey {
    pub kid: Option<&'static str>,
    pub signer: Signer,
}

impl TestKey {
    /// An HMAC key over any bytes (no length rule: tests may need weak ones).
    pub fn hmac(secret: &[u8]) -> TestKey {
        TestKey {
            kid: None,
            signer: Signer::Hmac(secret.to_vec()),
        }
    }

    pub fn default_alg(&self) -> Alg {
        match self.signer {
            Signer::Rsa(_) => Alg::Rs256,
            Signer::Ec(_) => Alg::Es256,
            Signer::Ed(_) => Alg::EdDsa,
            Signer::Hmac(_) => Alg::Hs256,
        }
    }

    /// The public JWK (`kid` included, no `alg`). HMAC keys have none.
    pub fn jwk(&self) -> Value {
        let jwk = match &self.signer {
            Signer::Rsa(k) => JsonWebKey::from(&k.to_public_key()).to_owned_value(),
            Signer::Ec(k) => JsonWebKey::from(&k.to_verifying_key()).to_owned_value(),
            Signer::Ed(k) => JsonWebKey::from(&k.to_verifying_key()).to_owned_value(),
            Signer::Hmac(_) => panic!("an HMAC key is never published in a JWKS"),
        };
        match self.kid {
            Some(kid) => with(jwk, json!({ "kid": kid })),
            None => jwk,
        }
    }

    /// The RSA public key as SPKI PEM (for alg-confusion tests).
    pub fn public_pem(&self) -> String {
        let Signer::Rsa(k) = &self.signer else {
            panic!("only RSA test keys have a PEM");
        };
        k.to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM encoding")
    }

    /// Raw signature bytes over `message`; `alg` must fit the key.
    pub fn sign(&self, alg: Alg, message: &[u8]) -> Vec<u8> {
        match (&self.signer, alg) {
            (Signer::Rsa(k), a) if a.key_kind() == KeyKind::Rsa => Rsa::with_name(a.name())
                .sign(k, message)
                .as_bytes()
                .to_vec(),
            (Signer::Ec(k), Alg::Es256) => Es256.sign(k, message).as_bytes().to_vec(),
            (Signer::Ed(k), Alg::EdDsa) => Ed25519.sign(k, message).as_bytes().to_vec(),
            (Signer::Hmac(s), Alg::Hs256) => {
                Hs256.sign(&Hs256Key::new(s), message).as_bytes().to_vec()
            }
            (Signer::Hmac(s), Alg::Hs384) => {
                Hs384.sign(&Hs384Key::new(s), message).as_bytes().to_vec()
            }
            (Signer::Hmac(s), Alg::Hs512) => {
                Hs512.sign(&Hs512Key::new(s), message).as_bytes().to_vec()
            }
            _ => panic!("{alg} does not fit this test key"),
        }
    }

    fn fits(&self, alg: Alg) -> bool {
        alg.key_kind() == self.default_alg().key_kind()
    }
}

trait OwnedJson {
    fn to_owned_value(&self) -> Value;
}

impl OwnedJson for JsonWebKey<'_> {
    fn to_owned_value(&self) -> Value {
        serde_json::to_value(self).expect("a JWK serialises")
    }
}

fn rsa_from_pem(pem: &str, kid: &'static str) -> TestKey {
    let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("fixture PEM parses");
    TestKey {
        kid: Some(kid),
        signer: Signer::Rsa(Box::new(key)),
    }
}

pub fn rsa_a() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_from_pem(include_str!("../fixtures/rsa2048-a.pem"), "rsa-a"))
}

pub fn rsa_b() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_from_pem(include_str!("../fixtures/rsa2048-b.pem"), "rsa-b"))
}

pub fn rsa_8192() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_from_pem(include_str!("../fixtures/rsa8192.pem"), "rsa-8192"))
}

pub fn ec() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey {
        kid: Some("ec-1"),
        signer: Signer::Ec(Box::new(
            EcSigningKey::from_slice(&[0x5e; 32]).expect("a valid P-256 scalar"),
        )),
    })
}

pub fn ed() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let (secret, _) = Ed25519::generate(&mut FixedSeed([0xed; 32]));
        TestKey {
            kid: Some("ed-1"),
            signer: Signer::Ed(secret),
        }
    })
}

pub fn hs() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::hmac(HS_SECRET))
}

/// Hands out a fixed seed, so that `Ed25519::generate` is deterministic.
struct FixedSeed([u8; 32]);

impl rand_core::RngCore for FixedSeed {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for (d, s) in dest.iter_mut().zip(self.0.iter().cycle()) {
            *d = *s;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for FixedSeed {}

/// A JWKS document with these JWKs.
pub fn jwks(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

/// The issuer's key set: the public keys through `parse_jwks`, the HMAC
/// ones through `Jwk::hmac`.
pub fn keyset(keys: &[&TestKey]) -> KeySet {
    let published: Vec<Value> = keys
        .iter()
        .filter(|k| !matches!(k.signer, Signer::Hmac(_)))
        .map(|k| k.jwk())
        .collect();
    let mut set = parse_jwks(jwks(&published).as_bytes()).expect("test JWKS parses");
    assert!(
        set.skipped.is_empty(),
        "test keys skipped: {:?}",
        set.skipped
    );
    for k in keys {
        if let Signer::Hmac(secret) = &k.signer {
            set.keys
                .push(std::sync::Arc::new(Jwk::hmac(secret).expect("HS secret")));
        }
    }
    set
}

/// `base` (an object) with the members of `patch` set; `null` removes one.
pub fn with(base: Value, patch: Value) -> Value {
    let mut out: Map<String, Value> = base.as_object().cloned().unwrap_or_default();
    for (k, v) in patch.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            out.remove(&k);
        } else {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// Valid claims for [`ISSUER`] at [`NOW`], Keycloak-shaped.
pub fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "f:1234:alice",
        "aud": [AUDIENCE, "account"],
        "typ": "Bearer",
        "azp": "integration-api-service",
        "iat": NOW - 60,
        "exp": NOW + 300,
        "organizationId": ORG,
        "realm_access": {"roles": ["kas-fleet-manager-admin-read"]},
        "scope": "openid api:read",
    })
}

/// A compact JWS of `claims` under `header` (see the module docs).
pub fn mint(claims: &Value, header: &Value, key: &TestKey) -> String {
    let mut h = header.as_object().cloned().unwrap_or_default();
    h.entry("alg")
        .or_insert_with(|| json!(key.default_alg().name()));
    match (h.get("kid"), key.kid) {
        (Some(Value::Null), _) => {
            h.remove("kid");
        }
        (None, Some(kid)) => {
            h.insert("kid".into(), json!(kid));
        }
        _ => {}
    }
    let alg = h
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Alg::from_name)
        .filter(|a| key.fits(*a))
        .unwrap_or_else(|| key.default_alg());
    mint_raw(&Value::Object(h).to_string(), &claims.to_string(), alg, key)
}

/// A compact JWS of exactly these header and payload bytes, signed with `alg`.
pub fn mint_raw(header_json: &str, payload_json: &str, alg: Alg, key: &TestKey) -> String {
    let input = format!(
        "{}.{}",
        b64::encode(header_json.as_bytes()),
        b64::encode(payload_json.as_bytes())
    );
    let signature = key.sign(alg, input.as_bytes());
    format!("{input}.{}", b64::encode(&signature))
}

/// An `IssuerConfig` for [`ISSUER`] with the contract's defaults and
/// `audiences = [AUDIENCE]`.
pub fn issuer_config() -> IssuerConfig {
    IssuerConfig {
        issuer: ISSUER.into(),
        jwks_uri: None,
        token_endpoint: None,
        audiences: Some(vec![AUDIENCE.into()]),
        algorithms: Alg::DEFAULT_ALLOWED.to_vec(),
        token_types: vec!["Bearer".into()],
        org_claims: ["organizationId", "org_id", "rh-org-id", "tenant"]
            .map(String::from)
            .to_vec(),
        organizations: None,
        clients: None,
        max_lifetime_seconds: None,
        hs_secret_var: None,
    }
}

/// Named tokens. Each is valid except for what its name says, and is
/// signed by the key named in its doc (`kid` set).
pub mod fixtures {
    use super::*;

    /// `rsa_a()`, RS256.
    pub fn valid_rs256() -> String {
        mint(&claims(), &json!({}), rsa_a())
    }
    /// `rsa_a()`, PS256.
    pub fn valid_ps256() -> String {
        mint(&claims(), &json!({"alg": "PS256"}), rsa_a())
    }
    /// `ec()`, ES256.
    pub fn valid_es256() -> String {
        mint(&claims(), &json!({}), ec())
    }
    /// `ed()`, EdDSA.
    pub fn valid_eddsa() -> String {
        mint(&claims(), &json!({}), ed())
    }
    /// `hs()`, HS256 (needs `hs_secret_var` / HS256 allowed).
    pub fn valid_hs256() -> String {
        mint(&claims(), &json!({}), hs())
    }
    /// `rsa_a()`: `exp` 10 minutes before NOW.
    pub fn expired() -> String {
        mint(
            &with(claims(), json!({"iat": NOW - 3600, "exp": NOW - 600})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()`: `nbf` 10 minutes after NOW.
    pub fn not_yet_valid() -> String {
        mint(
            &with(claims(), json!({"nbf": NOW + 600})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()`: `iat` 10 minutes after NOW.
    pub fn issued_in_future() -> String {
        mint(
            &with(claims(), json!({"iat": NOW + 600})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()`: `aud` is another service.
    pub fn wrong_audience() -> String {
        mint(
            &with(claims(), json!({"aud": "other-api"})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()`: no `exp`.
    pub fn no_exp() -> String {
        mint(&with(claims(), json!({"exp": null})), &json!({}), rsa_a())
    }
    /// `rsa_a()`: a Keycloak refresh token (`typ: Refresh`).
    pub fn refresh_token() -> String {
        mint(
            &with(claims(), json!({"typ": "Refresh"})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()`: a Keycloak ID token (`typ: ID`).
    pub fn id_token() -> String {
        mint(&with(claims(), json!({"typ": "ID"})), &json!({}), rsa_a())
    }
    /// `rsa_a()`: `iss` is an issuer nobody configured.
    pub fn unknown_issuer() -> String {
        mint(
            &with(claims(), json!({"iss": "https://evil.example/realms/x"})),
            &json!({}),
            rsa_a(),
        )
    }
    /// `rsa_a()` RS256 with one bit of the signature flipped.
    pub fn bad_signature() -> String {
        let t = valid_rs256();
        let (input, sig) = t.rsplit_once('.').expect("three parts");
        let mut raw = b64::decode(sig).expect("base64url");
        raw[0] ^= 1;
        format!("{input}.{}", b64::encode(&raw))
    }
    /// `rsa_b()`, RS256 with `kid` "rsa-b": unknown to a set of `rsa_a()` only.
    pub fn unknown_kid() -> String {
        mint(&claims(), &json!({}), rsa_b())
    }
    /// Header `alg: none`, empty signature.
    pub fn alg_none() -> String {
        format!(
            "{}.{}.",
            b64::encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64::encode(claims().to_string().as_bytes())
        )
    }
}

/// The borrowed headers a `Request` takes (the worker lends them from the
/// one text the runtime handed over); tests keep theirs owned.
pub fn view(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}
