// Attack corpus, part 1: algorithms, signatures and keys (issue 5). Each case
// forges a token with node:crypto, most with the signing key of a real
// Keycloak-shaped issuer (oidc-provider) whose JWKS the worker trusts, and
// expects the contract's refusal from the worker in workerd, with nothing
// reaching the origin. Cases that carry a URL or a key in the token (jku,
// x5u, jwk, x5c, kid) also expect zero requests at the attacker's server.
//
// One worker for every case (tests/support/attack-rig.mjs).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { STARTUP_MS, startAttackRig } from '../support/attack-rig.mjs';
import { assertForwarded, call, describeRes } from '../support/expect.mjs';
import { b64url, createKey } from '../support/minter.mjs';

const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

/** The token with its signature part replaced. */
const withSignature = (token, sig) => `${token.slice(0, token.lastIndexOf('.'))}.${b64url(sig)}`;

/**
 * A self-signed X.509 certificate of `key` (DER), made by the openssl CLI,
 * whose Authority Information Access points at `caUrl`: a verifier that
 * builds chains would fetch it.
 */
function selfSignedDer(key, caUrl) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-x5c-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    fs.writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=attacker', '-days', '1',
      '-addext', `authorityInfoAccess=caIssuers;URI:${caUrl}`,
      '-outform', 'DER', '-out', path.join(dir, 'cert.der')], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'cert.der'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('attack corpus: algorithms, signatures, keys', () => {
  let rig;
  const url = '/api/x';

  before(async () => {
    rig = await startAttackRig();
  }, { timeout: STARTUP_MS + 60_000 });

  after(async () => {
    await rig?.stop();
  });

  /** Sends `token`; expects a 401 (or `status`) with one of `codes`. */
  async function refused(token, codes, { status = 401 } = {}) {
    rig.mark();
    const res = await call(rig.worker, url, { token });
    return rig.refused(res, { status, codes, secret: token });
  }

  it('the worker starts, and a forged token with everything right passes (control)', async () => {
    if (rig.startError) throw rig.startError;
    for (const s of ['a', 'b', 'ec', 'hs']) {
      const signer = rig.signer[s];
      const echo = assertForwarded(await call(rig.worker, url, { token: rig.forge(signer) }));
      assert.equal(echo.headers['x-auth-issuer'], signer.issuer);
    }
  });

  it('alg none in every casing', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe']) {
      // Unsigned, and "signed" with the real signature of an RS256 token.
      await refused(rig.forge(rig.signer.a, {}, { alg: 'none', header: { alg } }), 'algorithm_not_allowed');
      const real = rig.forge(rig.signer.a);
      const h = b64url(JSON.stringify({ alg, typ: 'JWT', kid: rig.signer.a.kid }));
      await refused(`${h}.${real.split('.').slice(1).join('.')}`, 'algorithm_not_allowed');
    }
  });

  // Algorithm confusion (CVE-2016-10555 and kin): the issuer's RSA public
  // key, which anyone can read from its JWKS, used as an HMAC secret. Where
  // HS256 is not allowed: algorithm_not_allowed. Where it is (hs_secret_var),
  // the HMAC key is only ever that secret: bad_signature.
  const publicKeyForms = {
    PEM: (k) => k.publicKey.export({ type: 'spki', format: 'pem' }),
    'PKCS#1 PEM': (k) => k.publicKey.export({ type: 'pkcs1', format: 'pem' }),
    DER: (k) => k.publicKey.export({ type: 'spki', format: 'der' }),
    'JWK JSON': (k) => JSON.stringify(k.jwk),
    'raw modulus': (k) => Buffer.from(k.jwk.n, 'base64url'),
  };
  for (const [form, secretOf] of Object.entries(publicKeyForms)) {
    it(`HS256 signed with the issuer's RSA public key as secret (${form})`, async () => {
      const a = rig.signer.a;
      await refused(rig.forge(a, {}, { alg: 'HS256', secret: secretOf(a) }), 'algorithm_not_allowed');
      const hs = rig.signer.hs;
      await refused(rig.forge(hs, {}, { alg: 'HS256', secret: secretOf(hs) }), 'bad_signature');
      const noKid = rig.forge(hs, {}, { alg: 'HS256', secret: secretOf(hs), header: { kid: undefined } });
      await refused(noKid, 'bad_signature');
    });
  }

  it('PS256 with a key whose JWK says RS256', async () => {
    assert.equal(rig.kc.keys().keys[0].alg, 'RS256', 'the issuer publishes alg RS256');
    // A valid RSA-PSS signature by the very key: only the JWK's alg stops it.
    await refused(rig.forge(rig.signer.a, {}, { alg: 'PS256' }), 'algorithm_not_allowed');
  });

  it('ECDSA zero signature (r = s = 0, CVE-2022-21449)', async () => {
    const t = withSignature(rig.forge(rig.signer.ec), Buffer.alloc(64));
    await refused(t, 'bad_signature');
  });

  it('ECDSA r = s = n (CVE-2022-21449)', async () => {
    const t = withSignature(rig.forge(rig.signer.ec), Buffer.concat([P256_ORDER, P256_ORDER]));
    await refused(t, 'bad_signature');
  });

  it('DER-encoded ECDSA signature', async () => {
    const good = rig.forge(rig.signer.ec);
    const input = good.slice(0, good.lastIndexOf('.'));
    const der = crypto.sign('sha256', Buffer.from(input), { key: rig.signer.ec.privateKey, dsaEncoding: 'der' });
    assert.ok(crypto.verify('sha256', Buffer.from(input), { key: rig.signer.ec.publicKey, dsaEncoding: 'der' }, der));
    await refused(withSignature(good, der), 'bad_signature');
    // The same signature as JWS wants it (r || s) passes: the key is right.
    const raw = crypto.sign('sha256', Buffer.from(input), { key: rig.signer.ec.privateKey, dsaEncoding: 'ieee-p1363' });
    assertForwarded(await call(rig.worker, url, { token: withSignature(good, raw) }));
  });

  /** A token of issuer A, signed by A's real key, whose kid is `kid`. */
  const withKid = (kid) => rig.forge(rig.signer.a, {}, { header: { kid } });

  it('kid with path traversal', async () => {
    for (const kid of ['../../../../../../etc/passwd', '/dev/zero', '..\\..\\..\\windows\\win.ini',
      `../${rig.signer.a.kid}`, `${rig.trap.url}/../../jwks.json`, 'file:///etc/passwd']) {
      await refused(withKid(kid), 'unknown_key');
    }
    assert.equal(rig.trap.requests.length, 0, 'the worker contacted the attacker');
  });

  it('kid with SQL', async () => {
    const kids = ["' OR '1'='1", `${rig.signer.a.kid}' --`, "x' UNION SELECT 'secret' AS key --", '1; DROP TABLE k'];
    for (const kid of kids) {
      await refused(withKid(kid), 'unknown_key');
    }
  });

  it('kid of 10 KB', async () => {
    const t = withKid('k'.repeat(10 * 1024));
    assert.ok(t.length > 13_000 && t.length < 65_536, 'under max_token_bytes, so the kid is looked up');
    await refused(t, 'unknown_key');
  });

  it('kid with NUL', async () => {
    // A C-string compare would stop at the NUL and find the real key.
    for (const kid of [`${rig.signer.a.kid}\u0000`, `${rig.signer.a.kid}\u0000../../etc/passwd`, '\u0000']) {
      await refused(withKid(kid), 'unknown_key');
    }
  });

  // The attacker's own key, and a JWKS of it at the attacker's server.
  const rogue = createKey('RS256', { kid: 'rogue-key' });
  /** Signed by the attacker's key, claiming issuer A, with these header members. */
  const byRogue = (header) => rig.forge({ ...rogue, issuer: rig.kc.issuer }, {}, { header });

  it('jku pointing at the attacker', async () => {
    const jku = `${rig.trap.url}/jwks.json`;
    await refused(byRogue({ jku }), 'unknown_key');
    await refused(byRogue({ jku, kid: rig.signer.a.kid }), 'bad_signature');
    assert.equal(rig.trap.requests.length, 0, 'the worker fetched the jku');
  });

  it('x5u pointing at the attacker', async () => {
    const x5u = `${rig.trap.url}/cert.pem`;
    await refused(byRogue({ x5u }), 'unknown_key');
    await refused(byRogue({ x5u, kid: undefined }), 'bad_signature');
    assert.equal(rig.trap.requests.length, 0, 'the worker fetched the x5u');
  });

  it('embedded jwk', async () => {
    const jwk = rogue.jwk;
    await refused(byRogue({ jwk }), 'unknown_key');
    // Without a kid the issuer's own single RSA key is the one used.
    await refused(byRogue({ jwk, kid: undefined }), 'bad_signature');
    // A jwk whose x5u/jku point at the attacker is not followed either.
    const lure = { ...jwk, x5u: `${rig.trap.url}/c.pem`, jku: `${rig.trap.url}/k.json` };
    await refused(byRogue({ jwk: lure }), 'unknown_key');
    assert.equal(rig.trap.requests.length, 0, 'the worker contacted the attacker');
  });

  it('x5c with the attacker\'s self-signed certificate', async () => {
    const x5c = [selfSignedDer(rogue, `${rig.trap.url}/ca.der`).toString('base64')];
    await refused(byRogue({ x5c }), 'unknown_key');
    await refused(byRogue({ x5c, kid: undefined }), 'bad_signature');
    assert.equal(rig.trap.requests.length, 0, 'the worker contacted the attacker');
  });

  it("a kid from issuer B's JWKS in a token claiming issuer A", async () => {
    // B's key signs; B's JWKS holds that kid; the token says it is A's.
    assertForwarded(await call(rig.worker, url, { token: rig.forge(rig.signer.b) }));
    const certsOfB = rig.kcB.requestCount('/certs');
    await refused(rig.forge(rig.signer.b, { iss: rig.kc.issuer }), 'unknown_key');
    assert.equal(rig.kcB.requestCount('/certs'), certsOfB, "B's keys were looked up for A's token");
  });

  it('a JWKS with 10,000 keys', async () => {
    // 10,000 keys are ~4 MB: more than the worker buffers (512 KB), so the
    // set is unusable, and with nothing cached that is a 503, never a pass.
    assert.equal(rig.many.jwks().keys.length, 10_000);
    const t = rig.many.mint();
    rig.mark();
    const res = await call(rig.worker, url, { token: t });
    rig.refused(res, { status: 503, codes: 'keys_unavailable', secret: t });
    assert.match(res.headers['retry-after'] || '', /^\d+$/, describeRes(res));
    assert.equal(rig.many.requestCount('/certs'), 1, 'one fetch of the key set');
    // The worker is still whole: other issuers' tokens pass.
    assertForwarded(await call(rig.worker, url, { token: rig.forge(rig.signer.a) }));
  });

  it('a JWKS with a 16384-bit modulus', async () => {
    // The oversized key is skipped (8192 bits at most); the set's other key
    // still works, and a token naming the big key finds no key.
    const big = rig.huge.jwks().keys.find((k) => k.kid === rig.hugeKid);
    assert.equal(Buffer.from(big.n, 'base64url').length * 8, 16384);
    await refused(rig.huge.mint({}, { header: { kid: rig.hugeKid } }), 'unknown_key');
    assertForwarded(await call(rig.worker, url, { token: rig.huge.mint() }));
  });
});
