// The workerd config: one service and one loopback socket per worker, every
// worker's global fetch through a network service that may reach loopback
// (the origin and the issuers run on 127.0.0.1; workerd's default
// "internet" service allows public addresses only), and `caches.default`
// backed by bench/cache.mjs on cachePort.
import * as path from 'node:path';

// Cap'n Proto text literals take the same escapes as JSON strings here
// (quotes, backslashes; the configs are ASCII).
const str = (s) => JSON.stringify(String(s));

function binding({ name, text, json }) {
  if (json !== undefined) return `(name = ${str(name)}, json = ${str(JSON.stringify(json))})`;
  return `(name = ${str(name)}, text = ${str(text)})`;
}

function workerConst(id, worker, configDir, compatibilityDate) {
  const modules = worker.modules
    .map((m) => `      (name = ${str(m.name)}, ${m.kind} = embed ${str(path.relative(configDir, m.file))})`)
    .join(',\n');
  return `const ${id} :Workerd.Worker = (
  modules = [
${modules}
  ],
  compatibilityDate = ${str(compatibilityDate)},
  bindings = [
    ${worker.bindings.map(binding).join(',\n    ')}
  ],
  globalOutbound = "loopback-net",
  cacheApiOutbound = "cache",
);
`;
}

/** workers: [{ id, port, modules, bindings }] -> capnp text. */
export function workerdConfig(workers, { configDir, compatibilityDate, cachePort, v8Flags = [] }) {
  const services = workers.map((w) => `    (name = ${str(w.id)}, worker = .${w.id}Worker),`).join('\n');
  const sockets = workers
    .map((w) => `    (name = ${str(w.id)}, address = ${str(`127.0.0.1:${w.port}`)}, http = (), service = ${str(w.id)}),`)
    .join('\n');
  return `# Written by bench/run.mjs for one benchmark run.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${services}
    (name = "loopback-net", network = (allow = ["public", "private", "local"])),
    (name = "cache", external = (address = ${str(`127.0.0.1:${cachePort}`)}, http = ())),
  ],
  sockets = [
${sockets}
  ],${v8Flags.length ? `\n  v8Flags = [${v8Flags.map(str).join(', ')}],` : ''}
);

${workers.map((w) => workerConst(`${w.id}Worker`, w, configDir, compatibilityDate)).join('\n')}`;
}
