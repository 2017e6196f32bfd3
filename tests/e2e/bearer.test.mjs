// End-to-end tests of contract sections 2, 3 and 5 for bearer tokens: real
// HTTP to the worker running in workerd (`wrangler dev`), real issuers
// (oidc-provider, Keycloak-shaped) and self-minted tokens, and an echo origin.
//
// Run: node --test tests/e2e/   (the first worker start compiles the crate)
//
// Few workers start: one with the main configuration, which every positive
// and negative case shares, and one per bad configuration. If a worker cannot
// start, the "the worker starts" test fails with wrangler's output and every
// test that needs that worker fails too: nothing here is skipped.
//
// The `code` values are the ones the crate uses (src/error.rs). Where the
// contract does not fix which of two codes a case gets (e.g. `alg` that does
// not match the key: algorithm or signature?), the test accepts either, and
// always fixes the status and the challenge.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  assertForwarded,
  assertProblem,
  badRequest,
  call,
  challenges,
  describeRes,
  forbidden,
  invalidToken,
  sentSecrets,
} from '../support/expect.mjs';
import { ADMIN_ROLE, decodeJwt, getToken, startIssuer } from '../support/issuer.mjs';
import { b64url, flipSignatureByte, now, signJws, startMinter } from '../support/minter.mjs';
import { startOrigin } from '../support/origin.mjs';
import { startWorker } from '../support/worker.mjs';

const REALM = 'api';
const STARTUP_MS = 240_000;
const { ASK } = challenges(REALM);

const SPOOFED = {
  'x-auth-subject': 'spoofed-subject',
  'X-Auth-Org': 'spoofed-org',
  'x-auth-client-id': 'spoofed-client',
  'X-AUTH-ISSUER': 'spoofed-issuer',
  'x-auth-roles': 'spoofed-roles',
  'x-auth-extra': 'spoofed-extra',
};

const FORWARD = {
  'x-auth-subject': 'sub',
  'x-auth-org': '$org',
  'x-auth-client-id': 'azp',
  'x-auth-issuer': 'iss',
  'x-auth-roles': 'realm_access.roles',
};

function assertNoSpoofing(echo) {
  for (const [name, value] of Object.entries(echo.headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) assert.ok(!String(v).startsWith('spoofed'), `spoofed ${name}: ${v} reached the origin`);
  }
  assert.equal(echo.headers['x-auth-extra'], undefined, 'x-auth-extra was not stripped');
}

describe('bearer tokens against one worker (contract 2, 3, 5)', () => {
  let origin;
  let idp; // realm test: the main Keycloak-shaped issuer (keys by discovery)
  let other; // realm other: may act only for org-b
  let rot; // realm rot: rotates its key
  let flaky; // realm flaky: goes down
  let minter; // self-minted tokens; clients [svc-m], max lifetime 1 h
  let keysMinter; // RS256 only; refetch rules; a 1024-bit key
  let smallKey;
  let dead; // its JWKS never answers
  let jkuTrap; // must never be contacted
  let worker;
  let startError;
  const tokens = {};

  before(
    async () => {
      origin = await startOrigin();
      jkuTrap = await startOrigin();
      [idp, other, rot, flaky] = await Promise.all([
        startIssuer({ realm: 'test' }),
        startIssuer({ realm: 'other' }),
        startIssuer({ realm: 'rot' }),
        startIssuer({ realm: 'flaky' }),
      ]);
      minter = await startMinter({ realm: 'minted' });
      keysMinter = await startMinter({ realm: 'keys', algs: ['RS256', 'ES256'] });
      smallKey = keysMinter.createKey('RS256', { modulusLength: 1024, kid: 'rsa-1024' });
      dead = await startMinter({ realm: 'dead' });
      dead.setDown(true);

      const authz = {
        origin: origin.url,
        realm: REALM,
        leeway_seconds: 30,
        max_token_bytes: 4096,
        strip_header_prefix: 'x-auth-',
        issuers: [
          { issuer: idp.issuer, audiences: ['api'] },
          { issuer: other.issuer, audiences: ['api'], organizations: ['org-b'] },
          { issuer: rot.issuer, audiences: ['api'] },
          { issuer: flaky.issuer, audiences: ['api'] },
          {
            issuer: minter.issuer,
            jwks_uri: minter.jwksUri,
            audiences: ['api'],
            clients: ['svc-m'],
            max_lifetime_seconds: 3600,
          },
          { issuer: keysMinter.issuer, jwks_uri: keysMinter.jwksUri, audiences: ['api'], algorithms: ['RS256'] },
          { issuer: dead.issuer, jwks_uri: dead.jwksUri, audiences: ['api'] },
        ],
        routes: [
          { path: '/public/*', auth: 'public' },
          { path: '/docs/*', methods: ['GET'], auth: 'public' },
          { path: '/shadow/*', mode: 'shadow', roles_any: ['role-nobody-has'] },
          { path: '/orgs/{org}/*', cross_org_roles: [ADMIN_ROLE] },
          { path: '/tenant/*', org_header: 'x-organization-id', cross_org_roles: [ADMIN_ROLE] },
          { path: '/only-test/*', issuers: [idp.issuer] },
          { path: '/admin/*', roles_any: ['kas-fleet-manager-admin-read'] },
          { path: '/write/*', scopes_all: ['api:write'] },
        ],
        forward: FORWARD,
      };

      tokens.a = await getToken(idp, 'svc-a', 'svc-a-secret');
      tokens.b = await getToken(idp, 'svc-b', 'svc-b-secret');
      tokens.admin = await getToken(idp, 'svc-admin', 'svc-admin-secret');
      tokens.otherA = await getToken(other, 'svc-a', 'svc-a-secret');
      tokens.otherB = await getToken(other, 'svc-b', 'svc-b-secret');

      try {
        worker = await startWorker({ authz, timeoutMs: STARTUP_MS });
      } catch (err) {
        startError = err;
      }
      // The readiness probe may have touched issuers; counts start here.
      for (const s of [idp, other, rot, flaky, minter, keysMinter, dead]) s.resetCounts();
    },
    { timeout: STARTUP_MS + 60_000 },
  );

  after(async () => {
    await worker?.stop();
    await Promise.all(
      [origin, jkuTrap, idp, other, rot, flaky, minter, keysMinter, dead].filter(Boolean).map((s) => s.stop()),
    );
  });

  it('the worker starts', () => {
    if (startError) throw startError;
    assert.ok(worker);
  });

  describe('credentials (3.2)', () => {
    it('no credentials: 401 with a bare Bearer challenge', async () => {
      const res = await call(worker, '/orgs/org-a/things');
      assertProblem(res, { status: 401, codes: 'missing_credentials', challenge: ASK });
    });

    it('two Authorization headers: 400 invalid_request', async () => {
      const res = await call(worker, '/orgs/org-a/things', {
        authorization: [`Bearer ${tokens.a}`, `Bearer ${tokens.a}`],
      });
      badRequest(res, tokens.a);
    });

    it('Basic without basic_exchange is a bad scheme: 400 invalid_request', async () => {
      const basic = `Basic ${Buffer.from('svc-a:svc-a-secret').toString('base64')}`;
      const res = await call(worker, '/orgs/org-a/things', { authorization: basic });
      badRequest(res);
      assert.ok(!res.body.includes('svc-a-secret') && !res.body.includes(basic.slice(6)), 'Basic value echoed');
    });

    it('an unknown scheme: 400 invalid_request', async () => {
      badRequest(await call(worker, '/orgs/org-a/things', { authorization: `Token ${tokens.a}` }), tokens.a);
    });

    it('the scheme is case-insensitive', async () => {
      const echo = assertForwarded(await call(worker, '/orgs/org-a/things', { authorization: `bEARER ${tokens.a}` }));
      assert.equal(echo.headers['x-auth-client-id'], 'svc-a');
    });

    it('a bearer longer than max_token_bytes: 401 invalid_token', async () => {
      const big = minter.mint({ padding: 'p'.repeat(5000), azp: 'svc-m' });
      assert.ok(big.length > 4096);
      invalidToken(await call(worker, '/orgs/org-a/things', { token: big }), ['token_too_long', 'invalid_token'], big);
    });

    it('garbage and five-part tokens: 401 invalid_token', async () => {
      invalidToken(await call(worker, '/x', { token: 'not-a-jwt' }), 'invalid_token');
      invalidToken(await call(worker, '/x', { token: 'a.b.c' }), 'invalid_token');
      const jwe = `${b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.AAAA.AAAA.AAAA.AAAA`;
      invalidToken(await call(worker, '/x', { token: jwe }), 'invalid_token', jwe);
    });
  });

  describe('forwarding (3.1, 3.6)', () => {
    it('a valid token reaches the origin with the forward headers and the same Authorization', async () => {
      const { payload } = decodeJwt(tokens.a);
      const res = await call(worker, '/orgs/org-a/things/7?x=1&y=two', {
        method: 'POST',
        token: tokens.a,
        headers: { ...SPOOFED, 'content-type': 'text/plain', 'x-other': 'kept' },
        body: 'payload-body',
      });
      const echo = assertForwarded(res);
      assert.equal(echo.method, 'POST');
      assert.equal(echo.path, '/orgs/org-a/things/7');
      assert.deepEqual(echo.query, { x: '1', y: 'two' });
      assert.equal(echo.body, 'payload-body');
      assert.equal(echo.headers.authorization, `Bearer ${tokens.a}`);
      assert.equal(echo.headers['x-auth-subject'], payload.sub);
      assert.equal(echo.headers['x-auth-org'], 'org-a');
      assert.equal(echo.headers['x-auth-client-id'], 'svc-a');
      assert.equal(echo.headers['x-auth-issuer'], idp.issuer);
      assert.equal(echo.headers['x-auth-roles'], 'kas-fleet-manager-admin-read');
      assert.equal(echo.headers['x-other'], 'kept');
      assertNoSpoofing(echo);
    });

    it('array claims are joined with ","', async () => {
      const echo = assertForwarded(await call(worker, '/orgs/org-ops/x', { token: tokens.admin }));
      assert.equal(echo.headers['x-auth-roles'], `${ADMIN_ROLE},kas-fleet-manager-admin-read`);
    });

    it('a public route passes without a token, spoofed x-auth-* headers removed', async () => {
      const echo = assertForwarded(await call(worker, '/public/page?q=1', { headers: SPOOFED }));
      assert.equal(echo.path, '/public/page');
      assert.deepEqual(echo.query, { q: '1' });
      assertNoSpoofing(echo);
      assert.equal(echo.headers['x-auth-subject'], undefined);
    });

    it('route methods: GET /docs is public, POST /docs needs a token', async () => {
      assertForwarded(await call(worker, '/docs/intro'));
      assertProblem(await call(worker, '/docs/intro', { method: 'POST', body: 'x' }), {
        status: 401,
        codes: 'missing_credentials',
        challenge: ASK,
      });
    });

    it('a method the worker library does not name is decided and forwarded as sent, not as GET', async () => {
      // /docs is public for GET only: PROPFIND must not ride on that.
      assertProblem(await call(worker, '/docs/intro', { method: 'PROPFIND', body: '<x/>' }), {
        status: 401,
        codes: 'missing_credentials',
        challenge: ASK,
      });
      const echo = assertForwarded(
        await call(worker, '/orgs/org-a/dav', { method: 'PROPFIND', token: tokens.a, body: '<propfind/>' }),
      );
      assert.equal(echo.method, 'PROPFIND');
      assert.equal(echo.body, '<propfind/>');
    });

    it('a path no route matches needs a valid token from any issuer', async () => {
      assertProblem(await call(worker, '/unrouted/thing'), { status: 401, codes: 'missing_credentials', challenge: ASK });
      const t = minter.mint();
      const echo = assertForwarded(await call(worker, '/unrouted/thing', { token: t, headers: SPOOFED }));
      assert.equal(echo.headers['x-auth-issuer'], minter.issuer);
      assert.equal(echo.headers['x-auth-client-id'], 'svc-m');
      assertNoSpoofing(echo);
    });

    it('a CORS preflight goes to the origin untouched', async () => {
      const echo = assertForwarded(
        await call(worker, '/orgs/org-a/things', {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', ...SPOOFED },
        }),
      );
      assert.equal(echo.method, 'OPTIONS');
      assert.equal(echo.headers.authorization, undefined);
      assertNoSpoofing(echo);
    });

    it('a shadow route forwards refused requests too', async () => {
      // svc-b lacks the route's role; no token at all is refused as well.
      const echo1 = assertForwarded(await call(worker, '/shadow/a', { token: tokens.b, headers: SPOOFED }));
      assertNoSpoofing(echo1);
      const echo2 = assertForwarded(await call(worker, '/shadow/b', { headers: SPOOFED }));
      assertNoSpoofing(echo2);
      const echo3 = assertForwarded(await call(worker, '/shadow/c', { token: 'garbage' }));
      assert.equal(echo3.path, '/shadow/c');
    });
  });

  describe('verification (3.4)', () => {
    it('ES256 and EdDSA tokens pass', async () => {
      for (const key of ['ES256', 'EdDSA']) {
        assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({}, { key }) }));
      }
    });

    it('a flipped signature byte: 401 bad_signature', async () => {
      const t = flipSignatureByte(tokens.a);
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'bad_signature', t);
      const m = flipSignatureByte(minter.mint({}, { key: 'ES256' }));
      invalidToken(await call(worker, '/orgs/org-a/x', { token: m }), 'bad_signature', m);
    });

    it('an unknown issuer: 401 unknown_issuer', async () => {
      const t = minter.mint({ iss: 'http://127.0.0.1:9/realms/nobody' });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'unknown_issuer', t);
    });

    it("a key is used only for its own issuer's tokens", async () => {
      // Signed with the minter's key but claiming the main issuer.
      const t = minter.mint({ iss: idp.issuer, azp: 'svc-a' });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), ['unknown_key', 'bad_signature'], t);
    });

    it('expired: 401 token_expired; expired within the leeway passes', async () => {
      const t = minter.mint({ iat: now() - 7200, exp: now() - 3600 });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'token_expired', t);
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({ exp: now() - 10 }) }));
    });

    it('nbf in the future: 401 token_not_yet_valid; within the leeway passes', async () => {
      const t = minter.mint({ nbf: now() + 3600 });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'token_not_yet_valid', t);
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({ nbf: now() + 10 }) }));
    });

    it('iat in the future: 401', async () => {
      const t = minter.mint({ iat: now() + 1800, exp: now() + 3000 });
      invalidToken(
        await call(worker, '/orgs/org-a/x', { token: t }),
        ['issued_in_future', 'token_not_yet_valid', 'invalid_token'],
        t,
      );
    });

    it('no exp: 401', async () => {
      const t = minter.mint({ exp: undefined });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), ['invalid_token', 'token_expired'], t);
    });

    it('wrong audience: 401 wrong_audience; an aud array containing one passes', async () => {
      const t = minter.mint({ aud: 'someone-else' });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'wrong_audience', t);
      const t2 = minter.mint({ aud: ['account', 'someone-else'] });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t2 }), 'wrong_audience', t2);
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({ aud: ['account', 'api'] }) }));
    });

    it('Keycloak refresh and ID tokens: 401 wrong_token_type', async () => {
      for (const typ of ['Refresh', 'ID', 'Offline']) {
        const t = minter.mint({ typ });
        invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'wrong_token_type', t);
      }
    });

    it('header typ JWT / at+jwt / application/at+jwt pass, others are refused', async () => {
      for (const typ of ['JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'AT+JWT']) {
        assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({}, { header: { typ } }) }));
      }
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: minter.mint({}, { header: { typ: undefined } }) }));
      const t = minter.mint({}, { header: { typ: 'dpop+jwt' } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), ['wrong_token_type', 'invalid_token'], t);
    });

    it('no kid: the single key of the right type is used', async () => {
      for (const key of ['RS256', 'ES256', 'EdDSA']) {
        const t = minter.mint({}, { key, header: { kid: undefined } });
        assertForwarded(await call(worker, '/orgs/org-a/x', { token: t }));
      }
    });

    it('an unknown kid: 401 unknown_key', async () => {
      const stranger = minter.createKey('RS256', { publish: false });
      const t = minter.mint({}, { key: stranger });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'unknown_key', t);
    });

    it('alg none never passes', async () => {
      for (const header of [{}, { kid: undefined }]) {
        const t = minter.mint({}, { alg: 'none', header });
        invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), ['algorithm_not_allowed', 'invalid_token'], t);
      }
      const t2 = minter.mint({}, { alg: 'none', header: { alg: 'None' } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t2 }), ['algorithm_not_allowed', 'invalid_token'], t2);
    });

    it('HS256 without hs_secret_var is refused, also keyed with the public key', async () => {
      const t = minter.mint({}, { alg: 'HS256', secret: 'a-32-byte-long-shared-secret-!!!', header: { kid: undefined } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'algorithm_not_allowed', t);
      const pem = minter.keys.RS256.publicKey.export({ type: 'spki', format: 'pem' });
      const confused = minter.mint({}, { alg: 'HS256', secret: pem, header: { kid: minter.keys.RS256.kid } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: confused }), 'algorithm_not_allowed', confused);
    });

    it('alg must agree with the key', async () => {
      // ES256 in the header, kid of the RSA key, signed with the EC key.
      const t1 = minter.mint({}, { key: 'ES256', header: { kid: minter.keys.RS256.kid } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t1 }), ['algorithm_not_allowed', 'bad_signature'], t1);
      // PS256 with the RSA key whose JWK says alg RS256.
      const t2 = minter.mint({}, { key: 'RS256', alg: 'PS256' });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t2 }), ['algorithm_not_allowed', 'bad_signature'], t2);
    });

    it('an issuer limited to RS256 refuses ES256', async () => {
      const t = keysMinter.mint({}, { key: 'ES256' });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'algorithm_not_allowed', t);
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: keysMinter.mint({}, { key: 'RS256' }) }));
    });

    it('crit with an unknown member, cty (nested) and duplicate members are refused', async () => {
      const crit = minter.mint({}, { header: { crit: ['exp-ext'], 'exp-ext': 1 } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: crit }), 'invalid_token', crit);
      const cty = minter.mint({}, { header: { cty: 'JWT' } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: cty }), 'invalid_token', cty);
      const p = minter.defaultClaims();
      const raw = JSON.stringify(p).replace(/^\{/, '{"organizationId":"org-b",');
      const dup = minter.mint({}, { rawPayload: raw });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: dup }), 'invalid_token', dup);
      const h = JSON.stringify({ alg: 'RS256', kid: minter.keys.RS256.kid, typ: 'JWT' });
      const dupHeader = signJws(h.replace(/^\{/, '{"alg":"none",'), p, {
        alg: 'RS256',
        privateKey: minter.keys.RS256.privateKey,
      });
      invalidToken(
        await call(worker, '/orgs/org-a/x', { token: dupHeader }),
        ['invalid_token', 'algorithm_not_allowed'],
        dupHeader,
      );
    });

    it('jku, x5u and jwk in the header are never fetched or trusted', async () => {
      const rogue = minter.createKey('RS256', { publish: false });
      const jku = minter.mint({}, { key: rogue, header: { jku: `${jkuTrap.url}/jwks.json` } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: jku }), 'unknown_key', jku);
      const x5u = minter.mint({}, { key: rogue, header: { x5u: `${jkuTrap.url}/cert.pem` } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: x5u }), 'unknown_key', x5u);
      const jwk = minter.mint({}, { key: rogue, header: { jwk: rogue.jwk } });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: jwk }), 'unknown_key', jwk);
      assert.equal(jkuTrap.requests.length, 0, 'the worker contacted a URL from a token header');
    });

    it('exp - iat above max_lifetime_seconds: 401 lifetime_too_long', async () => {
      const t = minter.mint({ iat: now(), exp: now() + 7200 });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t }), 'lifetime_too_long', t);
    });
  });

  describe('scope (3.5)', () => {
    it('org in the path: match 200, mismatch 403, cross-org role 200', async () => {
      const echo = assertForwarded(await call(worker, '/orgs/org-a/things', { token: tokens.a }));
      assert.equal(echo.headers['x-auth-org'], 'org-a');
      forbidden(await call(worker, '/orgs/org-b/things', { token: tokens.a }), 'org_mismatch', tokens.a);
      forbidden(await call(worker, '/orgs/org-a/things', { token: tokens.b }), 'org_mismatch', tokens.b);
      const admin = assertForwarded(await call(worker, '/orgs/org-b/things', { token: tokens.admin }));
      assert.equal(admin.headers['x-auth-client-id'], 'svc-admin');
    });

    it('org from other claim names (org_claims defaults)', async () => {
      for (const claim of ['org_id', 'rh-org-id', 'tenant']) {
        const t = minter.mint({ organizationId: undefined, [claim]: 'org-z' });
        const echo = assertForwarded(await call(worker, '/orgs/org-z/x', { token: t }));
        assert.equal(echo.headers['x-auth-org'], 'org-z');
        forbidden(await call(worker, '/orgs/org-a/x', { token: t }), 'org_mismatch', t);
      }
      // organizationId comes first.
      const both = minter.mint({ organizationId: 'org-a', org_id: 'org-z' });
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: both }));
      forbidden(await call(worker, '/orgs/org-z/x', { token: both }), 'org_mismatch', both);
    });

    it('org in org_header: match 200, mismatch 403, cross-org role 200', async () => {
      const h = (org) => ({ 'x-organization-id': org });
      assertForwarded(await call(worker, '/tenant/x', { token: tokens.a, headers: h('org-a') }));
      forbidden(await call(worker, '/tenant/x', { token: tokens.a, headers: h('org-b') }), 'org_mismatch', tokens.a);
      assertForwarded(await call(worker, '/tenant/x', { token: tokens.admin, headers: h('org-b') }));
    });

    it('route issuers: a token from another configured issuer is 403', async () => {
      assertForwarded(await call(worker, '/only-test/x', { token: tokens.b }));
      forbidden(await call(worker, '/only-test/x', { token: tokens.otherB }), 'issuer_not_allowed', tokens.otherB);
    });

    it('issuer organizations: an org not listed is 403', async () => {
      const echo = assertForwarded(await call(worker, '/anything', { token: tokens.otherB }));
      assert.equal(echo.headers['x-auth-issuer'], other.issuer);
      forbidden(await call(worker, '/anything', { token: tokens.otherA }), 'org_not_allowed', tokens.otherA);
    });

    it('issuer clients: another azp is 403; client_id counts when azp is absent', async () => {
      const t = minter.mint({ azp: 'svc-x', client_id: 'svc-x' });
      forbidden(await call(worker, '/anything', { token: t }), 'client_not_allowed', t);
      assertForwarded(await call(worker, '/anything', { token: minter.mint({ azp: undefined, client_id: 'svc-m' }) }));
    });

    it('roles_any: 200 with the role, 403 missing_role without', async () => {
      assertForwarded(await call(worker, '/admin/x', { token: tokens.a }));
      forbidden(await call(worker, '/admin/x', { token: tokens.b }), 'missing_role', tokens.b);
    });

    it('scopes_all: 200 with the scope, 403 missing_scope with scope="..." without', async () => {
      assertForwarded(await call(worker, '/write/x', { token: tokens.b }));
      const res = await call(worker, '/write/x', { token: tokens.a });
      forbidden(res, 'missing_scope', tokens.a);
      assert.match(res.headers['www-authenticate'], /, scope="api:write"/);
    });
  });

  describe('keys (5)', () => {
    it('JWKS are cached: fresh tokens cost no new key fetch', async () => {
      const ts = await Promise.all([1, 2, 3].map(() => getToken(flaky, 'svc-a', 'svc-a-secret')));
      for (const t of ts) assertForwarded(await call(worker, '/orgs/org-a/x', { token: t }));
      assert.equal(flaky.requestCount('/certs'), 1);
    });

    it('the issuer going down after keys are cached does not stop valid tokens', async () => {
      const t1 = await getToken(flaky, 'svc-a', 'svc-a-secret');
      const t2 = await getToken(flaky, 'svc-b', 'svc-b-secret');
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: t1 }));
      flaky.setDown(true);
      try {
        assertForwarded(await call(worker, '/orgs/org-b/x', { token: t2 }));
        assertForwarded(await call(worker, '/orgs/org-a/x', { token: t1 }));
        const stranger = minter.mint({ iss: flaky.issuer }, { key: minter.createKey('RS256', { publish: false }) });
        const res = await call(worker, '/orgs/org-a/x', { token: stranger });
        assert.ok([401, 503].includes(res.status), describeRes(res));
      } finally {
        flaky.setDown(false);
      }
    });

    it('after the issuer rotates its key, tokens with the new kid pass (refetch)', async () => {
      const t1 = await getToken(rot, 'svc-a', 'svc-a-secret');
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: t1 }));
      const fetchedBefore = rot.requestCount('/certs');
      const oldKid = decodeJwt(t1).header.kid;
      const newKid = await rot.rotateKey();
      assert.notEqual(newKid, oldKid);
      const t2 = await getToken(rot, 'svc-a', 'svc-a-secret');
      assert.equal(decodeJwt(t2).header.kid, newKid);
      const echo = assertForwarded(await call(worker, '/orgs/org-a/x', { token: t2 }));
      assert.equal(echo.headers['x-auth-issuer'], rot.issuer);
      assert.equal(rot.requestCount('/certs'), fetchedBefore + 1, 'one refetch for the new kid');
    });

    it('unknown kid refetches at most once per 30 s per issuer', async () => {
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: keysMinter.mint() }));
      const base = keysMinter.requestCount('/certs');
      const k2 = keysMinter.createKey('RS256');
      assertForwarded(await call(worker, '/orgs/org-a/x', { token: keysMinter.mint({}, { key: k2 }) }));
      assert.equal(keysMinter.requestCount('/certs'), base + 1);
      const k3 = keysMinter.createKey('RS256');
      const t3 = keysMinter.mint({}, { key: k3 });
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t3 }), 'unknown_key', t3);
      invalidToken(await call(worker, '/orgs/org-a/x', { token: t3 }), 'unknown_key', t3);
      assert.equal(keysMinter.requestCount('/certs'), base + 1, 'no second refetch within 30 s');
    });

    it('an RSA key under 2048 bits is not used', async () => {
      assert.ok(keysMinter.jwks().keys.some((k) => k.kid === smallKey.kid), 'the small key is published');
      const t = keysMinter.mint({}, { key: smallKey });
      invalidToken(
        await call(worker, '/orgs/org-a/x', { token: t }),
        ['unknown_key', 'invalid_token', 'algorithm_not_allowed'],
        t,
      );
    });

    it('keys unreachable and nothing cached: 503 keys_unavailable with Retry-After', async () => {
      const t = dead.mint();
      const res = await call(worker, '/orgs/org-a/x', { token: t });
      assertProblem(res, { status: 503, codes: 'keys_unavailable', challenge: null, secret: t });
      assert.match(res.headers['retry-after'] || '', /^\d+$/);
    });
  });

  describe('logs (3)', () => {
    it('one JSON line per decision, never a token', async () => {
      assert.ok(worker, 'no worker: it did not start');
      const logs = worker.logs();
      for (const t of [...sentSecrets].filter((x) => x.length > 20)) {
        assert.ok(!logs.includes(t), 'a token appears in the worker log');
        const sig = t.split('.')[2];
        if (sig && sig.length > 16) assert.ok(!logs.includes(sig), 'a signature appears in the worker log');
      }
      const json = logs
        .split('\n')
        .map((l) => l.slice(l.indexOf('{')))
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return null;
          }
        })
        .filter(Boolean);
      // The line the README shows: the decision's fields, then method,
      // path and the time taken (contract section 3), in that order.
      const allowed = json.find((o) => o.authz?.decision === 'allow');
      assert.ok(allowed, 'no JSON log line for an allowed request');
      assert.deepEqual(Object.keys(allowed), ['authz', 'method', 'path', 'dur_ms']);
      assert.equal(typeof allowed.dur_ms, 'number');
      assert.match(allowed.path, /^\//);
      for (const code of ['org_mismatch', 'missing_role', 'bad_signature']) {
        assert.ok(
          json.some((o) => JSON.stringify(o).includes(`"${code}"`)),
          `no JSON log line with ${code}`,
        );
      }
    });
  });
});

describe('bad configuration: every request 500, naming the key (2)', () => {
  let origin;
  let idp;
  before(async () => {
    origin = await startOrigin();
    idp = await startIssuer({ realm: 'cfg' });
  });
  after(async () => {
    await origin?.stop();
    await idp?.stop();
  });

  const cases = [
    {
      name: 'an unknown key',
      key: 'bogus',
      authz: (o, i) => ({
        origin: o.url,
        bogus: 1,
        issuers: [{ issuer: i.issuer, audiences: ['api'] }],
        routes: [{ path: '/public/*', auth: 'public' }],
      }),
    },
    {
      name: 'a non-https jwks_uri on a non-loopback host',
      key: 'jwks_uri',
      authz: (o, i) => ({
        origin: o.url,
        issuers: [
          { issuer: i.issuer, audiences: ['api'] },
          { issuer: 'https://sso.example.com/realms/x', jwks_uri: 'http://sso.example.com/realms/x/certs' },
        ],
        routes: [{ path: '/public/*', auth: 'public' }],
      }),
    },
    // The secret is not in AUTHZ but read beside it: a missing or short
    // one fails the whole configuration too, not every key load (a 503
    // that would also lose the issuer's RS256 keys).
    ...[
      { name: 'an HS secret var that is not set', vars: {} },
      { name: 'an HS secret under 32 bytes', vars: { CFG_HS: 'short-hs-secret-23bytes' } },
    ].map(({ name, vars }) => ({
      name,
      key: 'issuers[0].hs_secret_var',
      vars,
      authz: (o, i) => ({
        origin: o.url,
        issuers: [{ issuer: i.issuer, audiences: ['api'], algorithms: ['RS256', 'HS256'], hs_secret_var: 'CFG_HS' }],
        routes: [{ path: '/public/*', auth: 'public' }],
      }),
    })),
  ];

  for (const c of cases) {
    describe(c.name, () => {
      let worker;
      let startError;
      before(
        async () => {
          try {
            worker = await startWorker({ authz: c.authz(origin, idp), extraVars: c.vars, timeoutMs: STARTUP_MS });
          } catch (err) {
            startError = err;
          }
        },
        { timeout: STARTUP_MS + 60_000 },
      );
      after(async () => {
        await worker?.stop();
      });

      it('the worker starts', () => {
        if (startError) throw startError;
        assert.ok(worker);
      });

      it('refuses everything with 500 config_error naming the key, never falls open', async () => {
        const token = await getToken(idp, 'svc-a', 'svc-a-secret');
        const before1 = origin.requests.length;
        for (const req of [
          { path: '/public/x' },
          { path: '/orgs/org-a/x', token },
          { path: '/anything' },
          { path: '/public/x', method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } },
        ]) {
          const res = await call(worker, req.path, req);
          const body = assertProblem(res, { status: 500, codes: 'config_error', secret: token });
          assert.ok(body.detail.includes(c.key), `detail names ${c.key}: ${body.detail}`);
          for (const value of Object.values(c.vars ?? {})) assert.ok(!res.body.includes(value), 'the body echoes the secret');
        }
        assert.equal(origin.requests.length, before1, 'nothing reached the origin');
      });

      it('logs the configuration error', async () => {
        assert.ok(worker, 'no worker: it did not start');
        await worker.waitForLog(c.key, 5000);
        for (const value of Object.values(c.vars ?? {})) assert.ok(!worker.logs().includes(value), 'the log echoes the secret');
      });
    });
  }
});
