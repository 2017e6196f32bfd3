// Fault drills for the keys (contract 5): the real issuer (oidc-provider,
// tests/support/issuer.mjs) with a fault switched on in front of its JWKS
// endpoint (`issuer.fault('jwks', mode)`, requests counted by `hits`), and
// the worker in workerd. Each drill states its expected outcome, and in
// every one the forgeries of tests/support/drills.mjs (a tampered payload,
// a foreign key under the issuer's kid, a random kid) are refused: a fault
// never turns into an accept.
//
// One worker, one issuer per drill: the worker's key cache is per issuer,
// so the drills do not see each other's cached keys or refetch limits.
// Times that matter (src/keycache.rs): fetch timeout 5 s, refetch for an
// unknown kid at most once per 30 s per issuer, 5 s back-off after a
// failure with nothing cached.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  DRILL_HS_SECRET,
  assertNotAccepted,
  assertPassed,
  assertProblem,
  forgedWithKid,
  forgeries,
  send,
} from '../support/drills.mjs';
import { decodeJwt, getToken, startIssuer } from '../support/issuer.mjs';
import { startMinter } from '../support/minter.mjs';
import { startOrigin } from '../support/origin.mjs';
import { startWorker } from '../support/worker.mjs';

const STARTUP_MS = 240_000;
const BACKOFF_MS = 5_000 + 1_000;
const FLOOD = 1000;
const IN_FLIGHT = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const token = (idp, id = 'svc-a') => getToken(idp, id, `${id}-secret`);

/** Every forgery against `idp` is refused with one of `statuses`. */
async function noFalseAccept(worker, idp, valid, statuses) {
  for (const f of forgeries(idp, valid)) assertNotAccepted(await send(worker, { token: f.token }), f.name, statuses);
}

describe('fault drills: the JWKS endpoint', { timeout: 600_000 }, () => {
  const names = ['cold', 'slow', 'coldGarbage', 'stale', 'garbage', 'empty', 'rot', 'flood'];
  const idp = {};
  let origin, hsMinter, worker;

  before(
    async () => {
      origin = await startOrigin();
      hsMinter = await startMinter({ realm: 'hs-only' });
      const started = await Promise.all(names.map((realm) => startIssuer({ realm })));
      names.forEach((n, i) => {
        idp[n] = started[i];
      });
      worker = await startWorker({
        timeoutMs: STARTUP_MS,
        extraVars: { DRILL_HS_SECRET },
        authz: {
          origin: origin.url,
          issuers: [
            ...names.map((n) => ({ issuer: idp[n].issuer, audiences: ['api'] })),
            { issuer: hsMinter.issuer, algorithms: ['HS256'], hs_secret_var: 'DRILL_HS_SECRET', audiences: ['api'] },
          ],
        },
      });
      for (const n of names) idp[n].resetCounts();
    },
    { timeout: STARTUP_MS + 60_000 },
  );

  after(async () => {
    await worker?.stop();
    await Promise.all([origin, hsMinter, ...Object.values(idp)].filter(Boolean).map((s) => s.stop()));
  });

  it('down at start: 503 keys_unavailable with Retry-After; valid tokens pass once it is back', async () => {
    const { cold } = idp;
    cold.fault('jwks', 'down');
    const valid = await token(cold);
    assertProblem(await send(worker, { token: valid }), 503, 'keys_unavailable');
    assert.ok(cold.hits('jwks') >= 1, 'the worker asked for the keys');
    await noFalseAccept(worker, cold, valid, [503]);
    cold.fault('jwks', null);
    await sleep(BACKOFF_MS);
    assertPassed(await send(worker, { token: valid }));
    await noFalseAccept(worker, cold, valid, [401]);
  });

  it('slow (longer than the 5 s fetch timeout): 503, without waiting for the issuer', async () => {
    const { slow } = idp;
    slow.fault('jwks', 'slow', { ms: 60_000 });
    const valid = await token(slow);
    // The issuer would answer after 60 s; the client gives up after 20 s.
    const answers = await Promise.all([1, 2, 3].map(() => send(worker, { token: valid, timeoutMs: 20_000 })));
    for (const res of answers) assertProblem(res, 503, 'keys_unavailable');
    assert.equal(slow.hits('jwks'), 1, 'the concurrent requests shared one fetch');
    // Within the back-off after the timeout: 503 at once, no new fetch.
    await noFalseAccept(worker, slow, valid, [503]);
    assertProblem(await send(worker, { token: valid }), 503, 'keys_unavailable');
    assert.equal(slow.hits('jwks'), 1, 'no request waited on the slow issuer again within the back-off');
  });

  it('garbage or an empty key set with nothing cached: 503', async () => {
    const { coldGarbage } = idp;
    coldGarbage.fault('jwks', 'garbage');
    const valid = await token(coldGarbage);
    assertProblem(await send(worker, { token: valid }), 503, 'keys_unavailable');
    await noFalseAccept(worker, coldGarbage, valid, [503]);
    coldGarbage.fault('jwks', 'empty');
    await sleep(BACKOFF_MS);
    assertProblem(await send(worker, { token: valid }), 503, 'keys_unavailable');
    assert.equal(coldGarbage.hits('jwks'), 2, 'one fetch per attempt, none during the back-off');
  });

  /** Keys cached, then `mode`: a random kid makes the worker refetch into the fault. */
  async function cachedThenFault(idpName, mode) {
    const issuer = idp[idpName];
    assertPassed(await send(worker, { token: await token(issuer) }));
    assert.equal(issuer.hits('jwks'), 1);
    issuer.fault('jwks', mode);
    const probe = forgedWithKid(issuer, `unknown-${crypto.randomBytes(4).toString('hex')}`);
    assertProblem(await send(worker, { token: probe }), 401, 'unknown_key');
    assert.equal(issuer.hits('jwks'), 2, 'the unknown kid made one refetch, into the fault');
    // Fresh tokens (never seen by the worker) of two clients still pass.
    for (const id of ['svc-a', 'svc-b']) assertPassed(await send(worker, { token: await token(issuer, id) }));
    await noFalseAccept(worker, issuer, await token(issuer), [401]);
    assert.equal(issuer.hits('jwks'), 2, 'no refetch storm while the endpoint fails');
  }

  it('down after keys are cached: valid tokens pass (stale-if-error)', () => cachedThenFault('stale', 'down'));
  it('answering garbage after keys are cached: cached keys kept', () => cachedThenFault('garbage', 'garbage'));
  it('answering an empty key set after keys are cached: cached keys kept', () => cachedThenFault('empty', 'empty'));

  it('keys rotated mid-run: new tokens pass after one refetch', async () => {
    const { rot } = idp;
    const before = await token(rot);
    assertPassed(await send(worker, { token: before }));
    const fetched = rot.hits('jwks');
    const newKid = await rot.rotateKey();
    const fresh = await Promise.all(['svc-a', 'svc-b', 'svc-admin'].map((id) => token(rot, id)));
    for (const t of fresh) assert.equal(decodeJwt(t).header.kid, newKid);
    // A burst with the new kid while the JWKS takes 1.5 s to answer (within
    // the 5 s timeout): the first request refetches, the others must not be
    // refused while that refetch is under way.
    rot.fault('jwks', 'slow', { ms: 1500 });
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => send(worker, { token: fresh[i % 3] })));
    rot.fault('jwks', null);
    for (const res of burst) assertPassed(res);
    assert.equal(rot.hits('jwks'), fetched + 1, 'exactly one refetch');
    await noFalseAccept(worker, rot, fresh[0], [401]);
  });

  it(`${FLOOD} tokens with random kids at once: at most one JWKS fetch, valid tokens still pass`, async () => {
    const { flood } = idp;
    assertPassed(await send(worker, { token: await token(flood) }));
    const fetched = flood.hits('jwks');
    const valid = await Promise.all(['svc-a', 'svc-b', 'svc-admin'].map((id) => token(flood, id)));
    const jobs = Array.from({ length: FLOOD }, (_, i) => ({
      forged: forgedWithKid(flood, `rnd-${i}-${crypto.randomBytes(6).toString('hex')}`),
      valid: valid[i % valid.length],
    }));
    const queue = jobs.flatMap((j, i) => [['forged', j.forged], ...(i % 50 === 0 ? [['valid', j.valid]] : [])]);
    const results = [];
    const started = Date.now();
    // IN_FLIGHT connections at a time, each sending as soon as it is answered.
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          results.push([next[0], await send(worker, { token: next[1] })]);
        }
      }),
    );
    const took = Date.now() - started;
    console.log(`# ${results.length} requests (${FLOOD} random kids, ${IN_FLIGHT} in flight) answered in ${took} ms`);
    let passed = 0;
    for (const [kind, res] of results) {
      if (kind === 'valid') {
        assertPassed(res);
        passed += 1;
      } else {
        assertNotAccepted(res, 'random kid', [401]);
        assert.equal(res.json.code, 'unknown_key');
      }
    }
    assert.equal(passed, FLOOD / 50);
    assert.ok(flood.hits('jwks') - fetched <= 1, `JWKS fetches during the flood: ${flood.hits('jwks') - fetched}`);
  });

  it('an HS-only issuer needs no JWKS: its tokens pass while its server is down', async () => {
    hsMinter.setDown(true);
    const t = hsMinter.mint({}, { alg: 'HS256', secret: DRILL_HS_SECRET, header: { kid: undefined } });
    assertPassed(await send(worker, { token: t }));
    const wrong = hsMinter.mint({}, { alg: 'HS256', secret: 'another-32-byte-secret-for-drills', header: { kid: undefined } });
    assertNotAccepted(await send(worker, { token: wrong }), 'HS256 with another secret', [401]);
    assert.equal(hsMinter.requestCount(''), 0, 'nothing was fetched');
  });
});
