use super::*;
use crate::inspect::verify::verify;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::LineEnding;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000;
const PKCS8: &str = include_str!("../../tests/fixtures/rsa2048-a.pem");

/// A key file shaped like the Authn docs' example.
fn key_file(private_key: &str) -> Value {
    json!({
        "private_key_id": "7524f047-83e4-4194-988e-9eb772e51405",
        "private_key": private_key,
        "client_email": "thirdparty@gMj7jdyiF8xefBgLJnU1.auth.masmovil.com",
        "client_id": "gMj7jdyiF8xefBgLJnU1",
        "type": "service_account",
        "token_uri": "https://authn.sta.k8s.masmovil.com/oauth/token",
        "auth_uri": "https://authn.sta.k8s.masmovil.com/oauth/authorize",
        "project_id": "addfakQlgpccgrWHTzht"
    })
}

fn pkcs1() -> String {
    pem::rsa_private_key(PKCS8)
        .unwrap()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap()
        .to_string()
}

#[test]
fn signed_with_the_file_key_in_both_encodings() {
    for private_key in [PKCS8.to_string(), pkcs1()] {
        let a = build(
            &key_file(&private_key).to_string(),
            NOW,
            "j-1",
            &Options::default(),
        )
        .unwrap();
        assert_eq!(
            a.header,
            json!({"alg": "RS256", "typ": "JWT", "kid": "7524f047-83e4-4194-988e-9eb772e51405"})
        );
        assert_eq!(
            a.claims["iss"],
            "thirdparty@gMj7jdyiF8xefBgLJnU1.auth.masmovil.com"
        );
        assert_eq!(
            a.claims["aud"],
            "https://authn.sta.k8s.masmovil.com/oauth/token"
        );
        assert_eq!(a.claims["iat"], NOW);
        assert_eq!(a.claims["exp"], NOW + 3600);
        assert_eq!(a.claims["jti"], "j-1");
        assert!(a.claims.get("scope").is_none());
        // It verifies with the public key, through the edge's own steps.
        let r = verify(&a.assertion, &a.public_jwk.to_string(), NOW + 10);
        assert!(r.ok && r.times_ok == Some(true), "{r:?}");
        assert!(a
            .curl
            .contains("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer"));
        assert!(a.curl.contains(&format!("'assertion={}'", a.assertion)));
        assert!(a
            .curl
            .starts_with("curl -X POST 'https://authn.sta.k8s.masmovil.com/oauth/token'"));
        // The private key appears nowhere in the output.
        let out = serde_json::to_string(&a).unwrap();
        assert!(!out.contains("PRIVATE"));
    }
}

#[test]
fn options() {
    let file = key_file(PKCS8).to_string();
    let opts = Options {
        token_uri: Some("http://127.0.0.1:9400/oauth/token"),
        scope: Some(" mysim.editor.fullcontrol "),
        lifetime: Some(600),
    };
    let a = build(&file, NOW, "j", &opts).unwrap();
    assert_eq!(a.claims["aud"], "http://127.0.0.1:9400/oauth/token");
    assert_eq!(a.token_uri, "http://127.0.0.1:9400/oauth/token");
    assert_eq!(a.claims["scope"], "mysim.editor.fullcontrol");
    assert_eq!(a.claims["exp"], NOW + 600);
    for lifetime in [0, 3601] {
        let opts = Options {
            lifetime: Some(lifetime),
            ..Options::default()
        };
        assert!(build(&file, NOW, "j", &opts)
            .unwrap_err()
            .contains("lifetime"));
    }
}

#[test]
fn what_is_wrong_with_the_file() {
    let ok = key_file(PKCS8);
    let without = |name: &str| {
        let mut v = ok.clone();
        v.as_object_mut().unwrap().remove(name);
        build(&v.to_string(), NOW, "j", &Options::default()).unwrap_err()
    };
    for name in ["private_key_id", "client_email", "token_uri", "private_key"] {
        assert!(without(name).contains(name), "{name}");
    }
    let mut user = ok.clone();
    user["type"] = json!("authorized_user");
    assert!(build(&user.to_string(), NOW, "j", &Options::default())
        .unwrap_err()
        .contains("authorized_user"));
    let mut bad_key = ok.clone();
    bad_key["private_key"] = json!(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEApB8C\n-----END RSA PRIVATE KEY-----\n"
    );
    let err = build(&bad_key.to_string(), NOW, "j", &Options::default()).unwrap_err();
    assert!(!err.contains("MIIE"), "{err}");
    let err = build(
        "{\"private_key\": \"-----BEGIN",
        NOW,
        "j",
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        err.contains("not valid JSON") && !err.contains("BEGIN"),
        "{err}"
    );
    assert!(build("[]", NOW, "j", &Options::default()).is_err());
}
