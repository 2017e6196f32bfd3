// A tiny static file server for the browser page (www/): what "serve the
// folder as it is" means in the demo and the browser tests. GET and HEAD
// only, no directory listings, nothing outside the root, and the MIME
// types a module page needs (application/wasm for streaming compilation).
//
// startStatic({ root, port = 0, host = '127.0.0.1' }) -> Promise<Server>
//   Server: url, port, requests (every path asked for, in order), stop()
//
// CLI: node tests/support/static.mjs [--root www] [--port 9402]

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runIfMain } from './cli.mjs';
import { closeServer } from './net.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

export async function startStatic({ root = path.join(REPO_ROOT, 'www'), port = 0, host = '127.0.0.1' } = {}) {
  const base = fs.realpathSync(root);
  const requests = [];
  const server = http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requests.push(pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file = path.join(base, pathname);
    if (pathname.endsWith('/')) file = path.join(file, 'index.html');
    let real;
    try {
      real = fs.realpathSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (real !== base && !real.startsWith(base + path.sep)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const stat = fs.statSync(real);
    if (!stat.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(real)] || 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // The page talks to nothing but what the user asks it to fetch.
      'referrer-policy': 'no-referrer',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(real).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    requests,
    async stop() {
      await closeServer(server);
    },
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const opts = { root: path.join(REPO_ROOT, 'www'), port: 9402 };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split('=', 2);
    const v = inline ?? argv[++i];
    if (k === 'root') opts.root = path.resolve(v);
    else if (k === 'port') opts.port = Number(v);
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  const s = await startStatic(opts);
  process.stdout.write(`serving ${opts.root} at ${s.url}\n`);
  return s;
}

runIfMain(import.meta.url, main);
