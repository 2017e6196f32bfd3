// Runs the edge worker under `wrangler dev` (workerd) for end-to-end tests.
//
// startWorker(options) -> Promise<Worker>
//   options:
//     authz      the AUTHZ config: an object (sent as JSON) or a string (sent
//                as is); undefined leaves wrangler.toml's [vars.AUTHZ] alone
//     port       0 = a free port (default 0)
//     extraVars  { NAME: value } more `--var NAME:value` (e.g. an HS secret)
//     cwd        project folder with wrangler.toml (default: $E2E_WORKER_DIR if
//                set, to try the tests against another worker; else the repo root)
//     config     a wrangler config file, passed as --config (default: none)
//     timeoutMs  startup limit (default 120000: the [build] command compiles Rust)
//     env        extra environment variables for wrangler
//     persistTo  a folder for workerd's local state (the Cache API among it),
//                to share it between starts; default: a new empty folder per
//                start, removed by stop()
//   Worker object:
//     url        'http://127.0.0.1:<port>'
//     port
//     logs()     everything wrangler (and the worker's console) printed so far
//     waitForLog(regexOrString, timeoutMs = 10000) -> Promise<matched text>
//     stop()     -> Promise<void>: ends the whole process group
//     logFile    where this start's output is also kept (see below)
//
// Every start appends all wrangler printed (stdout and stderr, with the
// worker's console lines) to its own file in $E2E_LOG_DIR (default
// target/e2e-logs/), named after the test file, so that tests/hygiene/ can
// check the logs of the whole end-to-end suite for secrets afterwards.
// scripts/test.sh empties the folder before the end-to-end step.
//
// wrangler runs as `wrangler dev --ip 127.0.0.1 --port <p> --inspector-port <q>
// --var AUTHZ:<json> ...` with WRANGLER_SEND_METRICS=false, CI=1, no stdin,
// in its own process group. It is the project's pinned wrangler
// (node_modules/.bin/wrangler, which is what `npx wrangler` runs; falls back
// to `npx --no wrangler`). Startups are serialised across processes with a
// lock directory, because each start runs the [build] command in the same
// build folder. If wrangler exits or does not answer in time, startWorker
// rejects with the captured output: a test that needs the worker fails, it is
// never skipped.
//
// Also exported:
//   freePort() -> Promise<number>
//   httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 })
//     -> Promise<{ status, headers, rawHeaders, body, json }>
//     node:http, so a header given as an array is sent as several header lines
//     (two Authorization headers), and nothing is added or normalised.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const LOG_DIR = process.env.E2E_LOG_DIR || path.join(REPO_ROOT, 'target', 'e2e-logs');
let starts = 0;

/** A new file in LOG_DIR for one start, named after the test file running. */
function openLogFile() {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const script = path.basename(process.argv[1] || 'node').replace(/[^\w.-]/g, '_');
  starts += 1;
  const file = path.join(LOG_DIR, `${script}-${process.pid}-${starts}.log`);
  fs.writeFileSync(file, `# wrangler dev started ${new Date().toISOString()} by ${process.argv[1] || '?'}\n`);
  return file;
}

// One wrangler start (and so one [build] run) at a time on this machine.
const LOCK_DIR = path.join(os.tmpdir(), 'edge-authorizer-wrangler-start.lock');

async function acquireStartLock(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock left by a process that no longer exists is stale.
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        /* being written or removed */
      }
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_DIR}`);
      await sleep(200);
    }
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function wranglerCommand(cwd) {
  for (const dir of [cwd, REPO_ROOT]) {
    const bin = path.join(dir, 'node_modules', '.bin', 'wrangler');
    if (fs.existsSync(bin)) return { cmd: bin, pre: [] };
  }
  return { cmd: 'npx', pre: ['--no', 'wrangler'] };
}

async function probe(url) {
  try {
    // Any HTTP answer means workerd serves; the first request may wait for
    // the build behind wrangler's proxy, hence the long per-try timeout.
    await httpRequest(url, { method: 'GET', timeoutMs: 15000, headers: { 'x-startup-probe': '1' } });
    return true;
  } catch {
    return false;
  }
}

export async function startWorker({
  authz,
  port = 0,
  extraVars = {},
  cwd = process.env.E2E_WORKER_DIR || REPO_ROOT,
  config,
  timeoutMs = 120000,
  env = {},
  persistTo,
} = {}) {
  const started = Date.now();
  const release = await acquireStartLock(timeoutMs * 3);
  let child;
  let persistDir;
  let output = '';
  let exited = null;
  const logFile = openLogFile();
  // Synchronous, so that nothing printed is lost when the test process ends.
  const keep = (d) => {
    output += d;
    fs.appendFileSync(logFile, d);
  };
  try {
    const listenPort = port || (await freePort());
    const inspectorPort = await freePort();
    persistDir = persistTo || fs.mkdtempSync(path.join(os.tmpdir(), 'edge-authz-state-'));
    const vars = { ...extraVars };
    if (authz !== undefined) vars.AUTHZ = typeof authz === 'string' ? authz : JSON.stringify(authz);

    const { cmd, pre } = wranglerCommand(cwd);
    const args = [
      ...pre,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(listenPort),
      '--inspector-port',
      String(inspectorPort),
      '--show-interactive-dev-session=false',
      // Each start is a new data centre: an empty Cache API (where the
      // worker keeps JWKS for cold isolates), not what earlier tests stored.
      '--persist-to',
      persistDir,
    ];
    if (config) args.push('--config', config);
    for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);

    child = spawn(cmd, args, {
      cwd,
      detached: true, // own process group: stop() ends wrangler, workerd and the build
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CI: '1',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        ...env,
      },
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      });
      child.once('error', (err) => {
        keep(`\nspawn error: ${err.stack || err}\n`);
        exited = { code: null, signal: null, error: err };
        resolve(exited);
      });
    });

    const url = `http://127.0.0.1:${listenPort}`;
    for (;;) {
      if (exited) {
        throw new Error(
          `wrangler dev exited (code ${exited.code}, signal ${exited.signal}) before serving ${url}\n` +
            `--- wrangler output ---\n${output}`,
        );
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs} ms\n--- wrangler output ---\n${output}`);
      }
      if (await probe(url)) break;
      await sleep(300);
    }

    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };

    const worker = {
      url,
      port: listenPort,
      logFile,
      logs: () => output,
      async waitForLog(pattern, waitMs = 10000) {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const m = typeof pattern === 'string' ? (output.includes(pattern) ? pattern : null) : output.match(pattern);
          if (m) return typeof m === 'string' ? m : m[0];
          if (Date.now() > deadline) {
            throw new Error(`no log line matching ${pattern} within ${waitMs} ms\n--- wrangler output ---\n${output}`);
          }
          await sleep(100);
        }
      },
      async stop() {
        if (exited) return;
        killGroup('SIGTERM');
        const done = await Promise.race([exitPromise, sleep(5000).then(() => null)]);
        if (!done) killGroup('SIGKILL');
        await Promise.race([exitPromise, sleep(2000)]);
        // workerd may outlive wrangler by a moment; make sure the group is gone.
        killGroup('SIGKILL');
        if (!persistTo) fs.rmSync(persistDir, { recursive: true, force: true });
      },
    };
    return worker;
  } catch (err) {
    if (child && !exited) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    throw err;
  } finally {
    release();
  }
}
