// `plumb` without Server-Timing, so without the copy of the origin's
// response it needs (bench/ab.mjs, AB_PEERS): over `plumb`, what the
// header costs. Never a real worker: it lets every request through.
import { withPlumbing } from './common.js';

const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };

export default withPlumbing(async () => ANYONE, { timing: false });
