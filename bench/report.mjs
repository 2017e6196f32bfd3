// Figures derived from the measured cells, the printed table and the JSON.

const ORDER = ['ours', 'jose', 'tsndr', 'plumb', 'pass'];
// Floors, not authorizers: neither has an added p50 over `plumb`.
const FLOORS = ['pass', 'plumb'];

function round(x, digits = 3) {
  return x == null || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
}

/** The middle value; for an even count, the mean of the two middle ones. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Adds per cell: cpu_us_per_req, decision_us (over pass-through, same
 * workload), added_p50_ms (one connection), added_p50_over_plumb_ms
 * (where the workload ran `plumb`) and ratios to ours. */
export function derive(cells) {
  const byWorkload = new Map();
  for (const c of cells) {
    if (!byWorkload.has(c.workload)) byWorkload.set(c.workload, {});
    byWorkload.get(c.workload)[c.worker] = c;
  }
  for (const c of cells) {
    c.cpu_us_per_req = c.c16.requests ? (c.c16.cpu_ms * 1000) / c.c16.requests : null;
  }
  for (const c of cells) {
    const group = byWorkload.get(c.workload);
    const pass = group.pass;
    const ours = group.ours;
    c.decision_us = pass ? round(c.cpu_us_per_req - pass.cpu_us_per_req, 1) : null;
    c.added_p50_ms = pass && c.c1.p50_ms != null && pass.c1.p50_ms != null ? round(c.c1.p50_ms - pass.c1.p50_ms) : null;
    const plumb = group.plumb;
    c.added_p50_over_plumb_ms =
      plumb && !FLOORS.includes(c.worker) && c.c1.p50_ms != null && plumb.c1.p50_ms != null ? round(c.c1.p50_ms - plumb.c1.p50_ms) : null;
    c.all_ok = c.c16.ok === c.c16.requests && c.c1.ok === c.c1.requests && c.c16.requests > 0 && c.c1.requests > 0 && !c.c1.runs_without_answer;
    if (ours && c.worker !== 'pass') {
      c.vs_ours = {
        rps: round(c.c16.rps / ours.c16.rps, 2),
        // A difference at or below zero is noise, not a ratio.
        decision: ours.decision_us > 0 && c.decision_us > 0 ? round(c.decision_us / ours.decision_us, 2) : null,
        added_p50: ours.added_p50_ms > 0 && c.added_p50_ms > 0 ? round(c.added_p50_ms / ours.added_p50_ms, 2) : null,
      };
    }
  }
  return cells;
}

const ratio = (x) => (x === undefined ? '-' : x === null ? 'n/a' : `${x.toFixed(2)}x`);
const fmt = (x, d) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

/** The table as Markdown (printed, and pasted into the README). The
 * "vs ours" columns are peer / ours: above 1 the peer serves more requests,
 * adds more latency or spends more CPU deciding. */
export function table(result) {
  const lines = [];
  lines.push('| workload | worker | req/s @16 | p50 @1 ms | p99 @1 ms | +p50 vs pass ms | +p50 vs plumb ms | CPU µs/req | decision µs/req | req/s vs ours | +p50 vs ours | decision vs ours |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const workloads = [...new Set(result.cells.map((c) => c.workload))];
  for (const w of workloads) {
    const cells = result.cells
      .filter((c) => c.workload === w)
      .sort((a, b) => ORDER.indexOf(a.worker) - ORDER.indexOf(b.worker));
    for (const c of cells) {
      const flag = c.all_ok ? '' : ' (!)';
      lines.push(
        `| ${w} | ${c.worker}${flag} | ${fmt(c.c16.rps, 0)} | ${fmt(c.c1.p50_ms, 3)} | ${fmt(c.c1.p99_ms, 3)} | ` +
          `${c.worker === 'pass' ? '-' : fmt(c.added_p50_ms, 3)} | ` +
          `${FLOORS.includes(c.worker) ? '-' : fmt(c.added_p50_over_plumb_ms, 3)} | ${fmt(c.cpu_us_per_req, 0)} | ` +
          `${c.worker === 'pass' ? '-' : fmt(c.decision_us, 0)} | ` +
          `${ratio(c.vs_ours?.rps)} | ${ratio(c.vs_ours?.added_p50)} | ${ratio(c.vs_ours?.decision)} |`,
      );
    }
  }
  lines.push('');
  lines.push('| worker | bundle gzip KiB | raw KiB | cold start ms (empty cache) | cold start ms (Cache API warm) |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const id of ORDER) {
    const s = result.sizes[id];
    if (!s) continue;
    lines.push(`| ${id} | ${fmt(s.gzip / 1024, 1)} | ${fmt(s.raw / 1024, 1)} | ${fmt(result.coldStart[id]?.ms, 1)} | ${fmt(result.coldStart[id]?.cache_warm_ms, 1)} |`);
  }
  return lines.join('\n');
}

