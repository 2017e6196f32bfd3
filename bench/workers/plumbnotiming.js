// `plumb` without Server-Timing, so without the copy of the origin's
// response it needs (bench/ab.mjs, AB_PEERS): over `plumb`, what the
// header costs. Never a real worker: it lets every request through.
import { plumbing } from './plumb.js';

export default plumbing({ timing: false });
