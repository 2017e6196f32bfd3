// Fault drills for the Basic exchange (contract 4): the real issuer's token
// endpoint answers 500, does not answer, or answers garbage
// (`issuer.fault('token', mode)`), and the worker in workerd. Expected, per
// the contract: 500 and no answer within 5 s -> 503 token_endpoint_unavailable
// with Retry-After; a 200 that holds no token -> 502 bad_upstream_token; in
// every case a still-valid token cached for the same credentials keeps
// working without asking the issuer, and nothing else gets in: a wrong
// secret for a cached client id, or a forged bearer token, is refused.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertNotAccepted, assertPassed, assertProblem, forgeries, send } from '../support/drills.mjs';
import { DEFAULT_CLIENTS, basicAuthorization, getToken, startIssuer } from '../support/issuer.mjs';
import { startOrigin } from '../support/origin.mjs';
import { startWorker } from '../support/worker.mjs';

const STARTUP_MS = 240_000;
const BACKOFF_MS = 5_000 + 1_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secretOf = (id) => DEFAULT_CLIENTS.find((c) => c.clientId === id).secret;
const basic = (id, secret = secretOf(id)) => basicAuthorization(id, secret);

describe('fault drills: the token endpoint (Basic exchange)', { timeout: 600_000 }, () => {
  let idp, origin, worker;
  let real; // a real token of svc-b, got before any fault, to forge from

  before(
    async () => {
      idp = await startIssuer({ realm: 'exchange-faults' });
      origin = await startOrigin();
      worker = await startWorker({
        timeoutMs: STARTUP_MS,
        authz: {
          origin: origin.url,
          issuers: [{ issuer: idp.issuer, audiences: ['api'] }],
          basic_exchange: { issuer: idp.issuer },
        },
      });
    },
    { timeout: STARTUP_MS + 60_000 },
  );

  after(async () => {
    await worker?.stop();
    await Promise.all([origin, idp].filter(Boolean).map((s) => s.stop()));
  });

  /** svc-a's token is cached and keeps working; nothing forged gets in. */
  async function cachedStillWorks(refusedWith) {
    const asked = idp.hits('token');
    const echo = assertPassed(await send(worker, { authorization: basic('svc-a') }));
    assert.match(echo.headers.authorization, /^Bearer /, 'the origin got the exchanged token');
    assert.equal(idp.hits('token'), asked, 'the cached token was used without asking the issuer');
    // The same client id with a wrong secret is not the cached credential.
    assertNotAccepted(await send(worker, { authorization: basic('svc-a', 'not-the-secret') }), 'wrong secret', refusedWith);
    for (const f of forgeries(idp, real)) assertNotAccepted(await send(worker, { token: f.token }), f.name, [401]);
  }

  it('before any fault: svc-a is exchanged once and cached', async () => {
    assertPassed(await send(worker, { authorization: basic('svc-a') }));
    assertPassed(await send(worker, { authorization: basic('svc-a') }));
    assert.equal(idp.hits('token'), 1);
    real = await getToken(idp, 'svc-b', secretOf('svc-b'));
  });

  it('token endpoint 500: 503 with Retry-After; the cached token keeps working', async () => {
    idp.fault('token', '500');
    try {
      assertProblem(await send(worker, { authorization: basic('svc-b') }), 503, 'token_endpoint_unavailable');
      await cachedStillWorks([503]);
    } finally {
      idp.fault('token', null);
    }
  });

  it('token endpoint not answering: 503 after the 5 s timeout; the cached token keeps working', async () => {
    idp.fault('token', 'timeout');
    try {
      // The client waits 20 s at most: the worker must give up first.
      const res = await send(worker, { authorization: basic('svc-admin'), timeoutMs: 20_000 });
      assertProblem(res, 503, 'token_endpoint_unavailable');
      await cachedStillWorks([503]);
    } finally {
      idp.fault('token', null);
    }
  });

  it('token endpoint answering garbage: 502 bad_upstream_token; the cached token keeps working', async () => {
    idp.fault('token', 'garbage');
    try {
      assertProblem(await send(worker, { authorization: basic('svc-odd') }), 502, 'bad_upstream_token');
      // 503 when this wrong secret failed moments ago (its back-off).
      await cachedStillWorks([502, 503]);
    } finally {
      idp.fault('token', null);
    }
  });

  it('once the endpoint is back (after the 5 s back-off), the clients that failed are exchanged', async () => {
    await sleep(BACKOFF_MS);
    for (const id of ['svc-b', 'svc-admin', 'svc-odd']) {
      const echo = assertPassed(await send(worker, { authorization: basic(id) }));
      assert.equal(echo.headers.authorization.startsWith('Bearer '), true);
    }
    assertNotAccepted(await send(worker, { authorization: basic('svc-a', 'not-the-secret') }), 'wrong secret', [401]);
  });
});
