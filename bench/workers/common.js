// What the JS workers here share: the route, the answers, and the request
// to origin. Kept equal to what the edge worker does for the same request so
// that the figures compare the token check, not the plumbing: the contract
// asks any authorizer here for one JSON log line per request, Server-Timing
// on every response and inbound x-auth-* headers removed (section 3), and
// the peers do the same (`withPlumbing`, `toOrigin`). The pass-through floor
// does none of it.

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

export function refuse(status, code, log) {
  if (log) log.authz.code = code;
  return new Response(JSON.stringify({ status, code }), {
    status,
    headers: {
      'content-type': 'application/problem+json',
      'www-authenticate': `Bearer realm="api", error="${status === 403 ? 'insufficient_scope' : 'invalid_token'}"`,
    },
  });
}

/** The checks every peer makes after its library verified signature and times. */
export function claimsRefusal(payload, iss, audience, org, log) {
  if (payload.iss !== iss) return refuse(401, 'issuer', log);
  if (typeof payload.exp !== 'number') return refuse(401, 'no_exp', log);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience)) return refuse(401, 'audience', log);
  if (org !== null && payload.organizationId !== org) return refuse(403, 'org', log);
  return null;
}

/** The request to origin: same method, path, query, headers and body; with
 * a `payload`, the caller's own x-auth-* headers removed and the identity
 * headers the edge worker forwards (subject and org) set. Built the way our
 * entry builds it: the Request constructor's copy of the headers, edited. */
export function toOrigin(request, env, url, payload) {
  const upstream = new Request(env.ORIGIN + url.pathname + url.search, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
  });
  if (payload) {
    const headers = upstream.headers;
    for (const name of [...headers.keys()]) if (name.startsWith('x-auth-')) headers.delete(name);
    headers.set('x-auth-subject', String(payload.sub ?? ''));
    headers.set('x-auth-org', String(payload.organizationId ?? ''));
  }
  return fetch(upstream);
}

/** A peer's decision wrapped as our entry wraps ours. `decide(request,
 * env, url, log)` gives a refusal (a Response) or the verified payload to
 * forward with; the wrapper parses the URL once, adds Server-Timing (the
 * time before the forward, as ours) and prints one JSON log line.
 * `parts` turns one of those off (`log`, `timing`, `edit`: the x-auth-*
 * removal and identity headers), for the plumbing's variants in
 * bench/ab.mjs's AB_PEERS; a real peer keeps them all. */
export function withPlumbing(decide, parts = {}) {
  const { log: logging = true, timing: timed = true, edit = true } = parts;
  return {
    async fetch(request, env) {
      const started = Date.now();
      const url = new URL(request.url);
      const log = { authz: { decision: 'deny', code: null }, method: request.method, path: url.pathname };
      const decided = await decide(request, env, url, log);
      const timing = `authz;dur=${Date.now() - started}`;
      let response;
      if (decided instanceof Response) {
        response = decided;
        if (timed) response.headers.set('server-timing', timing);
      } else {
        Object.assign(log.authz, { decision: 'allow', issuer: decided.iss, subject: decided.sub, org: decided.organizationId });
        const answer = await toOrigin(request, env, url, edit ? decided : null);
        if (timed) {
          // Its headers are immutable; the runtime copies it with itself as init.
          response = new Response(answer.body, answer);
          response.headers.append('server-timing', timing);
        } else {
          response = answer;
        }
      }
      log.dur_ms = Date.now() - started;
      if (logging) console.log(JSON.stringify(log));
      return response;
    },
  };
}
