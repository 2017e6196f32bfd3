#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the committed fixtures, the README and
wrangler.toml. Run from anywhere: python3 fuzz/make_seeds.py. Crash inputs
kept as regression seeds (named crash-*) are left alone."""
import base64, json, os, pathlib, re, subprocess

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
V = json.loads((ROOT / "tests/fixtures/vectors.json").read_text())
ISS = V["issuer"]
TOKENS = {v["name"]: v["token"] for v in V["vectors"]}
VALID_RS = TOKENS["RS256 valid"]
VALID_ES = TOKENS["ES256 valid"]
VALID_HS = TOKENS["HS256 valid"]
VALID_ED = TOKENS["EdDSA valid"]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def tok(header, payload, sig=b"sig"):
    return f"{b64u(header.encode())}.{b64u(payload.encode())}.{b64u(sig)}"


def basic(user, secret, pad=True):
    v = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return v if pad else v.rstrip("=")


def write(target, name, data):
    d = FUZZ / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def clear(target):
    d = FUZZ / "seeds" / target
    if d.exists():
        for f in d.iterdir():
            if not f.name.startswith("crash-"):
                f.unlink()


for t in ["extract", "token_decode", "json_tree", "jwks", "config", "exchange_answer", "routes", "decide", "page_keys"]:
    clear(t)

# extract: flag byte (1 = Basic on, 2 = small max), then header lines.
for i, (flags, text) in enumerate([
    (0, f"Bearer {VALID_RS}"),
    (0, f"bearer  {VALID_ES}\t"),
    (1, f"Basic {basic('svc-a', 'svc-a-secret')}"),
    (1, f"basic {basic('svc%3Aa+b', 'p:a ss', pad=False)}"),
    (1, "Basic Y2xpZW50OnMzY3JldA=="),
    (0, f"Bearer {VALID_HS}\nBearer {VALID_HS}"),
    (0, f"Bearer {VALID_ED} extra"),
    (2, f"Bearer {VALID_RS}"),
    (0, "Digest username=x"),
    (1, "Basic //79"),
    (0, ""),
]):
    write("extract", f"{i:02}", bytes([flags]) + text.encode())

# token_decode: the vectors, plus shapes the decoder and the page refuse.
for name, t in TOKENS.items():
    write("token_decode", re.sub(r"\W+", "_", name), t)
for name, t in {
    "bearer_line": f"Bearer {VALID_ES}",
    "header_line": f"Authorization: Bearer {VALID_ED}",
    "basic_line": f"Authorization: Basic {basic('a', 'b')}",
    "alg_none": tok('{"alg":"none"}', '{"iss":"x"}', b""),
    "crit": tok('{"alg":"RS256","crit":["exp"]}', '{"exp":1}'),
    "dup_iss": tok('{"alg":"RS256"}', '{"iss":"a","iss":"b"}'),
    "typ_app": tok('{"alg":"ES256","typ":"application/at+jwt","kid":"k"}', '{"exp":1e309}'),
    "jwe": "a.b.c.d.e",
    "padded": VALID_HS.split(".")[0] + "=." + ".".join(VALID_HS.split(".")[1:]),
    "nested": tok('{"alg":"RS256"}', '{"x":' + "[" * 64 + "]" * 64 + "}"),
}.items():
    write("token_decode", name, t)

# json_tree: the vectors' payloads and headers as JSON text, and what the
# strict parse refuses or reads with care.
def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


for name, t in TOKENS.items():
    if not name.endswith(" valid"):
        continue
    h, p = t.split(".")[:2]
    write("json_tree", re.sub(r"\W+", "_", name) + "_payload", unb64u(p))
write("json_tree", "header", unb64u(VALID_RS.split(".")[0]))
for name, text in {
    "escapes": r'{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","\u0069ss":1}',
    "lone_surrogate": r'{"s":"\ud800"}',
    "dup_escaped": r'{"iss":"a","\u0069ss":"b"}',
    "dup_nested": '{"a":[{"k":1},{"k":1,"k":2}]}',
    "numbers": '{"a":0,"b":-0,"c":1.5e-3,"d":18446744073709551616,"e":-9223372036854775809,"f":1e308}',
    "out_of_range": '{"a":1e309}',
    "deep": '{"a":' + "[" * 127 + "]" * 127 + "}",
    "too_deep": '{"a":' + "[" * 128 + "]" * 128 + "}",
    "large_object": "{" + ",".join(f'"m{i}":{i}' for i in range(40)) + ',"m7":0}',
    "not_object": '["a",1]',
    "bom": "\ufeff{}",
}.items():
    write("json_tree", name, text)

# jwks: the vectors' JWKS, per key, and keys that must be skipped.
write("jwks", "vectors", json.dumps(V["jwks"]))
for k in V["jwks"]["keys"]:
    write("jwks", "one_" + k["kid"], json.dumps({"keys": [dict(k, alg={"RSA": "PS256", "EC": "ES256", "OKP": "EdDSA"}[k["kty"]], use="sig")]}))
rsa = V["jwks"]["keys"][0]
write("jwks", "weak_rsa", json.dumps({"keys": [dict(rsa, n=rsa["n"][:100])]}))
write("jwks", "oct_enc", json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "o"}, dict(rsa, use="enc", kid="e")]}))
write("jwks", "empty", '{"keys":[]}')
write("jwks", "x5c", json.dumps({"keys": [dict(rsa, x5c=["MIIB"], kid="../../etc/passwd")]}))

# config: README and wrangler.toml [vars.AUTHZ] as TOML, JSON equivalents.
readme = (ROOT / "README.md").read_text()
m = re.search(r"```toml\n(\[vars\.AUTHZ\].*?)```", readme, re.S)
write("config", "readme.toml", m.group(1))
wr = (ROOT / "wrangler.toml").read_text()
write("config", "wrangler.toml", wr[wr.index("[vars.AUTHZ]"):])
write("config", "readme_dev_var.json", '{"origin":"http://127.0.0.1:9401","issuers":[{"issuer":"http://127.0.0.1:9400/realms/demo"}]}')
full = {
    "origin": "https://api.internal.example", "realm": "api", "leeway_seconds": 30,
    "max_token_bytes": 8192, "strip_header_prefix": "x-auth-",
    "issuers": [{
        "issuer": "https://sso.example.com/realms/ScpCloud",
        "jwks_uri": "https://sso.example.com/realms/ScpCloud/protocol/openid-connect/certs",
        "token_endpoint": "https://sso.example.com/realms/ScpCloud/protocol/openid-connect/token",
        "audiences": ["scpCloud"], "algorithms": ["RS256", "HS256"], "token_types": ["Bearer"],
        "org_claims": ["organizationId"], "organizations": ["c7834e89"], "clients": ["svc"],
        "max_lifetime_seconds": 86400, "hs_secret_var": "SSO_HS_SECRET"}],
    "basic_exchange": {"issuer": "https://sso.example.com/realms/ScpCloud", "scope": "api"},
    "routes": [
        {"path": "/public/*", "auth": "public"},
        {"path": "/orgs/{org}/*", "methods": ["GET", "post"], "roles_any": ["r"], "scopes_all": ["api:read"],
         "cross_org_roles": ["admin"], "org_header": "X-Organization-Id", "mode": "shadow",
         "issuers": ["https://sso.example.com/realms/ScpCloud"]}],
    "forward": {"x-auth-subject": "sub", "x-auth-org": "$org", "X-Auth-Roles": "realm_access.roles"},
}
write("config", "contract_full.json", json.dumps(full, indent=1))
write("config", "as_json_string.json", json.dumps(json.dumps(full)))
write("config", "authz_wrapped.json", json.dumps({"AUTHZ": full}))
bad = dict(full, issuers=[dict(full["issuers"][0], jwks_uri="http://evil.example/certs", algorithms=["none"])])
write("config", "bad_endpoint.json", json.dumps(bad))

# exchange_answer: two status bytes, then the body.
for i, (status, body) in enumerate([
    (200, '{"access_token":"%s","expires_in":300,"token_type":"Bearer","scope":"api"}' % VALID_RS),
    (200, '{"access_token":"a.b.c","expires_in":"300"}'),
    (200, '{"access_token":""}'),
    (200, "<html>garbage</html>"),
    (401, '{"error":"invalid_client","error_description":"client authentication failed"}'),
    (400, '{"error":"invalid_request"}'),
    (400, '{"error":"invalid_scope"}'),
    (403, ""),
    (500, '{"error":"server_error"}'),
    (503, ""),
    (302, ""),
]):
    write("exchange_answer", f"{i:02}_{status}", status.to_bytes(2, "big") + body.encode())

# routes: pattern, method, path.
for i, (p, meth, path) in enumerate([
    ("/orgs/{org}/*", "GET", "/orgs/org-a/things?x=1"),
    ("/public/*", "get", "/public/../admin/x"),
    ("/admin/*", "HEAD", "/%61dmin;jsessionid=1/x"),
    ("/orgs/{org}", "POST", "/orgs/caf%C3%A9"),
    ("/a/b/", "GET", "/a//b/#frag"),
    ("/", "OPTIONS", "/"),
    ("/*", "DELETE", "/x/%2F/y"),
    ("/v1/{org}/items/*", "PUT", "/v1/%2e%2e/items"),
    ("/a:b/c@d", "GET", "/a:b/c@d"),
]):
    write("routes", f"{i:02}", f"{p}\n{meth}\n{path}")

# decide: requests against decide_config() (see fuzz/src/lib.rs).
b = basic("svc-a", "svc-a-secret")
NONE = tok('{"alg":"none"}', json.dumps({"iss": ISS, "exp": 4102444800}), b"")
for i, text in enumerate([
    f"GET /orgs/org-v/things\nauthorization: Bearer {VALID_RS}\naccept: application/json",
    f"GET /orgs/other-org/things\nauthorization: Bearer {VALID_ES}",
    f"POST /admin/x\nauthorization: Bearer {VALID_HS}",
    f"GET /scoped/x\nAuthorization: Bearer {VALID_ED}",
    f"GET /tenant/x\nauthorization: Bearer {VALID_RS}\nx-organization-id: org-v",
    f"GET /shadow/x\nauthorization: Bearer {TOKENS['RS256 tampered signature']}",
    f"GET /public/x\nauthorization: Basic {b}\nx-auth-subject: spoofed",
    f"OPTIONS /orgs/org-v/x\norigin: https://app.example\naccess-control-request-method: GET",
    f"GET /orgs/org-v/x\nauthorization: Basic {b}\nx-fuzz-answer: {VALID_RS}",
    f"GET /orgs/org-v/x\nauthorization: Basic {b}\nx-fuzz-answer: {TOKENS['HS256 payload swapped']}",
    f"GET /other/x\nauthorization: Bearer {VALID_RS}",
    f"GET /x\nauthorization: Bearer {VALID_RS}, Bearer {VALID_RS}",
    f"GET /orgs/org-v/%2e%2e/admin\nauthorization: Bearer {TOKENS['PS512 valid']}",
    "GET /orgs/a%2Fb/x",
    f"get /no/route\nauthorization: Bearer {TOKENS['HS512 valid']}\nx-auth-org: spoofed",
    f"GET /orgs/org-v/x\nauthorization: Bearer {NONE}",
    f"GET /orgs/org-v/things?access_token=x\nauthorization: Bearer {VALID_RS}",
    f"GET /orgs/org-v/things\nauthorization: Bearer {VALID_RS}\nauthorization: Bearer {VALID_RS}",
]):
    write("decide", f"{i:02}", text)
print("seeds written under", FUZZ / "seeds")

# page_keys: what the page takes as a key. PEMs by openssl from the
# committed test keys (and throwaway EC and Ed25519 keys).
def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout


fixtures = ROOT / "tests/fixtures"
write("page_keys", "jwks", json.dumps(V["jwks"]))
write("page_keys", "jwk_ed", json.dumps(V["jwks"]["keys"][2]))
write("page_keys", "secret", V["hs_secret"] + "\n")
write("page_keys", "secret_short", "too-short\n")
write("page_keys", "spki_rsa", openssl("pkey", "-in", str(fixtures / "rsa2048-a.pem"), "-pubout"))
write("page_keys", "pkcs1_rsa_pub", openssl("rsa", "-in", str(fixtures / "rsa2048-a.pem"), "-RSAPublicKey_out"))
write("page_keys", "pkcs8_rsa_private", (fixtures / "rsa2048-b.pem").read_text())
write("page_keys", "pkcs1_rsa_private", openssl("rsa", "-in", str(fixtures / "rsa2048-b.pem"), "-traditional"))
ec = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
write("page_keys", "spki_ec", openssl("pkey", "-pubout", stdin=ec))
ed = openssl("genpkey", "-algorithm", "ed25519")
write("page_keys", "spki_ed", openssl("pkey", "-pubout", stdin=ed))
escaped = (fixtures / "rsa2048-b.pem").read_text().replace("\n", "\\n")
write("page_keys", "private_escaped_newlines", escaped)
write("page_keys", "certificate_label", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
