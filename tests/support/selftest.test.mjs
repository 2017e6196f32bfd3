// Checks of the test support itself (issuer, origin, minter, request helper):
// these run with `node --test` and need no worker.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  ADMIN_ROLE,
  AWKWARD_SECRET,
  NON_ASCII_SECRET,
  basicAuthorization,
  decodeJwt,
  getToken,
  requestToken,
  startIssuer,
} from './issuer.mjs';
import { flipSignatureByte, now, startMinter } from './minter.mjs';
import { startOrigin } from './origin.mjs';
import { freePort, httpRequest } from './worker.mjs';

function verifyWithJwks(token, jwks) {
  const [h, p, s] = token.split('.');
  const { header } = decodeJwt(token);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  switch (header.alg) {
    case 'RS256':
      return crypto.verify('sha256', data, key, sig);
    case 'PS256':
      return crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    case 'ES256':
      return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
      return crypto.verify(null, data, key, sig);
    default:
      return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

describe('issuer (oidc-provider, Keycloak-shaped)', () => {
  let idp;
  before(async () => {
    idp = await startIssuer({ realm: 'selftest' });
  });
  after(async () => {
    await idp?.stop();
  });

  it('serves discovery with prefixed Keycloak endpoints', async () => {
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+\/realms\/selftest$/);
    const d = await getJson(`${idp.issuer}/.well-known/openid-configuration`);
    assert.equal(d.issuer, idp.issuer);
    assert.equal(d.token_endpoint, `${idp.issuer}/protocol/openid-connect/token`);
    assert.equal(d.jwks_uri, `${idp.issuer}/protocol/openid-connect/certs`);
    assert.equal(d.token_endpoint, idp.tokenEndpoint);
    assert.equal(d.jwks_uri, idp.jwksUri);
    assert.ok(d.grant_types_supported.includes('client_credentials'));
  });

  it('serves its own RSA-2048 key, not the development key', async () => {
    const jwks = await getJson(idp.jwksUri);
    assert.equal(jwks.keys.length, 1);
    const [k] = jwks.keys;
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.notEqual(k.kid, 'keystore-CHANGE-ME');
    assert.equal(k.d, undefined, 'no private part');
    assert.equal(Buffer.from(k.n, 'base64url').length * 8, 2048);
    assert.deepEqual(jwks, idp.keys());
  });

  it('issues Keycloak-shaped RS256 JWT access tokens for client_credentials', async () => {
    const token = await getToken(idp.issuer, 'svc-a', 'svc-a-secret');
    const { header, payload } = decodeJwt(token);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.kid, idp.currentKid());
    assert.equal(header.typ, 'at+jwt');
    assert.equal(payload.iss, idp.issuer);
    assert.equal(payload.azp, 'svc-a');
    assert.equal(payload.client_id, 'svc-a');
    assert.equal(payload.organizationId, 'org-a');
    assert.equal(payload.typ, 'Bearer');
    assert.equal(payload.aud, 'api');
    assert.equal(payload.scope, 'api:read');
    assert.deepEqual(payload.realm_access, { roles: ['kas-fleet-manager-admin-read'] });
    assert.equal(typeof payload.sub, 'string');
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload.exp - payload.iat, 300);
    assert.ok(Math.abs(payload.iat - now()) < 30);
    assert.ok(verifyWithJwks(token, await getJson(idp.jwksUri)), 'signature verifies with the served JWKS');
  });

  it('has an admin client with the cross-org role and clients in two orgs', async () => {
    const admin = decodeJwt(await getToken(idp, 'svc-admin', 'svc-admin-secret')).payload;
    assert.ok(admin.realm_access.roles.includes(ADMIN_ROLE));
    const b = decodeJwt(await getToken(idp, 'svc-b', 'svc-b-secret')).payload;
    assert.equal(b.organizationId, 'org-b');
    assert.equal(b.azp, 'svc-b');
  });

  it('grants a requested scope the client may have, refuses one it may not', async () => {
    const t = await getToken(idp, 'svc-b', 'svc-b-secret', { scope: 'api:write' });
    assert.equal(decodeJwt(t).payload.scope, 'api:write');
    const r = await requestToken(idp, 'svc-a', 'svc-a-secret', { scope: 'api:write' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_scope');
  });

  it('decodes client_secret_basic per RFC 6749 2.3.1 (awkward secret)', async () => {
    for (const ch of [':', '+', '%', ' ', '&', '=']) assert.ok(AWKWARD_SECRET.includes(ch), ch);
    const t = await getToken(idp, 'svc-odd', AWKWARD_SECRET);
    assert.equal(decodeJwt(t).payload.azp, 'svc-odd');
    // The same secret put into the header without form-encoding is not accepted.
    const naive = `Basic ${Buffer.from(`svc-odd:${AWKWARD_SECRET}`, 'utf8').toString('base64')}`;
    assert.notEqual(naive, basicAuthorization('svc-odd', AWKWARD_SECRET));
    const res = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: naive, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.notEqual(res.status, 200);
  });

  it('never accepts the non-ASCII secret (client secrets are VSCHAR only)', async () => {
    assert.ok(/[^\x20-\x7e]/.test(NON_ASCII_SECRET));
    const r = await requestToken(idp, 'svc-utf8', NON_ASCII_SECRET);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });

  it('refuses a wrong secret with invalid_client', async () => {
    const r = await requestToken(idp, 'svc-a', 'nope');
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });

  it('rotates its key: new kid, old key gone from the JWKS', async () => {
    const oldKid = idp.currentKid();
    const before1 = await getToken(idp, 'svc-a', 'svc-a-secret');
    const newKid = await idp.rotateKey();
    assert.notEqual(newKid, oldKid);
    assert.equal(idp.currentKid(), newKid);
    const jwks = await getJson(idp.jwksUri);
    assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid]);
    const after1 = await getToken(idp, 'svc-a', 'svc-a-secret');
    assert.equal(decodeJwt(after1).header.kid, newKid);
    assert.ok(verifyWithJwks(after1, jwks));
    assert.ok(!verifyWithJwks(before1, jwks), 'old token has no key any more');
    // keepOld serves both, signing with the new one.
    const third = await idp.rotateKey({ keepOld: true });
    const both = await getJson(idp.jwksUri);
    assert.deepEqual(both.keys.map((k) => k.kid), [third, newKid]);
    assert.equal(decodeJwt(await getToken(idp, 'svc-a', 'svc-a-secret')).header.kid, third);
    // Discovery is unchanged by a rotation.
    const d = await getJson(idp.discoveryUrl);
    assert.equal(d.issuer, idp.issuer);
  });

  it('goes down and comes back; counts requests by path suffix', async () => {
    idp.resetCounts();
    await getJson(idp.jwksUri);
    await getJson(idp.jwksUri);
    assert.equal(idp.requestCount('/certs'), 2);
    assert.equal(idp.requestCount('/token'), 0);
    idp.setDown(true);
    const r = await fetch(idp.jwksUri);
    assert.equal(r.status, 503);
    await assert.rejects(getToken(idp, 'svc-a', 'svc-a-secret'));
    idp.setDown(true, { mode: 'reset' });
    await assert.rejects(fetch(idp.jwksUri));
    idp.setDown(true, { only: '/token' });
    assert.equal((await fetch(idp.jwksUri)).status, 200);
    assert.equal((await requestToken(idp, 'svc-a', 'svc-a-secret')).status, 503);
    idp.setDown(false);
    assert.equal((await fetch(idp.jwksUri)).status, 200);
    assert.ok(await getToken(idp, 'svc-a', 'svc-a-secret'));
    assert.equal(idp.requestCount('/certs'), 6);
    assert.equal(idp.requestCount('/token'), 3);
  });

  it('fault switch: one endpoint at a time, counted, cleared by null', async () => {
    idp.resetCounts();
    const jwksBody = async () => (await fetch(idp.jwksUri)).text();
    idp.fault('jwks', 'garbage');
    const garbage = await jwksBody();
    assert.throws(() => JSON.parse(garbage));
    idp.fault('jwks', 'empty');
    assert.deepEqual(JSON.parse(await jwksBody()), { keys: [] });
    idp.fault('jwks', 'down');
    assert.equal((await fetch(idp.jwksUri)).status, 503);
    assert.equal((await fetch(idp.discoveryUrl)).status, 200, 'other endpoints unaffected');
    idp.fault('jwks', null);
    idp.fault('token', '500');
    assert.equal((await requestToken(idp, 'svc-a', 'svc-a-secret')).status, 500);
    idp.fault('token', 'garbage');
    assert.equal(typeof (await requestToken(idp, 'svc-a', 'svc-a-secret')).body, 'string');
    idp.fault('token', 'timeout');
    const held = requestToken(idp, 'svc-a', 'svc-a-secret');
    const raced = await Promise.race([held.then(() => 'answered', () => 'failed'), sleep(300).then(() => 'held')]);
    assert.equal(raced, 'held');
    idp.fault('token', null); // ends the held request
    await assert.rejects(held);
    idp.fault('jwks', 'slow', { ms: 200 });
    assert.deepEqual(JSON.parse(await jwksBody()), idp.keys(), 'slow still gives the real answer');
    idp.fault('jwks', null);
    assert.ok(await getToken(idp, 'svc-a', 'svc-a-secret'));
    assert.equal(idp.hits('jwks'), 4);
    assert.equal(idp.hits('token'), 4);
    assert.equal(idp.hits('discovery'), 1);
    assert.throws(() => idp.fault('jwks', 'sideways'));
    assert.throws(() => idp.fault('userinfo', 'down'));
  });

  it('answers 404 outside its realm', async () => {
    const r = await fetch(`http://127.0.0.1:${idp.port}/realms/other/.well-known/openid-configuration`);
    assert.equal(r.status, 404);
  });
});

describe('issuer options', () => {
  it('header typ JWT, audience array, short TTL, fixed port', async () => {
    const port = await freePort();
    const idp = await startIssuer({
      port,
      realm: 'opts',
      audience: ['scpCloud', 'account'],
      accessTokenTtl: 5,
      headerTyp: 'JWT',
      jwksCacheControl: 'max-age=120',
    });
    try {
      assert.equal(idp.issuer, `http://127.0.0.1:${port}/realms/opts`);
      const { header, payload } = decodeJwt(await getToken(idp, 'svc-b', 'svc-b-secret'));
      assert.equal(header.typ, 'JWT');
      assert.deepEqual(payload.aud, ['scpCloud', 'account']);
      assert.equal(payload.exp - payload.iat, 5);
      const res = await fetch(idp.jwksUri);
      assert.equal(res.headers.get('cache-control'), 'max-age=120');
    } finally {
      await idp.stop();
    }
  });

  for (const alg of ['ES256', 'EdDSA']) {
    it(`signs access tokens with ${alg} when asked to`, async () => {
      const idp = await startIssuer({ realm: `alg-${alg.toLowerCase()}`, alg });
      try {
        const token = await getToken(idp, 'svc-a', 'svc-a-secret');
        const { header, payload } = decodeJwt(token);
        assert.equal(header.alg, alg);
        assert.equal(payload.organizationId, 'org-a');
        assert.ok(verifyWithJwks(token, await getJson(idp.jwksUri)), 'signature verifies with the served JWKS');
      } finally {
        await idp.stop();
      }
    });
  }
});

describe('origin (echo)', () => {
  it('echoes method, path, query and lowercased headers, and records them', async () => {
    const origin = await startOrigin();
    try {
      const res = await httpRequest(`${origin.url}/a/b?x=1&x=2&y=z`, {
        method: 'POST',
        headers: { 'X-Thing': 'One', Authorization: ['Bearer a', 'Bearer b'] },
        body: 'hello',
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-origin'], 'echo');
      const echo = res.json;
      assert.equal(echo.method, 'POST');
      assert.equal(echo.path, '/a/b');
      assert.deepEqual(echo.query, { x: ['1', '2'], y: 'z' });
      assert.equal(echo.headers['x-thing'], 'One');
      assert.deepEqual(echo.headers.authorization, ['Bearer a', 'Bearer b'], 'two header lines went out');
      assert.equal(echo.body, 'hello');
      assert.deepEqual(origin.last(), echo);
      assert.equal(origin.requests.length, 1);
    } finally {
      await origin.stop();
    }
  });
});

describe('minter', () => {
  let m;
  before(async () => {
    m = await startMinter();
  });
  after(async () => {
    await m?.stop();
  });

  it('serves discovery and a JWKS of its public keys', async () => {
    const d = await getJson(m.discoveryUrl);
    assert.equal(d.issuer, m.issuer);
    assert.match(m.issuer, /^http:\/\/127\.0\.0\.1:\d+\/realms\/minted$/);
    assert.equal(d.jwks_uri, m.jwksUri);
    const res = await fetch(m.jwksUri);
    assert.equal(res.headers.get('cache-control'), 'max-age=300');
    const jwks = await res.json();
    assert.deepEqual(jwks.keys.map((k) => k.kty).sort(), ['EC', 'OKP', 'RSA']);
    for (const k of jwks.keys) assert.equal(k.d, undefined);
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    it(`mints ${alg} tokens that verify, and a flipped byte breaks them`, async () => {
      const jwks = await getJson(m.jwksUri);
      const t = m.mint({}, { key: alg });
      const { header, payload } = decodeJwt(t);
      assert.equal(header.alg, alg);
      assert.equal(header.kid, m.keys[alg].kid);
      assert.equal(payload.iss, m.issuer);
      assert.ok(verifyWithJwks(t, jwks));
      assert.ok(!verifyWithJwks(flipSignatureByte(t), jwks));
    });
  }

  it('merges claims, removes undefined ones, overrides header fields', () => {
    const t = m.mint({ exp: undefined, typ: 'Refresh', aud: ['x'] }, { header: { kid: undefined, typ: 'at+jwt' } });
    const { header, payload } = decodeJwt(t);
    assert.equal(payload.exp, undefined);
    assert.equal(payload.typ, 'Refresh');
    assert.deepEqual(payload.aud, ['x']);
    assert.equal(header.kid, undefined);
    assert.equal(header.typ, 'at+jwt');
  });

  it('mints alg none, HS256 and raw payloads', () => {
    const none = m.mint({}, { alg: 'none' });
    assert.equal(decodeJwt(none).header.alg, 'none');
    assert.ok(none.endsWith('.'));
    const hs = m.mint({}, { alg: 'HS256', secret: 'x'.repeat(32) });
    const [h, p, s] = hs.split('.');
    const want = crypto.createHmac('sha256', 'x'.repeat(32)).update(`${h}.${p}`).digest('base64url');
    assert.equal(s, want);
    const dup = m.mint({}, { rawPayload: '{"sub":"a","sub":"b"}' });
    assert.equal(Buffer.from(dup.split('.')[1], 'base64url').toString(), '{"sub":"a","sub":"b"}');
  });

  it('keeps unpublished keys out of the JWKS and can go down', async () => {
    const k = m.createKey('RS256', { publish: false });
    const jwks = await getJson(m.jwksUri);
    assert.ok(!jwks.keys.some((x) => x.kid === k.kid));
    m.setDown(true);
    assert.equal((await fetch(m.jwksUri)).status, 503);
    m.setDown(false);
    assert.ok(m.requestCount('/certs') >= 3);
  });
});
