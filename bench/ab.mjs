// A controlled A/B of worker builds (README, "Edge benchmark"): the
// variants of ours, `jose` and pass-through in ONE workerd, driven in turn
// round after round (the order turning each round), so that the machine's
// drift falls on all of them alike. It prints workerd's CPU per request for
// each (the median over the rounds) and that minus pass-through's: the
// figure bench/run.mjs calls "decision µs/req", but steadier, since the
// variants share every minute of the run.
//
//   node bench/ab.mjs                       # build/ against jose, fresh RS256
//   AB_VARIANTS=before=target/ab/before,after=build node bench/ab.mjs
//
// A variant is a folder laid out as build/ is (worker/shim.mjs, index.js,
// index_bg.wasm). Settings: AB_KIND (fresh | repeat, default fresh), AB_ALG
// (RS256 | ES256 | EdDSA, default RS256), AB_ROUNDS (default 4), AB_N
// (requests per measured run, default 2000), AB_WARM (requests each worker
// is warmed up with: fresh tokens, or the repeated one; default 300), AB_V8FLAGS (space-separated V8 flags for workerd, to test
// a runtime setting), AB_PROFILE (a worker's name: a V8 CPU profile of its
// measured runs, written to target/bench-ab/<name>.cpuprofile and summed up
// by function; profiling slows it, so its CPU figures are not comparable).
// AB_CLAIMS=keycloak gives the tokens Keycloak's usual claims besides
// (see clients() below; default plain). AB_NO_JOSE=1 leaves jose out
// (variants against each other only); AB_C sets the connections
// (default 16; fewer leave the machine idle time, which steadies the
// figures on a shared one). AB_PLUMB=1 adds `plumb`,
// the peers' log line, Server-Timing and header edits around no check
// (bench/workers/plumb.js): over pass-through, what every worker here pays
// besides deciding. AB_PEERS (names of bench/workers/*.js, comma-separated)
// adds those workers, unchecked: a variant of the plumbing, say. AB_PERF
// (worker names, comma-separated; Linux `perf`) records the workerd
// process during those workers' runs and splits their CPU per request
// into wasm, JS, the runtime's C++ and the kernel, then
// lists the symbols that cost the first named worker most over each other
// (bench/perf.mjs; add AB_V8FLAGS=--perf-basic-prof to name JIT code;
// AB_PERF_G=1 records call stacks as well, for `perf script` on the
// target/bench-ab/<worker>-<round>.perf.data files).
// Recording costs the recorded runs some CPU: compare the CPU column only
// among workers all recorded or all not.
// Each worker has its own isolate, so every worker gets the same fresh
// tokens and none is sent twice to one worker.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEFAULT_CLIENTS, getToken, startIssuer } from '../tests/support/issuer.mjs';
import { startOrigin } from '../tests/support/origin.mjs';
import { freePort } from '../tests/support/worker.mjs';
import { bundlePeer } from './bundle.mjs';
import * as perfSplit from './perf.mjs';
import * as profiler from './profile.mjs';
import { startCache } from './cache.mjs';
import { workerdConfig } from './capnp.mjs';
import { driver, oha } from './load.mjs';
import { median } from './report.mjs';
import { startWorkerd, waitForPort } from './workerd.mjs';
import { checkWorker, ourAuthz, peerBindings, tokenPool } from './workers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'target', 'bench-ab');
const WORKERD = path.join(ROOT, 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd');
const OHA = process.env.OHA ?? path.join(os.homedir(), '.cargo', 'bin', 'oha');
const KIND = process.env.AB_KIND ?? 'fresh';
const ALG = process.env.AB_ALG ?? 'RS256';
const ROUNDS = Number(process.env.AB_ROUNDS ?? 4);
const N = Number(process.env.AB_N ?? 2000);
const WARM = Number(process.env.AB_WARM ?? 300);
const PATH = '/orgs/org-a/items';
const CLIENT = ['svc-a', 'svc-a-secret'];
const V8FLAGS = (process.env.AB_V8FLAGS ?? '').split(' ').filter(Boolean);
const PROFILE = process.env.AB_PROFILE ?? '';
const NO_JOSE = process.env.AB_NO_JOSE === '1';
const PLUMB = process.env.AB_PLUMB === '1';
const PEERS = (process.env.AB_PEERS ?? '').split(',').filter(Boolean);
const PERF = (process.env.AB_PERF ?? '').split(',').filter(Boolean);
const CONNECTIONS = Number(process.env.AB_C ?? 16);
const CLAIMS = process.env.AB_CLAIMS ?? 'plain';

/** With AB_CLAIMS=keycloak, svc-a's tokens carry what a Keycloak service
 * account's access token carries besides (the run logs their length),
 * much as the `RS256 Keycloak` case of benches/decide.rs does: most of a
 * new token's work in our core grows with its claims, and real Keycloak
 * tokens carry more than oidc-provider's. */
function clients() {
  if (CLAIMS === 'plain') return DEFAULT_CLIENTS;
  if (CLAIMS !== 'keycloak') throw new Error(`AB_CLAIMS: want plain or keycloak, got ${CLAIMS}`);
  const session = '8d4e6c1a-7f3b-4c2d-9e5a-1b0c2d3e4f5a';
  const keycloak = {
    session_state: session,
    sid: session,
    acr: '1',
    'allowed-origins': ['https://console.example.com'],
    resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } },
    clientHost: '10.0.12.7',
    clientAddress: '10.0.12.7',
    email_verified: false,
  };
  return DEFAULT_CLIENTS.map((c) =>
    c.clientId === CLIENT[0]
      ? { ...c, roles: ['offline_access', 'uma_authorization', ...c.roles, 'default-roles-scpcloud'], claims: { ...c.claims, ...keycloak } }
      : c,
  );
}

const log = (...a) => process.stderr.write(`ab: ${a.join(' ')}\n`);

function variants() {
  const spec = process.env.AB_VARIANTS ?? 'ours=build';
  return spec.split(',').filter(Boolean).map((item) => {
    const [name, dir] = item.split('=');
    // It names a Cap'n Proto constant and a folder.
    if (!/^[a-z][a-z0-9]*$/.test(name ?? '') || !dir) throw new Error(`AB_VARIANTS: want name=folder with a lower-case name, got ${item}`);
    const from = path.resolve(ROOT, dir);
    // Copied, so that a rebuild during the run changes nothing measured.
    const to = path.join(OUT_DIR, name);
    fs.mkdirSync(path.join(to, 'worker'), { recursive: true });
    const files = [
      ['worker/shim.mjs', 'esModule'],
      ['index.js', 'esModule'],
      ['index_bg.wasm', 'wasm'],
    ];
    for (const [f] of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
    return { id: name, modules: files.map(([f, kind]) => ({ name: f, kind, file: path.join(to, f) })) };
  });
}

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  if (KIND === 'repeat' && !fs.existsSync(OHA)) throw new Error(`oha not found at ${OHA} (scripts/bench-edge.sh installs it)`);
  const ours = variants();
  const jose = await bundlePeer(ROOT, OUT_DIR, 'jose');
  const pass = await bundlePeer(ROOT, OUT_DIR, 'passthrough');
  const plumb = PLUMB ? await bundlePeer(ROOT, OUT_DIR, 'plumb') : null;
  const peers = [];
  const taken = new Set(['jose', 'pass', 'plumb', ...ours.map((v) => v.id)]);
  for (const name of PEERS) {
    if (!/^[a-z][a-z0-9]*$/.test(name)) throw new Error(`AB_PEERS: want lower-case names of bench/workers/*.js, got ${name}`);
    // Reserved whether or not this run has them.
    if (taken.has(name)) throw new Error(`AB_PEERS: ${name} is reserved: jose, pass and plumb are this script's own workers (plumb runs with AB_PLUMB=1), and AB_VARIANTS names the variants`);
    taken.add(name);
    peers.push({ id: name, modules: (await bundlePeer(ROOT, OUT_DIR, name)).modules });
  }
  const origin = await startOrigin();
  const cache = await startCache();
  const idp = await startIssuer({ realm: `ab-${ALG.toLowerCase()}`, alg: ALG, accessTokenTtl: 3600, clients: clients() });
  const issuers = { [ALG]: idp };
  const workers = [
    ...ours.map((v) => ({ ...v, bindings: [{ name: 'AUTHZ', json: ourAuthz(origin, issuers, [ALG]) }] })),
    { id: 'jose', modules: jose.modules, bindings: peerBindings(origin, issuers, [ALG]) },
    { id: 'pass', modules: pass.modules, bindings: peerBindings(origin, issuers, [ALG]) },
    ...(plumb ? [{ id: 'plumb', modules: plumb.modules, bindings: peerBindings(origin, issuers, [ALG]) }] : []),
    ...peers.map((p) => ({ ...p, bindings: peerBindings(origin, issuers, [ALG]) })),
  ].filter((w) => !(NO_JOSE && ours.length && w.id === 'jose'));
  for (const w of workers) w.port = await freePort();
  const configFile = path.join(OUT_DIR, 'ab.capnp');
  const compat = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8').match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1];
  fs.writeFileSync(configFile, workerdConfig(workers, { configDir: OUT_DIR, compatibilityDate: compat, cachePort: cache.port, v8Flags: V8FLAGS }));
  const inspector = PROFILE ? await freePort() : null;
  const extra = inspector ? [`--inspector-addr=127.0.0.1:${inspector}`] : [];
  const workerd = startWorkerd(WORKERD, configFile, path.join(OUT_DIR, 'workerd.log'), extra);
  let prof = null;
  try {
    await Promise.all(workers.map((w) => waitForPort(w.port, 30000)));
    if (PROFILE) prof = await profiler.connect(inspector, PROFILE);
    const url = (w) => `http://127.0.0.1:${w.port}${PATH}`;
    const repeated = await getToken(idp, ...CLIENT);
    log(`${ALG} tokens of ${repeated.length} bytes (AB_CLAIMS=${CLAIMS})`);
    // plumb lets everything through: only its plumbing is checked.
    for (const w of workers) if (!PEERS.includes(w.id)) await checkWorker(w.id, `http://127.0.0.1:${w.port}`, PATH, repeated, origin);

    // Fresh tokens go by bench/drive.mjs (oha cannot vary headers), each
    // round from its own file; a repeated token is measured by oha and
    // warmed up by the driver, from a file of the one token.
    const files = [];
    if (KIND === 'repeat') {
      files.warm = path.join(OUT_DIR, 'repeat-warm.txt');
      fs.writeFileSync(files.warm, Array(WARM).fill(repeated).join('\n'));
    } else {
      log(`fetching ${WARM + ROUNDS * N} ${ALG} tokens`);
      const all = await tokenPool(idp, WARM + ROUNDS * N, CLIENT);
      const write = (name, list) => {
        const f = path.join(OUT_DIR, name);
        fs.writeFileSync(f, list.join('\n'));
        return f;
      };
      files.warm = write('warm.txt', all.slice(0, WARM));
      for (let r = 0; r < ROUNDS; r++) files.push(write(`round-${r}.txt`, all.slice(WARM + r * N, WARM + (r + 1) * N)));
    }
    for (const w of workers) await driver({ url: url(w), tokensFile: files.warm, connections: 4, seconds: 30 });
    const cpu = Object.fromEntries(workers.map((w) => [w.id, []]));
    const p50 = Object.fromEntries(workers.map((w) => [w.id, []]));
    const profiles = [];
    const perfRuns = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < workers.length; i++) {
        const w = workers[(i + r) % workers.length];
        if (prof && w.id === PROFILE) await prof.start();
        const perfFile = path.join(OUT_DIR, `${w.id}-${r}.perf.data`);
        const perf = PERF.includes(w.id) ? spawn('perf', perfSplit.recordArgs(workerd.pid, perfFile), { stdio: 'ignore' }) : null;
        // perf attaches to the process's threads before it samples them.
        if (perf) await new Promise((resolve) => setTimeout(resolve, 300));
        // A repeated token goes by oha, as in the edge table: its latencies
        // are steadier than a node client's.
        const run =
          KIND === 'repeat'
            ? await oha({ bin: OHA, url: url(w), header: `authorization: Bearer ${repeated}`, connections: CONNECTIONS, requests: N, pid: workerd.pid })
            : await driver({ url: url(w), tokensFile: files[r], connections: CONNECTIONS, seconds: 120, pid: workerd.pid });
        if (prof && w.id === PROFILE) profiles.push(await prof.stop());
        if (perf) {
          await new Promise((resolve) => {
            perf.on('exit', resolve);
            perf.kill('SIGINT');
          });
          (perfRuns[w.id] ??= { files: [], requests: 0 }).files.push(perfFile);
          perfRuns[w.id].requests += run.requests;
        }
        if (run.ok !== run.requests) throw new Error(`${w.id}: not all 200: ${JSON.stringify(run.statuses)}`);
        const us = (run.cpu_ms * 1000) / run.requests;
        cpu[w.id].push(us);
        p50[w.id].push(run.p50_ms * 1000);
        log(`round ${r + 1} ${w.id}: ${us.toFixed(0)} µs CPU/req, ${run.rps.toFixed(0)} req/s, p50 ${(run.p50_ms * 1000).toFixed(0)} µs`);
      }
    }
    const floor = median(cpu.pass);
    const floorP50 = median(p50.pass);
    process.stdout.write(`\n${KIND} ${ALG}, ${ROUNDS} rounds of ${N} at ${CONNECTIONS} connections, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
    // p50 is oha's for a repeated token, bench/drive.mjs's (a node client,
    // slower) for fresh ones: for comparing workers within this run only.
    process.stdout.write('| worker | CPU µs/req (median) | over pass-through | rounds | p50 µs (median) | +p50 over pass-through |\n|---|---:|---:|---|---:|---:|\n');
    for (const w of workers) {
      const m = median(cpu[w.id]);
      const over = w.id === 'pass' ? '-' : (m - floor).toFixed(0);
      const l = median(p50[w.id]);
      const added = w.id === 'pass' ? '-' : (l - floorP50).toFixed(0);
      process.stdout.write(`| ${w.id} | ${m.toFixed(0)} | ${over} | ${cpu[w.id].map((x) => x.toFixed(0)).join(' ')} | ${l.toFixed(0)} | ${added} |\n`);
    }
    if (Object.keys(perfRuns).length) {
      const per = Object.fromEntries(PERF.filter((id) => perfRuns[id]).map((id) => [id, perfSplit.bySymbol(perfRuns[id].files, perfRuns[id].requests)]));
      process.stdout.write(`\nperf, µs per request (target/bench-ab/<worker>-<round>.perf.data)\n${perfSplit.report(per)}\n`);
    }
    if (profiles.length) {
      profiles.forEach((p, i) => fs.writeFileSync(path.join(OUT_DIR, `${PROFILE}-${i}.cpuprofile`), JSON.stringify(p)));
      const merged = { nodes: [], samples: [], timeDeltas: [] };
      let offset = 0;
      for (const p of profiles) {
        for (const n of p.nodes) merged.nodes.push({ ...n, id: n.id + offset });
        merged.samples.push(...p.samples.map((s) => s + offset));
        merged.timeDeltas.push(...p.timeDeltas);
        offset += Math.max(...p.nodes.map((n) => n.id));
      }
      process.stdout.write(`\nprofile of ${PROFILE} (target/bench-ab/${PROFILE}-*.cpuprofile)\n${profiler.summary(merged)}\n`);
    }
  } finally {
    prof?.close();
    workerd.stop();
    await origin.stop();
    await cache.stop();
    await idp.stop();
  }
}

if (PROFILE && typeof WebSocket === 'undefined') {
  // Node 20: the inspector client needs its WebSocket.
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

main().catch((err) => {
  process.stderr.write(`ab: ${err.stack || err}\n`);
  process.exit(1);
});
