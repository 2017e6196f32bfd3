// `plumb` without the header edits: the request goes to origin with its
// headers as sent (bench/ab.mjs, AB_PEERS). Over `plumb`, what removing
// x-auth-* and setting the identity headers costs. Never a real worker.
import { withPlumbing } from './common.js';

const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };

export default withPlumbing(async () => ANYONE, { edit: false });
