// Decode tab: shows the core's decode report (core.decode) and nothing it
// did not compute, except local dates (the browser knows the time zone).

import { $, banner, copyButton, debounce, fill, h, jsonView, localTime } from './ui.js';

const KIND = {
  token: 'a token',
  bearer: 'a Bearer value',
  header: 'an Authorization header',
};

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The token with its parts coloured and the faulty character marked. */
function tokenView(report, input) {
  const bytes = enc.encode(input);
  const mark = report.problem?.offset;
  const nodes = [];
  report.parts.forEach((part, i) => {
    if (i > 0) nodes.push(h('span.dot', {}, '.'));
    const cls = ['header', 'payload', 'signature'][i] || 'extra';
    let children = [dec.decode(bytes.slice(part.start, part.end))];
    if (mark !== undefined && mark !== null && mark >= part.start && mark < part.end) {
      let len = 1;
      while (mark + len < bytes.length && (bytes[mark + len] & 0xc0) === 0x80) len++;
      children = [
        dec.decode(bytes.slice(part.start, mark)),
        h('mark', { title: report.problem.at || '' }, dec.decode(bytes.slice(mark, mark + len))),
        dec.decode(bytes.slice(mark + len, part.end)),
      ];
    }
    nodes.push(h(`span.${cls}`, { title: part.name }, ...children));
  });
  if (mark !== undefined && mark !== null && report.parts.length && mark >= report.parts.at(-1).end) {
    nodes.push(h('mark', { title: report.problem.at || '' }, ' '));
  }
  return nodes;
}

function status(report) {
  if (report.input === 'empty') {
    return h('p.muted', {}, 'Paste a token above. It is decoded here, by the same Rust code the edge runs.');
  }
  const p = report.problem;
  if (p) {
    const where = [];
    if (p.at) where.push(p.at);
    if (p.offset !== null && p.offset !== undefined) where.push(`byte ${p.offset} of the input`);
    return banner(
      'bad',
      p.code ? h('span.badge', {}, p.code) : null,
      h('strong#decode-error', {}, p.reason),
      where.length ? h('span.where', {}, where.join(' · ')) : null,
    );
  }
  const hdr = report.header || {};
  const bits = [`${KIND[report.input] || 'a token'}`, `alg ${hdr.alg}`];
  if (hdr.kid) bits.push(`kid ${hdr.kid}`);
  return banner('ok', h('strong', {}, 'Well-formed: '), bits.join(' · '), '. Not verified: see Verify.');
}

function docsFor(report, part) {
  const map = new Map();
  for (const c of report.claims) {
    if (c.part !== part) continue;
    const d = c.doc;
    map.set(c.path, `${d.title}: ${d.meaning}${d.edge ? `\nEdge: ${d.edge}` : ''}`);
  }
  return (path) => map.get(path) || null;
}

function timeComment(report) {
  return (path) => {
    const t = report.times.find((x) => x.claim === path);
    return t ? { text: `${localTime(t.seconds)} · ${t.summary}`, bad: !t.ok } : null;
  };
}

function partJson(report, index, value) {
  if (value) {
    const part = index === 0 ? 'header' : 'payload';
    return jsonView(value, { docs: docsFor(report, part), comment: index ? timeComment(report) : undefined });
  }
  const raw = report.parts[index]?.text;
  return raw ? [h('span.c.bad', {}, '// not a JSON object; as decoded:\n'), raw] : [h('span.c', {}, '—')];
}

function timesTable(report) {
  if (!report.times.length) return [h('tr', {}, h('td.muted', {}, 'No exp, iat or nbf.'))];
  return [
    h('tr', {}, h('th', {}, 'Claim'), h('th', {}, 'Local time'), h('th', {}, 'UTC'), h('th', {}, '')),
    ...report.times.map((t) =>
      h(
        'tr',
        { dataset: { claim: t.claim } },
        h('td.mono', {}, t.claim),
        h('td', {}, localTime(t.seconds)),
        h('td.mono', {}, t.utc),
        h(t.ok ? 'td.ok' : 'td.bad', {}, t.summary),
      ),
    ),
  ];
}

function claimsList(report) {
  if (!report.claims.length) return [h('p.muted', {}, 'No claims the page knows.')];
  return report.claims.flatMap((c) => [
    h('dt', {}, c.part === 'header' ? `header.${c.path}` : c.path, h('span.src', {}, c.doc.source)),
    h(
      'dd',
      {},
      h('strong', {}, c.doc.title),
      ': ',
      c.doc.meaning,
      c.doc.edge ? h('span.edge', {}, c.doc.edge) : null,
    ),
  ]);
}

export function mountDecode(app) {
  const input = $('#token-input');
  const render = () => {
    const r = app.report;
    fill($('#decode-status'), status(r));
    fill($('#token-view'), ...(r.input === 'empty' ? [] : tokenView(r, app.token)));
    fill($('#header-json'), ...partJson(r, 0, r.header));
    fill($('#payload-json'), ...partJson(r, 1, r.payload));
    fill($('#times'), ...timesTable(r));
    fill(
      $('#notes'),
      ...(r.notes.length ? r.notes.map((n) => h(`li.${n.level}`, {}, n.text)) : [h('li.info', {}, 'Nothing to add.')]),
    );
    fill($('#claims'), ...claimsList(r));
    $('#share').disabled = !r.shareable;
  };
  app.onToken((text, from) => {
    if (from !== input) input.value = text;
    render();
  });
  input.addEventListener('input', debounce(() => app.setToken(input.value, input), 80));
  $('#share').replaceWith(
    Object.assign(copyButton(() => app.shareLink(), 'Copy link (without signature)'), { id: 'share' }),
  );
  $('#share').classList.remove('copy');
  $('#to-verify').addEventListener('click', () => {
    app.select('verify');
    $('#verify-key').focus();
  });
  $('#to-explain').addEventListener('click', () => {
    app.select('explain');
    $('#use-token').click();
  });
}
