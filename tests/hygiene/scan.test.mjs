// The scanner of the log hygiene check finds what it is meant to find: a
// check that could not fail would prove nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AWKWARD_SECRET, DEFAULT_CLIENTS, basicAuthorization } from '../support/issuer.mjs';
import { signJws, createKey } from '../support/minter.mjs';
import { requestLines, scan, secretLiterals, secretsOf } from './scan.mjs';

const LINE = '{"authz":{"code":null,"decision":"allow","issuer":"http://127.0.0.1:1/realms/x"},"dur_ms":1.0,"method":"GET","path":"/a"}';
const kinds = (text, secrets) => scan(text, secrets).map((f) => f.kind);

describe('log scanner', () => {
  const token = signJws({ alg: 'RS256', kid: 'k' }, { sub: 'x', exp: 1 }, { privateKey: createKey('RS256').privateKey });

  it('passes clean wrangler and worker lines', () => {
    const clean = [
      '[wrangler:info] Ready on http://127.0.0.1:8787',
      'env.AUTHZ ("(hidden)")   Environment Variable   local',
      `\x1b[31m✘ [ERROR]\x1b[0m {"authz":{"event":"keys_fetch_failed","issuer":"http://127.0.0.1:9/realms/a","reason":"answered 503"}}`,
      'WWW-Authenticate: Bearer realm="api", error="invalid_token"',
      'Basic realm="api"',
      LINE,
    ].join('\n');
    assert.deepEqual(scan(clean, secretsOf(DEFAULT_CLIENTS)), []);
  });

  it('flags a planted token, whole or in parts', () => {
    assert.ok(kinds(`${LINE}\nauth header was ${token}`).includes('jwt'));
    assert.ok(kinds(`payload ${token.split('.')[1]}`).includes('json-b64'));
    assert.ok(kinds(`forwarded Bearer ${token}`).includes('bearer'));
    assert.ok(kinds(`\x1b[1m${token}\x1b[0m`).includes('jwt'), 'colours do not hide it');
  });

  it('flags a planted Basic value and client secrets in every spelling', () => {
    const odd = DEFAULT_CLIENTS.find((c) => c.secret === AWKWARD_SECRET);
    const header = basicAuthorization(odd.clientId, odd.secret);
    assert.ok(kinds(`got ${header}`).includes('basic'));
    const secrets = secretsOf(DEFAULT_CLIENTS);
    assert.deepEqual(kinds(`x=${header.slice(6)}`, secrets), ['secret']);
    assert.deepEqual(kinds(`reason: svc-b-secret rejected`, secrets), ['secret']);
    assert.ok(kinds(`secret=${new URLSearchParams({ v: AWKWARD_SECRET }).toString().slice(2)}`, secrets).includes('secret'));
    const raw = Buffer.from('svc-a:svc-a-secret').toString('base64');
    assert.ok(kinds(`value ${raw}`, secrets).includes('secret'));
  });

  it('leaves out only the query of wrangler\'s access line', () => {
    assert.deepEqual(kinds(`[wrangler:info] GET /x?access_token=${token} 400 Bad Request (3ms)`), []);
    assert.ok(kinds(`[wrangler:info] GET /x/${token} 401 Unauthorized (3ms)`).includes('jwt'));
    assert.ok(kinds(`{"authz":{},"path":"/x?access_token=${token}"}`).includes('jwt'));
  });

  it('reports a leak masked, with its line', () => {
    const [f] = scan('ok\nleak svc-admin-secret here', ['svc-admin-secret']);
    assert.equal(f.line, 2);
    assert.ok(!f.excerpt.includes('svc-admin-secret'));
  });

  it('collects secret literals from test sources, not identifiers', () => {
    const src = `basic('m1', 'm1-secret'); const v = { hs_secret_var: 'SSO_HS_SECRET', key: 'issuers[0].hs_secret_var', secret: "a-32-byte-long-shared-secret-!!!" }; \`\${id}-secret\``;
    assert.deepEqual(secretLiterals(src).sort(), ['a-32-byte-long-shared-secret-!!!', 'm1-secret']);
  });

  it('counts request lines only', () => {
    const text = `noise\n\x1b[2m${LINE}\x1b[0m\n{"authz":{"event":"x"}}\n{"authz":{"decision":"deny"`;
    assert.equal(requestLines(text).length, 1);
  });
});
