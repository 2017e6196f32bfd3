// The peers' plumbing around no check at all: every request is allowed as
// one fixed identity. Log line, Server-Timing, the inbound x-auth-* headers
// dropped and the identity headers set, as `withPlumbing` and `toOrigin` do
// for jose and tsndr. Its CPU over pass-through is what any authorizer
// here pays besides deciding (bench/ab.mjs, AB_PLUMB). Never a real worker:
// it lets every request through.
import { withPlumbing } from './common.js';

const ANYONE = { iss: 'plumbing-only', sub: 'plumbing-only', organizationId: 'org-a' };

/** The plumbing with `parts` of it turned off (see `withPlumbing`): its
 * variants, bench/workers/plumbno*.js. */
export const plumbing = (parts) => withPlumbing(async () => ANYONE, parts);

export default plumbing();
