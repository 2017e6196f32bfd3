// A self-minting issuer: serves OpenID discovery and a JWKS over plain http
// on 127.0.0.1 and signs tokens with any claims and headers, using node:crypto
// only. For the negative cases a real provider will not produce (expired, nbf
// in the future, wrong aud, typ Refresh, no kid, unknown kid, alg none,
// HS256, ...).
//
// startMinter(options) -> Promise<Minter>
//   options (all optional):
//     port       TCP port, 0 = any free (default 0)
//     realm      issuer = http://127.0.0.1:<port>/realms/<realm> (default 'minted')
//     algs       algorithms of the keys made and published at start
//                (default ['RS256', 'ES256', 'EdDSA']; one key each)
//     defaults   claims every token gets unless overridden (see below)
//     jwksCacheControl  Cache-Control of the JWKS response (default 'max-age=300')
//
// Minter object:
//   issuer, port, realm, discoveryUrl, jwksUri
//   keys                { RS256: handle, ES256: handle, EdDSA: handle, ... }: the
//                       published keys made at start; handle = { kid, alg, kty,
//                       privateKey, publicKey, jwk (public, as published) }
//   createKey(alg, { kid, modulusLength, publish = true, jwkAlg = true })
//                       -> handle; publish=false keeps it out of the JWKS (a
//                       key the worker cannot know); jwkAlg=false leaves `alg`
//                       out of the published JWK
//   unpublish(kid), publish(handle)
//   jwks()              -> the JWKS now served
//   setJwks(obj|null)   serve exactly obj instead (null: back to the keys)
//   mint(claims = {}, opts = {}) -> compact JWS string
//       claims are merged over the defaults; a claim set to undefined is
//       removed. Defaults: iss (this issuer), sub, aud 'api', iat now,
//       exp now+300, typ 'Bearer', azp 'svc-m', client_id 'svc-m',
//       organizationId 'org-a', jti random.
//     opts:
//       key         a handle, or an alg name picking one of `keys` (default RS256)
//       alg         the algorithm actually used to sign: RS256/384/512,
//                   PS256/384/512, ES256, EdDSA, HS256/384/512 (with secret),
//                   'none' (empty signature). Default: the key's alg.
//       secret      HMAC secret (string or Buffer) for HS*
//       header      merged over { alg, typ: 'JWT', kid }; undefined removes
//                   (header: { kid: undefined } gives a token without kid)
//       rawHeader   exact header JSON text (bypasses header/alg defaults)
//       rawPayload  exact payload JSON text (e.g. duplicate members)
//   requestCount(suffix), resetCounts()
//   setDown(bool)       503 for everything while down
//   stop()
// Also exported: now(), flipSignatureByte(token), b64url(bufOrString),
// signJws(headerObjOrText, payloadObjOrText, { alg, privateKey, secret }).
//
// CLI: node tests/support/minter.mjs [--port 9402] [--realm minted]

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { runIfMain } from './cli.mjs';
import { listenLoopback, closeServer } from './net.mjs';

export const now = () => Math.floor(Date.now() / 1000);

/** Keycloak-shaped access-token claims of `iss` (a URL) for svc-a in
 * org-a, valid from now for 5 minutes; `extra` adds or replaces members. */
export function accessClaims(iss, extra = {}) {
  const t = now();
  return {
    iss,
    sub: 'test-subject',
    aud: 'api',
    iat: t,
    exp: t + 300,
    typ: 'Bearer',
    azp: 'svc-a',
    organizationId: 'org-a',
    jti: crypto.randomUUID(),
    ...extra,
  };
}

export function b64url(input) {
  return Buffer.from(input).toString('base64url');
}

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

function signingInput(headerText, payloadText) {
  return `${b64url(headerText)}.${b64url(payloadText)}`;
}

function rawSign(alg, data, { privateKey, secret }) {
  const bits = alg.slice(2);
  if (alg === 'none') return Buffer.alloc(0);
  if (/^HS(256|384|512)$/.test(alg)) {
    if (secret === undefined) throw new Error(`${alg} needs opts.secret`);
    return crypto.createHmac(HASH[bits], secret).update(data).digest();
  }
  if (!privateKey) throw new Error(`${alg} needs a private key`);
  if (/^RS(256|384|512)$/.test(alg)) return crypto.sign(HASH[bits], Buffer.from(data), privateKey);
  if (/^PS(256|384|512)$/.test(alg)) {
    return crypto.sign(HASH[bits], Buffer.from(data), {
      key: privateKey,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(bits) / 8,
    });
  }
  if (alg === 'ES256') return crypto.sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg === 'ES384') return crypto.sign('sha384', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA' || alg === 'Ed25519') return crypto.sign(null, Buffer.from(data), privateKey);
  throw new Error(`unsupported alg ${alg}`);
}

/** Sign header and payload (objects, or exact JSON text) into a compact JWS. */
export function signJws(header, payload, { alg, privateKey, secret } = {}) {
  const headerText = typeof header === 'string' ? header : JSON.stringify(header);
  const payloadText = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = signingInput(headerText, payloadText);
  const useAlg = alg ?? JSON.parse(headerText).alg;
  return `${input}.${b64url(rawSign(useAlg, input, { privateKey, secret }))}`;
}

/** Change one byte in the middle of the signature (still valid base64url). */
export function flipSignatureByte(token) {
  const parts = token.split('.');
  const sig = Buffer.from(parts[2], 'base64url');
  if (sig.length === 0) throw new Error('token has no signature');
  sig[Math.floor(sig.length / 2)] ^= 0x01;
  parts[2] = sig.toString('base64url');
  return parts.join('.');
}

export function createKey(alg = 'RS256', { kid, modulusLength = 2048 } = {}) {
  let pair;
  if (/^(RS|PS)/.test(alg)) pair = crypto.generateKeyPairSync('rsa', { modulusLength });
  else if (alg === 'ES256') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === 'EdDSA') pair = crypto.generateKeyPairSync('ed25519');
  else throw new Error(`cannot make a key for ${alg}`);
  const pub = pair.publicKey.export({ format: 'jwk' });
  const id = kid ?? `m-${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}`;
  return {
    kid: id,
    alg,
    kty: pub.kty,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwk: { ...pub, kid: id, alg, use: 'sig' },
  };
}

export async function startMinter({
  port = 0,
  realm = 'minted',
  algs = ['RS256', 'ES256', 'EdDSA'],
  defaults = {},
  jwksCacheControl = 'max-age=300',
} = {}) {
  const published = new Map(); // kid -> public JWK
  const keys = {};
  let override = null;
  let down = false;
  const log = [];

  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    log.push({ method: req.method, path, at: Date.now() });
    if (down) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
      res.end('{"error":"temporarily_unavailable"}');
      return;
    }
    let body;
    let type = 'application/json';
    const headers = {};
    if (path === `${prefix}/.well-known/openid-configuration`) {
      body = {
        issuer,
        jwks_uri: `${issuer}/protocol/openid-connect/certs`,
        token_endpoint: `${issuer}/protocol/openid-connect/token`,
        grant_types_supported: ['client_credentials'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
      };
    } else if (path === `${prefix}/protocol/openid-connect/certs`) {
      body = minter.jwks();
      type = 'application/jwk-set+json';
      if (jwksCacheControl) headers['cache-control'] = jwksCacheControl;
    } else if (path === `${prefix}/protocol/openid-connect/token`) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"unsupported_grant_type","error_description":"the minter issues no tokens over HTTP"}');
      return;
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  });

  const actualPort = await listenLoopback(server, port);
  const prefix = `/realms/${realm}`;
  const issuer = `http://127.0.0.1:${actualPort}${prefix}`;

  const minter = {
    issuer,
    realm,
    port: actualPort,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    keys,
    createKey(alg = 'RS256', { kid, modulusLength, publish = true, jwkAlg = true } = {}) {
      const handle = createKey(alg, { kid, modulusLength });
      if (!jwkAlg) delete handle.jwk.alg;
      if (publish) minter.publish(handle);
      return handle;
    },
    publish(handle) {
      published.set(handle.kid, handle.jwk);
    },
    unpublish(kid) {
      published.delete(kid);
    },
    jwks() {
      return override ?? { keys: [...published.values()] };
    },
    setJwks(obj) {
      override = obj;
    },
    defaultClaims() {
      const t = now();
      return {
        iss: issuer,
        sub: 'minted-subject',
        aud: 'api',
        iat: t,
        exp: t + 300,
        jti: crypto.randomUUID(),
        typ: 'Bearer',
        azp: 'svc-m',
        client_id: 'svc-m',
        organizationId: 'org-a',
        ...defaults,
      };
    },
    mint(claims = {}, { key = 'RS256', alg, secret, header = {}, rawHeader, rawPayload } = {}) {
      const handle = typeof key === 'string' ? keys[key] : key;
      if (!handle && !(alg && (alg === 'none' || alg.startsWith('HS')))) {
        throw new Error(`no key ${String(key)}`);
      }
      const useAlg = alg ?? handle.alg;
      const payload = { ...minter.defaultClaims(), ...claims };
      for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
      const hdr = { alg: useAlg, typ: 'JWT', ...(handle ? { kid: handle.kid } : {}), ...header };
      for (const k of Object.keys(hdr)) if (hdr[k] === undefined) delete hdr[k];
      return signJws(rawHeader ?? hdr, rawPayload ?? payload, {
        alg: useAlg,
        privateKey: handle?.privateKey,
        secret,
      });
    },
    requestCount: (suffix = '') => log.filter((r) => r.path.endsWith(suffix)).length,
    resetCounts() {
      log.length = 0;
    },
    setDown(isDown) {
      down = Boolean(isDown);
    },
    async stop() {
      await closeServer(server);
    },
  };

  for (const alg of algs) keys[alg] = minter.createKey(alg);
  return minter;
}

async function main() {
  const argv = process.argv.slice(2);
  const opts = { port: 9402, realm: 'minted' };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split('=', 2);
    const v = inline ?? argv[++i];
    if (k === 'port') opts.port = Number(v);
    else if (k === 'realm') opts.realm = v;
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  const m = await startMinter(opts);
  process.stdout.write(
    `minter issuer ${m.issuer}\njwks ${m.jwksUri}\nsample RS256 token (5 min):\n${m.mint()}\n`,
  );
  return m;
}

runIfMain(import.meta.url, main);
