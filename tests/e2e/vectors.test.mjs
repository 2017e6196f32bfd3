// The signature vectors of tests/fixtures/vectors.json through the worker,
// whose engine is WebCrypto; tests/vectors.rs checks the same tokens with
// the pure-Rust engine. Every algorithm: valid passes, tampered is refused
// with bad_signature. The HS* secret arrives as the worker would get a
// wrangler secret (here a --var of the same name).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { startOrigin } from '../support/origin.mjs';
import { httpRequest, REPO_ROOT, startWorker } from '../support/worker.mjs';

const doc = JSON.parse(readFileSync(`${REPO_ROOT}/tests/fixtures/vectors.json`, 'utf8'));
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'EdDSA', 'HS256', 'HS384', 'HS512'];

describe('signature vectors through WebCrypto (same as tests/vectors.rs)', { timeout: 300_000 }, () => {
  let jwksServer, origin, worker;

  before(async () => {
    jwksServer = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc.jwks));
    });
    await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
    origin = await startOrigin();
    worker = await startWorker({
      timeoutMs: 240_000,
      authz: {
        origin: origin.url,
        issuers: [{
          issuer: doc.issuer,
          jwks_uri: `http://127.0.0.1:${jwksServer.address().port}/certs`,
          algorithms: ALGS,
          hs_secret_var: 'VECTORS_HS',
        }],
      },
      extraVars: { VECTORS_HS: doc.hs_secret },
    });
  });

  after(async () => {
    await Promise.all([worker?.stop(), origin?.stop(), new Promise((r) => (jwksServer ? jwksServer.close(r) : r()))]);
  });

  it('covers every algorithm', () => {
    for (const alg of ALGS) {
      assert.ok(doc.vectors.some((v) => v.valid && v.name.startsWith(`${alg} `)), alg);
    }
  });

  for (const v of doc.vectors) {
    it(v.name, async () => {
      const res = await httpRequest(`${worker.url}/v`, { headers: { authorization: `Bearer ${v.token}` } });
      if (v.valid) {
        assert.equal(res.status, 200, res.body);
        assert.equal(res.headers['x-origin'], 'echo');
      } else {
        assert.equal(res.status, 401, res.body);
        assert.equal(res.json.code, 'bad_signature', res.body);
      }
    });
  }
});
