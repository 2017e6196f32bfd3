// The log scanner of the hygiene check: finds in text what must never be
// logged (contract 3: "never a token, a secret or a Basic value"), and
// counts the worker's per-request log lines so that a check over no
// requests cannot pass.
//
//   scan(text, secrets = []) -> [{ kind, line, excerpt }]
//     kinds: 'jwt' (three base64url parts starting eyJ), 'jws' (any three
//     long base64url parts), 'json-b64' (one base64url JSON segment, eyJ...),
//     'basic' (a Basic credential value), 'bearer' (a Bearer credential
//     value), 'secret' (one of `secrets`, verbatim). ANSI colours are
//     removed first. Excerpts are masked: a report never repeats a secret.
//     One thing is left out: the query string of wrangler's own access
//     line ("[wrangler:info] GET /path?query 401 ..."), which prints the URL
//     as the client sent it; a client that puts its token in a query (an
//     attack case the worker refuses) leaks it there itself.
//   secretsOf(clients) -> every spelling of each client's secret a leak
//     could take: as is, form-encoded, and the base64 of id:secret (raw and
//     form-encoded, i.e. the Basic value)
//   secretLiterals(sourceText) -> string literals in test sources that name
//     a secret (contain "secret", no whitespace, not an identifier such as
//     hs_secret_var nor a key path such as issuers[0].hs_secret_var)
//   requestLines(text) -> the worker's per-request JSON log lines, parsed

import { basicAuthorization, formEncode } from '../support/issuer.mjs';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

const PATTERNS = [
  { kind: 'jwt', re: /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g },
  { kind: 'jws', re: /[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/g },
  { kind: 'json-b64', re: /eyJ[A-Za-z0-9_-]{16,}/g },
  { kind: 'basic', re: /\bBasic\s+(?!realm\b)[A-Za-z0-9+/]{4,}={0,2}/gi },
  { kind: 'bearer', re: /\bBearer\s+(?!realm\b)[A-Za-z0-9._~+/-]{8,}=*/gi },
];

export const stripAnsi = (s) => s.replace(ANSI, '');

const ACCESS_LINE = /^(\[wrangler:info\] [A-Z]+ [^?\s]*)\?\S*/;
const withoutAccessQuery = (line) => line.replace(ACCESS_LINE, '$1?<query>');

function mask(s) {
  return s.length <= 8 ? '***' : `${s.slice(0, 4)}...(${s.length} chars)`;
}

export function scan(text, secrets = []) {
  const found = [];
  const wanted = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= 6))];
  stripAnsi(text)
    .split('\n')
    .map(withoutAccessQuery)
    .forEach((line, i) => {
      for (const { kind, re } of PATTERNS) {
        for (const m of line.matchAll(re)) found.push({ kind, line: i + 1, excerpt: mask(m[0]) });
      }
      for (const s of wanted) {
        if (line.includes(s)) found.push({ kind: 'secret', line: i + 1, excerpt: mask(s) });
      }
    });
  return found;
}

export function secretsOf(clients) {
  const out = [];
  for (const { clientId, secret } of clients) {
    const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
    out.push(
      secret,
      formEncode(secret),
      b64(`${clientId}:${secret}`),
      basicAuthorization(clientId, secret).slice('Basic '.length),
    );
  }
  return out;
}

export function secretLiterals(source) {
  const out = new Set();
  for (const m of source.matchAll(/(['"`])([^'"`\s]*secret[^'"`\s]*)\1/gi)) {
    const s = m[2];
    // An identifier, or a configuration key path made of them (the
    // worker's config errors name `issuers[0].hs_secret_var`), is a name.
    if (s.includes('${') || /^[A-Za-z_]\w*(\[\d+\])?(\.[A-Za-z_]\w*(\[\d+\])?)*$/.test(s)) continue;
    out.add(s);
  }
  return [...out];
}

export function requestLines(text) {
  const out = [];
  for (const raw of stripAnsi(text).split('\n')) {
    const at = raw.indexOf('{"authz"');
    if (at < 0) continue;
    try {
      const o = JSON.parse(raw.slice(at).trim());
      if (o.authz && typeof o.authz.decision === 'string' && typeof o.path === 'string') out.push(o);
    } catch {
      /* a line wrangler cut or wrapped: not counted */
    }
  }
  return out;
}
