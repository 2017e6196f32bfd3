// Build tab: core.build_basic and core.build_assertion. Secrets and the
// key file stay in the form fields; nothing here touches the fragment.

import { $, banner, debounce, fill, h, jsonView, output } from './ui.js';

function basic(app) {
  const id = $('#basic-id');
  const secret = $('#basic-secret');
  const endpoint = $('#basic-endpoint');
  const scope = $('#basic-scope');
  const out = $('#basic-out');
  const run = () => {
    if (!id.value && !secret.value) return fill(out);
    const r = app.core.build_basic(id.value, secret.value, endpoint.value || undefined, scope.value || undefined);
    if (r.error) return fill(out, banner('warn', r.error));
    fill(
      out,
      output('Authorization header', `Authorization: ${r.authorization}`, 'basic-header'),
      r.differs_from_curl_u
        ? banner(
            'warn',
            'The id or secret has characters the form-encoding changes: ',
            h('code', {}, 'curl -u id:secret'),
            ' sends another value, which an issuer decoding per RFC 6749 refuses.',
          )
        : null,
      output('Client credentials request', r.curl, 'basic-curl'),
    );
  };
  for (const el of [id, secret, endpoint, scope]) el.addEventListener('input', debounce(run, 80));
  $('#basic-form').addEventListener('submit', (e) => e.preventDefault());
  const show = $('#basic-show');
  show.addEventListener('click', () => {
    const visible = secret.type === 'password';
    secret.type = visible ? 'text' : 'password';
    show.textContent = visible ? 'Hide' : 'Show';
    show.setAttribute('aria-pressed', String(visible));
  });
}

function assertion(app) {
  const json = $('#sa-json');
  const out = $('#sa-out');
  $('#sa-file').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    if (file) json.value = await file.text();
  });
  $('#sa-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const lifetime = Number($('#sa-lifetime').value) || undefined;
    const r = app.core.build_assertion(
      json.value,
      Date.now(),
      $('#sa-token-uri').value || undefined,
      $('#sa-scope').value || undefined,
      lifetime,
    );
    if (r.error) return fill(out, banner('bad', r.error));
    const open = h('button.ghost', { type: 'button' }, 'Open the assertion in Decode');
    open.addEventListener('click', () => {
      app.setToken(r.assertion, null);
      app.select('decode');
    });
    fill(
      out,
      output('Assertion', r.assertion, 'sa-assertion'),
      output('jwt-bearer grant', r.curl, 'sa-curl'),
      h('div.row.tight', {}, open),
      h('h2', {}, 'Header'),
      h('pre.json', {}, ...jsonView(r.header)),
      h('h2', {}, 'Claims'),
      h('pre.json', {}, ...jsonView(r.claims)),
      h('h2', {}, 'Public key the issuer should hold (JWK)'),
      h('pre.json', {}, ...jsonView(r.public_jwk)),
    );
  });
}

export function mountBuild(app) {
  basic(app);
  assertion(app);
}
