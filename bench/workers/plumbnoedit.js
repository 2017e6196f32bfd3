// `plumb` without the header edits: the request goes to origin with its
// headers as sent (bench/ab.mjs, AB_PEERS). Over `plumb`, what removing
// x-auth-* and setting the identity headers costs. Never a real worker.
import { toOrigin } from './common.js';
export default {
  async fetch(request, env) {
    const started = Date.now();
    const url = new URL(request.url);
    const log = { authz: { decision: 'allow', code: null }, method: request.method, path: url.pathname };
    const timing = `authz;dur=${Date.now() - started}`;
    const answer = await toOrigin(request, env, url, null);
    const response = new Response(answer.body, answer);
    response.headers.append('server-timing', timing);
    log.dur_ms = Date.now() - started;
    console.log(JSON.stringify(log));
    return response;
  },
};
