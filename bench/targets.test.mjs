// The verdicts bench-edge prints against issue 6's targets, on figures of
// the README's 2026-12-07 05:48 table (RS256), where a reader divided them
// by hand before.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { medianTargets, targetTable, targetsOf, tally } from './targets.mjs';

const cell = (workload, worker, decision_us, added_p50_ms, rps) => ({
  workload,
  worker,
  decision_us,
  added_p50_ms,
  c16: { rps },
});

const RS256_0548 = [
  cell('RS256-repeat', 'ours', 159, 0.261, 2170),
  cell('RS256-repeat', 'jose', 303, 0.412, 1670),
  cell('RS256-repeat', 'pass', null, null, 3078),
  cell('RS256-fresh', 'ours', 290, 0.933, 1430),
  cell('RS256-fresh', 'jose', 322, 1.004, 1365),
];

test('one run: ours ÷ jose per target, and which are missed', () => {
  const t = targetsOf(RS256_0548);
  assert.deepEqual(t.repeat_decision.RS256, { ratio: 0.52, met: false });
  assert.deepEqual(t.fresh_decision.RS256, { ratio: 0.9, met: true });
  assert.deepEqual(t.repeat_added_p50.RS256, { ratio: 0.63, met: false });
  assert.deepEqual(t.repeat_rps.RS256, { ratio: 1.3, met: true });
  // Workloads not run are not counted either way.
  assert.deepEqual(t.repeat_decision.ES256, { ratio: null, met: null });
  assert.deepEqual(tally(t), { met: 2, read: 4 });
});

test("a jose cost at or under pass-through's gives no ratio, not a met target", () => {
  const cells = [cell('ES256-repeat', 'ours', 40, 0.05, 2000), cell('ES256-repeat', 'jose', -3, 0, 1900)];
  const t = targetsOf(cells);
  assert.deepEqual(t.repeat_decision.ES256, { ratio: null, met: null });
  assert.deepEqual(t.repeat_added_p50.ES256, { ratio: null, met: null });
  assert.deepEqual(t.repeat_rps.ES256, { ratio: 1.05, met: true });
});

test('over runs: the median decides, a bound itself is met, runs without the figure are left out', () => {
  const run = (decision, p50) => targetsOf([
    cell('RS256-repeat', 'ours', decision, p50, 2000),
    cell('RS256-repeat', 'jose', 100, 0.2, 1000),
  ]);
  const runs = [run(40, 0.08), run(60, 0.14), run(50, 0.1), targetsOf([])];
  const m = medianTargets(runs);
  assert.deepEqual(m.repeat_decision.RS256, { ratio: 0.5, met: true, runs: 3 });
  assert.deepEqual(m.repeat_added_p50.RS256, { ratio: 0.5, met: true, runs: 3 });
  assert.deepEqual(m.fresh_decision.RS256, { ratio: null, met: null, runs: 0 });
  // One slow run of the three is outvoted; two are not.
  const slow = medianTargets([run(40, 0.08), run(70, 0.14), run(60, 0.12)]);
  assert.equal(slow.repeat_decision.RS256.met, false);
  assert.equal(slow.repeat_decision.RS256.ratio, 0.6);
});

test('the table marks a missed figure in bold and counts what was met', () => {
  const text = targetTable([{ label: '05:48', targets: targetsOf(RS256_0548) }]);
  assert.match(text, /\| repeated token: our decision cost at most half of `jose`'s \| \*\*0\.52\*\* \/ n\/a \/ n\/a \|/);
  assert.match(text, /\| fresh token: [^|]* \| 0\.90 \/ n\/a \/ n\/a \|/);
  assert.match(text, /\| figures met \| 2 of 4 \|/);
});
