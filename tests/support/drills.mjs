// Shared pieces of the fault drills (tests/e2e/faults*.test.mjs): requests
// to the worker, what a pass and a refusal must look like, and the forged
// tokens that must never pass while the issuer misbehaves.
//
//   forgeries(issuer, validToken) -> [{ name, token }]
//     tampered   the real token with its payload changed (org-evil), the
//                issuer's signature kept
//     stolenKid  signed by a key the issuer never published, under the
//                issuer's own kid
//     randomKid  the same key under a kid nobody knows (forces a refetch)
//   forgedWithKid(issuer, kid, key?) -> a token claiming `issuer`, signed by a
//                key the issuer never published
//   DRILL_HS_SECRET  the HS256 secret of the drills' HS-only issuer (a
//                worker var); tests/hygiene/ checks that no log shows it
//   send(worker, { token, authorization, path, timeoutMs }) -> response
//   assertPassed(res)                the echo origin answered 200
//   assertProblem(res, status, codes) a refusal of the worker's own: problem
//                body, Server-Timing, Retry-After on 503, no challenge on 5xx
//   assertNotAccepted(res, name, statuses) the origin never answered, the
//                status is one of `statuses`

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { accessClaims, createKey, signJws } from './minter.mjs';
import { httpRequest } from './worker.mjs';

export const DRILL_HS_SECRET = 'drill-hs-secret-0f3c9a7e5b1d2468ace';

/** One attacker key for a test file: RSA keygen is slow. */
const ATTACKER = createKey('RS256', { kid: 'attacker' });

export function forgedWithKid(issuer, kid, key = ATTACKER) {
  const payload = accessClaims(issuer.issuer, { sub: 'forged-subject' });
  return signJws({ alg: 'RS256', typ: 'JWT', kid }, payload, { alg: 'RS256', privateKey: key.privateKey });
}

export function forgeries(issuer, validToken) {
  const [h, p, s] = validToken.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const evil = Buffer.from(JSON.stringify({ ...claims, organizationId: 'org-evil' })).toString('base64url');
  return [
    { name: 'tampered', token: `${h}.${evil}.${s}` },
    { name: 'stolenKid', token: forgedWithKid(issuer, issuer.currentKid()) },
    { name: 'randomKid', token: forgedWithKid(issuer, `rnd-${crypto.randomBytes(8).toString('hex')}`) },
  ];
}

export function send(worker, { token, authorization, path = '/orgs/org-a/drill', timeoutMs = 30_000 } = {}) {
  if (!worker) throw new Error('no worker: it did not start');
  const headers = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (authorization !== undefined) headers.authorization = authorization;
  return httpRequest(`${worker.url}${path}`, { headers, timeoutMs });
}

const show = (res) => `HTTP ${res.status} ${JSON.stringify(res.headers['retry-after'] ?? null)} ${res.body.slice(0, 300)}`;

export function assertPassed(res) {
  assert.equal(res.status, 200, show(res));
  assert.equal(res.headers['x-origin'], 'echo', 'the origin answered');
  return res.json;
}

export function assertProblem(res, status, codes) {
  const ctx = show(res);
  assert.equal(res.status, status, ctx);
  assert.notEqual(res.headers['x-origin'], 'echo', `the origin answered: ${ctx}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json\b/, ctx);
  assert.equal(res.json?.status, status, ctx);
  const allowed = Array.isArray(codes) ? codes : [codes];
  assert.ok(allowed.includes(res.json.code), `code ${res.json.code} not in ${allowed}: ${ctx}`);
  for (const f of ['type', 'title', 'detail']) assert.ok(res.json[f], `problem field ${f}: ${ctx}`);
  assert.match(res.headers['server-timing'] || '', /authz;dur=/, ctx);
  if (status >= 500) assert.equal(res.headers['www-authenticate'], undefined, ctx);
  if (status === 503) assert.match(res.headers['retry-after'] || '', /^\d+$/, `503 without Retry-After: ${ctx}`);
  return res.json;
}

export function assertNotAccepted(res, name, statuses = [401]) {
  assert.notEqual(res.headers['x-origin'], 'echo', `FALSE ACCEPT of ${name}: ${show(res)}`);
  assert.ok(statuses.includes(res.status), `${name}: ${show(res)}, expected one of ${statuses}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json\b/, `${name}: ${show(res)}`);
}
