// The page's entry: loads the core (the crate built with wasm-bindgen into
// ./pkg), then wires the four tools. Everything that decides anything
// (decoding, verification, policy) is the core's; this file only moves
// text between the page and it.

import { $, banner, fill } from './js/ui.js';
import { mountDecode } from './js/decode.js';
import { mountVerify } from './js/verify.js';
import { mountExplain } from './js/explain.js';
import { mountBuild } from './js/build.js';

const TABS = ['decode', 'verify', 'explain', 'build'];

// --- theme: auto (the system's), light or dark; remembered locally ------------
const THEMES = ['auto', 'light', 'dark'];
function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const b = $('#theme');
  b.textContent = `Theme: ${theme}`;
  b.setAttribute('aria-label', theme === 'auto' ? 'Colour theme: follows the system' : `Colour theme: ${theme}`);
}
function initTheme() {
  let theme = 'auto';
  try {
    theme = THEMES.includes(localStorage.getItem('theme')) ? localStorage.getItem('theme') : 'auto';
  } catch {
    /* storage off: stay on auto */
  }
  applyTheme(theme);
  $('#theme').addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(document.documentElement.dataset.theme) + 1) % THEMES.length];
    applyTheme(next);
    try {
      localStorage.setItem('theme', next);
    } catch {
      /* not remembered */
    }
  });
}

// --- tabs (WAI-ARIA tabs: arrows, Home, End) ------------------------------------
function initTabs(app) {
  const tabs = TABS.map((t) => $(`#tab-${t}`));
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => app.select(TABS[i]));
    tab.addEventListener('keydown', (e) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 };
      if (!(e.key in moves)) return;
      e.preventDefault();
      const j = (moves[e.key] + TABS.length) % TABS.length;
      app.select(TABS[j]);
      tabs[j].focus();
    });
  });
}

// --- state in the fragment: #tab=...&token=<header.payload.> --------------------
// Only the token without its signature is ever written (it proves nothing);
// never a key, a secret, a config or a Basic value.
function readFragment() {
  const p = new URLSearchParams(location.hash.slice(1));
  return { token: p.get('token') || '', tab: TABS.includes(p.get('tab')) ? p.get('tab') : null };
}

function writeFragment(app) {
  const p = new URLSearchParams();
  if (app.tab !== 'decode') p.set('tab', app.tab);
  if (app.report?.shareable) p.set('token', app.report.shareable);
  const hash = p.toString();
  const url = location.pathname + location.search + (hash ? `#${hash}` : '');
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, '', url);
}

function createApp(core) {
  const app = {
    core,
    tab: 'decode',
    token: '',
    report: null,
    tokenListeners: [],
    select(tab) {
      app.tab = tab;
      for (const t of TABS) {
        const selected = t === tab;
        const button = $(`#tab-${t}`);
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
        $(`#panel-${t}`).hidden = !selected;
      }
      writeFragment(app);
    },
    /** Sets the token everywhere except in `from` (the box being typed in). */
    setToken(text, from) {
      app.token = text;
      app.report = core.decode(text, Date.now());
      for (const listener of app.tokenListeners) listener(text, from);
      writeFragment(app);
    },
    onToken(listener) {
      app.tokenListeners.push(listener);
    },
    shareLink() {
      const p = new URLSearchParams();
      if (app.report?.shareable) p.set('token', app.report.shareable);
      return `${location.origin}${location.pathname}#${p}`;
    },
  };
  return app;
}

// A fault in the page or the core (a wasm trap) is said on the page, once,
// rather than leaving stale output behind.
function reportFaults() {
  let shown = false;
  const show = (what) => {
    if (shown) return;
    shown = true;
    $('main').prepend(banner('bad', `Something failed in the page: ${what}. Reload it to start again.`));
  };
  window.addEventListener('error', (e) => show(e.message));
  window.addEventListener('unhandledrejection', (e) => show(e.reason?.message || String(e.reason)));
}

async function boot() {
  initTheme();
  reportFaults();
  const status = $('#boot');
  let core;
  try {
    core = await import('./pkg/edge_authz.js');
    await core.default();
  } catch (err) {
    fill(
      status,
      banner(
        'bad',
        'The core could not be loaded (',
        String(err?.message || err),
        '). Build it with scripts/build-page.sh and serve www/ over http (scripts/demo.sh does both); ',
        'a file:// page cannot load WebAssembly.',
      ),
    );
    status.className = '';
    return;
  }
  status.remove();
  $('#version').textContent = `edge-authz ${core.version()}`;
  const app = createApp(core);
  initTabs(app);
  mountDecode(app);
  mountVerify(app);
  mountExplain(app);
  mountBuild(app);

  const start = readFragment();
  app.setToken(start.token, null);
  app.select(start.tab || 'decode');
  window.addEventListener('hashchange', () => {
    const f = readFragment();
    if (f.token && f.token !== app.report?.shareable) app.setToken(f.token, null);
    if (f.tab && f.tab !== app.tab) app.select(f.tab);
  });
  document.body.dataset.ready = 'true';
}

boot().catch((err) => {
  // Whatever went wrong, say it on the page rather than leave it blank.
  document.querySelector('main')?.prepend(banner('bad', `The page failed to start: ${err?.message || err}`));
});
