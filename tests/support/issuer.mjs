// A real OpenID provider (npm `oidc-provider`) set up to look like a Keycloak
// realm, for the end-to-end tests and the demo.
//
//   import { startIssuer, getToken } from './issuer.mjs';
//   const idp = await startIssuer({ realm: 'test' });
//   const token = await getToken(idp.issuer, 'svc-a', 'svc-a-secret');
//   ...
//   await idp.stop();
//
// startIssuer(options) -> Promise<Issuer>
//   options (all optional):
//     port            TCP port on 127.0.0.1, 0 = any free port (default 0)
//     realm           realm name; issuer = http://127.0.0.1:<port>/realms/<realm>
//     clients         array of client definitions (default DEFAULT_CLIENTS):
//                       { clientId, secret, organizationId?, roles?, scope?,
//                         subject?, claims?, grantTypes? }
//                     organizationId -> `organizationId` claim, roles ->
//                     `realm_access.roles`, scope -> default granted scope when
//                     the request names none (like Keycloak's default client
//                     scopes), subject -> `sub` (default: a UUID derived from
//                     realm and client id), claims -> any extra claims.
//     audience        `aud` of access tokens: a string or an array (default 'api')
//     accessTokenTtl  seconds (default 300)
//     scopes          scopes the resource server knows (default 'api:read api:write')
//     alg             signing algorithm: RS256 (default), PS256, ES256 or EdDSA
//     signingKeys     private JWKs to sign with and publish (the first signs),
//                     e.g. from generateSigningJwk(alg): lets a test forge
//                     tokens the issuer's JWKS vouches for (default: one fresh
//                     key of `alg`)
//     headerTyp       JWT header `typ`: 'at+jwt' (oidc-provider's, default) or
//                     'JWT' (what Keycloak sends)
//     jwksCacheControl  Cache-Control value for the JWKS response (default: none
//                     added, whatever oidc-provider sends)
//     quiet           silence oidc-provider's console notices (default true)
//
// Issuer object:
//   issuer          'http://127.0.0.1:<port>/realms/<realm>'
//   tokenEndpoint   issuer + '/protocol/openid-connect/token'
//   jwksUri         issuer + '/protocol/openid-connect/certs'
//   discoveryUrl    issuer + '/.well-known/openid-configuration'
//   port, realm, clients (the definitions in use)
//   rotateKey({ keepOld = false } = {}) -> Promise<newKid>: new signing key;
//                   the old one leaves the JWKS unless keepOld
//   keys()          -> the public JWKS now served ({ keys: [...] })
//   currentKid()    -> kid of the signing key
//   requestCount(suffix = '') -> number of requests whose path ends with suffix
//   requests()      -> [{ method, path, at }] in arrival order
//   resetCounts()
//   setDown(down, { mode = '503', only } = {}): while down, matching requests
//                   (all, or those whose path ends with `only`) get 503
//                   (mode '503', with Retry-After), a reset connection
//                   (mode 'reset') or no answer at all (mode 'hang')
//   fault(endpoint, mode, { ms = 8000 } = {}): a fault in front of ONE
//                   endpoint, for the fault drills; null clears it (no fault
//                   is set unless a test sets one). endpoint: 'jwks',
//                   'token' or 'discovery'. mode:
//                     'down'    503 with Retry-After
//                     '500'     500 {"error":"server_error"}
//                     'slow'    the real answer, after `ms` (default 8 s:
//                               longer than the worker's 5 s fetch timeout)
//                     'timeout' no answer until the fault is cleared
//                     'garbage' 200 with an HTML body (not JSON)
//                     'empty'   200 {"keys":[]}
//                   setDown, when on, comes first.
//   hits(endpoint)  -> requests to that endpoint (faulted ones too) since the
//                   last resetCounts()
//   stop()          -> Promise<void>
//
// Default clients (DEFAULT_CLIENTS; all client_secret_basic, client_credentials):
//   svc-a      secret 'svc-a-secret'      org org-a    roles kas-fleet-manager-admin-read  scope api:read
//   svc-b      secret 'svc-b-secret'      org org-b    roles -                             scope api:read api:write
//   svc-admin  secret 'svc-admin-secret'  org org-ops  roles kas-fleet-manager-admin-full,
//                                                            kas-fleet-manager-admin-read  scope api:read api:write
//   svc-odd    secret AWKWARD_SECRET      org org-a    (':', '+', '%', '&', '=', spaces)
//   svc-utf8   secret NON_ASCII_SECRET    org org-a    never authenticates: oidc-provider
//                                                      allows only VSCHAR in secrets
//
// Also exported: getToken(issuerOrUrl, clientId, secret, { scope, resource })
// -> access_token string (throws on a non-200 answer); requestToken(...) ->
// { status, headers, body } without throwing; basicAuthorization(id, secret)
// -> 'Basic ...' per RFC 6749 2.3.1; decodeJwt(token) -> { header, payload }.
//
// CLI: node tests/support/issuer.mjs [--port 9400] [--realm demo]
//        [--audience api] [--ttl 300] [--header-typ JWT]
// prints the issuer URL and the clients with their secrets, runs until killed.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { runIfMain } from './cli.mjs';
import { listenLoopback, closeServer } from './net.mjs';

export const ADMIN_ROLE = 'kas-fleet-manager-admin-full';

// A secret with ':', '+', '%', '&', '=' and spaces: a Basic header for it is
// only right when both parts are form-urlencoded first (RFC 6749 2.3.1).
export const AWKWARD_SECRET = 'p:a+s%20s w&rd=% 1';

// A secret with a non-ASCII character. RFC 6749 Appendix A allows only VSCHAR
// (%x20-7E) in client secrets and oidc-provider enforces it: this client can
// never authenticate (the token endpoint answers 400 invalid_request), which
// is what a test of the Basic exchange can rely on.
export const NON_ASCII_SECRET = 'gr\u00fc\u00dfe:+% x';

export const DEFAULT_CLIENTS = Object.freeze([
  {
    clientId: 'svc-a',
    secret: 'svc-a-secret',
    organizationId: 'org-a',
    roles: ['kas-fleet-manager-admin-read'],
    scope: 'api:read',
  },
  {
    clientId: 'svc-b',
    secret: 'svc-b-secret',
    organizationId: 'org-b',
    roles: [],
    scope: 'api:read api:write',
  },
  {
    clientId: 'svc-admin',
    secret: 'svc-admin-secret',
    organizationId: 'org-ops',
    roles: [ADMIN_ROLE, 'kas-fleet-manager-admin-read'],
    scope: 'api:read api:write',
  },
  {
    clientId: 'svc-odd',
    secret: AWKWARD_SECRET,
    organizationId: 'org-a',
    roles: [],
    scope: 'api:read',
  },
  {
    clientId: 'svc-utf8',
    secret: NON_ASCII_SECRET,
    organizationId: 'org-a',
    roles: [],
    scope: 'api:read',
  },
]);

const ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  userinfo: '/protocol/openid-connect/userinfo',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  end_session: '/protocol/openid-connect/logout',
};

const RESOURCE = 'urn:edge-authorizer:api';

// The endpoints a fault can sit in front of, by path after the realm prefix.
const FAULT_PATHS = {
  jwks: ROUTES.jwks,
  token: ROUTES.token,
  discovery: '/.well-known/openid-configuration',
};
const FAULT_MODES = new Set(['down', '500', 'slow', 'timeout', 'garbage', 'empty']);

let providerModule;
async function loadProvider(quiet) {
  if (!providerModule) {
    // Importing prints an "unsupported runtime" warning on node 20; it runs fine.
    providerModule = await withQuietConsole(quiet, () => import('oidc-provider'));
  }
  return providerModule.default;
}

async function withQuietConsole(quiet, fn) {
  if (!quiet) return fn();
  const saved = { warn: console.warn, info: console.info };
  const filter = (orig) => (...args) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider')) return;
    orig.apply(console, args);
  };
  console.warn = filter(saved.warn);
  console.info = filter(saved.info);
  try {
    return await fn();
  } finally {
    console.warn = saved.warn;
    console.info = saved.info;
  }
}

/** A fresh signing key as a private JWK with a random kid. */
export async function generateSigningJwk(alg = 'RS256') {
  let pair;
  if (alg === 'RS256' || alg === 'PS256') {
    pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  } else if (alg === 'ES256') {
    pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  } else if (alg === 'EdDSA') {
    pair = crypto.generateKeyPairSync('ed25519');
  } else {
    throw new Error(`unsupported issuer alg ${alg}`);
  }
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `kc-${crypto.randomBytes(8).toString('hex')}`, alg, use: 'sig' };
}

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

function derivedUuid(...parts) {
  const h = crypto.createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** RFC 6749 2.3.1: application/x-www-form-urlencoded, then base64. */
export function formEncode(value) {
  return new URLSearchParams([['v', String(value)]]).toString().slice(2);
}

export function basicAuthorization(clientId, secret) {
  const raw = `${formEncode(clientId)}:${formEncode(secret)}`;
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
}

export function decodeJwt(token) {
  const [h, p] = String(token).split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

function tokenEndpointOf(issuerOrUrl) {
  if (issuerOrUrl && typeof issuerOrUrl === 'object') {
    return issuerOrUrl.tokenEndpoint || `${issuerOrUrl.issuer}${ROUTES.token}`;
  }
  const s = String(issuerOrUrl).replace(/\/+$/, '');
  return s.endsWith(ROUTES.token) ? s : `${s}${ROUTES.token}`;
}

/** client_credentials with client_secret_basic; never throws on an HTTP error. */
export async function requestToken(issuerOrUrl, clientId, secret, { scope, resource } = {}) {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  if (resource) form.set('resource', resource);
  const res = await fetch(tokenEndpointOf(issuerOrUrl), {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(clientId, secret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form.toString(),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

/** client_credentials with client_secret_basic -> the access token. */
export async function getToken(issuerOrUrl, clientId, secret, opts = {}) {
  const { status, body } = await requestToken(issuerOrUrl, clientId, secret, opts);
  if (status !== 200 || !body || typeof body.access_token !== 'string') {
    throw new Error(`token request for ${clientId} failed: HTTP ${status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

export async function startIssuer({
  port = 0,
  realm = 'test',
  clients = DEFAULT_CLIENTS,
  audience = 'api',
  accessTokenTtl = 300,
  scopes = 'api:read api:write',
  alg = 'RS256',
  signingKeys,
  headerTyp = 'at+jwt',
  jwksCacheControl,
  quiet = true,
} = {}) {
  const Provider = await loadProvider(quiet);
  const clientsById = new Map(clients.map((c) => [c.clientId, c]));
  const prefix = `/realms/${realm}`;
  const audiences = Array.isArray(audience) ? audience : [audience];

  let provider = null;
  let callback = null;
  let jwks = [];
  let down = null; // { mode, only } while down
  const log = [];
  const hanging = new Set();
  const faults = new Map(); // path -> { mode, ms }
  const timers = new Set();

  const hang = (res) => {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  };

  /** Answers for a fault in front of `path`; false: no fault, serve it. */
  function faulted(path, req, res) {
    const f = faults.get(path);
    if (!f) return false;
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (f.mode) {
      case 'down':
        json(503, { error: 'temporarily_unavailable' }, { 'retry-after': '1' });
        break;
      case '500':
        json(500, { error: 'server_error', error_description: 'fault drill' });
        break;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway (fault drill)</body></html>');
        break;
      case 'empty':
        json(200, { keys: [] });
        break;
      case 'timeout':
        hang(res);
        break;
      case 'slow': {
        hang(res);
        const t = setTimeout(() => {
          timers.delete(t);
          hanging.delete(res);
          if (!res.destroyed) route(req, res, { late: true });
        }, f.ms);
        timers.add(t);
        break;
      }
      default:
        throw new Error(`unknown fault ${f.mode}`);
    }
    return true;
  }

  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    log.push({ method: req.method, path, at: Date.now() });
    route(req, res);
  });

  // `late`: a slow fault's request, held and now served.
  function route(req, res, { late = false } = {}) {
    const path = (req.url || '/').split('?')[0];
    if (down && (!down.only || path.endsWith(down.only))) {
      if (down.mode === 'reset') {
        req.socket.destroy();
        return;
      }
      if (down.mode === 'hang') {
        hang(res);
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
      res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'issuer is down (test)' }));
      return;
    }

    if (path !== prefix && !path.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Realm does not exist' }));
      return;
    }
    if (!late && faults.size > 0 && faulted(path.slice(prefix.length), req, res)) return;
    // Mount the provider under the realm prefix the way connect/express do:
    // originalUrl keeps the full path, url is the rest. oidc-provider derives
    // its mount path from the two, so discovery advertises prefixed URLs.
    req.originalUrl = req.url;
    req.baseUrl = prefix;
    req.url = req.url.slice(prefix.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    callback(req, res);
  }

  const actualPort = await listenLoopback(server, port);
  const issuer = `http://127.0.0.1:${actualPort}${prefix}`;

  const signingAlg = alg;
  async function buildProvider(keys) {
    const configuration = {
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.secret,
        // A client without client_credentials is Keycloak's "service accounts
        // disabled": the token endpoint answers unauthorized_client.
        grant_types: c.grantTypes || ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // oidc-provider checks this client default (RS256) against the keys
        // at registration: an ES256 or EdDSA-only keystore refuses it.
        id_token_signed_response_alg: signingAlg,
        scope: c.scope || scopes,
      })),
      jwks: { keys },
      routes: ROUTES,
      scopes: scopes.split(' ').filter(Boolean),
      claims: { openid: ['sub'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: false },
        revocation: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => RESOURCE,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resourceIndicator) => {
            if (resourceIndicator !== RESOURCE) {
              throw new providerModule.errors.InvalidTarget();
            }
            return {
              scope: scopes,
              audience: audiences[0],
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: signingAlg } },
            };
          },
        },
      },
      ttl: {
        ClientCredentials: () => accessTokenTtl,
        AccessToken: () => accessTokenTtl,
      },
      extraTokenClaims: async (_ctx, token) => {
        const c = clientsById.get(token.clientId);
        if (!c) return undefined;
        const extra = {
          typ: 'Bearer',
          azp: c.clientId,
          preferred_username: `service-account-${c.clientId}`,
          ...c.claims,
        };
        if (c.organizationId !== undefined) extra.organizationId = c.organizationId;
        if (c.roles) extra.realm_access = { roles: [...c.roles] };
        return extra;
      },
      formats: {
        customizers: {
          jwt: async (_ctx, token, jwt) => {
            const c = clientsById.get(token.clientId);
            jwt.header = { ...jwt.header, typ: headerTyp };
            jwt.payload.sub = c?.subject ?? derivedUuid(realm, token.clientId);
            if (audiences.length > 1) jwt.payload.aud = [...audiences];
            if (!jwt.payload.scope && c?.scope) jwt.payload.scope = c.scope;
          },
        },
      },
      cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
      // No sessions or interactions: client_credentials only.
      renderError: async (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
    const p = await withQuietConsole(quiet, async () => new Provider(issuer, configuration));
    p.proxy = false; // plain http on loopback: ctx.href already is the issuer's origin
    if (jwksCacheControl) {
      p.use(async (ctx, next) => {
        await next();
        if (ctx.oidc?.route === 'jwks') ctx.set('cache-control', jwksCacheControl);
      });
    }
    if (quiet) {
      // server_error details otherwise go to the console via 'server_error' events
      p.on('server_error', (_ctx, err) => {
        process.stderr.write(`issuer server_error: ${err?.stack || err}\n`);
      });
    }
    return p;
  }

  async function install(keys) {
    const p = await buildProvider(keys);
    provider = p;
    callback = p.callback();
    jwks = keys;
  }

  await install(signingKeys ? [...signingKeys] : [await generateSigningJwk(alg)]);

  return {
    issuer,
    realm,
    port: actualPort,
    clients: clients.map((c) => ({ ...c })),
    tokenEndpoint: `${issuer}${ROUTES.token}`,
    jwksUri: `${issuer}${ROUTES.jwks}`,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    get provider() {
      return provider;
    },
    keys: () => ({ keys: jwks.map(publicJwk) }),
    currentKid: () => jwks[0].kid,
    // oidc-provider reads its keystore once, at construction: a new signing
    // key means a new Provider behind the same server. The signing key is the
    // first of the set.
    async rotateKey({ keepOld = false } = {}) {
      const fresh = await generateSigningJwk(alg);
      await install(keepOld ? [fresh, ...jwks] : [fresh]);
      return fresh.kid;
    },
    requestCount: (suffix = '') => log.filter((r) => r.path.endsWith(suffix)).length,
    requests: () => log.map((r) => ({ ...r })),
    resetCounts() {
      log.length = 0;
    },
    setDown(isDown, { mode = '503', only } = {}) {
      down = isDown ? { mode, only } : null;
      if (!isDown) {
        for (const res of hanging) res.destroy();
        hanging.clear();
      }
    },
    fault(endpoint, mode, { ms = 8000 } = {}) {
      const p = FAULT_PATHS[endpoint];
      if (!p) throw new Error(`no fault endpoint ${endpoint}`);
      if (mode !== null && !FAULT_MODES.has(mode)) throw new Error(`unknown fault mode ${mode}`);
      const was = faults.get(p);
      if (mode === null) faults.delete(p);
      else faults.set(p, { mode, ms });
      // Answers held by the fault end with it (a slow one still answers).
      if (was && was.mode === 'timeout') for (const res of hanging) res.destroy();
    },
    hits: (endpoint) => {
      const p = FAULT_PATHS[endpoint];
      if (!p) throw new Error(`no fault endpoint ${endpoint}`);
      return log.filter((r) => r.path === `${prefix}${p}`).length;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      await closeServer(server);
    },
  };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split('=', 2);
    out[k] = inline ?? argv[++i];
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const idp = await startIssuer({
    port: Number(args.port ?? 9400),
    realm: args.realm ?? 'demo',
    audience: args.audience ? args.audience.split(',') : 'api',
    accessTokenTtl: Number(args.ttl ?? 300),
    headerTyp: args['header-typ'] ?? 'at+jwt',
  });
  const lines = [
    `issuer        ${idp.issuer}`,
    `discovery     ${idp.discoveryUrl}`,
    `token         ${idp.tokenEndpoint}`,
    `jwks          ${idp.jwksUri}`,
    `signing kid   ${idp.currentKid()}`,
    'clients (client_secret_basic, grant_type=client_credentials):',
    ...idp.clients.map(
      (c) =>
        `  ${c.clientId.padEnd(10)} secret=${JSON.stringify(c.secret)}  org=${c.organizationId}` +
        `  roles=${(c.roles || []).join(',') || '-'}  scope=${c.scope || '-'}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return idp;
}

runIfMain(import.meta.url, main);
