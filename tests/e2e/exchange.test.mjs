// End-to-end tests of the Basic-to-token exchange (contract section 4):
// workerd (`wrangler dev`), the real Keycloak-shaped issuer, the echo origin,
// and a scriptable token endpoint for the answers a real issuer will not give
// (a token of another issuer, an expired token, garbage, 500, no answer).
//
// Two workers start: one exchanging at the real issuer, one at the scripted
// endpoint. Their whole log output is checked at the end for secrets.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CLIENTS, basicAuthorization, decodeJwt, getToken, startIssuer } from '../support/issuer.mjs';
import { now, startMinter } from '../support/minter.mjs';
import { startOrigin } from '../support/origin.mjs';
import { httpRequest, startWorker } from '../support/worker.mjs';

const REALM = 'api';
const STARTUP_MS = 240_000;
// The issuer's tokens live 35 s: cached until 30 s before their end, so 5 s.
const TOKEN_TTL = 35;
const FORWARD = {
  'x-auth-subject': 'sub',
  'x-auth-org': '$org',
  'x-auth-client-id': 'azp',
  'x-auth-issuer': 'iss',
};

const DISABLED = { clientId: 'svc-off', secret: 'svc-off-secret', organizationId: 'org-a', grantTypes: ['implicit'] };

// Every secret, Basic value and access token seen in these tests.
const secrets = new Set();
function basic(id, secret) {
  const value = basicAuthorization(id, secret);
  secrets.add(secret);
  secrets.add(value.slice('Basic '.length));
  return value;
}

function assertProblem(res, status, code) {
  const ctx = `HTTP ${res.status} ${JSON.stringify(res.headers)} ${res.body.slice(0, 300)}`;
  assert.equal(res.status, status, ctx);
  assert.notEqual(res.headers['x-origin'], 'echo', `the origin answered: ${ctx}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json/, ctx);
  assert.equal(res.json.status, status, ctx);
  if (code) assert.equal(res.json.code, code, ctx);
  for (const s of secrets) assert.ok(!res.body.includes(s), 'the problem body echoes a secret');
  assert.match(res.headers['server-timing'] || '', /authz;dur=/, ctx);
}

/** The origin saw a verified bearer token of `issuer` for `org`, no Basic. */
function assertExchanged(res, issuer, { org, client }) {
  assert.equal(res.status, 200, `HTTP ${res.status} ${res.body.slice(0, 300)}`);
  assert.equal(res.headers['x-origin'], 'echo');
  const seen = res.json.headers;
  const auth = seen.authorization;
  assert.match(auth, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, `origin got ${auth}`);
  const token = auth.slice('Bearer '.length);
  secrets.add(token);
  const { payload } = decodeJwt(token);
  assert.equal(payload.iss, issuer);
  assert.equal(payload.azp, client);
  assert.equal(seen['x-auth-org'], org);
  assert.equal(seen['x-auth-client-id'], client);
  for (const value of Object.values(seen)) {
    assert.ok(!/^basic /i.test(String(value)), 'a Basic value reached the origin');
    for (const s of secrets) if (s !== token) assert.ok(!String(value).includes(s), 'a secret reached the origin');
  }
  return token;
}

/** A token endpoint whose next answers the test chooses. */
async function startScriptedEndpoint() {
  let answer = async () => ({ status: 500, body: '' });
  let count = 0;
  const server = http.createServer(async (req, res) => {
    count += 1;
    req.resume();
    const a = await answer(req);
    if (a === 'hang') return; // never answers: the worker must time out
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/token`,
    answer(fn) {
      answer = fn;
    },
    count: () => count,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

describe('Basic exchange', { timeout: 600_000 }, () => {
  let idp, minter, scripted, origin, worker, scriptedWorker;

  before(async () => {
    // The default clients plus one whose service account is disabled.
    idp = await startIssuer({ realm: 'exchange', accessTokenTtl: TOKEN_TTL, clients: [...DEFAULT_CLIENTS, DISABLED] });
    minter = await startMinter({ realm: 'scripted' });
    scripted = await startScriptedEndpoint();
    origin = await startOrigin();
    worker = await startWorker({
      timeoutMs: STARTUP_MS,
      authz: {
        origin: origin.url,
        realm: REALM,
        issuers: [{ issuer: idp.issuer, audiences: ['api'] }],
        basic_exchange: { issuer: idp.issuer },
        routes: [{ path: '/orgs/{org}/*' }],
        forward: FORWARD,
      },
    });
    scriptedWorker = await startWorker({
      timeoutMs: STARTUP_MS,
      authz: {
        origin: origin.url,
        realm: REALM,
        issuers: [
          { issuer: minter.issuer, token_endpoint: scripted.url },
          { issuer: idp.issuer, audiences: ['api'] },
        ],
        basic_exchange: { issuer: minter.issuer },
        forward: FORWARD,
      },
    });
  });

  after(async () => {
    // Log hygiene over everything both workers printed.
    const logs = `${worker?.logs() ?? ''}\n${scriptedWorker?.logs() ?? ''}`;
    await Promise.all([worker?.stop(), scriptedWorker?.stop(), origin?.stop(), scripted?.stop(), minter?.stop(), idp?.stop()]);
    for (const s of secrets) assert.ok(!logs.includes(s), 'a secret, Basic value or token is in the worker log');
  });

  const call = (w, path, authorization, headers = {}) =>
    httpRequest(`${w.url}${path}`, { headers: authorization ? { ...headers, authorization } : headers });

  it('no credentials: both challenges', async () => {
    const res = await call(worker, '/orgs/org-a/x');
    assertProblem(res, 401, 'missing_credentials');
    assert.equal(res.headers['www-authenticate'], `Bearer realm="${REALM}", Basic realm="${REALM}"`);
  });

  it('right credentials reach origin as a verified bearer token; the next call asks the issuer nothing', async () => {
    idp.resetCounts();
    const auth = basic('svc-a', 'svc-a-secret');
    const first = assertExchanged(await call(worker, '/orgs/org-a/things', auth), idp.issuer, { org: 'org-a', client: 'svc-a' });
    assert.equal(idp.requestCount('/token'), 1);
    const second = assertExchanged(await call(worker, '/orgs/org-a/other', auth), idp.issuer, { org: 'org-a', client: 'svc-a' });
    assert.equal(second, first, 'the cached token is forwarded');
    assert.equal(idp.requestCount('/token'), 1, 'no new token request within the token life');
  });

  it('the exchanged token goes through the org checks', async () => {
    const res = await call(worker, '/orgs/org-b/things', basic('svc-a', 'svc-a-secret'));
    assertProblem(res, 403, 'org_mismatch');
    assert.match(res.headers['www-authenticate'], /^Bearer realm="api", error="insufficient_scope"/);
  });

  it('after the cached token is due, exactly one new token request', async () => {
    const auth = basic('svc-b', 'svc-b-secret');
    assertExchanged(await call(worker, '/orgs/org-b/1', auth), idp.issuer, { org: 'org-b', client: 'svc-b' });
    idp.resetCounts();
    await new Promise((r) => setTimeout(r, (TOKEN_TTL - 30 + 1.5) * 1000));
    const results = await Promise.all([1, 2, 3].map((i) => call(worker, `/orgs/org-b/${i}`, auth)));
    for (const res of results) assertExchanged(res, idp.issuer, { org: 'org-b', client: 'svc-b' });
    assert.equal(idp.requestCount('/token'), 1);
  });

  it('wrong secret, unknown client, disabled service account: 401 Basic challenge', async () => {
    for (const [id, secret] of [
      ['svc-a', 'not-the-secret'],
      ['nobody', 'whatever'],
      [DISABLED.clientId, DISABLED.secret],
    ]) {
      const res = await call(worker, '/orgs/org-a/x', basic(id, secret));
      assertProblem(res, 401, 'invalid_client');
      assert.equal(res.headers['www-authenticate'], `Basic realm="${REALM}"`, `${id}`);
    }
    // No token was verified, so the line names the client id that failed.
    await worker.waitForLog(/"code":"invalid_client"[^\n]*"client":"nobody"/);
  });

  it('a wrong secret never hits the cached token of the right one', async () => {
    assertExchanged(await call(worker, '/orgs/org-a/x', basic('svc-a', 'svc-a-secret')), idp.issuer, { org: 'org-a', client: 'svc-a' });
    assertProblem(await call(worker, '/orgs/org-a/x', basic('svc-a', 'svc-a-secretX')), 401, 'invalid_client');
  });

  it('a secret with : + % & = and spaces works as the issuer defines (RFC 6749 2.3.1)', async () => {
    const client = idp.clients.find((c) => c.clientId === 'svc-odd');
    const res = await call(worker, '/orgs/org-a/odd', basic('svc-odd', client.secret));
    assertExchanged(res, idp.issuer, { org: 'org-a', client: 'svc-odd' });
  });

  it('a non-ASCII secret the issuer refuses is a refused Basic, not a server error', async () => {
    const client = idp.clients.find((c) => c.clientId === 'svc-utf8');
    assertProblem(await call(worker, '/orgs/org-a/x', basic('svc-utf8', client.secret)), 401, 'invalid_client');
  });

  it('the 21st refused attempt in a minute for one client id: 429 with Retry-After', async () => {
    // Some refusals come from the issuer, the rest from the 10 s refusal cache.
    const statuses = [];
    // Padding dropped and the id respelt (%2D is "-") must count the same.
    const spellings = (i) => {
      const text = `${i % 2 ? 'svc%2Dbrute' : 'svc-brute'}:guess-${i % 3}`;
      const b64 = Buffer.from(text).toString('base64');
      secrets.add(b64);
      return `Basic ${i % 4 < 2 ? b64 : b64.replace(/=+$/, '')}`;
    };
    for (let i = 0; i < 20; i += 1) {
      const res = await call(worker, '/orgs/org-ops/x', spellings(i));
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, Array(20).fill(401));
    const res = await call(worker, '/orgs/org-ops/x', basic('svc-brute', 'guess-21').replace(/=+$/, ''));
    assertProblem(res, 429, 'rate_limited');
    assert.match(res.headers['retry-after'] || '', /^\d+$/);
    assert.equal(res.headers['www-authenticate'], undefined);
    // Which customer is locked out, read as the issuer reads the id.
    await worker.waitForLog(/"code":"rate_limited"[^\n]*"client":"svc-brute"/);
  });

  it('100 concurrent calls with one credential: the token requests are counted', async () => {
    idp.resetCounts();
    const auth = basic('svc-odd', idp.clients.find((c) => c.clientId === 'svc-odd').secret);
    // Make sure nothing is cached for this credential: wait out its token.
    await new Promise((r) => setTimeout(r, (TOKEN_TTL - 30 + 1) * 1000));
    idp.resetCounts();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(worker, `/orgs/org-a/c${i}`, auth)));
    for (const res of results) assert.equal(res.status, 200);
    const n = idp.requestCount('/token');
    console.log(`# token requests for 100 concurrent calls with one credential: ${n}`);
    assert.ok(n >= 1 && n <= 2, `expected the calls to share one exchange, saw ${n} token requests`);
  });

  it('issuer down: a token due for refresh but still valid passes at once; nothing cached gives 503', async () => {
    const auth = basic('svc-a', 'svc-a-secret');
    assertExchanged(await call(worker, '/orgs/org-a/warm', auth), idp.issuer, { org: 'org-a', client: 'svc-a' });
    // Past refresh-after (end - 30 s): the next request must ask the issuer.
    await new Promise((r) => setTimeout(r, (TOKEN_TTL - 30 + 1) * 1000));
    idp.setDown(true);
    try {
      idp.resetCounts();
      assertExchanged(await call(worker, '/orgs/org-a/down', auth), idp.issuer, { org: 'org-a', client: 'svc-a' });
      assert.equal(idp.requestCount('/token'), 1, 'the refresh was tried');
      // While the endpoint is known to fail, no request waits on it again.
      const started = Date.now();
      const again = await Promise.all([1, 2, 3].map((i) => call(worker, `/orgs/org-a/down${i}`, auth)));
      for (const res of again) assertExchanged(res, idp.issuer, { org: 'org-a', client: 'svc-a' });
      assert.equal(idp.requestCount('/token'), 1, 'no new attempt within the back-off');
      assert.ok(Date.now() - started < 2000, 'served from cache without waiting');
      const res = await call(worker, '/orgs/org-ops/down', basic('svc-admin', 'svc-admin-secret'));
      // (svc-admin has never been exchanged in this worker: nothing cached.)
      assertProblem(res, 503, 'token_endpoint_unavailable');
      assert.match(res.headers['retry-after'] || '', /^\d+$/);
    } finally {
      idp.setDown(false);
    }
  });

  describe('answers a real issuer would not give', () => {
    it('a token of another configured issuer: 502, nothing forwarded', async () => {
      const foreign = await getToken(idp.issuer, 'svc-a', 'svc-a-secret');
      secrets.add(foreign);
      scripted.answer(async () => ({ status: 200, body: { access_token: foreign, token_type: 'Bearer', expires_in: 300 } }));
      origin.reset();
      assertProblem(await call(scriptedWorker, '/x', basic('m1', 'm1-secret')), 502, 'bad_upstream_token');
      assert.equal(origin.requests.length, 0);
    });

    it('an expired token of the exchange issuer: 502', async () => {
      const expired = minter.mint({ iat: now() - 600, exp: now() - 300 });
      secrets.add(expired);
      scripted.answer(async () => ({ status: 200, body: { access_token: expired, token_type: 'Bearer' } }));
      assertProblem(await call(scriptedWorker, '/x', basic('m2', 'm2-secret')), 502, 'bad_upstream_token');
    });

    it('garbage instead of JSON: 502', async () => {
      scripted.answer(async () => ({ status: 200, body: '<html>oops' }));
      assertProblem(await call(scriptedWorker, '/x', basic('m3', 'm3-secret')), 502, 'bad_upstream_token');
    });

    it('500 from the token endpoint: 503 with Retry-After', async () => {
      scripted.answer(async () => ({ status: 500, body: '{"error":"server_error"}' }));
      const res = await call(scriptedWorker, '/x', basic('m4', 'm4-secret'));
      assertProblem(res, 503, 'token_endpoint_unavailable');
      assert.match(res.headers['retry-after'] || '', /^\d+$/);
    });

    it('no answer within 5 s: 503', async () => {
      scripted.answer(async () => 'hang');
      const started = Date.now();
      const res = await call(scriptedWorker, '/x', basic('m5', 'm5-secret'));
      assertProblem(res, 503, 'token_endpoint_unavailable');
      assert.ok(Date.now() - started >= 4500, 'gave up before the 5 s timeout');
    });

    it('a valid token of the exchange issuer passes, and the Basic value is what the endpoint received', async () => {
      let received;
      const good = minter.mint({ azp: 'm6', organizationId: 'org-m' });
      secrets.add(good);
      scripted.answer(async (req) => {
        received = req.headers.authorization;
        return { status: 200, body: { access_token: good, token_type: 'Bearer', expires_in: 300 } };
      });
      const auth = basic('m6', 'm6 s:e+c%r');
      const res = await call(scriptedWorker, '/y', auth);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.headers.authorization, `Bearer ${good}`);
      assert.equal(received, auth, 'the caller\'s Basic value is sent unchanged');
    });
  });
});
