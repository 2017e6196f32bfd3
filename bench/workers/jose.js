// A peer built the way the `jose` documentation shows: one remote JWKS per
// issuer (jose caches and refreshes it per isolate), jwtVerify with issuer,
// audience and algorithms, then the organisation check.
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { bearer, claimsRefusal, refuse, targetOrg, withPlumbing } from './common.js';

const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
let remoteSets = null; // issuer -> jose's remote JWKS, per isolate

function jwksFor(env, iss) {
  if (!remoteSets) {
    remoteSets = new Map(
      Object.entries(env.ISSUERS).map(([issuer, uri]) => [issuer, createRemoteJWKSet(new URL(uri))]),
    );
  }
  return remoteSets.get(iss);
}

export default withPlumbing(async (request, env, url, log) => {
  const token = bearer(request);
  if (!token) return refuse(401, 'no_token', log);
  let iss;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return refuse(401, 'malformed', log);
  }
  const jwks = typeof iss === 'string' ? jwksFor(env, iss) : undefined;
  if (!jwks) return refuse(401, 'issuer', log);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, jwks, {
      issuer: iss,
      audience: env.AUDIENCE,
      algorithms: ALGORITHMS,
      clockTolerance: 30,
    }));
  } catch {
    return refuse(401, 'invalid', log);
  }
  return claimsRefusal(payload, iss, env.AUDIENCE, targetOrg(url.pathname), log) ?? payload;
});
