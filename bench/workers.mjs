// What the workers are given, and the check that each behaves before it
// is measured: the same origin, issuers, audience and org rule for all.
import { getToken } from '../tests/support/issuer.mjs';
import { flipSignatureByte } from '../tests/support/minter.mjs';
import { httpRequest } from '../tests/support/worker.mjs';

/** AUTHZ for ours, as the JSON value wrangler would make of [vars.AUTHZ]. */
export function ourAuthz(origin, issuers, algs) {
  // The exchange needs an issuer with a token endpoint; any one will do.
  const exchanging = issuers.RS256 ?? issuers[algs[0]];
  return {
    origin: origin.url,
    realm: 'api',
    leeway_seconds: 30,
    strip_header_prefix: 'x-auth-',
    issuers: algs.map((alg) => ({
      issuer: issuers[alg].issuer,
      // Given, as to the peers, so that no worker pays for discovery.
      jwks_uri: issuers[alg].jwksUri,
      token_endpoint: issuers[alg].tokenEndpoint,
      audiences: ['api'],
    })),
    basic_exchange: { issuer: exchanging.issuer },
    routes: [{ path: '/orgs/{org}/*' }],
    forward: { 'x-auth-subject': 'sub', 'x-auth-org': '$org' },
  };
}

/** ORIGIN, AUDIENCE and ISSUERS (issuer -> jwks_uri) for the JS workers. */
export function peerBindings(origin, issuers, algs) {
  return [
    { name: 'ORIGIN', text: origin.url },
    { name: 'AUDIENCE', text: 'api' },
    { name: 'ISSUERS', json: Object.fromEntries(algs.map((a) => [issuers[a].issuer, issuers[a].jwksUri])) },
  ];
}

/** Each peer must refuse what ours refuses, or its figures mean nothing;
 * `plumb`, which refuses nothing, must do its plumbing, or what is read
 * over it means nothing. */
export async function checkWorker(id, url, path, token, origin) {
  const ok = await httpRequest(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-auth-spoofed': 'yes' } });
  const seen = origin.last();
  const problems = [];
  if (ok.status !== 200 || ok.headers['x-origin'] !== 'echo') problems.push(`valid token -> ${ok.status}`);
  if (id !== 'pass') {
    // The same plumbing as ours (bench/workers/common.js), or the figures
    // compare different work.
    if (!/^authz;dur=\d+/.test(ok.headers['server-timing'] ?? '')) problems.push('no Server-Timing');
    if (seen?.headers['x-auth-org'] !== 'org-a') problems.push('origin did not get x-auth-org: org-a');
    if (seen?.headers['x-auth-spoofed']) problems.push('origin got the caller\'s own x-auth-spoofed');
  }
  if (id !== 'pass' && id !== 'plumb') {
    const cases = [
      ['other org', '/orgs/org-b/items', `Bearer ${token}`, 403],
      ['flipped signature', path, `Bearer ${flipSignatureByte(token)}`, 401],
      ['no credentials', path, undefined, 401],
    ];
    for (const [what, p, auth, want] of cases) {
      const res = await httpRequest(`${url}${p}`, { headers: auth ? { authorization: auth } : {} });
      if (res.status !== want) problems.push(`${what} -> ${res.status}, want ${want}`);
    }
  }
  if (problems.length) throw new Error(`worker ${id} does not behave: ${problems.join('; ')}`);
}

/** n access tokens of `client` ([id, secret]) from the issuer's token
 * endpoint, 8 requests at a time: the fresh tokens of a run. */
export async function tokenPool(idp, n, client) {
  const out = [];
  let asked = 0;
  const one = async () => {
    while (asked < n) {
      asked++;
      out.push(await getToken(idp, ...client));
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  return out;
}
