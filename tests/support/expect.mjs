// Calling the worker and judging its answers, for the end-to-end tests.
//
//   import { call, assertForwarded, invalidToken, badRequest } from '../support/expect.mjs';
//   const res = await call(worker, '/orgs/org-a/x', { token });
//   invalidToken(res, 'bad_signature', token);
//
// call(worker, path, { method, token, authorization, headers, body })
//   -> httpRequest's answer. `token` sends `Authorization: Bearer <token>`;
//   `authorization` sends exactly that value (an array: several header
//   lines). Every token sent is remembered in `sentSecrets`, so that a test
//   can check the worker's log for them. An answer >= 500 that is not the
//   worker's own problem body carries the end of the worker log (tokens cut
//   out) in `res.workerLogTail`, for the failure message.
// describeRes(res)          one line for an assertion message
// assertTiming(res)         Server-Timing: authz;dur=<ms>
// assertForwarded(res)      200 from the echo origin -> what the origin saw
// assertProblem(res, { status, codes, challenge, secret })
//   a refusal of the worker's own: status, application/problem+json with
//   type/title/status/detail/code, `code` one of `codes`, the challenge
//   (a string, a RegExp, or null for none), Server-Timing, and neither the
//   credential `secret` nor its long dot-separated parts echoed -> the body
// invalidToken(res, codes, secret)  401 with error="invalid_token"
// forbidden(res, codes, secret)     403 with error="insufficient_scope"
// badRequest(res, secret)           400 invalid_request
// challenges(realm) -> { ASK, INVALID_TOKEN, INSUFFICIENT, INVALID_REQUEST }

import assert from 'node:assert/strict';

import { httpRequest } from './worker.mjs';

export const REALM = 'api';

export function challenges(realm = REALM) {
  return {
    ASK: `Bearer realm="${realm}"`,
    INVALID_TOKEN: new RegExp(`^Bearer realm="${realm}", error="invalid_token", error_description="[^"]+"$`),
    INSUFFICIENT: new RegExp(
      `^Bearer realm="${realm}", error="insufficient_scope", error_description="[^"]+"(, scope="[^"]*")?$`,
    ),
    INVALID_REQUEST: new RegExp(`^Bearer realm="${realm}", error="invalid_request"(, error_description="[^"]*")?$`),
  };
}

const { INVALID_TOKEN, INSUFFICIENT, INVALID_REQUEST } = challenges();
const SERVER_TIMING = /(^|,\s*)authz;dur=\d+(\.\d+)?(\s*(,|$))/;

// Every credential sent to a worker in this process.
export const sentSecrets = new Set();

export async function call(worker, path, { method = 'GET', token, authorization, headers = {}, body } = {}) {
  if (!worker) throw new Error('no worker: it did not start (see the "the worker starts" test for its output)');
  const h = { ...headers };
  if (token !== undefined) {
    h.authorization = `Bearer ${token}`;
    sentSecrets.add(token);
  }
  if (authorization !== undefined) h.authorization = authorization;
  const res = await httpRequest(`${worker.url}${path}`, { method, headers: h, body });
  if (res.status >= 500 && !/problem\+json/.test(res.headers['content-type'] || '')) {
    // Not an answer of the worker's own (a crash, a hang): keep the end of
    // its log for the failure message. Tokens are cut out.
    let tail = worker.logs().slice(-4000);
    for (const t of sentSecrets) tail = tail.split(t).join('<token>');
    res.workerLogTail = tail;
  }
  return res;
}

export function describeRes(res) {
  const head = `HTTP ${res.status} www-authenticate=${JSON.stringify(res.headers['www-authenticate'])} body=${res.body.slice(0, 400)}`;
  return res.workerLogTail ? `${head}\n--- end of the worker log ---\n${res.workerLogTail}` : head;
}

export function assertTiming(res) {
  const st = res.headers['server-timing'];
  assert.ok(st && SERVER_TIMING.test(st), `Server-Timing authz;dur=<ms> missing: ${JSON.stringify(st)}`);
}

/** The request reached the echo origin; returns what the origin saw. */
export function assertForwarded(res) {
  assert.equal(res.status, 200, describeRes(res));
  assert.equal(res.headers['x-origin'], 'echo', 'answer comes from the origin');
  assertTiming(res);
  return res.json;
}

/**
 * A refusal made by the worker: status, problem body, challenge, timing, and
 * nothing of the credential echoed.
 */
export function assertProblem(res, { status, codes, challenge, secret }) {
  const ctx = describeRes(res);
  assert.equal(res.status, status, ctx);
  assert.notEqual(res.headers['x-origin'], 'echo', `the origin answered: ${ctx}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json\b/, ctx);
  const body = res.json;
  assert.ok(body && typeof body === 'object', `problem body is JSON: ${ctx}`);
  for (const f of ['type', 'title', 'detail', 'code']) {
    assert.equal(typeof body[f], 'string', `problem field ${f}: ${ctx}`);
    assert.ok(body[f].length > 0, `problem field ${f} empty: ${ctx}`);
  }
  assert.equal(body.status, status, ctx);
  const allowed = Array.isArray(codes) ? codes : [codes];
  assert.ok(allowed.includes(body.code), `code ${body.code} not in ${allowed.join('|')}: ${ctx}`);
  const www = res.headers['www-authenticate'];
  if (challenge === null) {
    assert.equal(www, undefined, `no WWW-Authenticate expected: ${ctx}`);
  } else if (challenge instanceof RegExp) {
    assert.match(www || '', challenge, ctx);
  } else if (challenge !== undefined) {
    assert.equal(www, challenge, ctx);
  }
  assertTiming(res);
  if (secret) {
    const parts = [secret, ...secret.split('.').filter((p) => p.length > 16)];
    for (const p of parts) {
      assert.ok(!res.body.includes(p), 'problem body echoes the credential');
      assert.ok(!JSON.stringify(res.headers).includes(p), 'response headers echo the credential');
    }
  }
  return body;
}

export const invalidToken = (res, codes, secret) =>
  assertProblem(res, { status: 401, codes, challenge: INVALID_TOKEN, secret });
export const forbidden = (res, codes, secret) => assertProblem(res, { status: 403, codes, challenge: INSUFFICIENT, secret });
export const badRequest = (res, secret) =>
  assertProblem(res, { status: 400, codes: 'invalid_request', challenge: INVALID_REQUEST, secret });
