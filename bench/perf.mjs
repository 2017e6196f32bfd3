// Where a worker's CPU goes, from `perf record` of the one workerd process
// during its measured runs (bench/ab.mjs, AB_PERF). With the V8 flag
// --perf-basic-prof (AB_V8FLAGS) V8 names its compiled code in
// /tmp/perf-<pid>.map, wasm functions by the module's name section when
// it has one, so JS, wasm and the runtime's C++ can be told apart. Counts
// are samples, so the figures are per request and steady to a few tenths
// of a µs, where CPU over a run moves by tens from round to round.
import { spawnSync } from 'node:child_process';

export const HZ = 4999;

/** `perf record` arguments for `pid`, into `file`; with AB_PERF_G=1 the
 * call stacks too (`perf report -g`, `perf script`), which the split
 * below leaves aside: a symbol's cost is its own samples either way. */
export const recordArgs = (pid, file) => ['record', ...(process.env.AB_PERF_G === '1' ? ['-g'] : []), '-F', String(HZ), '-p', String(pid), '-o', file];

const LINE = /^\s*[\d.]+%\s+(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/;

/** µs per request by symbol, summed over `files` that hold `requests` in all. */
export function bySymbol(files, requests) {
  const out = new Map();
  for (const file of files) {
    const r = spawnSync('perf', ['report', '-i', file, '--stdio', '-n', '--sort', 'dso,sym', '--no-children', '-g', 'none'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`perf report ${file}: ${r.stderr}`);
    for (const line of r.stdout.split('\n')) {
      const m = LINE.exec(line);
      if (!m) continue;
      const jit = m[2].startsWith('[JIT]');
      const symbol = m[3].trim().replace(/-\d+-(turbofan|liftoff|maglev|sparkplug)$/, ' [$1]');
      const key = `${jit ? 'jit' : m[2]} ${symbol}`;
      out.set(key, (out.get(key) ?? 0) + ((Number(m[1]) / HZ) * 1e6) / requests);
    }
  }
  return out;
}

/** The part of the process a symbol belongs to. */
function group(key) {
  const [where, ...rest] = key.split(' ');
  const symbol = rest.join(' ');
  if (where === 'jit') return /\.m?js:|node-internal/.test(symbol) ? 'JS' : 'wasm';
  if (/^Builtins_Wasm|wasm::/.test(symbol)) return 'wasm runtime';
  if (where === 'workerd') return 'runtime C++ and V8';
  if (where === '[kernel.kallsyms]') return 'kernel';
  return 'libraries';
}

export function groups(symbols) {
  const out = new Map();
  for (const [k, v] of symbols) out.set(group(k), (out.get(group(k)) ?? 0) + v);
  return out;
}

const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
const us = (x) => x.toFixed(1);

/** One line per worker by group, then the symbols that cost `a` most over `b`. */
export function report(perWorker, top = 25) {
  const names = Object.keys(perWorker);
  const lines = [];
  for (const name of names) {
    const g = [...groups(perWorker[name])].sort((x, y) => y[1] - x[1]);
    lines.push(`  ${name}: ${us(total(perWorker[name]))} µs/req sampled; ${g.map(([k, v]) => `${k} ${us(v)}`).join(', ')}`);
  }
  for (const [a, b] of names.slice(1).map((n) => [names[0], n])) {
    const [sa, sb] = [perWorker[a], perWorker[b]];
    const ga = groups(sa);
    const gb = groups(sb);
    const keys = new Set([...ga.keys(), ...gb.keys()]);
    lines.push(`  ${a} over ${b}: ${[...keys].map((k) => `${k} ${us((ga.get(k) ?? 0) - (gb.get(k) ?? 0))}`).join(', ')}`);
    const diff = [...new Set([...sa.keys(), ...sb.keys()])]
      .map((k) => [k, (sa.get(k) ?? 0) - (sb.get(k) ?? 0)])
      .sort((x, y) => y[1] - x[1])
      .slice(0, top);
    for (const [k, d] of diff) lines.push(`    ${d.toFixed(2).padStart(6)}  ${k.slice(0, 140)}`);
  }
  return lines.join('\n');
}
