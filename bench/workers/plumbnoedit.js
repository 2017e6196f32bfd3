// `plumb` without the header edits: the request goes to origin with its
// headers as sent (bench/ab.mjs, AB_PEERS). Over `plumb`, what removing
// x-auth-* and setting the identity headers costs. Never a real worker.
import { plumbing } from './plumb.js';

export default plumbing({ edit: false });
