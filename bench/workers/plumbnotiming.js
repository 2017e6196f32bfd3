// `plumb` without Server-Timing, so without the copy of the origin's
// response it needs (bench/ab.mjs, AB_PEERS): over `plumb`, what the
// header costs. Never a real worker: it lets every request through.
import { toOrigin } from './common.js';
const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };
export default {
  async fetch(request, env) {
    const started = Date.now();
    const url = new URL(request.url);
    const log = { authz: { decision: 'deny', code: null }, method: request.method, path: url.pathname };
    Object.assign(log.authz, { decision: 'allow', issuer: ANYONE.iss, subject: ANYONE.sub, org: ANYONE.organizationId });
    const answer = await toOrigin(request, env, url, ANYONE);
    log.dur_ms = Date.now() - started;
    console.log(JSON.stringify(log));
    return answer;
  },
};
