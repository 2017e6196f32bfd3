// `plumb` without its log line (bench/ab.mjs, AB_PEERS): over `plumb`, what
// the one JSON log line per request costs. Never a real worker: it lets
// every request through.
import { toOrigin } from './common.js';
const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };
export default {
  async fetch(request, env) {
    const started = Date.now();
    const url = new URL(request.url);
    const timing = `authz;dur=${Date.now() - started}`;
    const answer = await toOrigin(request, env, url, ANYONE);
    const response = new Response(answer.body, answer);
    response.headers.append('server-timing', timing);
    return response;
  },
};
