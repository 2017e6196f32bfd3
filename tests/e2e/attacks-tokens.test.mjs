// Attack corpus, part 2: the token's form and claims, and how it is carried
// (issue 5). Tokens are signed with the real signing key of a Keycloak-shaped
// issuer (oidc-provider) whose JWKS the worker trusts, so each refusal is the
// one rule under test, not a bad signature. Each case expects the contract's
// status and the worker's code, and that nothing reached the origin.
//
// One worker for every case (tests/support/attack-rig.mjs).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { MAX_TOKEN_BYTES, STARTUP_MS, startAttackRig } from '../support/attack-rig.mjs';
import { assertForwarded, call } from '../support/expect.mjs';
import { b64url, now } from '../support/minter.mjs';

describe('attack corpus: token form, claims, transport', () => {
  let rig;
  let a; // issuer A's signer
  const url = '/api/x';

  before(async () => {
    rig = await startAttackRig();
    a = rig.signer.a;
  }, { timeout: STARTUP_MS + 60_000 });

  after(async () => {
    await rig?.stop();
  });

  /** Sends the request; expects the worker's refusal with `status` and one of `codes`. */
  async function refused(opts, codes, { status = 401, secret = opts.token } = {}) {
    rig.mark();
    const res = await call(rig.worker, opts.path ?? url, opts);
    return rig.refused(res, { status, codes, secret });
  }
  const badToken = (token, codes = 'invalid_token') => refused({ token }, codes);


  it('the worker starts, and a forged token with everything right passes (control)', async () => {
    if (rig.startError) throw rig.startError;
    const echo = assertForwarded(await call(rig.worker, url, { token: rig.forge(a) }));
    assert.equal(echo.headers['x-auth-issuer'], a.issuer);
  });

  // The header: members no verifier here understands (RFC 7515 4.1.11,
  // RFC 7797), nested and encrypted tokens.

  it('crit with an unknown extension', async () => {
    await badToken(rig.forge(a, {}, { header: { crit: ['urn:example:policy'], 'urn:example:policy': 'x' } }));
    await badToken(rig.forge(a, {}, { header: { crit: ['exp'] } }));
  });

  it('b64: false (unencoded payload)', async () => {
    await badToken(rig.forge(a, {}, { header: { b64: false, crit: ['b64'] } }));
    await badToken(rig.forge(a, {}, { header: { b64: false } }));
  });

  it('cty: JWT nested token', async () => {
    // The outer token is signed by the issuer; its payload is a token the
    // attacker wrote. Whatever the inner one says must not be read.
    const inner = rig.forge(a, { sub: 'admin', realm_access: { roles: ['kas-fleet-manager-admin-full'] } });
    const header = JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: a.kid, cty: 'JWT' });
    await badToken(rig.forge(a, {}, { rawHeader: header, rawPayload: inner }));
    await badToken(rig.forge(a, {}, { header: { cty: 'JWT' } }));
  });

  it('five-part JWE', async () => {
    const h = b64url(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: a.kid, typ: 'JWT' }));
    const [key, iv, tag] = [256, 12, 16].map((n, i) => b64url(Buffer.alloc(n, i + 1)));
    const jwe = `${h}.${key}.${iv}.${b64url('{"iss":"x"}')}.${tag}`;
    await badToken(jwe);
  });

  it('duplicate iss member', async () => {
    // A parser keeping the first member reads B, one keeping the last reads A.
    const claims = { iss: a.issuer, sub: 's', aud: 'api', iat: now(), exp: now() + 300, typ: 'Bearer', azp: 'svc-a' };
    const raw = `{"iss":${JSON.stringify(rig.kcB.issuer)},${JSON.stringify(claims).slice(1)}`;
    assert.equal((raw.match(/"iss"/g) || []).length, 2);
    await badToken(rig.forge(a, {}, { rawPayload: raw }));
  });

  // Times (RFC 7519 4.1.4, 4.1.5, 4.1.6) with leeway_seconds = 30.

  it('exp missing', async () => {
    await badToken(rig.forge(a, { exp: undefined }));
  });

  it('exp as a string', async () => {
    await badToken(rig.forge(a, { exp: String(now() + 300) }));
  });

  it('exp as 1e309', async () => {
    const claims = { iss: a.issuer, sub: 's', aud: 'api', iat: now(), typ: 'Bearer' };
    const raw = JSON.stringify(claims).replace(/}$/, ',"exp":1e309}');
    await badToken(rig.forge(a, {}, { rawPayload: raw }));
  });

  it('exp negative', async () => {
    await badToken(rig.forge(a, { exp: -1, iat: undefined }));
    await badToken(rig.forge(a, { exp: -(2 ** 62) }));
  });

  it('nbf in the future', async () => {
    await badToken(rig.forge(a, { nbf: now() + 120 }), 'token_not_yet_valid');
    assertForwarded(await call(rig.worker, url, { token: rig.forge(a, { nbf: now() + 10 }) }));
  });

  it('iat in the future beyond the leeway', async () => {
    await badToken(rig.forge(a, { iat: now() + 120, exp: now() + 600 }), 'issued_in_future');
    assertForwarded(await call(rig.worker, url, { token: rig.forge(a, { iat: now() + 10 }) }));
  });

  it('lifetime over max_lifetime_seconds', async () => {
    await badToken(rig.forge(a, { iat: now(), exp: now() + 3601 }), 'lifetime_too_long');
    // Without iat the lifetime cannot be shown to be short.
    await badToken(rig.forge(a, { iat: undefined }), 'lifetime_too_long');
  });

  // Who the token is from and for (RFC 8725 3.8, 3.9, 3.11, 3.12).

  it('issuer with a trailing slash', async () => {
    await badToken(rig.forge(a, { iss: `${a.issuer}/` }), 'unknown_issuer');
  });

  it('Keycloak typ: ID', async () => {
    await badToken(rig.forge(a, { typ: 'ID', aud: 'api' }), 'wrong_token_type');
  });

  it('Keycloak typ: Refresh', async () => {
    await badToken(rig.forge(a, { typ: 'Refresh' }), 'wrong_token_type');
  });

  it('aud: account with an API audience configured', async () => {
    await badToken(rig.forge(a, { aud: 'account' }), 'wrong_audience');
    await badToken(rig.forge(a, { aud: ['account', 'broker'] }), 'wrong_audience');
  });

  // Size and shape.

  /** A token of A of about `bytes` bytes (a padding claim). */
  function tokenOf(bytes) {
    let pad = Math.floor((bytes * 3) / 4);
    pad += Math.floor(((bytes - rig.forge(a, { padding: 'x'.repeat(pad) }).length) * 3) / 4);
    return rig.forge(a, { padding: 'x'.repeat(pad) });
  }

  it('a token of 100 KB', async () => {
    const t = tokenOf(100 * 1024);
    assert.ok(Math.abs(t.length - 100 * 1024) < 8 && t.length > MAX_TOKEN_BYTES, `${t.length} bytes`);
    await badToken(t, 'token_too_long');
    // Past the runtime's header limit (128 KB, as on Cloudflare) workerd
    // answers 431 itself, before the worker runs: refused all the same.
    const huge = tokenOf(130 * 1024);
    rig.mark();
    const res = await call(rig.worker, url, { token: huge });
    assert.equal(res.status, 431, res.body.slice(0, 200));
    assert.ok(!res.body.includes(huge.split('.')[2]), 'the answer echoes the token');
    rig.refusedNothingSeen();
  });

  it('10,000 nested arrays in the payload', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const raw = JSON.stringify({ iss: a.issuer, aud: 'api', exp: now() + 300 }).replace(/}$/, `,"x":${deep}}`);
    const t = rig.forge(a, {}, { rawPayload: raw });
    assert.ok(t.length < MAX_TOKEN_BYTES, 'under max_token_bytes, so it is parsed');
    await badToken(t);
    assertForwarded(await call(rig.worker, url, { token: rig.forge(a) }));
  });

  // Encoding (RFC 7515 2: base64url without padding; RFC 6750 2.1 b64token).

  it('base64 with padding', async () => {
    const [h, p, s] = rig.forge(a, { pad: 'x' }).split('.');
    const pad = (part) => Buffer.from(part, 'base64url').toString('base64url') + '='.repeat((4 - (part.length % 4)) % 4);
    assert.ok([h, p, s].some((x) => pad(x) !== x), 'some part needs padding');
    await badToken(`${pad(h)}.${pad(p)}.${pad(s)}`);
    await badToken(`${h}.${p}.${s}==`);
  });

  it('base64 with + and / (standard alphabet)', async () => {
    let t;
    do t = rig.forge(a); while (!/[-_]/.test(t));
    const std = t.replace(/-/g, '+').replace(/_/g, '/');
    await badToken(std);
  });

  it('base64 with whitespace inside the token', async () => {
    const [h, p, s] = rig.forge(a).split('.');
    const spaced = [`Bearer ${h}.${p} .${s}`, `Bearer ${h}. ${p}.${s}`, `Bearer ${h}.${p}.${s.slice(0, 10)}\t${s.slice(10)}`];
    for (const authorization of spaced) {
      await refused({ authorization }, 'invalid_request', { status: 400, secret: `${h}.${p}.${s}` });
    }
  });

  // How the token travels (RFC 6750 2, 3.1).

  it('two Authorization headers', async () => {
    const t = rig.forge(a);
    await refused({ authorization: [`Bearer ${t}`, `Bearer ${t}`] }, 'invalid_request', { status: 400, secret: t });
    const other = rig.forge(rig.signer.b);
    await refused({ authorization: [`Bearer ${t}`, `Bearer ${other}`] }, 'invalid_request', { status: 400, secret: t });
  });

  it('token in the header and in the query', async () => {
    // RFC 6750 2: one method per request; 3.1: more than one is invalid_request.
    const t = rig.forge(a);
    const q = rig.forge(rig.signer.b, { sub: 'someone-else' });
    await refused({ token: t, path: `${url}?access_token=${q}` }, 'invalid_request', { status: 400, secret: t });
    await refused({ token: t, path: `${url}?x=1&access_token=${t}` }, 'invalid_request', { status: 400, secret: t });
  });

  it('a forwarded header sent as two lines that join to the claim is still replaced', async () => {
    // The claim holds ", ": fetch shows the caller's two lines joined into
    // exactly that text, yet the request to origin would carry them as two,
    // and an origin reading the first would see "admin" only.
    const t = rig.forge(a, { sub: 'admin, x' });
    const echo = assertForwarded(
      await call(rig.worker, url, { token: t, headers: { 'x-auth-subject': ['admin', 'x'] } }),
    );
    assert.equal(echo.headers['x-auth-subject'], 'admin, x', 'one line, set by the worker');
  });

  it('a forwarded header sent once with the planned value reaches the origin once', async () => {
    const t = rig.forge(a);
    const echo = assertForwarded(
      await call(rig.worker, url, { token: t, headers: { 'x-auth-subject': 'attack-subject' } }),
    );
    assert.equal(echo.headers['x-auth-subject'], 'attack-subject');
    assert.equal(echo.headers.authorization, `Bearer ${t}`);
  });

  it('bearer in lower case is accepted, and the origin gets it as Bearer', async () => {
    const t = rig.forge(a);
    const echo = assertForwarded(await call(rig.worker, url, { authorization: `bearer ${t}` }));
    assert.equal(echo.headers['x-auth-subject'], 'attack-subject');
    // The header as sent is left alone only when it is exactly what the
    // origin is to get; this one is rewritten.
    assert.equal(echo.headers.authorization, `Bearer ${t}`);
  });

  it('Bearer a b is refused', async () => {
    await refused({ authorization: 'Bearer a b' }, 'invalid_request', { status: 400 });
    const t = rig.forge(a);
    await refused({ authorization: `Bearer ${t} ${t}` }, 'invalid_request', { status: 400, secret: t });
  });
});
