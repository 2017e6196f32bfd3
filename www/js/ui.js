// DOM helpers for the page. Everything shown is built with text nodes,
// never innerHTML: what is pasted (and what a shared link carries) is
// untrusted.

export const $ = (sel, root = document) => root.querySelector(sel);

/** h('div.card#x', {attr: v, onclick: f}, child, 'text', ...) */
export function h(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const node = document.createElement(tag || 'div');
  if (id) node.id = id;
  if (classes.length) node.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function debounce(fn, ms = 120) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** A button that copies `text()` to the clipboard and says so. */
export function copyButton(text, label = 'Copy') {
  const b = h('button.ghost.copy', { type: 'button' }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => (b.textContent = label), 1500);
  });
  return b;
}

/** A labelled output block with a copy button. */
export function output(label, text, id) {
  return h(
    'div',
    {},
    h('div.row.tight', {}, h('strong', {}, label), copyButton(() => text)),
    h('pre.out', { id }, text),
  );
}

export function banner(kind, ...children) {
  return h(`div.banner.${kind}`, {}, ...children);
}

/**
 * JSON as highlighted, indented text nodes. `docs(path)` may return a
 * tooltip for a key path; `comment(path, value)` an annotation to put
 * after a value ({text, bad}).
 */
export function jsonView(value, { docs = () => null, comment = () => null } = {}) {
  const out = [];
  const span = (cls, text, title) => h(`span.${cls}`, { title }, text);
  const walk = (v, path, indent) => {
    const pad = '  '.repeat(indent);
    if (Array.isArray(v)) {
      if (!v.length) return out.push('[]');
      out.push('[\n');
      v.forEach((item, i) => {
        out.push(pad + '  ');
        walk(item, path, indent + 1);
        out.push(i < v.length - 1 ? ',\n' : '\n');
      });
      out.push(pad + ']');
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (!keys.length) return out.push('{}');
      out.push('{\n');
      keys.forEach((k, i) => {
        const p = path ? `${path}.${k}` : k;
        out.push(pad + '  ', span('k', JSON.stringify(k), docs(p) || undefined), ': ');
        walk(v[k], p, indent + 1);
        if (i < keys.length - 1) out.push(',');
        const c = comment(p, v[k]);
        if (c) out.push(' ', span(c.bad ? 'c.bad' : 'c', `// ${c.text}`));
        out.push('\n');
      });
      out.push(pad + '}');
    } else if (typeof v === 'string') {
      out.push(span('s', JSON.stringify(v)));
    } else if (typeof v === 'number') {
      out.push(span('n', String(v)));
    } else {
      out.push(span('l', String(v)));
    }
  };
  walk(value, '', 0);
  return out;
}

/** Local date and time of Unix seconds, as this browser writes them. */
export function localTime(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}
