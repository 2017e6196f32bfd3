// Explain tab: core.explain over the pasted config, request and keys; the
// decision and each step are the core's (decision::decide).

import { $, banner, debounce, fill, h, jsonView } from './ui.js';
import { fetchJwks } from './fetch.js';

const SAMPLE = `[vars.AUTHZ]
origin = "https://api.internal.example"
realm = "api"

[[vars.AUTHZ.issuers]]
issuer = "https://sso.example.com/realms/ScpCloud"
audiences = ["scpCloud"]

[[vars.AUTHZ.routes]]
path = "/public/*"
auth = "public"

[[vars.AUTHZ.routes]]
path = "/orgs/{org}/*"
cross_org_roles = ["kas-fleet-manager-admin-full"]

[vars.AUTHZ.forward]
"x-auth-subject" = "sub"
"x-auth-org" = "$org"
`;

const VERDICT = {
  allow: ['ok', 'Allowed: forwarded to the origin'],
  public: ['ok', 'Public: forwarded untouched'],
  deny: ['bad', 'Refused'],
  shadow_deny: ['warn', 'Shadow route: would refuse, forwarded anyway'],
  stopped: ['warn', 'The page stops here'],
};

function kv(pairs) {
  return h(
    'dl.kv',
    {},
    ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v, id]) => [
      h('dt', {}, k),
      h('dd', { id }, String(v)),
    ]),
  );
}

function trail(steps) {
  return h(
    'ol.trail',
    {},
    ...steps.map((s) =>
      h(
        `li.${s.ok ? 'ok' : 'fail'}`,
        { dataset: { stage: s.stage } },
        h('span.mark', { 'aria-label': s.ok ? 'passed' : 'failed' }, s.ok ? '✓' : '✗'),
        h('span.stage', {}, s.stage),
        h('span.detail', {}, s.detail),
      ),
    ),
  );
}

function result(e) {
  const [kind, label] = VERDICT[e.decision] || ['info', e.decision];
  const nodes = [
    h(
      `div.banner.${kind}`,
      {},
      h(
        'div.verdict',
        {},
        h('span.status', {}, e.status ? String(e.status) : e.decision === 'stopped' ? '…' : '→'),
        h('span', {}, label),
        e.code ? h('span.badge', {}, e.code) : null,
      ),
      e.stopped ? h('span.where', {}, e.stopped) : null,
    ),
  ];
  const log = e.log || {};
  nodes.push(
    kv([
      ['WWW-Authenticate', e.www_authenticate, 'explain-challenge'],
      ['Retry-After', e.retry_after],
      ['Route', log.route],
      ['Issuer', log.issuer],
      ['Subject', log.subject],
      ['Organisation', log.org],
    ]),
  );
  if (e.trail.length) nodes.push(h('h2', {}, 'Steps'), trail(e.trail));
  if (e.problem) nodes.push(h('h2', {}, 'Problem body (application/problem+json)'), h('pre.json', {}, ...jsonView(e.problem)));
  if (e.forward) {
    const f = e.forward;
    // A header that is set replaces the caller's: listed as removed too,
    // it would read as if the origin did not get it.
    const removedOnly = f.remove.filter((name) => !f.set.some(([set]) => set === name));
    nodes.push(
      h('h2', {}, 'To the origin'),
      h(
        'ul.notes',
        {},
        ...f.set.map(([n, v]) => h('li.info', {}, h('span.mono', {}, `${n}: ${v}`))),
        f.strip_prefix ? h('li.info', {}, `inbound headers starting with ${f.strip_prefix} removed`) : null,
        removedOnly.length ? h('li.info', {}, `also removed: ${removedOnly.join(', ')}`) : null,
      ),
    );
  }
  for (const k of e.keys || []) {
    if (k.problem) nodes.push(banner('warn', `Keys of ${k.issuer}: ${k.problem}`));
  }
  return nodes;
}

export function mountExplain(app) {
  const config = $('#explain-config');
  const method = $('#explain-method');
  const path = $('#explain-path');
  const headers = $('#explain-headers');
  const keysBox = $('#explain-keys');
  const out = $('#explain-result');
  const given = new Map(); // issuer -> { jwks, hs_secret }, kept across re-renders
  let shownIssuers = '';

  const keyFields = (summary) => {
    const key = JSON.stringify(summary.issuers);
    if (key === shownIssuers) return;
    shownIssuers = key;
    fill(
      keysBox,
      ...summary.issuers.map((iss) => {
        const entry = given.get(iss.issuer) || {};
        given.set(iss.issuer, entry);
        const note = h('span.muted', {});
        const area = h('textarea.mono', {
          rows: 4,
          spellcheck: 'false',
          'aria-label': `JWKS or PEM of ${iss.issuer}`,
          placeholder: '{"keys":[…]} or -----BEGIN PUBLIC KEY-----',
          dataset: { issuer: iss.issuer, kind: 'jwks' },
        });
        area.value = entry.jwks || '';
        area.addEventListener('input', () => {
          entry.jwks = area.value;
          runSoon();
        });
        const fetchButton = h('button.fetch', { type: 'button' }, "Fetch JWKS from the issuer's discovery");
        fetchButton.addEventListener('click', async () => {
          fetchButton.disabled = true;
          fill(note, `fetching ${iss.jwks_uri || iss.discovery_url} …`);
          const got = await fetchJwks(app.core, iss.issuer, { discoveryUrl: iss.discovery_url, jwksUri: iss.jwks_uri });
          fetchButton.disabled = false;
          if (got.error) return fill(note, got.error);
          area.value = entry.jwks = got.text;
          fill(note, `fetched ${got.jwksUri}`);
          run();
        });
        const secret = iss.hs_secret_var
          ? h('input.mono', {
              type: 'password',
              'aria-label': `HS secret (${iss.hs_secret_var}) of ${iss.issuer}`,
              placeholder: `the secret in ${iss.hs_secret_var}`,
              dataset: { issuer: iss.issuer, kind: 'secret' },
              oninput: (ev) => {
                entry.hs_secret = ev.target.value;
                runSoon();
              },
            })
          : null;
        return h(
          'div.card.issuer-keys',
          { dataset: { issuer: iss.issuer } },
          h('h3', {}, `Keys of ${iss.issuer}`),
          iss.needs_jwks ? area : null,
          secret,
          iss.needs_jwks ? h('div.row.tight', {}, fetchButton, note) : null,
        );
      }),
    );
  };

  const run = () => {
    const summary = app.core.config_summary(config.value);
    fill($('#config-status'), summary.error ? '' : `${summary.issuers.length} issuer(s), ${summary.routes.length} route(s)${summary.basic_exchange ? ', Basic exchange on' : ''}`);
    keyFields(summary);
    const request = JSON.stringify({ method: method.value, path: path.value, headers: headers.value });
    const keys = JSON.stringify(Object.fromEntries(given));
    const e = app.core.explain(config.value, request, keys, Date.now());
    out.dataset.decision = e.decision;
    out.dataset.status = e.status ?? '';
    out.dataset.code = e.code ?? '';
    fill(out, h('div.card', {}, ...result(e)));
  };
  const runSoon = debounce(run, 150);

  config.value = SAMPLE;
  for (const el of [config, path, headers]) el.addEventListener('input', runSoon);
  method.addEventListener('change', run);
  $('#use-token').addEventListener('click', () => {
    const token = app.report?.token;
    const lines = headers.value.split('\n').filter((l) => l.trim() && !/^\s*authorization\s*:/i.test(l));
    if (token && app.report.input !== 'basic') lines.unshift(`Authorization: Bearer ${token}`);
    headers.value = lines.join('\n');
    run();
  });
  run();
}
