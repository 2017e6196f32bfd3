// Load runs and the CPU they cost workerd.
//   oha(...)    one fixed Authorization header (repeated token, Basic)
//   driver(...) bench/drive.mjs, one fresh token per request
// Both return { requests, ok, statuses, seconds, rps, p50_ms, p99_ms } and,
// when given workerd's pid, cpu_ms: the user+system CPU time workerd spent
// during the run (/proc/<pid>/stat), of which only one worker was loaded.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (ms) the process has used so far: utime + stime. */
export function processCpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err || out}`));
    });
  });
}

async function measured(pid, fn) {
  const before = pid ? processCpuMs(pid) : null;
  const result = await fn();
  if (pid) result.cpu_ms = processCpuMs(pid) - before;
  return result;
}

/** oha, bounded by time (seconds) and count (requests). */
export function oha({ bin, url, header, connections, seconds, requests, pid }) {
  const args = ['--no-tui', '--output-format', 'json', '-c', String(connections), '-H', header];
  if (seconds) args.push('-z', `${seconds}s`);
  else args.push('-n', String(requests));
  args.push(url);
  return measured(pid, async () => {
    const out = JSON.parse(await run(bin, args, ((seconds ?? 60) + 30) * 1000));
    const statuses = out.statusCodeDistribution ?? {};
    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    const errors = Object.values(out.errorDistribution ?? {}).reduce((a, b) => a + b, 0);
    const pct = out.latencyPercentiles ?? {};
    return {
      requests: total,
      ok: statuses['200'] ?? 0,
      statuses,
      errors,
      seconds: out.summary.total,
      rps: total / out.summary.total,
      p50_ms: pct.p50 == null ? null : pct.p50 * 1000,
      p99_ms: pct.p99 == null ? null : pct.p99 * 1000,
    };
  });
}

/** bench/drive.mjs over a file of tokens, each sent once. */
export function driver({ url, tokensFile, connections, seconds, pid }) {
  const args = [path.join(HERE, 'drive.mjs'), '--url', url, '--tokens', tokensFile];
  args.push('--connections', String(connections), '--seconds', String(seconds));
  return measured(pid, async () => {
    const out = JSON.parse(await run(process.execPath, args, (seconds + 30) * 1000));
    return { ...out, ok: out.statuses['200'] ?? 0 };
  });
}
