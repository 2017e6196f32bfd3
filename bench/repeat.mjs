// The verdict over several whole runs of bench/run.mjs
// (`BENCH_REPEAT=N scripts/bench-edge.sh`): each run's targets and their
// median. One run's one-connection latency and 16-connection CPU move with
// the machine from one workerd process to the next by more than the
// margins they are read for (README, "How far to trust one run"); the
// median of whole runs, each in a workerd of its own, is not moved by one
// slow run.
//
//   node bench/repeat.mjs <out.json> <run.json>...
import * as fs from 'node:fs';

import { ALGS, medianTargets, targetTable, tally } from './targets.mjs';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  process.stderr.write('usage: node bench/repeat.mjs <out.json> <run.json>...\n');
  process.exit(2);
}

const runs = inputs.map((file) => ({ file, result: JSON.parse(fs.readFileSync(file, 'utf8')) }));
const label = (r) => `${r.result.started.slice(11, 16)}`;
const median = medianTargets(runs.map((r) => r.result.targets));
const columns = [
  ...runs.map((r) => ({ label: label(r), targets: r.result.targets })),
  { label: `median of ${runs.length}`, targets: median },
];

// How fast the machine was in each run: pass-through's own one-connection
// p50 on a repeated token, which no authorizer's work is in.
const passP50 = (r) =>
  ALGS.map((alg) => r.result.cells.find((c) => c.workload === `${alg}-repeat` && c.worker === 'pass')?.c1?.p50_ms)
    .map((x) => (x == null ? 'n/a' : x.toFixed(3)))
    .join(' / ');
const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
const first = runs[0].result;
const { met, read } = tally(median);
const text =
  `${targetTable(columns)}\n\n` +
  `${runs.length} runs from ${first.started.slice(0, 16).replace('T', ' ')} UTC to ` +
  `${runs[runs.length - 1].result.finished.slice(11, 16)} UTC on ${first.machine.cpus} cores ` +
  `(${first.machine.model}), each in a workerd of its own with ${first.settings.rounds} rounds of ` +
  `${first.settings.seconds} s (@16) and @1 the median of ${first.settings.c1_rounds} runs; ` +
  `the median met ${met} of ${read} figures.\n\n` +
  `| run | pass-through p50 @1 ms, ${ALGS.join(' / ')} repeated | load average at start | at end |\n` +
  `|---|---|---|---|\n` +
  runs
    .map((r) => `| ${label(r)} | ${passP50(r)} | ${load(r.result.machine.loadavg_start)} | ${load(r.result.machine.loadavg_end)} |`)
    .join('\n') +
  '\n';

fs.writeFileSync(
  out,
  `${JSON.stringify({ runs: runs.map((r) => ({ file: r.file, started: r.result.started, targets: r.result.targets })), median }, null, 2)}\n`,
);
fs.writeFileSync(out.replace(/\.json$/, '.md'), text);
process.stdout.write(`\n${text}written: ${out} and .md\n`);
