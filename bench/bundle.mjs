// The workers as workerd modules, and what each costs to ship (gzip -9).
//   ours: the worker-build output (build/worker/shim.mjs, build/index.js,
//         build/index_bg.wasm), copied as it is
//   jose, tsndr, plumb, pass: bench/workers/*.js bundled by esbuild into one module
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';

const gzipSize = (buf) => zlib.gzipSync(buf, { level: 9 }).length;

function sized(files) {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const buf = fs.readFileSync(f);
    raw += buf.length;
    gzip += gzipSize(buf);
  }
  return { raw, gzip };
}

/** Copies ours into outDir/ours; returns the workerd modules and the size. */
export function stageOurs(root, outDir) {
  const dir = path.join(outDir, 'ours');
  fs.mkdirSync(path.join(dir, 'worker'), { recursive: true });
  // shim.mjs imports '../index.js', which imports './index_bg.wasm': the
  // module names keep build/'s layout so the relative imports resolve.
  const files = [
    ['worker/shim.mjs', 'esModule'],
    ['index.js', 'esModule'],
    ['index_bg.wasm', 'wasm'],
  ];
  for (const [name] of files) {
    const from = path.join(root, 'build', name);
    if (!fs.existsSync(from)) throw new Error(`${from} is missing: run the worker build first`);
    fs.copyFileSync(from, path.join(dir, name));
  }
  const wasm = sized([path.join(dir, 'index_bg.wasm')]);
  const js = sized([path.join(dir, 'worker/shim.mjs'), path.join(dir, 'index.js')]);
  return {
    modules: files.map(([name, kind]) => ({ name, kind, file: path.join(dir, name) })),
    size: { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip, wasm, js },
  };
}

/** Bundles one JS worker (minified ESM, workerd conditions) into outDir. */
export async function bundlePeer(root, outDir, name) {
  const outfile = path.join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [path.join(root, 'bench', 'workers', `${name}.js`)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    minify: true,
    logLevel: 'warning',
  });
  return {
    modules: [{ name: `${name}.mjs`, kind: 'esModule', file: outfile }],
    size: sized([outfile]),
  };
}
