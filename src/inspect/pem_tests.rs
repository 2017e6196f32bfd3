use super::*;
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{EncodePublicKey, LineEnding};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const FIXTURE: &str = include_str!("../../tests/fixtures/rsa2048-a.pem");

/// `openssl genpkey -algorithm ed25519 | openssl pkey -pubout`
const ED25519_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEALNVDyBObdZfsyRoXuqt63k+AWSzJ5I6+FWh4aBBWHt8=
-----END PUBLIC KEY-----
";

/// A P-384 key: a curve the edge does not take.
const P384_PEM: &str = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEpDpXsfKX+q0eIEJMjLMvF6ZPQxknyxZY
mjhYCDSRO6/2bIWchu8AVB8Cnxge3X5a8qAdYZvAGgug3GWUqYCN3mzMMNy3CbyZ
8mgoHRS7BI6S16vgHwFlwyidG3NBArlk
-----END PUBLIC KEY-----
";

fn fixture_key() -> RsaPrivateKey {
    rsa_private_key(FIXTURE).expect("the PKCS#8 fixture")
}

#[test]
fn rsa_public_keys_in_both_encodings() {
    let public = fixture_key().to_public_key();
    let expected = rsa_jwk(&public);
    let spki = public.to_public_key_pem(LineEnding::LF).unwrap();
    assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(public_jwk(&spki).unwrap(), expected);
    let pkcs1 = public.to_pkcs1_pem(LineEnding::CRLF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    assert_eq!(public_jwk(&pkcs1).unwrap(), expected);
    // Text around the block, as pasted from a mail or a terminal.
    let noisy = format!("the key:\n{spki}\nthanks");
    assert_eq!(public_jwk(&noisy).unwrap(), expected);
}

#[test]
fn ec_and_ed25519_public_keys() {
    let secret = p256::SecretKey::from_slice(&[0x5e; 32]).unwrap();
    let pem = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let jwk = public_jwk(&pem).unwrap();
    let point = secret.public_key().to_encoded_point(false);
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["x"], b64::encode(point.x().unwrap()));
    assert_eq!(jwk["y"], b64::encode(point.y().unwrap()));

    let jwk = public_jwk(ED25519_PEM).unwrap();
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        "MCowBQYDK2VwAyEALNVDyBObdZfsyRoXuqt63k+AWSzJ5I6+FWh4aBBWHt8=",
    )
    .unwrap();
    assert_eq!(
        jwk,
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(&der[12..])})
    );

    assert!(public_jwk(P384_PEM).unwrap_err().contains("P-256"));
}

#[test]
fn private_keys_and_certificates_are_sent_back() {
    let err = public_jwk(FIXTURE).unwrap_err();
    assert!(err.contains("a private key"), "{err}");
    assert!(!err.contains("MII"), "never quotes the key");
    let cert = "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n";
    assert!(public_jwk(cert).unwrap_err().contains("x509 -pubkey"));
}

#[test]
fn broken_pem() {
    assert!(public_jwk("-----BEGIN PUBLIC KEY-----\nAAAA")
        .unwrap_err()
        .contains("no -----END"));
    assert!(
        public_jwk("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")
            .unwrap_err()
            .contains("not valid PEM")
    );
    assert!(public_jwk("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----").is_err());
    assert!(public_jwk("-----BEGIN FOO-----\nMAA=\n-----END FOO-----")
        .unwrap_err()
        .contains("FOO"));
}

#[test]
fn a_broken_begin_line_does_not_quote_the_key() {
    // Found by fuzzing: the label ran on to the next `-----`, over the
    // key's base64, and "no -----END <label>-----" quoted it.
    let pem = "-----BEGIN ZIzj0DAQcDQgAEuiM9XfuqA7QHAXegmlAkDgwy2Sih\n\
               x5+ZCNoRHtndfIfAsqUCMbG6uHKGT3mGhJxHzsh0WgLF3IrPzT1Tj6MZYQ==\n\
               -----END \0\0-----\n";
    for e in [
        public_jwk(pem).unwrap_err(),
        rsa_private_key(pem).unwrap_err(),
    ] {
        assert!(!e.contains("ZIzj0DAQ") && !e.contains("x5+ZCNoR"), "{e}");
        assert!(e.contains("not closed"), "{e}");
    }
    // Nor a label made of the key, nor one begun mid-line.
    for pem in [
        "-----BEGIN A\u{7}B-----\nMAA=\n-----END A\u{7}B-----",
        "-----BEGIN MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvNuSJiSSZqXOdsLn-----\n",
        "-----BEGIN x5+ZCNoR--HtndfIfAsq-----\nMAA=\n-----END x5+ZCNoR--HtndfIfAsq-----",
    ] {
        let e = public_jwk(pem).unwrap_err();
        assert!(e.contains("no PEM label"), "{e}");
    }
    let e = public_jwk(r#"{"n": "x5+ZCNoRHtndfIfAsq-----BEGIN PUBLIC KEY-----"}"#).unwrap_err();
    assert_eq!(e, "no -----BEGIN line");
    assert!(
        public_jwk("  -----BEGIN FOO BAR-1-----\nMAA=\n-----END FOO BAR-1-----")
            .unwrap_err()
            .contains("FOO BAR-1")
    );
}

#[test]
fn private_keys_in_pkcs1_and_pkcs8() {
    let key = fixture_key();
    let pkcs1 = key.to_pkcs1_pem(LineEnding::LF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert_eq!(rsa_private_key(&pkcs1).unwrap(), key);
    // As it reads after a JSON string was escaped once too often.
    let escaped = pkcs1.replace('\n', "\\n");
    assert_eq!(rsa_private_key(&escaped).unwrap(), key);
    // Cut short in that form: the error names the label read after the
    // repair, and nothing of the key.
    let cut = &escaped[..escaped.len() - 40];
    let e = rsa_private_key(cut).unwrap_err();
    assert_eq!(e, "no -----END RSA PRIVATE KEY----- line");
    assert_eq!(public_of(&key), rsa_jwk(&key.to_public_key()));
    let spki = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    assert!(rsa_private_key(&spki).unwrap_err().contains("PUBLIC KEY"));
    let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----";
    assert!(rsa_private_key(enc).unwrap_err().contains("encrypted"));
}

#[test]
fn pasted_pem_goes_through_the_jwks_rules() {
    let spki = fixture_key()
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let p = super::super::keys::parse(&spki).unwrap();
    assert_eq!(p.source, super::super::keys::Source::Pem);
    assert_eq!(p.set.keys.len(), 1);
    let weak = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDbmsZfwX3skHgqusrbNNGPCO4P
GtkmIsN8qjJGjHPPjaWplLXAGJxYekpEo8hRJVYaxSVt9rzJyr3KMjNE6JjAfYWt
5ORBO/V0nEZwBc33MQLKjxh6+dFCFuBk35IHySt2098FUGv0os32XXU96gmZSvAk
sezMwNxB+tfrMQM5jQIDAQAB
-----END PUBLIC KEY-----";
    let p = super::super::keys::parse(weak).unwrap();
    assert!(p.set.keys.is_empty());
    assert!(p.set.skipped[0].contains("too weak"));
}
