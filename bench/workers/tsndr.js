// A peer on @tsndr/cloudflare-worker-jwt. It has no remote JWKS: the JWKS of
// each issuer is fetched once per isolate and kept as data (not as a
// promise: workerd forbids I/O objects crossing requests). It verifies RS256
// and ES256; it has no EdDSA.
import jwt from '@tsndr/cloudflare-worker-jwt';
import { bearer, claimsRefusal, refuse, targetOrg, withPlumbing } from './common.js';

const ALGORITHMS = new Set(['RS256', 'ES256']);
const keysByIssuer = new Map(); // issuer -> [JWK]

async function keysFor(env, iss) {
  let keys = keysByIssuer.get(iss);
  if (!keys) {
    const res = await fetch(env.ISSUERS[iss]);
    if (!res.ok) return null;
    keys = (await res.json()).keys;
    keysByIssuer.set(iss, keys);
  }
  return keys;
}

export default withPlumbing(async (request, env, url, log) => {
  const token = bearer(request);
  if (!token) return refuse(401, 'no_token', log);
  let decoded;
  try {
    decoded = jwt.decode(token);
  } catch {
    return refuse(401, 'malformed', log);
  }
  const { header, payload } = decoded;
  const iss = payload?.iss;
  if (typeof iss !== 'string' || !Object.hasOwn(env.ISSUERS, iss)) return refuse(401, 'issuer', log);
  if (!ALGORITHMS.has(header?.alg)) return refuse(401, 'alg', log);
  const keys = await keysFor(env, iss);
  if (!keys) return refuse(503, 'keys_unavailable', log);
  const key = keys.find((k) => k.kid === header.kid && (!k.alg || k.alg === header.alg));
  if (!key) return refuse(401, 'kid', log);
  let verified;
  try {
    verified = await jwt.verify(token, key, { algorithm: header.alg, clockTolerance: 30 });
  } catch {
    verified = undefined;
  }
  if (!verified) return refuse(401, 'invalid', log);
  return claimsRefusal(payload, iss, env.AUDIENCE, targetOrg(url.pathname), log) ?? payload;
});
