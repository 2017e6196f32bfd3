// The page's Explain tab against the real worker: the same config, the same
// request, the same keys; the page must give the status, code and
// challenge the worker (workerd, WebCrypto) gives. The page computes with
// the pure-Rust engine and never calls the worker.
//
// Run: scripts/build-page.sh && node --test tests/browser/

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { flipSignatureByte, now, startMinter } from '../support/minter.mjs';
import { startOrigin } from '../support/origin.mjs';
import { httpRequest, startWorker } from '../support/worker.mjs';
import { settle, shot, startPage } from './harness.mjs';

const STARTUP_MS = 240_000;

/** The AUTHZ object as the [vars.AUTHZ] table of a wrangler.toml. */
function toToml(authz) {
  const scalar = (v) => (Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : JSON.stringify(v));
  const lines = ['name = "edge-authz"', '', '[vars.AUTHZ]'];
  const tables = [];
  for (const [k, v] of Object.entries(authz)) {
    if (Array.isArray(v) && typeof v[0] === 'object') tables.push(...v.map((t) => [`[[vars.AUTHZ.${k}]]`, t]));
    else if (v && typeof v === 'object' && !Array.isArray(v)) tables.push([`[vars.AUTHZ.${k}]`, v]);
    else lines.push(`${k} = ${scalar(v)}`);
  }
  for (const [head, t] of tables) {
    lines.push('', head, ...Object.entries(t).map(([k, v]) => `${JSON.stringify(k)} = ${scalar(v)}`));
  }
  return `${lines.join('\n')}\n`;
}

describe('Explain gives the worker\'s decision', () => {
  let h;
  let page;
  let minter;
  let stranger;
  let origin;
  let worker;
  let authz;

  before(
    async () => {
      origin = await startOrigin();
      minter = await startMinter({ realm: 'page' });
      stranger = await startMinter({ realm: 'stranger' });
      authz = {
        origin: origin.url,
        realm: 'api',
        issuers: [{ issuer: minter.issuer, jwks_uri: minter.jwksUri, audiences: ['api'] }],
        routes: [
          { path: '/public/*', auth: 'public' },
          { path: '/write/{org}/*', scopes_all: ['api:write'] },
          { path: '/admin/*', roles_any: ['kas-fleet-manager-admin-full'] },
          { path: '/orgs/{org}/*', cross_org_roles: ['kas-fleet-manager-admin-full'] },
        ],
        forward: { 'x-auth-subject': 'sub', 'x-auth-org': '$org' },
      };
      [worker, h] = await Promise.all([startWorker({ authz, timeoutMs: STARTUP_MS }), startPage()]);
      page = await h.open();
      await page.click('#tab-explain');
    },
    { timeout: STARTUP_MS + 60_000 },
  );

  after(async () => {
    await worker?.stop();
    await h?.stop();
    await minter?.stop();
    await stranger?.stop();
    await origin?.stop();
  });

  /** Sends the request to the worker and explains it on the page. */
  async function both({ method = 'GET', path, headers = [], config = toToml(authz) }) {
    const nodeHeaders = {};
    for (const [n, v] of headers) nodeHeaders[n] = n in nodeHeaders ? [].concat(nodeHeaders[n], v) : v;
    const res = await httpRequest(`${worker.url}${path}`, { method, headers: nodeHeaders });

    page.requests.length = 0;
    await page.fill('#explain-config', config);
    await settle(page);
    await page.fill(`textarea[data-issuer="${minter.issuer}"]`, JSON.stringify(minter.jwks()));
    await page.selectOption('#explain-method', method);
    await page.fill('#explain-path', path);
    await page.fill('#explain-headers', headers.map(([n, v]) => `${n}: ${v}`).join('\n'));
    await settle(page);
    const out = page.locator('#explain-result');
    const challenge = page.locator('#explain-challenge');
    const got = {
      decision: await out.getAttribute('data-decision'),
      status: await out.getAttribute('data-status'),
      code: await out.getAttribute('data-code'),
      challenge: (await challenge.count()) ? await challenge.innerText() : undefined,
      text: await out.innerText(),
    };
    assert.deepEqual(page.requests, [], 'explaining made a request');
    return { res, got };
  }

  function sameRefusal({ res, got }, status, code) {
    const ctx = `worker: ${res.status} ${res.body.slice(0, 200)}\npage: ${got.text.slice(0, 600)}`;
    assert.equal(res.status, status, ctx);
    assert.equal(res.json?.code, code, ctx);
    assert.equal(got.decision, 'deny', ctx);
    assert.equal(got.status, String(res.status), ctx);
    assert.equal(got.code, res.json.code, ctx);
    assert.equal(got.challenge, res.headers['www-authenticate'], ctx);
  }

  function sameForward({ res, got }, decision) {
    const ctx = `worker: ${res.status} ${res.body.slice(0, 200)}\npage: ${got.text.slice(0, 600)}`;
    assert.equal(res.status, 200, ctx);
    assert.equal(res.headers['x-origin'], 'echo', ctx);
    assert.equal(got.decision, decision, ctx);
    assert.equal(got.status, '', ctx);
  }

  const bearer = (t) => [['Authorization', `Bearer ${t}`]];

  it('no credentials: 401 with the plain Bearer challenge', async () => {
    sameRefusal(await both({ path: '/orgs/org-a/things' }), 401, 'missing_credentials');
  });

  it('a valid token for its own organisation is forwarded', async () => {
    const r = await both({ path: '/orgs/org-a/things', headers: bearer(minter.mint()) });
    sameForward(r, 'allow');
    assert.equal(r.res.json.headers['x-auth-org'], 'org-a');
    assert.match(r.got.text, /x-auth-org: org-a/);
  });

  it('another organisation: 403 insufficient_scope (the screenshot of a refusal)', async () => {
    const r = await both({ path: '/orgs/org-b/things', headers: bearer(minter.mint({ sub: 'svc-a' })) });
    sameRefusal(r, 403, 'org_mismatch');
    assert.match(r.got.text, /scope[\s\S]*the token acts for organisation org-a, not for the target one/);
    await shot(page, 'explain-refusal', { fullPage: true });
  });

  it('token faults: expired, bad signature, audience, type, issuer, key', async () => {
    const cases = [
      [minter.mint({ iat: now() - 1200, exp: now() - 600 }), 'token_expired'],
      [flipSignatureByte(minter.mint()), 'bad_signature'],
      [minter.mint({ aud: 'another-api' }), 'wrong_audience'],
      [minter.mint({ typ: 'Refresh' }), 'wrong_token_type'],
      [stranger.mint(), 'unknown_issuer'],
      [minter.mint({}, { key: minter.createKey('RS256', { publish: false }) }), 'unknown_key'],
      ['not-a-token', 'invalid_token'],
    ];
    for (const [token, code] of cases) {
      sameRefusal(await both({ path: '/orgs/org-a/x', headers: bearer(token) }), 401, code);
    }
  });

  it('scopes and roles: 403 missing_scope (with scope=) and missing_role', async () => {
    const r = await both({ path: '/write/org-a/x', headers: bearer(minter.mint({ scope: 'api:read' })) });
    sameRefusal(r, 403, 'missing_scope');
    assert.match(r.got.challenge, /scope="api:write"/);
    sameRefusal(await both({ path: '/admin/x', headers: bearer(minter.mint()) }), 403, 'missing_role');
    sameForward(
      await both({ path: '/write/org-a/x', headers: bearer(minter.mint({ scope: 'openid api:write' })) }),
      'allow',
    );
  });

  it('malformed requests: two Authorization headers, Basic without exchange', async () => {
    const t = minter.mint();
    const two = [
      ['Authorization', `Bearer ${t}`],
      ['Authorization', `Bearer ${t}`],
    ];
    sameRefusal(await both({ path: '/orgs/org-a/x', headers: two }), 400, 'invalid_request');
    sameRefusal(
      await both({ path: '/orgs/org-a/x', headers: [['Authorization', 'Basic c3ZjOnNlY3JldA==']] }),
      400,
      'invalid_request',
    );
  });

  it('public routes and preflights pass; JSON config gives the same as TOML', async () => {
    sameForward(await both({ path: '/public/docs' }), 'public');
    const preflight = [
      ['Origin', 'https://app.example'],
      ['Access-Control-Request-Method', 'GET'],
    ];
    sameForward(await both({ method: 'OPTIONS', path: '/orgs/org-a/x', headers: preflight }), 'public');
    const json = JSON.stringify(authz, null, 2);
    sameRefusal(await both({ path: '/orgs/org-b/x', headers: bearer(minter.mint()), config: json }), 403, 'org_mismatch');
  });
});
