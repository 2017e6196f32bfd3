// Log hygiene over the whole end-to-end suite (contract 3): every worker
// start of tests/e2e/ and tests/browser/ left its output (wrangler's and the
// worker's console lines) in $E2E_LOG_DIR (default target/e2e-logs/, see
// tests/support/worker.mjs). Run after them (scripts/test.sh does):
//
//   node --test tests/hygiene/
//
// It fails when there is nothing to read, when the logs hold too few
// request lines to mean anything, and when any log holds a token, a Basic
// or Bearer value, a client secret of the test issuer (in any spelling a
// Basic header gives it), the drills' HS secret, or a secret literal named
// in the test sources.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { DRILL_HS_SECRET } from '../support/drills.mjs';
import { AWKWARD_SECRET, DEFAULT_CLIENTS, NON_ASCII_SECRET } from '../support/issuer.mjs';
import { LOG_DIR, REPO_ROOT } from '../support/worker.mjs';
import { requestLines, scan, secretLiterals, secretsOf } from './scan.mjs';

// A whole suite makes thousands; a handful means the logs were not kept.
const MIN_REQUEST_LINES = 50;

function filesUnder(dir, pattern) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => pattern.test(f) && fs.statSync(f).isFile());
}

function knownSecrets() {
  const sources = ['tests/e2e', 'tests/browser', 'tests/support']
    .flatMap((d) => filesUnder(path.join(REPO_ROOT, d), /\.m?js$/))
    .map((f) => fs.readFileSync(f, 'utf8'));
  return [
    ...secretsOf(DEFAULT_CLIENTS),
    AWKWARD_SECRET,
    NON_ASCII_SECRET,
    DRILL_HS_SECRET,
    ...sources.flatMap(secretLiterals),
  ];
}

describe(`worker logs of the end-to-end suite (${LOG_DIR})`, () => {
  const files = filesUnder(LOG_DIR, /\.log$/);
  const logs = files.map((f) => ({ file: path.relative(REPO_ROOT, f), text: fs.readFileSync(f, 'utf8') }));

  it('exist, and hold the log lines of many requests, allowed and denied', () => {
    assert.ok(files.length > 0, `no worker logs in ${LOG_DIR}: run the end-to-end tests first`);
    const lines = logs.flatMap((l) => requestLines(l.text));
    const by = (d) => lines.filter((o) => o.authz.decision === d).length;
    console.log(`# ${files.length} worker logs, ${lines.length} request lines (${by('allow')} allow, ${by('deny')} deny)`);
    assert.ok(lines.length >= MIN_REQUEST_LINES, `only ${lines.length} request log lines`);
    assert.ok(by('allow') > 0 && by('deny') > 0, 'both decisions are logged');
  });

  it('hold no token, no Basic or Bearer value, no secret', () => {
    const secrets = knownSecrets();
    assert.ok(secrets.length > 20, 'the secrets to look for were collected');
    const findings = logs.flatMap(({ file, text }) =>
      scan(text, secrets).map((f) => `${file}:${f.line}: ${f.kind} ${f.excerpt}`),
    );
    assert.deepEqual(findings.slice(0, 20), [], `${findings.length} leaks in the worker logs`);
  });
});
