// Fault drills for the origin: an allowed request whose origin cannot be
// reached gets the worker's own 502 `origin_unreachable` (a problem body,
// Server-Timing, no challenge: the caller's credentials were fine), and its
// log line says why. A refusal stays a refusal: the origin being down never
// changes what is decided, and nothing is retried against it.
//
// The origin here is a node:http server that can be switched to reset every
// connection it accepts, or closed so that its port refuses connections,
// and back.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { assertForwarded, assertProblem, call, challenges } from '../support/expect.mjs';
import { getToken, startIssuer } from '../support/issuer.mjs';
import { closeServer, listenLoopback } from '../support/net.mjs';
import { startWorker } from '../support/worker.mjs';

const STARTUP_MS = 240_000;
const { ASK } = challenges();

/** An origin that answers like the echo origin (`x-origin: echo`), or
 * resets each connection it accepts (`mode = 'reset'`), or is closed. */
async function startFaultyOrigin() {
  const state = { mode: 'up', connections: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-origin': 'echo' });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  server.on('connection', (socket) => {
    state.connections += 1;
    if (state.mode === 'reset') socket.resetAndDestroy();
  });
  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    /** Connections workerd keeps for reuse are cut too, so the next
     * request meets the new mode. */
    setMode(mode) {
      state.mode = mode;
      server.closeAllConnections();
    },
    close: () => closeServer(server),
    reopen: () => listenLoopback(server, port),
  };
}

describe('fault drills: the origin', { timeout: 600_000 }, () => {
  let idp, origin, worker, token;

  before(
    async () => {
      idp = await startIssuer({ realm: 'origin-drills' });
      origin = await startFaultyOrigin();
      token = await getToken(idp, 'svc-a', 'svc-a-secret');
      worker = await startWorker({
        timeoutMs: STARTUP_MS,
        authz: {
          origin: origin.url,
          issuers: [{ issuer: idp.issuer, audiences: ['api'] }],
          routes: [{ path: '/orgs/{org}/*' }],
        },
      });
    },
    { timeout: STARTUP_MS + 60_000 },
  );

  after(async () => {
    await worker?.stop();
    await origin?.close().catch(() => {});
    await idp?.stop();
  });

  it('the origin resets the connection: 502 origin_unreachable, logged as such', async () => {
    assertForwarded(await call(worker, '/orgs/org-a/before', { token }));
    origin.setMode('reset');
    try {
      const seen = origin.state.connections;
      const res = await call(worker, '/orgs/org-a/reset', { token });
      assertProblem(res, { status: 502, codes: 'origin_unreachable', challenge: null, secret: token });
      assert.ok(origin.state.connections > seen, 'the worker did try the origin');
    } finally {
      origin.setMode('up');
    }
    // The request's line names the code; an event line gives the runtime's
    // reason (wrangler prints it in the same output, a moment later).
    await worker.waitForLog(/"code":"origin_unreachable"[^\n]*"path":"\/orgs\/org-a\/reset"/);
    await worker.waitForLog('"event":"origin_unreachable"');
    assertForwarded(await call(worker, '/orgs/org-a/after', { token }));
  });

  it("the origin's port is closed: 502 origin_unreachable; passes again once it listens", async () => {
    await origin.close();
    try {
      const res = await call(worker, '/orgs/org-a/closed', { token });
      assertProblem(res, { status: 502, codes: 'origin_unreachable', challenge: null, secret: token });
    } finally {
      await origin.reopen();
    }
    assertForwarded(await call(worker, '/orgs/org-a/reopened', { token }));
  });

  it('a request without credentials is still refused 401, and the origin is not asked', async () => {
    origin.setMode('reset');
    try {
      const seen = origin.state.connections;
      const res = await call(worker, '/orgs/org-a/anonymous');
      assertProblem(res, { status: 401, codes: 'missing_credentials', challenge: ASK });
      assert.equal(origin.state.connections, seen, 'the origin was contacted for a refused request');
    } finally {
      origin.setMode('up');
    }
  });
});
