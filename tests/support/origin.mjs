// An echo origin for the end-to-end tests and the demo.
//
// startOrigin({ port = 0 } = {}) -> Promise<{ url, port, requests, stop(), reset(), last() }>
//   Every request is answered 200 with JSON
//     { method, path, query, headers, body }
//   (headers with lowercased names; a header sent several times is an array;
//   query is an object of string or string-array values; body is the request
//   body as text) and the same object is appended to `requests`.
//   url: 'http://127.0.0.1:<port>'. last() -> the newest recorded request.
//   reset() empties `requests`. stop() -> Promise<void>.
//   The response also carries `x-origin: echo` so tests can tell an origin
//   answer from one the worker made itself.
//
// CLI: node tests/support/origin.mjs [--port 9401]   (logs one line per request)

import * as http from 'node:http';
import { runIfMain } from './cli.mjs';
import { listenLoopback, closeServer } from './net.mjs';

function headersOf(req) {
  const out = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name in out) {
      out[name] = Array.isArray(out[name]) ? [...out[name], value] : [out[name], value];
    } else {
      out[name] = value;
    }
  }
  return out;
}

function queryOf(search) {
  const out = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (k in out) out[k] = Array.isArray(out[k]) ? [...out[k], v] : [out[k], v];
    else out[k] = v;
  }
  return out;
}

export async function startOrigin({ port = 0, onRequest } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url || '/', 'http://origin.invalid');
      const record = {
        method: req.method,
        path: url.pathname,
        query: queryOf(url.search),
        headers: headersOf(req),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(record);
      if (onRequest) onRequest(record);
      const json = JSON.stringify(record);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
        'x-origin': 'echo',
      });
      res.end(req.method === 'HEAD' ? undefined : json);
    });
  });
  const actualPort = await listenLoopback(server, port);
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    last: () => requests[requests.length - 1],
    reset() {
      requests.length = 0;
    },
    async stop() {
      await closeServer(server);
    },
  };
}

async function main() {
  const argv = process.argv.slice(2);
  let port = 9401;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i].startsWith('--port=')) port = Number(argv[i].slice(7));
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  const origin = await startOrigin({
    port,
    onRequest: (r) => {
      const auth = r.headers.authorization ? ' (authorization present)' : '';
      const org = r.headers['x-auth-org'] ? ` x-auth-org=${r.headers['x-auth-org']}` : '';
      process.stdout.write(`origin: ${r.method} ${r.path}${org}${auth}\n`);
    },
  });
  process.stdout.write(`echo origin on ${origin.url}\n`);
  return origin;
}

runIfMain(import.meta.url, main);
