// `plumb` without its log line (bench/ab.mjs, AB_PEERS): over `plumb`, what
// the one JSON log line per request costs. Never a real worker: it lets
// every request through.
import { withPlumbing } from './common.js';

const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };

export default withPlumbing(async () => ANYONE, { log: false });
