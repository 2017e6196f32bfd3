// V8 CPU profiles of one worker in a workerd started with --inspector-addr
// (bench/ab.mjs, AB_PROFILE), and where their time goes by function.
// Node 20 has WebSocket behind --experimental-websocket; ab.mjs re-runs
// itself with it.

/** Connects to the inspector target of `service`. */
export async function connect(inspectorPort, service) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
  const target = list.find((t) => t.title === service || t.url?.endsWith(`/${service}`) || t.id === service) ?? null;
  if (!target) throw new Error(`no inspector target for ${service}: ${JSON.stringify(list.map((t) => t.title ?? t.id))}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`inspector of ${service}: cannot connect`));
  });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.id && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      id += 1;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 50 });
  return {
    start: () => send('Profiler.start'),
    stop: async () => (await send('Profiler.stop')).profile,
    close: () => ws.close(),
  };
}

/** Self time per function (and per kind: wasm, JS, runtime), share of all samples. */
export function summary(profile, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const kinds = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    // Waiting for work: not a cost of anything.
    if (name === '(idle)') continue;
    const where = f.url ? f.url.replace(/^.*\//, '') : '';
    const key = `${name} ${where}`.trim();
    // V8 gives wasm frames the module's URL (or none with a stripped name
    // section: "$func123"); "(program)" is the runtime's own C++.
    const kind = /^\(/.test(name) ? name : /\.wasm/.test(where) || /^(\$func\d+|wasm-function\[\d+\])$/.test(name) ? 'wasm' : f.url ? 'js' : 'builtin';
    self.set(key, (self.get(key) ?? 0) + dt);
    kinds.set(kind, (kinds.get(kind) ?? 0) + dt);
    total += dt;
  }
  const pct = (x) => `${((100 * x) / total).toFixed(1)}%`;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `busy samples over ${(total / 1000).toFixed(0)} ms; by kind: ${[...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}`,
    ...rows.map(([k, v]) => `  ${pct(v).padStart(6)}  ${k}`),
  ].join('\n');
}
