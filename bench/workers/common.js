// What the three JS workers share: the route, the answers, and the request
// to origin. Kept equal to what the edge worker does for the same request so
// that the figures compare the token check, not the plumbing.

const ORG_ROUTE = /^\/orgs\/([^/]+)\//;

/** The `{org}` segment of `/orgs/{org}/...`, or null for other paths. */
export function targetOrg(pathname) {
  const m = ORG_ROUTE.exec(pathname);
  return m ? decodeURIComponent(m[1]) : null;
}

/** The bearer token of the request, or null. */
export function bearer(request) {
  const auth = request.headers.get('authorization');
  if (!auth || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  return auth.slice(7).trim();
}

export function refuse(status, code) {
  return new Response(JSON.stringify({ status, code }), {
    status,
    headers: {
      'content-type': 'application/problem+json',
      'www-authenticate': `Bearer realm="api", error="${status === 403 ? 'insufficient_scope' : 'invalid_token'}"`,
    },
  });
}

/** The checks every peer makes after its library verified signature and times. */
export function claimsRefusal(payload, iss, audience, org) {
  if (payload.iss !== iss) return refuse(401, 'issuer');
  if (typeof payload.exp !== 'number') return refuse(401, 'no_exp');
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience)) return refuse(401, 'audience');
  if (org !== null && payload.organizationId !== org) return refuse(403, 'org');
  return null;
}

/** The request to origin: same method, path, query, headers and body, plus
 * the identity headers the edge worker forwards (subject and org). */
export function toOrigin(request, env, payload) {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  if (payload) {
    headers.set('x-auth-subject', String(payload.sub ?? ''));
    headers.set('x-auth-org', String(payload.organizationId ?? ''));
  }
  return fetch(new Request(env.ORIGIN + url.pathname + url.search, {
    method: request.method,
    headers,
    body: request.body,
    redirect: 'manual',
  }));
}
