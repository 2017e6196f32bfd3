// Contract section 5 across isolates: a worker keeps the JWKS it fetched
// in the data centre's Cache API (`caches.default`), and a cold isolate
// reads it there before going to the issuer. Two `wrangler dev` starts
// share one state folder (one data centre); a third gets its own (another
// data centre) and shows what a cold isolate does without the copy.
//
// Run: node --test tests/e2e/shared-keys.test.mjs

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { getToken, startIssuer } from '../support/issuer.mjs';
import { startOrigin } from '../support/origin.mjs';
import { httpRequest, startWorker } from '../support/worker.mjs';

const STARTUP_MS = 240_000;
const JWKS_PATH = '/protocol/openid-connect/certs';

describe('JWKS shared between isolates through the Cache API', { timeout: 600_000 }, () => {
  let idp;
  let origin;
  let token;
  let authz;
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-authz-dc-'));
  const workers = [];

  before(async () => {
    origin = await startOrigin();
    idp = await startIssuer({ realm: 'shared' });
    token = await getToken(idp, 'svc-a', 'svc-a-secret');
    authz = {
      origin: origin.url,
      issuers: [{ issuer: idp.issuer, audiences: ['api'] }],
    };
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await idp?.stop();
    await origin?.stop();
    fs.rmSync(state, { recursive: true, force: true });
  });

  async function start(persistTo) {
    const w = await startWorker({ authz, persistTo, timeoutMs: STARTUP_MS });
    workers.push(w);
    return w;
  }

  const call = (w) => httpRequest(`${w.url}/things`, { headers: { authorization: `Bearer ${token}` } });

  it('a cold isolate verifies with the keys another isolate stored, while the JWKS endpoint is down', async () => {
    const first = await start(state);
    const before = idp.requestCount(JWKS_PATH);
    assert.equal((await call(first)).status, 200);
    assert.equal(idp.requestCount(JWKS_PATH), before + 1, 'the first isolate fetched the JWKS once');
    await first.stop();

    idp.setDown(true, { only: JWKS_PATH });
    try {
      const cold = await start(state);
      const res = await call(cold);
      assert.equal(res.status, 200, `cold isolate in the same data centre: ${res.body}`);
      assert.equal(idp.requestCount(JWKS_PATH), before + 1, 'no JWKS request: the copy was read from the Cache API');

      // Control: a data centre without the copy has nothing to verify with.
      const elsewhere = await start(undefined);
      const refused = await call(elsewhere);
      assert.equal(refused.status, 503, refused.body);
      assert.equal(refused.json?.code, 'keys_unavailable');
      assert.ok(idp.requestCount(JWKS_PATH) > before + 1, 'the other data centre asked the issuer');
    } finally {
      idp.setDown(false);
    }
  });
});
