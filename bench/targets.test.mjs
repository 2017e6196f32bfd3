// The verdicts bench-edge prints against issue 6's targets. The cells go
// through report.mjs's `derive`, as a run's do; the first fixture holds
// the RS256 figures of the 2026-12-07 05:48 table (README at 43c218d),
// which a reader divided by hand before.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { derive } from './report.mjs';
import { medianTargets, targetTable, targetsOf, tally } from './targets.mjs';

/** One measured cell as bench/run.mjs hands it to `derive`: CPU µs per
 * request at 16 connections, p50 ms at one, requests/s, all answered 200
 * unless `failed`. */
function cell(workload, worker, cpuUs, p50, rps, failed = false) {
  const requests = 10000;
  return {
    workload,
    kind: workload.split('-')[1],
    alg: workload.split('-')[0],
    worker,
    c16: { requests, ok: failed ? requests - 1 : requests, cpu_ms: (cpuUs * requests) / 1000, rps },
    c1: { requests: 1000, ok: 1000, p50_ms: p50, runs_without_answer: 0 },
  };
}

const RS256_0548 = () =>
  derive([
    cell('RS256-repeat', 'ours', 456, 0.752, 2170),
    cell('RS256-repeat', 'jose', 600, 0.903, 1670),
    cell('RS256-repeat', 'pass', 297, 0.491, 3078),
    cell('RS256-fresh', 'ours', 640, 2.028, 1430),
    cell('RS256-fresh', 'jose', 672, 2.099, 1365),
    cell('RS256-fresh', 'pass', 350, 1.095, 2301),
  ]);

/** A repeated-token workload on `alg` where ours costs `ours` µs and adds
 * `oursP50` ms over pass-through, `jose` 100 µs and 0.2 ms. */
const repeat = (alg, ours, oursP50, { rps = 2000, failed = false } = {}) =>
  derive([
    cell(`${alg}-repeat`, 'ours', 300 + ours, 0.4 + oursP50, rps, failed),
    cell(`${alg}-repeat`, 'jose', 400, 0.6, 1000),
    cell(`${alg}-repeat`, 'pass', 300, 0.4, 3000),
  ]);

const rounded = (v) => ({ ...v, ratio: v.ratio == null ? null : Number(v.ratio.toFixed(4)) });

test('one run: ours ÷ jose per target, and which are missed', () => {
  const t = targetsOf(RS256_0548());
  assert.deepEqual(rounded(t.repeat_decision.RS256), { ratio: 0.5248, met: false });
  assert.deepEqual(rounded(t.fresh_decision.RS256), { ratio: 0.9006, met: true });
  assert.deepEqual(rounded(t.repeat_added_p50.RS256), { ratio: 0.6335, met: false });
  assert.deepEqual(rounded(t.repeat_rps.RS256), { ratio: 1.2994, met: true });
  // Workloads not run are not counted either way.
  assert.deepEqual(t.repeat_decision.ES256, { ratio: null, met: null });
  assert.deepEqual(tally(t), { met: 2, read: 4 });
});

test('the bound is compared with the measured ratio, not the printed one', () => {
  const t = targetsOf(repeat('RS256', 50.4, 0.1008, { rps: 996 }));
  assert.equal(t.repeat_decision.RS256.met, false);
  assert.equal(t.repeat_added_p50.RS256.met, false);
  assert.equal(t.repeat_rps.RS256.met, false);
  // Printed to three places where two would show the bound itself.
  const text = targetTable([{ label: 'x', targets: t }]);
  assert.match(text, /at most half of `jose`'s \| \*\*0\.504\*\* \/ n\/a \/ n\/a \|/);
  assert.match(text, /at least `jose`'s \| \*\*0\.996\*\* \/ n\/a \/ n\/a \|/);
  const fresh = targetsOf(
    derive([
      cell('ES256-fresh', 'ours', 300 + 100.4, 1, 1000),
      cell('ES256-fresh', 'jose', 400, 1, 1000),
      cell('ES256-fresh', 'pass', 300, 1, 1000),
    ]),
  );
  assert.equal(fresh.fresh_decision.ES256.met, false);
});

test('a figure at or under pass-through, ours or jose, gives no ratio and no verdict', () => {
  const oursFree = targetsOf(repeat('ES256', -2, -0.003));
  assert.deepEqual(oursFree.repeat_decision.ES256, { ratio: null, met: null });
  assert.deepEqual(oursFree.repeat_added_p50.ES256, { ratio: null, met: null });
  assert.equal(oursFree.repeat_rps.ES256.met, true);
  const joseFree = targetsOf(
    derive([
      cell('EdDSA-repeat', 'ours', 340, 0.45, 2000),
      cell('EdDSA-repeat', 'jose', 297, 0.4, 1900),
      cell('EdDSA-repeat', 'pass', 300, 0.4, 3000),
    ]),
  );
  assert.deepEqual(joseFree.repeat_decision.EdDSA, { ratio: null, met: null });
  assert.deepEqual(joseFree.repeat_added_p50.EdDSA, { ratio: null, met: null });
});

test('a worker that did not answer 200 throughout gets no verdict, marked (!)', () => {
  const t = targetsOf(repeat('RS256', 10, 0.01, { failed: true }));
  assert.deepEqual(t.repeat_decision.RS256, { ratio: null, met: null, failed: true });
  assert.deepEqual(tally(t), { met: 0, read: 0 });
  assert.match(targetTable([{ label: 'x', targets: t }]), /at most half of `jose`'s \| \(!\) \/ n\/a \/ n\/a \|/);
});

test('over runs: the median decides, a bound itself is met, runs without the figure are counted out', () => {
  const runs = [repeat('RS256', 40, 0.08), repeat('RS256', 60, 0.14), repeat('RS256', 50, 0.1), []].map(targetsOf);
  const m = medianTargets(runs);
  assert.deepEqual(m.repeat_decision.RS256, { ratio: 0.5, met: true, runs: 3, of: 4 });
  assert.equal(m.repeat_added_p50.RS256.met, true);
  assert.deepEqual(m.fresh_decision.RS256, { ratio: null, met: null, runs: 0, of: 4 });
  assert.match(targetTable([{ label: 'median', targets: m }]), /at most half of `jose`'s \| 0\.50 \(3 of 4\) \/ n\/a \/ n\/a \|/);
  // One slow run of three is outvoted; two are not.
  const slow = medianTargets([repeat('RS256', 40, 0.08), repeat('RS256', 70, 0.14), repeat('RS256', 60, 0.12)].map(targetsOf));
  assert.equal(slow.repeat_decision.RS256.met, false);
  assert.equal(Number(slow.repeat_decision.RS256.ratio.toFixed(4)), 0.6);
  const fast = medianTargets([repeat('RS256', 40, 0.08), repeat('RS256', 70, 0.14), repeat('RS256', 45, 0.09)].map(targetsOf));
  assert.equal(fast.repeat_decision.RS256.met, true);
});

test('the table marks a missed figure in bold and counts what was met', () => {
  const text = targetTable([{ label: '05:48', targets: targetsOf(RS256_0548()) }]);
  assert.match(text, /\| repeated token: our decision cost at most half of `jose`'s \| \*\*0\.52\*\* \/ n\/a \/ n\/a \|/);
  assert.match(text, /\| fresh token: [^|]* \| 0\.90 \/ n\/a \/ n\/a \|/);
  assert.match(text, /\| figures met \| 2 of 4 \|/);
});

/** A repeated RS256 workload with `plumb`: CPU and p50 of a one-connection
 * A/B on 2026-12-07 (12 rounds); the requests/s are made up. */
const withPlumb = ({ plumbFailed = false } = {}) =>
  derive([
    cell('RS256-repeat', 'ours', 328, 0.43, 2400),
    cell('RS256-repeat', 'jose', 393, 0.476, 2000),
    cell('RS256-repeat', 'plumb', 287, 0.388, 2500, plumbFailed),
    cell('RS256-repeat', 'pass', 240, 0.349, 2900),
  ]);

test('with plumb in the workload: the added p50 over it, read per algorithm but not counted', () => {
  const cells = withPlumb();
  const byWorker = Object.fromEntries(cells.map((c) => [c.worker, c]));
  assert.equal(byWorker.ours.added_p50_over_plumb_ms, 0.042);
  assert.equal(byWorker.jose.added_p50_over_plumb_ms, 0.088);
  // Floors have nothing over a floor.
  assert.equal(byWorker.plumb.added_p50_over_plumb_ms, null);
  assert.equal(byWorker.pass.added_p50_over_plumb_ms, null);
  const t = targetsOf(cells);
  // Over pass-through ours is 0.64x of jose's, a missed target; over plumb 0.48x.
  assert.deepEqual(rounded(t.repeat_added_p50.RS256), { ratio: 0.6378, met: false });
  assert.deepEqual(rounded(t.repeat_added_p50_over_plumb.RS256), { ratio: 0.4773, met: true });
  // The reading is not one of the figures counted.
  assert.deepEqual(tally(t), { met: 1, read: 3 });
  const text = targetTable([{ label: 'x', targets: t }]);
  const rows = text.split('\n');
  assert.match(rows.at(-2), /^\| figures met \| 1 of 3 \|$/);
  assert.match(rows.at(-1), /^\| \+p50 over `plumb` [^|]*not counted \| 0\.48 \/ n\/a \/ n\/a \|$/);
  // Without plumb in the run (and in runs from before the reading), n/a.
  const without = targetsOf(repeat('RS256', 40, 0.08));
  assert.deepEqual(without.repeat_added_p50_over_plumb.RS256, { ratio: null, met: null });
  const old = { ...without };
  delete old.repeat_added_p50_over_plumb;
  const m = medianTargets([old, t]);
  assert.deepEqual(rounded(m.repeat_added_p50_over_plumb.RS256), { ratio: 0.4773, met: true, runs: 1, of: 2 });
  assert.match(targetTable([{ label: 'old', targets: old }]).split('\n').at(-1), /\| n\/a \/ n\/a \/ n\/a \|$/);
});

test('a plumb that did not answer 200 throughout gives the reading no verdict, and the targets theirs', () => {
  const t = targetsOf(withPlumb({ plumbFailed: true }));
  assert.deepEqual(t.repeat_added_p50_over_plumb.RS256, { ratio: null, met: null, failed: true });
  assert.equal(t.repeat_added_p50.RS256.met, false);
  assert.match(targetTable([{ label: 'x', targets: t }]).split('\n').at(-1), /not counted \| \(!\) \/ n\/a \/ n\/a \|$/);
});
