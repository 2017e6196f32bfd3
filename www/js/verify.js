// Verify tab: core.verify against what is pasted in the key box. The one
// network request of this tab is behind the "Fetch JWKS" button.

import { $, banner, debounce, fill, h } from './ui.js';
import { fetchJwks } from './fetch.js';

function keyList(r) {
  const items = r.keys.map((k) =>
    h('li', {}, h('span.mono', {}, k.kid ? `kid ${k.kid}` : 'no kid'), ` · ${k.kind}`, k.alg ? ` · ${k.alg}` : ''),
  );
  const skipped = r.skipped.map((s) => h('li.warn', {}, `skipped ${s}`));
  return [h('h2', {}, `Keys read (${r.keys.length})`), h('ul.notes', {}, ...items, ...skipped)];
}

function result(r) {
  const nodes = [];
  if (r.key_problem) {
    nodes.push(banner('warn', h('strong', {}, 'The key cannot be used: '), r.key_problem));
    return nodes;
  }
  if (r.ok) {
    const k = r.key;
    nodes.push(
      banner(
        'ok',
        // The signature's verdict only: the edge may still refuse the
        // token for its times (the banner below).
        h('span.badge', {}, 'signature valid'),
        h('strong', {}, r.detail),
        k ? h('span.where', {}, `with ${k.kid ? `kid ${k.kid}, ` : ''}${k.kind}`) : null,
      ),
    );
    if (r.times_ok === false) {
      nodes.push(
        banner(
          'bad',
          h('span.badge', {}, `${r.times_status} ${r.times_code}`),
          h('strong', {}, r.times_detail),
          h(
            'span.where',
            {},
            'The signature verified, but the edge refuses the token: it checks the times after the signature, with a leeway of 30 s by default.',
          ),
        ),
      );
    } else if (r.times_ok) {
      nodes.push(banner('info', r.times_detail, '. Audience, type and scope depend on the config: see Explain.'));
    }
  } else if (r.code) {
    nodes.push(
      banner(
        'bad',
        h('span.badge', {}, `${r.status} ${r.code}`),
        h('strong', {}, r.detail),
        r.alg ? h('span.where', {}, `token alg ${r.alg}${r.kid ? `, kid ${r.kid}` : ', no kid'}`) : null,
      ),
    );
  }
  return nodes;
}

export function mountVerify(app) {
  const tokenBox = $('#verify-token');
  const keyBox = $('#verify-key');
  const out = $('#verify-result');
  const fetchButton = $('#fetch-jwks');
  const note = $('#fetch-note');

  const run = () => {
    const token = app.token.trim();
    const key = keyBox.value;
    for (const a of ['data-code', 'data-ok', 'data-times-code']) out.removeAttribute(a);
    if (!token || !key.trim()) {
      $('#verify-keys').hidden = true;
      fill(out, h('p.muted', {}, token ? 'Paste a key, or fetch the issuer\'s JWKS.' : 'Paste a token (here or in Decode).'));
      return;
    }
    const r = app.core.verify(token, key, Date.now());
    out.dataset.ok = String(r.ok);
    if (r.code) out.dataset.code = r.code;
    if (r.times_code) out.dataset.timesCode = r.times_code;
    fill(out, ...result(r));
    const keysCard = $('#verify-keys');
    keysCard.hidden = !(r.keys.length || r.skipped.length);
    fill(keysCard, ...keyList(r));
  };

  // Which issuer a fetch would ask: the token's unverified iss, if the
  // edge could fetch from it at all.
  let discovery = null;
  const updateFetch = () => {
    const iss = app.report?.payload?.iss;
    discovery = null;
    if (typeof iss === 'string') {
      const d = app.core.discovery_url(iss);
      if (d.url) discovery = { issuer: iss, url: d.url };
      fill(note, d.url ? `will request ${d.url}, then its jwks_uri` : `cannot fetch: ${d.error}`);
    } else {
      fill(note, app.report?.payload ? 'the token has no iss to fetch from' : '');
    }
    fetchButton.disabled = !discovery;
  };

  fetchButton.addEventListener('click', async () => {
    if (!discovery) return;
    fetchButton.disabled = true;
    fill(note, `fetching ${discovery.url} …`);
    const got = await fetchJwks(app.core, discovery.issuer, { discoveryUrl: discovery.url });
    fetchButton.disabled = false;
    if (got.error) {
      fill(note, h('span.bad', {}, got.error));
      return;
    }
    keyBox.value = got.text;
    fill(note, `fetched ${got.jwksUri}`);
    run();
  });

  app.onToken((text, from) => {
    if (from !== tokenBox) tokenBox.value = text;
    updateFetch();
    run();
  });
  tokenBox.addEventListener('input', debounce(() => app.setToken(tokenBox.value, tokenBox), 80));
  keyBox.addEventListener('input', debounce(run, 150));
}
