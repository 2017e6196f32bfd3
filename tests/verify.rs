//! Bearer verification (contract 3.4 and 5), on tokens minted here with
//! real keys: decoding, key selection and signatures, the way
//! `decision::PendingBearer::check` and an engine chain them.

mod common;

use common::*;
use edge_authz::alg::Alg;
use edge_authz::b64;
use edge_authz::config::IssuerConfig;
use edge_authz::error::AuthError;
use edge_authz::jwks::{parse_jwks, KeySet};
use edge_authz::signature::{RustCrypto, SignatureCheck, SignatureEngine};
use edge_authz::token::{self, UnverifiedToken};
use serde_json::{json, Value};

/// Decode, pick the key with the issuer's allowed algorithms, check the
/// signature: the decision's steps before the claims.
fn verify(raw: &str, issuer: &IssuerConfig, keys: &KeySet) -> Result<UnverifiedToken, AuthError> {
    let token = token::decode(raw)?;
    let alg = Alg::from_name(&token.header.alg)
        .filter(|a| issuer.algorithms.contains(a))
        .ok_or(AuthError::AlgorithmNotAllowed)?;
    let key = keys.select(token.header.kid.as_deref(), alg)?;
    let valid = RustCrypto.verify(&SignatureCheck {
        alg,
        key,
        signing_input: token.signing_input(),
        signature: token.signature(),
    });
    if valid {
        Ok(token)
    } else {
        Err(AuthError::BadSignature)
    }
}

fn all_keys() -> KeySet {
    keyset(&[rsa_a(), ec(), ed()])
}

fn allowing(algs: &[Alg]) -> IssuerConfig {
    IssuerConfig {
        algorithms: algs.to_vec(),
        ..issuer_config()
    }
}

fn err(raw: &str, issuer: &IssuerConfig, keys: &KeySet) -> AuthError {
    match verify(raw, issuer, keys) {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => e,
    }
}

/// The same token with one signature bit flipped.
fn flip_signature(raw: &str) -> String {
    let (input, sig) = raw.rsplit_once('.').unwrap();
    let mut bytes = b64::decode(sig).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    format!("{input}.{}", b64::encode(&bytes))
}

fn with_signature(raw: &str, signature: &[u8]) -> String {
    let (input, _) = raw.rsplit_once('.').unwrap();
    format!("{input}.{}", b64::encode(signature))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_algorithm_verifies_and_a_flipped_bit_fails() {
    let keys = keyset(&[rsa_a(), ec(), ed(), hs()]);
    let issuer = allowing(&EVERY_ALG);
    for alg in EVERY_ALG {
        let raw = mint(&claims(), &json!({ "alg": alg.name() }), key_for(alg));
        let token = verify(&raw, &issuer, &keys).unwrap_or_else(|e| panic!("{alg}: {e:?}"));
        assert_eq!(token.header.alg, alg.name());
        assert_eq!(token.issuer(), Some(ISSUER));
        assert_eq!(
            err(&flip_signature(&raw), &issuer, &keys),
            AuthError::BadSignature,
            "{alg}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_named_valid_fixtures_verify() {
    let keys = keyset(&[rsa_a(), ec(), ed(), hs()]);
    let issuer = allowing(&EVERY_ALG);
    for raw in [
        fixtures::valid_rs256(),
        fixtures::valid_ps256(),
        fixtures::valid_es256(),
        fixtures::valid_eddsa(),
        fixtures::valid_hs256(),
        // Claims are checked after the signature: these still verify here.
        fixtures::expired(),
        fixtures::not_yet_valid(),
        fixtures::refresh_token(),
    ] {
        assert!(verify(&raw, &issuer, &keys).is_ok());
    }
    assert_eq!(
        err(&fixtures::bad_signature(), &issuer, &keys),
        AuthError::BadSignature
    );
    assert_eq!(
        err(&fixtures::unknown_kid(), &issuer, &keys),
        AuthError::UnknownKey
    );
    assert_eq!(
        err(&fixtures::alg_none(), &issuer, &keys),
        AuthError::AlgorithmNotAllowed
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_8192_bit_key_verifies() {
    let keys = keyset(&[rsa_8192()]);
    let raw = mint(&claims(), &json!({}), rsa_8192());
    assert!(verify(&raw, &issuer_config(), &keys).is_ok());
    assert_eq!(
        err(&flip_signature(&raw), &issuer_config(), &keys),
        AuthError::BadSignature
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_right_kid_with_another_key_fails() {
    // Signed by rsa_b but claiming rsa_a's kid.
    let raw = mint(&claims(), &json!({"kid": "rsa-a"}), rsa_b());
    assert_eq!(
        err(&raw, &issuer_config(), &all_keys()),
        AuthError::BadSignature
    );
    // Without a kid, the single RSA key is used, and it is the wrong one.
    let raw = mint(&claims(), &json!({"kid": null}), rsa_b());
    assert_eq!(
        err(&raw, &issuer_config(), &all_keys()),
        AuthError::BadSignature
    );
    // Without a kid, the single key of the right kind is found.
    let raw = mint(&claims(), &json!({"kid": null}), ec());
    assert!(verify(&raw, &issuer_config(), &all_keys()).is_ok());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_key_of_the_wrong_kind_is_never_selected() {
    let keys = all_keys();
    // ES256 claiming the RSA key's kid (and EdDSA the EC key's).
    let raw = mint(&claims(), &json!({"kid": "rsa-a"}), ec());
    assert_eq!(
        err(&raw, &issuer_config(), &keys),
        AuthError::AlgorithmNotAllowed
    );
    let raw = mint(&claims(), &json!({"kid": "ec-1"}), ed());
    assert_eq!(
        err(&raw, &issuer_config(), &keys),
        AuthError::AlgorithmNotAllowed
    );
    // No kid and no key of the kind: unknown key.
    let rsa_only = keyset(&[rsa_a()]);
    let raw = mint(&claims(), &json!({"kid": null}), ec());
    assert_eq!(
        err(&raw, &issuer_config(), &rsa_only),
        AuthError::UnknownKey
    );
    // No kid and two RSA keys: no guessing.
    let two = keyset(&[rsa_a(), rsa_b()]);
    let raw = mint(&claims(), &json!({"kid": null}), rsa_a());
    assert_eq!(err(&raw, &issuer_config(), &two), AuthError::UnknownKey);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_jwk_alg_pins_the_algorithm() {
    let pinned = with(rsa_a().jwk(), json!({"alg": "RS256"}));
    let keys = parse_jwks(jwks(&[pinned]).as_bytes()).unwrap();
    let rs = mint(&claims(), &json!({"alg": "RS256"}), rsa_a());
    assert!(verify(&rs, &issuer_config(), &keys).is_ok());
    let ps = mint(&claims(), &json!({"alg": "PS256"}), rsa_a());
    assert_eq!(
        err(&ps, &issuer_config(), &keys),
        AuthError::AlgorithmNotAllowed
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn algorithms_outside_the_issuer_list_are_refused() {
    let only_rs = allowing(&[Alg::Rs256]);
    let ps = mint(&claims(), &json!({"alg": "PS256"}), rsa_a());
    assert_eq!(
        err(&ps, &only_rs, &all_keys()),
        AuthError::AlgorithmNotAllowed
    );
    // RS384 is a fine algorithm, but not a default one.
    let rs384 = mint(&claims(), &json!({"alg": "RS384"}), rsa_a());
    assert_eq!(
        err(&rs384, &issuer_config(), &all_keys()),
        AuthError::AlgorithmNotAllowed
    );
    for name in ["none", "None", "NONE", "rs256", "ES256K", "HS256"] {
        let raw = mint(&claims(), &json!({ "alg": name }), rsa_a());
        assert_eq!(
            err(&raw, &issuer_config(), &all_keys()),
            AuthError::AlgorithmNotAllowed,
            "{name}"
        );
    }
}

/// P-256 group order n.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `r || s` as an ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`.
fn der(raw: &[u8]) -> Vec<u8> {
    let integer = |x: &[u8]| {
        let x: Vec<u8> = x.iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![0x02];
        let pad = x.first().is_some_and(|b| b & 0x80 != 0);
        out.push((x.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend(x);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn es256_signature_forms_that_must_fail() {
    let keys = keyset(&[ec()]);
    let raw = fixtures::valid_es256();
    let (_, sig) = raw.rsplit_once('.').unwrap();
    let sig = b64::decode(sig).unwrap();
    assert_eq!(sig.len(), 64);
    let bad = |signature: &[u8]| err(&with_signature(&raw, signature), &issuer_config(), &keys);
    // r = s = 0 (the "psychic signatures" bug) and r = s = n.
    assert_eq!(bad(&[0; 64]), AuthError::BadSignature);
    assert_eq!(
        bad(&[P256_ORDER, P256_ORDER].concat()),
        AuthError::BadSignature
    );
    // The same valid signature in DER, as some libraries emit it.
    assert_eq!(bad(&der(&sig)), AuthError::BadSignature);
    // Truncated and padded.
    assert_eq!(bad(&sig[..63]), AuthError::BadSignature);
    assert_eq!(bad(&[&sig[..], &[0]].concat()), AuthError::BadSignature);
    assert_eq!(bad(&[]), AuthError::BadSignature);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wrong_signature_lengths_fail_for_every_algorithm() {
    let keys = keyset(&[rsa_a(), ec(), ed(), hs()]);
    let issuer = allowing(&EVERY_ALG);
    for alg in EVERY_ALG {
        let raw = mint(&claims(), &json!({ "alg": alg.name() }), key_for(alg));
        for len in [0, 1, 31, 63, 65, 255, 257, 1000] {
            assert_eq!(
                err(&with_signature(&raw, &vec![0xa5; len]), &issuer, &keys),
                AuthError::BadSignature,
                "{alg} {len}"
            );
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hs256_with_the_rsa_public_key_as_secret_fails() {
    let pem = rsa_a().public_pem();
    let forged = mint(
        &claims(),
        &json!({"alg": "HS256", "kid": "rsa-a"}),
        &TestKey::hmac(pem.as_bytes()),
    );
    // Default algorithms: HS256 is not allowed at all.
    assert_eq!(
        err(&forged, &issuer_config(), &all_keys()),
        AuthError::AlgorithmNotAllowed
    );
    // HS256 allowed but no secret configured: the RSA key is never an HMAC key.
    let hs_allowed = allowing(&[Alg::Rs256, Alg::Hs256]);
    assert_eq!(
        err(&forged, &hs_allowed, &all_keys()),
        AuthError::UnknownKey
    );
    // With the configured secret, the signature does not match it.
    let with_secret = keyset(&[rsa_a(), hs()]);
    assert_eq!(
        err(&forged, &hs_allowed, &with_secret),
        AuthError::BadSignature
    );
    // While a token made with the configured secret passes.
    assert!(verify(&fixtures::valid_hs256(), &hs_allowed, &with_secret).is_ok());
}

fn malformed(raw: &str) -> &'static str {
    match token::decode(raw) {
        Err(AuthError::Malformed(why)) => why,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// A token signed by rsa_a with exactly this header text.
fn with_header(header: &str) -> String {
    mint_raw(header, &claims().to_string(), Alg::Rs256, rsa_a())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn malformed_tokens() {
    let valid = fixtures::valid_rs256();
    let parts: Vec<&str> = valid.split('.').collect();
    let cases: Vec<(String, &str)> = vec![
        (
            parts[..2].join("."),
            "a token has three dot-separated parts",
        ),
        (
            format!("{valid}.x"),
            "a token has three dot-separated parts",
        ),
        (
            format!(
                "{}.e30.e30.e30.e30",
                b64::encode(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#)
            ),
            "encrypted tokens (JWE) are not accepted",
        ),
        (
            format!("{valid}{valid}"),
            "a token has three dot-separated parts; this has five, and its header names no encryption (two tokens run together?)",
        ),
        (
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            "the header is not base64url",
        ),
        (
            format!("{}.{}=.{}", parts[0], parts[1], parts[2]),
            "the payload is not base64url",
        ),
        (
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            "the signature is not base64url",
        ),
        (
            format!("+{}.{}.{}", &parts[0][1..], parts[1], parts[2]),
            "the header is not base64url",
        ),
        (
            with_header(r#"["RS256"]"#),
            "the header is not a JSON object",
        ),
        (
            mint_raw(r#"{"alg":"RS256"}"#, "null", Alg::Rs256, rsa_a()),
            "the payload is not a JSON object",
        ),
        (with_header(r#"{"kid":"rsa-a"}"#), "the header has no alg"),
        (
            with_header(r#"{"alg":256}"#),
            "the header alg is not a string",
        ),
        (
            with_header(r#"{"alg":"RS256","crit":["x"],"x":1}"#),
            "the header lists critical extensions (crit)",
        ),
        (
            with_header(r#"{"alg":"RS256","b64":false,"crit":["b64"]}"#),
            "the header lists critical extensions (crit)",
        ),
        (
            with_header(r#"{"alg":"RS256","b64":true}"#),
            "unencoded payloads (b64) are not accepted",
        ),
        (
            with_header(r#"{"alg":"RS256","cty":"JWT"}"#),
            "nested tokens (cty) are not accepted",
        ),
        (
            with_header(r#"{"alg":"RS256","typ":"JOSE"}"#),
            "the header typ is neither JWT nor at+jwt",
        ),
        (
            with_header(r#"{"alg":"RS256","alg":"RS256"}"#),
            "the header is not valid JSON (or repeats a member)",
        ),
        (
            mint_raw(
                r#"{"alg":"RS256"}"#,
                &format!(r#"{{"x":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000)),
                Alg::Rs256,
                rsa_a(),
            ),
            "the payload is not valid JSON (or repeats a member)",
        ),
    ];
    for (raw, why) in cases {
        assert_eq!(malformed(&raw), why);
    }
    // Accepted typ spellings.
    for typ in [
        "JWT",
        "jwt",
        "at+jwt",
        "application/at+JWT",
        "APPLICATION/JWT",
    ] {
        let raw = with_header(&format!(r#"{{"alg":"RS256","kid":"rsa-a","typ":"{typ}"}}"#));
        assert!(verify(&raw, &issuer_config(), &all_keys()).is_ok(), "{typ}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_duplicate_iss_is_refused_even_when_well_signed() {
    let payload = format!(
        r#"{{"iss":"https://evil.example","sub":"x","exp":{},"iss":"{ISSUER}"}}"#,
        NOW + 300
    );
    let raw = mint_raw(
        r#"{"alg":"RS256","kid":"rsa-a"}"#,
        &payload,
        Alg::Rs256,
        rsa_a(),
    );
    assert_eq!(
        malformed(&raw),
        "the payload is not valid JSON (or repeats a member)"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn header_key_urls_and_embedded_keys_are_never_used() {
    // An attacker's own key in `jwk` and a `jku` pointing at its JWKS: the
    // issuer's keys are the only ones consulted.
    let raw = mint(
        &claims(),
        &json!({"kid": "rsa-a", "jwk": rsa_b().jwk(), "jku": "https://evil.example/jwks",
                "x5u": "https://evil.example/cert", "x5c": ["MIIB"]}),
        rsa_b(),
    );
    assert_eq!(
        err(&raw, &issuer_config(), &all_keys()),
        AuthError::BadSignature
    );
}

/// The example tokens of the "Authn" document (seed 003): real RS256
/// tokens whose keys we do not have.
const AUTHN_CUSTOMER: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6IjRhekgzb01hQXlBVVFlN0llNkJrIiwiZXhwIjoxNTg2MzU1NTc2LCJncm91cHMiOiJjdXN0b21lciIsImlhdCI6MTU4NjM1MTk3NiwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJtb2kiOjIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJmdW5ra3lzczFAaG90bWFpbC5jb20iLCJ0ZW5hbnQiOiIyIiwidGlkIjoiOTU1MWU0MzEtODdhZC00MWI2LTg1MDYtMWI5YjhiZTM3ODQwIiwidXNlcl9tZXRhZGF0YSI6eyJncm91cHMiOlsiY3VzdG9tZXIiXX19.OYkt_XoVZw1TyJizkmGWH71y8iwmQx95gHDfUj5vxqCHHcIUZXG4siCtlTZCxUo-Ppxa-SDEwIIf5BEP3zJ7cc-t_ua5AAlPRtEFVRP81-5fBcwT1xKq8-J7Agfg_YXPIX7TnYt5Q7DA0AxWzHiEJ11HCzCWXK2ofShoTSgej80v5eRfGRUpycBUbEgsrnD0doF9YH4QZcrxVFpZ-O7hwH6fp5JmZjH46kUYV0c1TQgMF0WH48tfQWyMGapdylJtus5vZV3WK1AOhtwubGaa1xmWJXn1LdzxvDMh3at_h2XeLq_eTti6IPPlqYZesI97XNtJ1NYAsdzQTeKFwS1Pjg";
const AUTHN_AGENT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhcHBfbWV0YWRhdGEiOnsicm9sZXMiOlsiRFVBTFBST0ZJTEUiLCJSRUFET05MWSJdfSwiYXBwX21ldGFkYXRhX3JvbGVzIjoiRFVBTFBST0ZJTEUgUkVBRE9OTFkiLCJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6ImFXVkd3emNBZ3VqNnJTbDExQ1E5IiwiZXhwIjoxNTg2MzU1NTc4LCJncm91cHMiOiJhZ2VudCIsImlhdCI6MTU4NjM1MTk3OCwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJyb2xlcyI6IlJFVEVOQ0lPTiIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJBRTAwMDEiLCJ0aWQiOiIwZDNhZmYzZS02ODFkLTQzZDktOGFkMC0wMTVlZDdjYzhmMTciLCJ1c2VyX21ldGFkYXRhIjp7Imdyb3VwcyI6WyJhZ2VudCJdLCJyb2xlcyI6WyJSRVRFTkNJT04iXSwic2ZpZCI6IkFFMDAwMSJ9fQ.BLQflnTqbAnClwMrK--Kn0PyZNbAAlaIKGz9qHi80SoyM3i0F_lvFe-ZEVtxYRFjl6WufJowlFwJcjI4Uk4QA9ujs2c3zbxf-oBJVEe-Raxu04ltRNp95J_LvWbx1qJ93FMVDa7tZlIc0vrIR_uRCfzY-Wyh0YjSamAnFHJsYtvXZQ96ExEMhh15S56wJC_rIX0fhlgQ3hIHP07dqm5ReDDK3UMChaEnyyjl-1NvavVblJvxv-uWYFsHhr34VttPY2X0mrA9bZsdnJSJnuVPkfeR5Vj2eYjeAGnE9lw4bMIxJ6DWDMrPdmTOAvFRxqnbGMEWVz7iYJufJfRG2IlyUw";
const AUTHN_PASSWORD_GRANT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjYwZTBjNDM4LTAwNGMtNDlmMC04MzUzLWZkMDYxNTkxMWMwOSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJBdWRpZW5jZSIsImNpZCI6IjYxQnFpT2tuSkJ5UWRCU3dLdjhsIiwiZXhwIjoxNTUyNDI4NjQzLCJncm91cHMiOlsiY3VzdG9tZXIiXSwiaWF0IjoxNTUyMzQyMjQzLCJpc3MiOiJsdW1pZXJlLmF1dGgubWFzbW92aWwuY29tIiwic2NvcGVzIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiI2MjI2MDc3NTcifQ.k9NwTKQM8u4aq-w3TXtszknOtGDgwFss4aunCgcw1VOIpYP35jlNN9GIN-Slt7kaHwruaI1BF9JShta3CQcrVD8b7YJHe3DWm8e0o7e32fXm5OdfIt4Uw6Hpn344A5jfmUefWGLqulqWL2sDfhx1hhXXfMpZrSuSVxYfow2FsvP_Q2dJfU1y-3gtvTm9eFcFl5szE2Wj4dZf-4ewH4uvzWlgkqLjpX3mfewITdmK5ME0lDUU0MUafeVPvz77TfMyv_smzqtkyg0jf_X9XxdRdkcXjH-uvNuBxIgenWsGBFXZeBFxZyEUuPLOPCHfTtDu-Jg126p9zusjfkFFpp-wbA";
const AUTHN_AUTH_CODE: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjAwNjEyN2U5LWZiYTgtNGNmNC1iYzlhLTRjNmUzODQ2MWQwMSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJBdWRpZW5jZSIsImNpZCI6IlR0c2RtZWJQY1F0RW52THNLdzd4IiwiZXhwIjoxNTU5MjI4MjI4LCJncm91cHMiOlsiY3VzdG9tZXIiXSwiaWF0IjoxNTU5MjI0NjI4LCJpc3MiOiJsdW1pZXJlZmlyZWl2YW4uYXV0aC5tYXNtb3ZpbC5jb20iLCJzY29wZXMiOiJhcGk6ZXZlcnl0aGluZyIsInN1YiI6IjYyMjYwNzc1NyIsInRpZCI6IjZlN2IxNzJmLTIyNjUtNDY1Mi1hYTI5LWVmM2EwOGI5YTYwZCJ9.ZgbFsuLXL1cnUYhJFk6IevhSkHsgVDks6b7xFYePjLZQ0Cu2itz61qJVr7bi3uN0YNTtmbaTtnkdOn6KJAjEAOYT0fIsA2MI_84bds0uP6niuDaibfWa-C_mmErxS9VcXe5cTsLwvl11gmvHeq05vszT8JN5vTXRn_MIK_lYGifG0tmFWFlB-_d409jF4KytVXMM5oqvaNAb7sZBK6RefrVTkHFEvx0U0g3F1WvtpBYGAIFksfn45BHPMEyXIXgRpsH0iJ6fwEacwwOTsaLDxmU57CumuCLxRE18KcIIdAKcgKlA1LROB-Y7Vx_YRQBXRmV2RvarGKy__Bm6RcA7qw";
const AUTHN_IMPLICIT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFkNzBlZTJkLTE1NTktNDczZS1hNWExLTRmZDA5Y2EwYzFkNSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJBdWRpZW5jZSIsImNpZCI6IkZpYVpEdUhodjFzZ0lhM3RqOGZGIiwiZXhwIjoxNTU5NTcwMjA2LCJncm91cHMiOlsiY3VzdG9tZXIiXSwiaWF0IjoxNTU5NTY2NjA2LCJpc3MiOiJsdW1pZXJlZmlyZWl2YW4uYXV0aC5tYXNtb3ZpbC5jb20iLCJzY29wZXMiOiJhcGk6ZXZlcnl0aGluZyIsInN1YiI6IjYyMjYwNzc1NyIsInRpZCI6IjE1Y2E1ZjJmLTUzMjMtNGU3Zi04MGVjLTc4OWZkNzQ5ODE2OCJ9.lLxwgqAaRiyKA5UHJU2-7WGb8-ADYoSu_YYgnlzMKYFUvbZqOgnVtuRKE4utL553r617r7n5zvpgpqL_ahJryEGAJOsODTdkjsGfIdJE7jUluJhthR_gv7JFR9SpJWevlQBmhnu5dz6eCCzfSKz_GRCYxi8IZrp0KyqFTxf8xdEQdDMWI1JrVw550gwAp4i4hE_kivKsP4zKqld7VGqokiBf2STTFSJrL_yjdkhAlHACHo0RFd9YZLmPVu3MruGq8ghItTWCVVfmPe6rTGquyMjO-Syqx7k6GUlLowEy3RW-CYKOm4t0V7BvbPHQgRBEg-aSMRGCSjc6RPH-pgGFOA";
const AUTHN_JWT_BEARER: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImY3ZWZiY2JkLTM5ZDAtNDhlYS04YzU3LTMyMzk5OTFjNjA2ZSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJ2b2RhZm9uZUBCTTVpY2hiZ0Q1Q3RUc0R0QXFuUi5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6IkJNNWljaGJnRDVDdFRzRHRBcW5SIiwiZXhwIjoxNTc4NDA1MzAzLCJpYXQiOjE1NzgzOTgxMDMsImlzcyI6Imh0dHA6Ly9hcGk6ODA4MC9vYXV0aC90b2tlbiIsIm1vaSI6MSwic2NvcGUiOiJteXNpbS5lZGl0b3IuZnVsbGNvbnRyb2wiLCJzdWIiOiJ2b2RhZm9uZUBCTTVpY2hiZ0Q1Q3RUc0R0QXFuUi5hdXRoLm1hc21vdmlsLmNvbSIsInRpZCI6ImVlZjYyMzRjLTgyMTMtNGNjYi05YmJhLTNiM2RmZmNkMjc5YiJ9.W_AlzK9WQdibK-1ZO4N1_DubxvK-q0R0oLxXSuFhTLSSrdAALFLNkMozCQd-tEBA1JnxmC628j0VCJQ9zw6wxQ70ryN5293YrivNlREmZ4RbjrZMyGlY2vfd30lFWKR3xmlb7p24Sl5-0Fo9OpiWgTaStWVtvLVmadmGwDHx2LpKSqnA3nQgUYczuU50DadqLGRrBD5QvEzzCYlzwSDwtLN5h1bGRTVCIcyxpsnyLg7lW8NM5DFhkKRLr0b-o_01bsmM03aNmXzO3kLajf7L1eczUPi4iUkhRE1ETRdNVqKuOqfupEan405rM-P9LevYjJoOVZ420IAW9l_S78Fu8A";

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_authn_example_tokens_decode() {
    let customer = token::decode(AUTHN_CUSTOMER).unwrap();
    assert_eq!(customer.header.alg, "RS256");
    assert_eq!(
        customer.header.kid.as_deref(),
        Some("d5f723b8-5656-4d93-a000-061faf1eca1e")
    );
    assert_eq!(customer.header.typ.as_deref(), Some("JWT"));
    assert_eq!(customer.issuer(), Some("heimdall.auth.masmovil.com"));
    assert_eq!(customer.claims.to_map()["tenant"], json!("2"));
    assert_eq!(customer.claims.to_map()["groups"], json!("customer"));
    assert_eq!(
        customer.claims.to_map()["cid"],
        json!("4azH3oMaAyAUQe7Ie6Bk")
    );
    assert_eq!(customer.claims.to_map()["exp"], json!(1_586_355_576));
    assert_eq!(customer.signature().len(), 256);

    let agent = token::decode(AUTHN_AGENT).unwrap();
    assert_eq!(agent.header.alg, "RS256");
    assert_eq!(agent.claims.to_map()["roles"], json!("RETENCION"));
    assert_eq!(agent.claims.to_map()["groups"], json!("agent"));
    assert_eq!(
        agent.claims.to_map()["app_metadata"]["roles"],
        json!(["DUALPROFILE", "READONLY"])
    );
    assert_eq!(
        agent.claims.to_map()["user_metadata"]["sfid"],
        json!("AE0001")
    );

    for (raw, iss, cid) in [
        (
            AUTHN_PASSWORD_GRANT,
            "lumiere.auth.masmovil.com",
            "61BqiOknJByQdBSwKv8l",
        ),
        (
            AUTHN_AUTH_CODE,
            "lumierefireivan.auth.masmovil.com",
            "TtsdmebPcQtEnvLsKw7x",
        ),
        (
            AUTHN_IMPLICIT,
            "lumierefireivan.auth.masmovil.com",
            "FiaZDuHhv1sgIa3tj8fF",
        ),
        (
            AUTHN_JWT_BEARER,
            "http://api:8080/oauth/token",
            "BM5ichbgD5CtTsDtAqnR",
        ),
    ] {
        let t = token::decode(raw).unwrap();
        assert_eq!(t.header.alg, "RS256");
        assert_eq!(t.issuer(), Some(iss));
        assert_eq!(t.claims.to_map()["cid"], json!(cid));
    }
    let access = token::decode(AUTHN_PASSWORD_GRANT).unwrap();
    assert_eq!(access.claims.to_map()["groups"], json!(["customer"]));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_authn_example_tokens_do_not_verify_with_our_keys() {
    let mut issuer = issuer_config();
    issuer.issuer = "heimdall.auth.masmovil.com".into();
    // Their kid is unknown to us; under our key (by kid) the signature fails.
    assert_eq!(
        err(AUTHN_CUSTOMER, &issuer, &all_keys()),
        AuthError::UnknownKey
    );
    let theirs: Value = with(
        rsa_a().jwk(),
        json!({"kid": "d5f723b8-5656-4d93-a000-061faf1eca1e"}),
    );
    let keys = parse_jwks(jwks(&[theirs]).as_bytes()).unwrap();
    assert_eq!(err(AUTHN_CUSTOMER, &issuer, &keys), AuthError::BadSignature);
}

/// The named fixtures through the whole decision (`decision::decide`):
/// signature first, then the claims, each refusal with its own code.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_named_fixtures_through_the_decision() {
    use edge_authz::config::Config;
    use edge_authz::decision::{decide, Request, Verdict};

    let cfg = Config::from_value(json!({
        "origin": "https://api.internal.example",
        "issuers": [{
            "issuer": ISSUER,
            "jwks_uri": "https://sso.example.com/certs",
            "audiences": [AUDIENCE],
        }],
    }))
    .expect("test config");
    let keys = all_keys();
    let decide_on = |raw: &str| {
        let headers = vec![("authorization".to_string(), format!("Bearer {raw}"))];
        let req = Request {
            method: "GET",
            path: "/things",
            query: "",
            headers: &view(&headers),
        };
        decide(&cfg, &req, |_| Some(&keys), &RustCrypto, NOW).verdict
    };
    for raw in [
        fixtures::valid_rs256(),
        fixtures::valid_ps256(),
        fixtures::valid_es256(),
        fixtures::valid_eddsa(),
    ] {
        assert!(matches!(decide_on(&raw), Verdict::Forward(_)));
    }
    for (raw, want) in [
        (fixtures::expired(), AuthError::Expired { exp: NOW - 600 }),
        (fixtures::not_yet_valid(), AuthError::NotYetValid),
        (fixtures::issued_in_future(), AuthError::IssuedInFuture),
        (
            fixtures::wrong_audience(),
            AuthError::WrongAudience(vec![AUDIENCE.into()]),
        ),
        (fixtures::refresh_token(), AuthError::WrongTokenType),
        (fixtures::id_token(), AuthError::WrongTokenType),
        (
            fixtures::no_exp(),
            AuthError::Malformed("the token has no exp"),
        ),
        (fixtures::unknown_issuer(), AuthError::UnknownIssuer),
        (fixtures::bad_signature(), AuthError::BadSignature),
        // As the page's links share it: the signature left out.
        (
            format!("{}.", fixtures::valid_rs256().rsplit_once('.').unwrap().0),
            AuthError::NoSignature,
        ),
        (fixtures::unknown_kid(), AuthError::UnknownKey),
        (fixtures::alg_none(), AuthError::AlgorithmNotAllowed),
        (fixtures::valid_hs256(), AuthError::AlgorithmNotAllowed),
    ] {
        match decide_on(&raw) {
            Verdict::Refuse(e) => assert_eq!(e, want),
            Verdict::Forward(_) => panic!("expected {want:?}, got a forward"),
        }
    }
}
