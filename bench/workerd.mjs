// The one workerd process of a benchmark run: started in its own process
// group (so stopping it ends everything it started), output to a log file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** workerd serve <configFile>, from the config's folder (its embeds are
 * relative); `extra`: more arguments (the A/B's `--inspector-addr`). */
export function startWorkerd(workerdBin, configFile, logFile, extra = []) {
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(workerdBin, ['serve', path.basename(configFile), ...extra], {
    cwd: path.dirname(configFile),
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  return {
    pid: child.pid,
    logFile,
    exited: () => exited,
    stop() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}
