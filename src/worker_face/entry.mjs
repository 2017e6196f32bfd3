// The worker's entry (scripts/build-worker.sh installs it as
// build/worker/shim.mjs, wrangler's `main`). The Rust face decides
// everything: what to refuse and with which problem, where to forward,
// which headers to drop and set. This file carries that out: the request to
// origin and its answer are streamed by the runtime and never cross into
// wasm. Each request's text is written into room the face gives (`inbox`)
// and decided in one call that answers with a string (a new token whose
// key the face holds imported crosses again: the face hands over the
// WebCrypto check and is told its verdict).
// Driving the same proxying from wasm cost more than the whole decision
// (commit 4c7f1c4; README, "Where this departs").
import Generated from '../index.js';

// worker-build hangs the face's exported functions on the prototype of its
// generated entry class instead of exporting them. Taken from there they
// keep wasm-bindgen's own recovery: after a trap the next call
// re-instantiates the module.
const { decide, failed, finish, heap, inbox } = Generated.prototype;
const encoder = new TextEncoder();

export default {
  async fetch(request, env) {
    const started = Date.now();
    // No line holds a break of its own (fetch refuses them in header
    // values, the URL serialiser drops them), so one text carries the
    // request line and every header across.
    let head = `${request.method}\n${request.url}\n`;
    for (const [name, value] of request.headers) head += `${name}\n${value}\n`;
    // Written straight into the face's memory (see `inbox` there). Three
    // UTF-8 bytes per UTF-16 unit at most, so it all fits; were it not
    // read whole, nothing is handed over and the face refuses. The view
    // is made after both calls, of the buffer memory has now.
    const room = head.length * 3;
    const at = inbox(room);
    const { read, written } = encoder.encodeInto(head, new Uint8Array(heap().buffer, at, room));
    let answer = decide(read === head.length ? written : 0, env);
    if (typeof answer !== 'string') {
      answer = Array.isArray(answer) ? await verified(answer) : await answer;
    }
    // The JSON, then after the first line break the log line, printed as
    // it is with the time added (see the face's `answer`).
    const cut = answer.indexOf('\n');
    const { forward, refuse } = JSON.parse(answer.slice(0, cut));
    let line = answer.slice(cut + 1);
    // The authorizer's own time, not the origin's.
    const timing = `authz;dur=${Date.now() - started}`;
    let response;
    if (forward) {
      const sent = await toOrigin(request, forward, timing);
      if (sent.refuse) line = withCode(line, sent.refuse.code);
      response = sent.response ?? refusal(sent.refuse, timing);
    } else {
      response = refusal(refuse, timing);
    }
    console.log(`${line.slice(0, -1)},"dur_ms":${Date.now() - started}}`);
    return response;
  },
};

/** The answer for a token whose key the face holds imported: the face
 * hands over `crypto.subtle.verify`'s algorithm and key, and where in its
 * memory the signature and the signed bytes lie; it is told the verdict,
 * a rejection being `false` (see the face's `waiting`). */
async function verified(handed) {
  const [id, algorithm, key, memory, signatureAt, signatureLength, dataAt, dataLength] = handed;
  let valid = false;
  try {
    // Views made now, of the buffer memory has now; WebCrypto reads them
    // during the call, before any wasm runs again.
    const buffer = memory.buffer;
    const signature = new Uint8Array(buffer, signatureAt, signatureLength);
    const data = new Uint8Array(buffer, dataAt, dataLength);
    valid = (await crypto.subtle.verify(algorithm, key, signature, data)) === true;
  } catch {
    // An unusable signature (a wrong length, say): not a valid one.
  }
  // After a trap in another request meanwhile, the glue re-creates the
  // module first, and the new one refuses what it never handed out.
  return finish(id, handed, valid);
}

/** The origin's answer as it is (status, headers, streamed body) with
 * Server-Timing added, or the refusal the face gives for a failure. */
async function toOrigin(request, plan, timing) {
  let upstream;
  try {
    const method = request.method;
    upstream = new Request(plan.url, {
      method,
      // Copied by the constructor: edited below in the copy, with no
      // Headers object of our own in between.
      headers: request.headers,
      body: method === 'GET' || method === 'HEAD' ? null : request.body,
      // Never followed: the origin's redirect goes back to the caller.
      redirect: 'manual',
    });
    const headers = upstream.headers;
    for (const name of plan.drop) headers.delete(name);
    for (const [name, value] of plan.set) headers.set(name, value);
  } catch (e) {
    return JSON.parse(failed('proxy_failed', String(e?.message ?? e)));
  }
  let answer;
  try {
    answer = await fetch(upstream);
  } catch (e) {
    return JSON.parse(failed('origin_unreachable', String(e?.message ?? e)));
  }
  // Its headers are immutable; the runtime copies it with itself as init.
  const response = new Response(answer.body, answer);
  response.headers.append('server-timing', timing);
  return { response };
}

/** The log line of a forward the runtime could not make: its code is the
 * failure's (rare, so parsed here rather than on every request). */
function withCode(line, code) {
  const log = JSON.parse(line);
  log.authz.code = code;
  return JSON.stringify(log);
}

function refusal({ status, headers, body }, timing) {
  const response = new Response(body, { status, headers });
  response.headers.set('server-timing', timing);
  return response;
}
