// The set-up the attack corpus (tests/e2e/attacks-*.test.mjs) shares: real
// Keycloak-shaped issuers whose signing keys the test holds (so it can forge
// tokens their JWKS vouch for), two hostile JWKS servers, an attacker's
// server that must never be contacted, the echo origin, and ONE worker
// configured for all of them.
//
// startAttackRig() -> Promise<Rig>
//   rig.worker, rig.origin, rig.trap (echo servers), rig.config (AUTHZ)
//   rig.startError          set when the worker did not start
//   rig.kc                  issuer A (RS256, via discovery), audiences ['api'],
//                           max_lifetime_seconds 3600
//   rig.kcB                 issuer B (RS256): a second realm
//   rig.kcEc                issuer with an ES256 key
//   rig.kcHs                issuer allowing RS256 and HS256 (hs_secret_var)
//   rig.many                JWKS of 10,000 keys (jwks_uri, minter)
//   rig.huge                JWKS with a 16384-bit modulus beside a usable key
//   rig.signer.{a,b,ec,hs}  { kid, alg, privateKey, publicKey, jwk (public) }
//   rig.hsSecret            the worker's HS secret (never sent by a test)
//   rig.forge(signer, claims, opts) -> compact JWS: claims over defaults of
//       the signer's issuer (iss, sub, aud 'api', iat now, exp now+300,
//       typ 'Bearer', azp/client_id 'svc-a', organizationId 'org-a', jti);
//       a claim set to undefined is dropped. opts: alg (default the key's),
//       header (merged over { alg, typ: 'JWT', kid }; undefined drops),
//       rawHeader / rawPayload (exact JSON text), secret (HS*).
//   rig.refused(res, { status, codes, secret }) asserts the worker's refusal
//       with the contract's challenge for the status, and that the origin
//       saw nothing since the last rig.mark()
//   rig.mark()              remember how many requests the origin has seen
//   rig.refusedNothingSeen() assert the origin saw nothing since rig.mark()
//   rig.stop()

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { assertProblem, challenges, REALM } from './expect.mjs';
import { generateSigningJwk, startIssuer } from './issuer.mjs';
import { accessClaims, signJws, startMinter } from './minter.mjs';
import { startOrigin } from './origin.mjs';
import { startWorker } from './worker.mjs';

export const STARTUP_MS = 240_000;
export const MAX_TOKEN_BYTES = 65536;
const HS_VAR = 'ATTACK_HS_SECRET';

function signerOf(privateJwk) {
  const privateKey = crypto.createPrivateKey({ key: privateJwk, format: 'jwk' });
  const publicKey = crypto.createPublicKey(privateKey);
  return {
    kid: privateJwk.kid,
    alg: privateJwk.alg,
    privateKey,
    publicKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: privateJwk.kid, alg: privateJwk.alg, use: 'sig' },
  };
}

/** 10,000 distinct RSA public keys (one modulus, many kids): a 4 MB JWKS. */
function jwksOfManyKeys(real, count) {
  const keys = [real.jwk];
  for (let i = 1; i < count; i++) keys.push({ ...real.jwk, kid: `many-${i}` });
  return { keys };
}

/** A well-formed 16384-bit RSA public JWK: odd, top bit set. */
function hugeRsaJwk(kid) {
  const n = crypto.randomBytes(16384 / 8);
  n[0] |= 0x80;
  n[n.length - 1] |= 0x01;
  return { kty: 'RSA', kid, alg: 'RS256', use: 'sig', e: 'AQAB', n: n.toString('base64url') };
}

export async function startAttackRig() {
  const rig = {};
  const privA = await generateSigningJwk('RS256');
  const privB = await generateSigningJwk('RS256');
  const privEc = await generateSigningJwk('ES256');
  const privHs = await generateSigningJwk('RS256');
  rig.signer = { a: signerOf(privA), b: signerOf(privB), ec: signerOf(privEc), hs: signerOf(privHs) };
  rig.hsSecret = crypto.randomBytes(36).toString('base64url');

  rig.origin = await startOrigin();
  rig.trap = await startOrigin();
  [rig.kc, rig.kcB, rig.kcEc, rig.kcHs] = await Promise.all([
    startIssuer({ realm: 'attack-a', signingKeys: [privA] }),
    startIssuer({ realm: 'attack-b', signingKeys: [privB] }),
    startIssuer({ realm: 'attack-ec', alg: 'ES256', signingKeys: [privEc] }),
    startIssuer({ realm: 'attack-hs', signingKeys: [privHs] }),
  ]);
  rig.signer.a.issuer = rig.kc.issuer;
  rig.signer.b.issuer = rig.kcB.issuer;
  rig.signer.ec.issuer = rig.kcEc.issuer;
  rig.signer.hs.issuer = rig.kcHs.issuer;

  rig.many = await startMinter({ realm: 'many', algs: ['RS256'] });
  rig.many.setJwks(jwksOfManyKeys(rig.many.keys.RS256, 10_000));
  rig.huge = await startMinter({ realm: 'huge', algs: ['RS256'] });
  rig.hugeKid = 'rsa-16384';
  rig.huge.publish({ kid: rig.hugeKid, jwk: hugeRsaJwk(rig.hugeKid) });

  rig.config = {
    origin: rig.origin.url,
    realm: REALM,
    leeway_seconds: 30,
    max_token_bytes: MAX_TOKEN_BYTES,
    issuers: [
      { issuer: rig.kc.issuer, audiences: ['api'], max_lifetime_seconds: 3600 },
      { issuer: rig.kcB.issuer, audiences: ['api'] },
      { issuer: rig.kcEc.issuer, audiences: ['api'] },
      { issuer: rig.kcHs.issuer, audiences: ['api'], algorithms: ['RS256', 'HS256'], hs_secret_var: HS_VAR },
      { issuer: rig.many.issuer, jwks_uri: rig.many.jwksUri, audiences: ['api'] },
      { issuer: rig.huge.issuer, jwks_uri: rig.huge.jwksUri, audiences: ['api'] },
    ],
    routes: [{ path: '/public/*', auth: 'public' }],
    forward: { 'x-auth-subject': 'sub', 'x-auth-issuer': 'iss' },
  };
  try {
    rig.worker = await startWorker({
      authz: rig.config,
      extraVars: { [HS_VAR]: rig.hsSecret },
      timeoutMs: STARTUP_MS,
    });
  } catch (err) {
    rig.startError = err;
  }
  // The readiness probe needs no keys; counts start here anyway.
  for (const s of [rig.kc, rig.kcB, rig.kcEc, rig.kcHs, rig.many, rig.huge]) s.resetCounts();
  rig.trap.reset();

  rig.forge = (signer, claims = {}, { alg, header = {}, rawHeader, rawPayload, secret } = {}) => {
    const payload = accessClaims(signer.issuer, { sub: 'attack-subject', client_id: 'svc-a', ...claims });
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    const useAlg = alg ?? signer.alg;
    const hdr = { alg: useAlg, typ: 'JWT', kid: signer.kid, ...header };
    for (const k of Object.keys(hdr)) if (hdr[k] === undefined) delete hdr[k];
    return signJws(rawHeader ?? hdr, rawPayload ?? payload, {
      alg: useAlg,
      privateKey: signer.privateKey,
      secret,
    });
  };

  let seen = 0;
  rig.mark = () => {
    seen = rig.origin.requests.length;
  };
  const { INVALID_TOKEN, INVALID_REQUEST } = challenges();
  const CHALLENGE = { 400: INVALID_REQUEST, 401: INVALID_TOKEN, 503: null };
  rig.refused = (res, { status, codes, secret }) => {
    const body = assertProblem(res, { status, codes, challenge: CHALLENGE[status], secret });
    rig.refusedNothingSeen();
    return body;
  };

  rig.refusedNothingSeen = () => {
    assert.equal(rig.origin.requests.length, seen, 'the origin saw a refused request');
  };

  rig.stop = async () => {
    await rig.worker?.stop();
    await Promise.all(
      [rig.origin, rig.trap, rig.kc, rig.kcB, rig.kcEc, rig.kcHs, rig.many, rig.huge]
        .filter(Boolean)
        .map((s) => s.stop()),
    );
  };
  return rig;
}
