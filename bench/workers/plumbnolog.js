// `plumb` without its log line (bench/ab.mjs, AB_PEERS): over `plumb`, what
// the one JSON log line per request costs. Never a real worker: it lets
// every request through.
import { plumbing } from './plumb.js';

export default plumbing({ log: false });
