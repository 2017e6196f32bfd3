// Shared set-up of the browser page tests: www/ served statically, Debian's
// Chromium driven by playwright-core, every request the page makes recorded.
//
// startPage() -> Promise<Harness>
//   url          the page's URL (the static server's root)
//   open({ hash = '', colorScheme = 'light', viewport }) -> Promise<Page>
//                a fresh browser context (fresh storage) and page, loaded and
//                ready (body[data-ready]); page.requests lists every URL it
//                asked for since load or the last page.requests.length = 0
//   stop()
//
// Fails at once, with the command to run, if the page's wasm is not built.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { chromium } from 'playwright-core';

import { REPO_ROOT } from '../support/worker.mjs';
import { startStatic } from '../support/static.mjs';

export const WWW = path.join(REPO_ROOT, 'www');
// A test run writes its screenshots under target/, so it leaves the checkout
// as it found it; SCREENSHOTS_DIR=docs/screenshots refreshes the README's.
export const SHOTS = path.resolve(REPO_ROOT, process.env.SCREENSHOTS_DIR || path.join('target', 'screenshots'));

// As the toolchain notes say Chromium must run as root, without a sandbox.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function startPage() {
  const wasm = path.join(WWW, 'pkg', 'edge_authz_bg.wasm');
  if (!fs.existsSync(wasm)) {
    throw new Error(`${wasm} is missing: build the page first (scripts/build-page.sh)`);
  }
  const server = await startStatic({ root: WWW });
  // playwright launches with a fresh temporary user-data-dir each time.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const contexts = [];
  return {
    url: server.url,
    async open({ hash = '', colorScheme = 'light', viewport = { width: 1280, height: 900 } } = {}) {
      const context = await browser.newContext({ colorScheme, viewport });
      contexts.push(context);
      const page = await context.newPage();
      page.requests = [];
      page.errors = [];
      page.on('request', (r) => page.requests.push(r.url()));
      page.on('pageerror', (e) => page.errors.push(e.message));
      await page.goto(server.url + hash);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
      page.requests.length = 0;
      return page;
    },
    async stop() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.stop();
    },
  };
}

/** Types into a field the way a paste does (one input event). */
export async function paste(page, selector, text) {
  await page.fill(selector, text);
}

/** Waits for the page's debounced work to settle. */
export const settle = (page) => page.waitForTimeout(350);

/** A screenshot into SHOTS, with pasted fields shown from their start. */
export async function shot(page, name, opts = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => {
    document.activeElement?.blur();
    for (const t of document.querySelectorAll('textarea')) t.scrollTop = 0;
  });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), ...opts });
}
