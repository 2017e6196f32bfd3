//! The Cloudflare Workers face: reads `AUTHZ`, fetches keys, checks
//! signatures with WebCrypto, exchanges Basic credentials, and tells the
//! JS entry (`entry.mjs`) what to do with the request. Everything it
//! decides comes from the core; this module only does I/O.

mod answer;
mod config_var;
mod discovery;
mod exchange;
mod http;
mod keys;
mod shared_cache;
mod waiting;
mod webcrypto;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::Env;

use crate::config::Config;
use crate::decision::{self, LogFields, Outcome, PendingBearer, Start, Verdict};
use crate::error::AuthError;
use crate::target::{self, Target};
use crate::trail::Trail;
use crate::verified_cache::VerifiedCache;

/// Milliseconds since the epoch. workerd advances the clock only across
/// I/O, so sub-millisecond durations read as 0. (`Date.now()`: one call
/// into JS, where `worker::Date` builds a Date object to read it.)
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Unix seconds, the clock the core's decisions and caches take.
fn now_secs() -> u64 {
    (now_ms() / 1000.0) as u64
}

/// The decision for one request, called by `entry.mjs`: the answer (see
/// `answer`) as a string; for a new token whose key is imported, an array
/// `[id, algorithm, key, memory, ...]` (see `waiting`: the entry calls
/// `crypto.subtle.verify` and then [`finish`] with the id and the array);
/// or a promise of the answer otherwise (keys not fresh in memory, a key
/// not yet imported, an unknown `kid`, an algorithm the issuer does not
/// allow, an exchange).
/// Plain strings where possible: every crossing between JS and wasm costs,
/// and the proxying itself is cheaper in the runtime's own JS than driven
/// from wasm.
///
/// `head` is the method, the URL, then every header, each line ended by
/// `\n`: `GET\nhttps://...\nname\nvalue\n...` (names lowercased, repeats
/// joined with ", "). No line holds a break of its own: fetch forbids them
/// in header values and the URL serialiser drops them. One text is one
/// crossing of the JS-wasm boundary instead of three. The entry writes it
/// into [`inbox`]'s room, `written` bytes; it is read where it lies: the
/// headers the decision sees point into it.
#[wasm_bindgen]
pub fn decide(written: u32, env: Env) -> JsValue {
    let mut text = INBOX.with(|room| std::mem::take(&mut *room.borrow_mut()));
    text.truncate(written as usize);
    let Some(head) = String::from_utf8(text).ok() else {
        return JsValue::from_str(&refused(None, AuthError::Internal, "", ""));
    };
    let Some(lines) = Lines::of(&head) else {
        return JsValue::from_str(&refused(None, AuthError::Internal, "", ""));
    };
    let cfg = match config_var::load(&env) {
        Ok(cfg) => cfg,
        Err(err) => return JsValue::from_str(&lines.refused(None, err)),
    };
    let Some((req, url)) = lines.request() else {
        return JsValue::from_str(&lines.refused(Some(&cfg), AuthError::Internal));
    };
    let start = remembered(&cfg, |cache, now| {
        decision::begin_with(&cfg, &req, Some((&*cache, now)), Trail::quiet())
    });
    let pending = match start {
        Start::Done(outcome) => return JsValue::from_str(&answer_text(&cfg, outcome, &req, &url)),
        Start::NeedKeys(p) => match verify_arguments(&cfg, &p) {
            Some((algorithm, key)) => {
                let waiting = Waiting {
                    cfg,
                    inbound: Inbound(head),
                    pending: p,
                };
                return waiting::hand_over(waiting, &algorithm, &key);
            }
            None => Start::NeedKeys(p),
        },
        pending => pending,
    };
    let inbound = Inbound(head);
    wasm_bindgen_futures::future_to_promise(async move {
        // Read again: the parts above borrow the text, which the future
        // now owns. It was read once already, so this cannot fail.
        let Some(lines) = inbound.lines() else {
            return Ok(refused(Some(&cfg), AuthError::Internal, "", "").into());
        };
        let Some((req, url)) = lines.request() else {
            return Ok(lines.refused(Some(&cfg), AuthError::Internal).into());
        };
        let outcome = match pending {
            Start::Done(outcome) => outcome,
            Start::NeedKeys(p) => verify(&cfg, &env, &req, p).await,
            Start::NeedExchange(p) => exchange::run(&cfg, &env, &req, p).await,
        };
        Ok(JsValue::from_str(&answer_text(&cfg, outcome, &req, &url)))
    })
    .into()
}

// A new token allocates its claims and a remembered entry, and a flood of
// them frees as many: dlmalloc was about a tenth of that wasm time, and
// talc cut a new token's warm decision by about 12 % (docs/benchmark-notes.md).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    /// The next request's text, written by the entry (see [`inbox`]).
    static INBOX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Room for the next request's text, `bytes` long, at the address
/// returned: the entry fills it with `TextEncoder.encodeInto` through a
/// view of [`heap`] before calling [`decide`], which takes it.
/// wasm-bindgen's own string argument is copied in by a JS loop one UTF-16
/// unit at a time: for a request carrying a token (about a kilobyte) that
/// was a seventh of a remembered token's decision in a V8 profile, and
/// `encodeInto` runs about six times faster. The view is the entry's to
/// make, after the last wasm call: one made in here could be left
/// detached by memory growing later in the call (handing out any JS value
/// may grow wasm-bindgen's table of them, which allocates), and the
/// request would be refused.
#[wasm_bindgen]
pub fn inbox(bytes: u32) -> u32 {
    let room = vec![0u8; bytes as usize];
    let at = room.as_ptr() as u32;
    INBOX.with(|inbox| *inbox.borrow_mut() = room);
    at
}

/// This module's memory, for the entry's view of [`inbox`]'s room. Asked
/// for on each request rather than kept: after a trap the glue re-creates
/// the module, memory and all.
#[wasm_bindgen]
pub fn heap() -> JsValue {
    wasm_bindgen::memory()
}

/// The algorithm and imported key of `crypto.subtle.verify` for a token
/// whose keys this isolate holds fresh: the common case of a new token from
/// a known issuer, checked by the entry without a future of ours (measured
/// in one workerd, 16 connections: about 25 µs less CPU per new token than
/// the future and its promise and microtask plumbing).
fn verify_arguments(cfg: &Config, pending: &PendingBearer) -> Option<(JsValue, JsValue)> {
    let set = keys::fresh(cfg, pending.issuer_index(), now_secs())?;
    webcrypto::arguments(&pending.check(cfg, &set).ok()?)
}

/// A bearer token whose signature the entry is checking (see
/// [`verify_arguments`]): what [`finish`] needs to decide once told.
struct Waiting {
    cfg: Rc<Config>,
    inbound: Inbound,
    pending: PendingBearer,
}

/// The answer for the token [`decide`] handed over as `id` in `handed`,
/// given WebCrypto's verdict (`false` for a rejection). Refused as an
/// internal error when no such token waits: after a trap the glue
/// re-creates the module before this call, and the new one holds none.
#[wasm_bindgen]
pub fn finish(id: u32, handed: JsValue, valid: bool) -> String {
    let Some(Waiting {
        cfg,
        inbound,
        pending,
    }) = waiting::take(id, &handed)
    else {
        return refused(None, AuthError::Internal, "", "");
    };
    let Some(lines) = inbound.lines() else {
        return refused(Some(&cfg), AuthError::Internal, "", "");
    };
    let Some((req, url)) = lines.request() else {
        return lines.refused(Some(&cfg), AuthError::Internal);
    };
    let outcome = settle(&cfg, &req, pending, valid, now_secs());
    answer_text(&cfg, outcome, &req, &url)
}

/// The entry's answer for a decided request, from the request as the
/// decision read it: the URL is split once for a request decided at once,
/// twice for one finished later (by [`finish`] or a future).
fn answer_text(
    cfg: &Config,
    outcome: Outcome,
    req: &decision::Request<'_>,
    url: &Target<'_>,
) -> String {
    let log = answer::log(&outcome.log, req.method, url.path);
    match outcome.verdict {
        Verdict::Forward(plan) => answer::forward(cfg, req, url, &plan, log),
        Verdict::Refuse(err) => answer::refusal(Some(cfg), &err, log),
    }
}

/// The answer when the entry could not make an allowed forward: `event` is
/// `origin_unreachable` (fetch failed) or `proxy_failed` (the runtime
/// refused to build the request); `reason` is the runtime's message, for
/// the event log line only.
#[wasm_bindgen]
pub fn failed(event: &str, reason: &str) -> String {
    worker::console_error!(
        "{}",
        serde_json::json!({"authz": {"event": event, "reason": reason}})
    );
    let err = match event {
        "origin_unreachable" => AuthError::OriginUnreachable,
        _ => AuthError::Internal,
    };
    answer::failed_forward(&err)
}

/// The request as the entry handed it over, its text kept whole: an
/// answer that waits for the network outlives the call that started it.
struct Inbound(String);

impl Inbound {
    fn lines(&self) -> Option<Lines<'_>> {
        Lines::of(&self.0)
    }
}

/// An inbound text read in place. One `String` per header was the most
/// allocations a request made in the worker's wasm.
struct Lines<'a> {
    method: &'a str,
    url: &'a str,
    headers: Vec<(&'a str, &'a str)>,
}

impl<'a> Lines<'a> {
    /// `None` for a text the entry cannot have written (the last line not
    /// ended, a header name without its value line): refused rather than
    /// read as some other set of headers than the runtime holds.
    fn of(head: &'a str) -> Option<Lines<'a>> {
        let mut lines = head.strip_suffix('\n')?.split('\n');
        let method = lines.next()?;
        let url = lines.next()?;
        // Room for most requests' headers at once; counting the lines
        // first would read the token's bytes once more.
        let mut headers = Vec::with_capacity(24);
        while let Some(name) = lines.next() {
            headers.push((name, lines.next()?));
        }
        Some(Lines {
            method,
            url,
            headers,
        })
    }

    fn request(&self) -> Option<(decision::Request<'_>, Target<'a>)> {
        let url = target::split(self.url)?;
        let req = decision::Request {
            method: self.method,
            path: url.path,
            query: url.query.unwrap_or(""),
            headers: &self.headers,
        };
        Some((req, url))
    }

    fn path(&self) -> &str {
        target::split(self.url).map_or("", |u| u.path)
    }

    fn refused(&self, cfg: Option<&Config>, err: AuthError) -> String {
        refused(cfg, err, self.method, self.path())
    }
}

/// A refusal made before any decision, with its log line.
fn refused(cfg: Option<&Config>, err: AuthError, method: &str, path: &str) -> String {
    let fields = LogFields {
        decision: "deny",
        code: Some(err.code()),
        ..LogFields::default()
    };
    answer::refusal(cfg, &err, answer::log(&fields, method, path))
}

thread_local! {
    /// Tokens verified in this isolate, with the configuration they were
    /// checked against (held, so a new `AUTHZ` cannot reuse its address).
    static VERIFIED: RefCell<Option<(Rc<Config>, VerifiedCache)>> = const { RefCell::new(None) };
}

/// Runs `f` with this isolate's verified tokens for `cfg` (emptied when
/// the configuration changed) and the time.
fn remembered<T>(cfg: &Rc<Config>, f: impl FnOnce(&mut VerifiedCache, u64) -> T) -> T {
    let now = now_secs();
    VERIFIED.with(|v| {
        let mut v = v.borrow_mut();
        if !matches!(&*v, Some((seen, _)) if Rc::ptr_eq(seen, cfg)) {
            *v = None;
        }
        let (_, cache) = v.get_or_insert_with(|| (cfg.clone(), VerifiedCache::default()));
        f(cache, now)
    })
}

async fn verify(
    cfg: &Rc<Config>,
    env: &Env,
    req: &decision::Request<'_>,
    pending: PendingBearer,
) -> Outcome {
    let now = now_secs();
    let issuer = pending.issuer_index();
    let mut set = match keys::get(cfg, env, issuer, now).await {
        Ok(set) => set,
        Err(err) => return pending.fail(cfg, err),
    };
    if let Err(AuthError::UnknownKey) = pending.check(cfg, &set) {
        // Rotation: one refetch, throttled per issuer inside `keys`.
        match keys::refetch_for_unknown_kid(cfg, env, issuer, now).await {
            Some(fresh) => set = fresh,
            None => return pending.fail(cfg, AuthError::UnknownKey),
        }
    }
    let valid = match pending.check(cfg, &set) {
        Ok(check) => webcrypto::verify(&check).await,
        Err(err) => return pending.fail(cfg, err),
    };
    settle(cfg, req, pending, valid, now)
}

/// The decision once the signature check answered; a token verified for
/// the second time is remembered for the requests after it (see
/// `VerifiedCache::offer`).
fn settle(
    cfg: &Rc<Config>,
    req: &decision::Request<'_>,
    pending: PendingBearer,
    valid: bool,
    now: u64,
) -> Outcome {
    let outcome = pending.finish(cfg, req, valid, now);
    if let Some(verified) = &outcome.verified {
        remembered(cfg, |cache, _| cache.offer(verified.clone(), now));
    }
    outcome
}
