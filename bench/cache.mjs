// The Cache API behind `caches.default` for the benchmark's workerd. Bare
// workerd has none (caches.default throws "No Cache was configured");
// wrangler dev gets one from miniflare. This is an in-memory one in the
// benchmark's own process, so that it outlives a workerd restart: the second
// cold start then finds what the first one stored.
//
// workerd's cache protocol (cacheApiOutbound): match = GET of the key URL,
// answered with `cf-cache-status: HIT` and the stored response, or `MISS`;
// put = PUT of the key URL whose body is the serialised HTTP/1.1 response;
// delete = PURGE (200 when something was removed, else 404).
import * as http from 'node:http';
import { closeServer, listenLoopback } from '../tests/support/net.mjs';

function maxAgeSeconds(headers) {
  const cc = headers['cache-control'] ?? '';
  if (/\b(no-store|no-cache|private)\b/i.test(cc)) return 0;
  const m = /\bs-maxage=(\d+)/i.exec(cc) ?? /\bmax-age=(\d+)/i.exec(cc);
  return m ? Number(m[1]) : 0;
}

/** "HTTP/1.1 200 OK\r\nname: value\r\n...\r\n\r\nbody" -> parts. */
function parseSerialised(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: buf.subarray(end + 4) };
}

export async function startCache() {
  const store = new Map(); // namespace + url -> { status, headers, body, expires }
  const counts = { hit: 0, miss: 0, put: 0, purge: 0 };
  const server = http.createServer((req, res) => {
    const key = `${req.headers['cf-cache-namespaces'] ?? ''} ${req.url}`;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') {
        const entry = parseSerialised(Buffer.concat(chunks));
        const ttl = entry ? maxAgeSeconds(entry.headers) : 0;
        if (entry && ttl > 0) {
          store.set(key, { ...entry, expires: Date.now() + ttl * 1000 });
          counts.put++;
        }
        res.writeHead(204).end();
      } else if (req.method === 'PURGE') {
        counts.purge++;
        res.writeHead(store.delete(key) ? 200 : 404).end();
      } else {
        const entry = store.get(key);
        if (!entry || entry.expires <= Date.now()) {
          counts.miss++;
          res.writeHead(504, { 'cf-cache-status': 'MISS' }).end();
          return;
        }
        counts.hit++;
        const headers = { ...entry.headers, 'cf-cache-status': 'HIT' };
        delete headers['transfer-encoding'];
        headers['content-length'] = String(entry.body.length);
        res.writeHead(entry.status, headers).end(entry.body);
      }
    });
  });
  const port = await listenLoopback(server, 0);
  return {
    port,
    counts: () => ({ ...counts, entries: store.size }),
    clear: () => store.clear(),
    stop: () => closeServer(server),
  };
}
