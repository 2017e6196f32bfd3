// The edge benchmark (scripts/bench-edge.sh runs it; README "Figures").
// One bare workerd process hosts five workers, each on its own loopback
// port, all in front of the same echo origin and the same issuers (the
// oidc-provider of tests/support, one realm per signing algorithm):
//   ours   the worker-build output, AUTHZ as a JSON binding (what wrangler
//          makes of [vars.AUTHZ])
//   jose   npm jose: createRemoteJWKSet + jwtVerify
//   tsndr  npm @tsndr/cloudflare-worker-jwt, JWKS fetched once per isolate
//   plumb  the peers' log line, Server-Timing and header edits around no
//          check (a second floor, on repeated-token workloads only: what
//          deciding adds is read over it; never a real worker)
//   pass   forwards everything (the floor)
// Then one workload at a time, one worker at a time: requests/s over 16
// connections, p50/p99 over one connection, and the CPU time workerd spent
// per request (from /proc, since only that worker was loaded).
//
// Settings (environment): BENCH_SECONDS (per 16-connection run, default 5),
// BENCH_SECONDS_C1 (per one-connection run, default 1; a fresh workload's
// run ends with its BENCH_FRESH_C1 tokens), BENCH_C1_ROUNDS (one-connection runs
// of each worker on a repeated token or Basic, default 8), BENCH_FRESH (tokens
// for one 16-connection fresh run, default 8000), BENCH_FRESH_C1 (default
// 600), BENCH_FRESH_WARM (fresh tokens each worker is warmed up with before
// a fresh run, default 300), BENCH_ROUNDS (default 2), BENCH_OUT (default
// target/bench-edge.json), OHA (oha binary), BENCH_ONLY (comma-separated
// workload ids, default all).
//
// The machine is shared, so each workload runs its workers in turn, ROUNDS
// times (the order turning each round), and keeps each worker's best
// 16-connection run: the most requests/s (and that run's CPU). Latency at
// one connection moved by up to a fifth between runs a minute apart here,
// more than the differences it is read for, so it is the median over many
// short runs taken in turn (C1_ROUNDS of them on a repeated token or Basic,
// one per round on fresh tokens). Every run is in the JSON.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { basicAuthorization, getToken, startIssuer } from '../tests/support/issuer.mjs';
import { startOrigin } from '../tests/support/origin.mjs';
import { freePort, httpRequest } from '../tests/support/worker.mjs';
import { bundlePeer, stageOurs } from './bundle.mjs';
import { startCache } from './cache.mjs';
import { workerdConfig } from './capnp.mjs';
import { driver, oha } from './load.mjs';
import { derive, median, table } from './report.mjs';
import { ALGS, targetTable, targetsOf } from './targets.mjs';
import { startWorkerd, waitForPort } from './workerd.mjs';
import { checkWorker, ourAuthz, peerBindings, tokenPool } from './workers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'target', 'bench-edge');
const OUT_JSON = path.resolve(ROOT, process.env.BENCH_OUT ?? 'target/bench-edge.json');
const WORKERD = path.join(ROOT, 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd');
const OHA = process.env.OHA ?? path.join(os.homedir(), '.cargo', 'bin', 'oha');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SECONDS_C1 = Number(process.env.BENCH_SECONDS_C1 ?? 1);
// A bound only: a fresh run's FRESH_C1 tokens end it first (about 0.7 s).
const SECONDS_C1_FRESH = 3;
const C1_ROUNDS = Number(process.env.BENCH_C1_ROUNDS ?? 8);
const FRESH = Number(process.env.BENCH_FRESH ?? 8000);
const FRESH_C1 = Number(process.env.BENCH_FRESH_C1 ?? 600);
const FRESH_WARM = Number(process.env.BENCH_FRESH_WARM ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const COLD_ROUNDS = 3;
const PATH = '/orgs/org-a/items';
const CLIENT = ['svc-a', 'svc-a-secret'];

const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One worker's one-connection figures from its runs: p50 and p99 the
 * medians over the runs that answered (a run with no answer has none),
 * counts summed. (oha counts the requests its deadline cut off as errors,
 * one per connection, so errors are kept but not held against a run.) */
function oneConnection(all) {
  const runs = all.filter((r) => r.p50_ms != null);
  const sum = (f) => runs.reduce((a, r) => a + f(r), 0);
  const statuses = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    runs: runs.length,
    requests: sum((r) => r.requests),
    ok: sum((r) => r.ok),
    errors: all.reduce((a, r) => a + (r.errors ?? 0), 0),
    statuses,
    seconds: sum((r) => r.seconds),
    rps: sum((r) => r.requests) / sum((r) => r.seconds),
    p50_ms: runs.length ? median(runs.map((r) => r.p50_ms)) : null,
    p99_ms: runs.length ? median(runs.map((r) => r.p99_ms)) : null,
    p50_runs_ms: runs.map((r) => r.p50_ms),
    runs_without_answer: all.length - runs.length,
  };
}

function compatibilityDate() {
  const toml = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8');
  return toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1];
}

function workloadsFor(only) {
  const list = [];
  for (const kind of ['repeat', 'fresh']) {
    for (const alg of ALGS) {
      const workers = ['pass', 'ours', 'jose'];
      if (alg !== 'EdDSA') workers.push('tsndr'); // it has no EdDSA
      if (kind === 'repeat') workers.push('plumb');
      list.push({ id: `${alg}-${kind}`, kind, alg, workers });
    }
  }
  list.push({ id: 'basic', kind: 'basic', alg: 'RS256', workers: ['pass', 'ours'] });
  return only ? list.filter((w) => only.includes(w.id)) : list;
}

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  if (!fs.existsSync(OHA)) throw new Error(`oha not found at ${OHA} (scripts/bench-edge.sh installs it)`);
  const started = new Date();
  const load0 = os.loadavg();
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;

  log('bundling the workers');
  const built = { ours: stageOurs(ROOT, OUT_DIR) };
  for (const id of ['jose', 'tsndr', 'plumb', 'pass']) built[id] = await bundlePeer(ROOT, OUT_DIR, id === 'pass' ? 'passthrough' : id);

  log('starting the origin, the issuers and the cache');
  const origin = await startOrigin();
  const cache = await startCache();
  const issuers = {};
  for (const alg of ALGS) {
    issuers[alg] = await startIssuer({ realm: `bench-${alg.toLowerCase()}`, alg, accessTokenTtl: 3600 });
  }
  const repeated = {};
  for (const alg of ALGS) repeated[alg] = await getToken(issuers[alg], ...CLIENT);

  // The workers whose sizes and cold starts are reported; `plumb`, which
  // lets every request through, is hosted and checked for its plumbing.
  const ids = ['ours', 'jose', 'tsndr', 'pass'];
  const hosted = [...ids, 'plumb'];
  const ports = {};
  for (const id of hosted) ports[id] = await freePort();
  const workers = hosted.map((id) => ({
    id,
    port: ports[id],
    modules: built[id].modules,
    bindings: id === 'ours' ? [{ name: 'AUTHZ', json: ourAuthz(origin, issuers, ALGS) }] : peerBindings(origin, issuers, ALGS),
  }));
  const configFile = path.join(OUT_DIR, 'bench.capnp');
  fs.writeFileSync(
    configFile,
    workerdConfig(workers, { configDir: OUT_DIR, compatibilityDate: compatibilityDate(), cachePort: cache.port }),
  );

  let workerd = null;
  const cleanup = async () => {
    workerd?.stop();
    await origin.stop();
    await cache.stop();
    for (const idp of Object.values(issuers)) await idp.stop();
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  process.on('SIGTERM', () => cleanup().then(() => process.exit(143)));

  try {
    const url = (id) => `http://127.0.0.1:${ports[id]}`;
    const start = async () => {
      const t0 = performance.now();
      workerd = startWorkerd(WORKERD, configFile, path.join(OUT_DIR, 'workerd.log'));
      await Promise.all(hosted.map((id) => waitForPort(ports[id], 30000))).catch((err) => {
        throw new Error(`${err.message}\n--- workerd log ---\n${fs.readFileSync(workerd.logFile, 'utf8')}`);
      });
      return performance.now() - t0;
    };
    // Cold start: the first request each worker serves after workerd
    // started (its isolate is made at startup; this includes getting its
    // keys). Median of COLD_ROUNDS starts on an empty Cache API, then of as
    // many with what the earlier starts stored; the order of the workers
    // turns each round.
    const firstRequests = async (round) => {
      const out = {};
      for (let i = 0; i < ids.length; i++) {
        const id = ids[(i + round) % ids.length];
        const t = performance.now();
        const res = await httpRequest(`${url(id)}${PATH}`, { headers: { authorization: `Bearer ${repeated.RS256}` } });
        out[id] = { ms: performance.now() - t, status: res.status };
      }
      return out;
    };
    log('cold starts');
    const rounds = { empty: [], warm: [] };
    const startups = [];
    for (const kind of ['empty', 'warm']) {
      for (let round = 0; round < COLD_ROUNDS; round++) {
        if (kind === 'empty') cache.clear();
        startups.push(await start());
        rounds[kind].push(await firstRequests(round));
        workerd.stop();
        await sleep(200);
      }
    }
    const startupMs = median(startups);
    const coldStart = Object.fromEntries(
      ids.map((id) => [
        id,
        {
          ms: median(rounds.empty.map((r) => r[id].ms)),
          cache_warm_ms: median(rounds.warm.map((r) => r[id].ms)),
          statuses: [...rounds.empty, ...rounds.warm].map((r) => r[id].status),
        },
      ]),
    );
    log('starting workerd');
    await start();
    const cacheAfterColdStarts = cache.counts();
    for (const id of hosted) {
      for (const alg of ALGS) {
        if (id === 'tsndr' && alg === 'EdDSA') continue;
        await checkWorker(id, url(id), PATH, repeated[alg], origin);
      }
    }

    const workloads = workloadsFor(only);
    const freshAlgs = [...new Set(workloads.filter((w) => w.kind === 'fresh').map((w) => w.alg))];
    const pools = {}; // alg -> per round { warm, c16, c1 }: no fresh token is sent twice to a worker
    for (const alg of freshAlgs) {
      const perRound = FRESH_WARM + FRESH + FRESH_C1;
      log(`fetching ${ROUNDS * perRound} ${alg} tokens from the issuer`);
      const tokens = await tokenPool(issuers[alg], ROUNDS * perRound, CLIENT);
      pools[alg] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const mine = tokens.slice(round * perRound, (round + 1) * perRound);
        const files = {
          warm: path.join(OUT_DIR, `fresh-${alg}-r${round}-warm.txt`),
          c16: path.join(OUT_DIR, `fresh-${alg}-r${round}-c16.txt`),
          c1: path.join(OUT_DIR, `fresh-${alg}-r${round}-c1.txt`),
        };
        fs.writeFileSync(files.warm, mine.slice(0, FRESH_WARM).join('\n'));
        fs.writeFileSync(files.c16, mine.slice(FRESH_WARM, FRESH_WARM + FRESH).join('\n'));
        fs.writeFileSync(files.c1, mine.slice(FRESH_WARM + FRESH).join('\n'));
        pools[alg].push(files);
      }
    }

    const cells = [];
    for (const w of workloads) {
      const header =
        w.kind === 'basic' ? `authorization: ${basicAuthorization(...CLIENT)}` : `authorization: Bearer ${repeated[w.alg]}`;
      const runs = Object.fromEntries(w.workers.map((id) => [id, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < w.workers.length; i++) {
          const id = w.workers[(i + round) % w.workers.length];
          const target = `${url(id)}${PATH}`;
          if (workerd.exited()) throw new Error(`workerd exited: ${JSON.stringify(workerd.exited())}`);
          // Warm-up (keys fetched, the measured path's code hot). A fresh
          // workload warms up with fresh tokens set aside for it: a repeated
          // token would warm a peer's verifying path but only ours'
          // remembered-token path, and leave ours' verifying code cold.
          let c16;
          let c1;
          if (w.kind === 'fresh') {
            const pool = pools[w.alg][round];
            await driver({ url: target, tokensFile: pool.warm, connections: 4, seconds: 30 });
            c16 = await driver({ url: target, tokensFile: pool.c16, connections: 16, seconds: SECONDS, pid: workerd.pid });
            c1 = await driver({ url: target, tokensFile: pool.c1, connections: 1, seconds: SECONDS_C1_FRESH, pid: workerd.pid });
          } else {
            await oha({ bin: OHA, url: target, header, connections: 4, requests: 300 });
            c16 = await oha({ bin: OHA, url: target, header, connections: 16, seconds: SECONDS, pid: workerd.pid });
          }
          runs[id].push({ c16, c1 });
          log(
            `${w.id} ${id} round ${round + 1}: ${c16.rps.toFixed(0)} req/s @16, ` +
              (c1 ? `p50 ${c1.p50_ms.toFixed(3)} ms @1, ` : '') +
              `${((c16.cpu_ms * 1000) / c16.requests).toFixed(0)} µs CPU/req` +
              (c16.ok === c16.requests && (!c1 || c1.ok === c1.requests)
                ? ''
                : ` NOT ALL 200: ${JSON.stringify(c16.statuses)} ${JSON.stringify(c1?.statuses)}`),
          );
        }
      }
      // A repeated token (or Basic) at one connection: short runs, the
      // workers in turn, after every worker is warm from the runs above.
      const c1Runs = Object.fromEntries(w.workers.map((id) => [id, runs[id].map((r) => r.c1).filter(Boolean)]));
      if (w.kind !== 'fresh') {
        for (let round = 0; round < C1_ROUNDS; round++) {
          for (let i = 0; i < w.workers.length; i++) {
            const id = w.workers[(i + round) % w.workers.length];
            if (workerd.exited()) throw new Error(`workerd exited: ${JSON.stringify(workerd.exited())}`);
            const c1 = await oha({ bin: OHA, url: `${url(id)}${PATH}`, header, connections: 1, seconds: SECONDS_C1, pid: workerd.pid });
            if (c1.ok !== c1.requests || !c1.requests) {
              log(`${w.id} ${id} @1 round ${round + 1}: NOT ALL 200: ${JSON.stringify(c1.statuses)}, ${c1.errors} errors`);
            }
            c1Runs[id].push(c1);
          }
        }
      }
      for (const id of w.workers) {
        const rounds = runs[id];
        const c16 = rounds.map((r) => r.c16).reduce((a, b) => (b.rps > a.rps ? b : a));
        const c1 = oneConnection(c1Runs[id]);
        log(`${w.id} ${id} @1: p50 ${c1.p50_ms?.toFixed(3)} ms, the median of ${c1.p50_runs_ms.map((x) => x.toFixed(3)).join(' ')}`);
        // A fresh workload's one-connection runs are already in `rounds`.
        const c1_runs = w.kind === 'fresh' ? undefined : c1Runs[id];
        cells.push({ workload: w.id, kind: w.kind, alg: w.alg, worker: id, c16, c1, rounds, c1_runs });
      }
    }

    const sizes = Object.fromEntries(ids.map((id) => [id, built[id].size]));
    const result = {
      started: started.toISOString(),
      finished: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
        kernel: os.release(),
        loadavg_start: load0,
        loadavg_end: os.loadavg(),
      },
      versions: {
        node: process.version,
        workerd: JSON.parse(fs.readFileSync(path.join(path.dirname(WORKERD), '..', 'package.json'), 'utf8')).version,
        jose: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/jose/package.json'), 'utf8')).version,
        tsndr: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@tsndr/cloudflare-worker-jwt/package.json'), 'utf8')).version,
      },
      settings: { seconds: SECONDS, seconds_c1: SECONDS_C1, seconds_c1_fresh: SECONDS_C1_FRESH, c1_rounds: C1_ROUNDS, fresh: FRESH, fresh_c1: FRESH_C1, fresh_warm: FRESH_WARM, rounds: ROUNDS, path: PATH },
      cpu_per_request_from_workerd: 'n/a: bare workerd reports no per-request CPU; cpu_us_per_req is workerd process CPU (/proc) over the 16-connection run divided by its requests',
      workerd_startup_ms: startupMs,
      coldStart,
      cache_after_cold_starts: cacheAfterColdStarts,
      sizes,
      cells: derive(cells),
    };
    result.targets = targetsOf(result.cells);
    fs.writeFileSync(OUT_JSON, `${JSON.stringify(result, null, 2)}\n`);
    const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
    const text =
      `${table(result)}\n\n` +
      `${targetTable([{ label: 'this run', targets: result.targets }])}\n\n` +
      `Run ${result.started.slice(0, 16).replace('T', ' ')} UTC on ${result.machine.cpus} cores ` +
      `(${result.machine.model}, ${result.machine.memGiB} GiB), load average ${load(result.machine.loadavg_start)} ` +
      `at start and ${load(result.machine.loadavg_end)} at end; workerd ${result.versions.workerd}, ` +
      `node ${result.versions.node}, ${ROUNDS} rounds of ${SECONDS} s (@16); @1 the median of ${C1_ROUNDS} runs of ` +
      `${SECONDS_C1} s (repeated token, Basic) or ${ROUNDS} of ${FRESH_C1} fresh tokens.\n`;
    // The same text as Markdown, to paste into the README.
    fs.writeFileSync(OUT_JSON.replace(/\.json$/, '.md'), text);
    process.stdout.write(`\n${text}written: ${path.relative(ROOT, OUT_JSON)} and .md\n`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack || err}\n`);
  process.exit(1);
});
