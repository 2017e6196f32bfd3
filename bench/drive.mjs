// The load driver for the fresh-token workload: oha sends one fixed header,
// so this sends each token from a file exactly once, over `connections`
// keep-alive connections, until the tokens or the time run out.
//
//   node bench/drive.mjs --url URL --tokens FILE --connections 16 --seconds 5
//
// Prints one JSON object: requests, statuses, seconds, rps, p50_ms, p99_ms,
// errors. Each connection sends its next request when the previous answer
// is read in full, as oha does.
import * as fs from 'node:fs';
import * as http from 'node:http';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function get(agent, url, token) {
  return new Promise((resolve) => {
    const req = http.request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const url = new URL(args.url);
  const tokens = fs.readFileSync(args.tokens, 'utf8').split('\n').filter(Boolean);
  const connections = Number(args.connections ?? 16);
  const deadline = performance.now() + Number(args.seconds ?? 5) * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = {};
  let next = 0;
  let errors = 0;

  async function connection() {
    while (next < tokens.length && performance.now() < deadline) {
      const token = tokens[next++];
      const t0 = performance.now();
      const status = await get(agent, url, token);
      latencies.push(performance.now() - t0);
      if (status === 0) errors++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      statuses,
      errors,
      seconds,
      rps: latencies.length / seconds,
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      tokensLeft: tokens.length - next,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
