//! New tokens whose signature the JS entry is checking with WebCrypto,
//! between [`decide`](super::decide) handing over the arguments and
//! [`finish`](super::finish).
//!
//! Kept here under a number rather than handed to JS as a wasm-bindgen
//! class: each such object cost an object with a defined property, a
//! FinalizationRegistry entry and, before its method, a call of its own so
//! that a module re-created after a trap would refuse it. The array handed
//! out is kept with the token and must come back with the number: after a
//! re-creation the same number may name another request's token in the
//! new module, but never with the same array.
//!
//! The signature and the signed bytes are not copied out (each copy was
//! an ArrayBuffer of its own): the entry is told where they lie and makes
//! views of wasm memory itself, from the memory object handed with them.
//! It makes them after this call returned, so they are of memory's
//! current buffer (one made in here could be detached by memory growing
//! later in the call), and of this module's memory (the pointers mean
//! nothing in a re-created one). WebCrypto reads them when called, which
//! the entry does before any wasm runs again.

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::JsValue;

use super::Waiting;

/// Far more than ever wait at once: the entry awaits WebCrypto's promise
/// and calls `finish` straight after. Past it the oldest is dropped (its
/// request, should it ever come back, is refused), so tokens whose
/// requests were abandoned cannot pile up.
const MOST: usize = 64;

struct Entry {
    id: u32,
    handed: JsValue,
    waiting: Waiting,
}

#[derive(Default)]
struct Table {
    next: u32,
    entries: Vec<Entry>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// `[id, algorithm, key, memory, signature at, its length, data at, its
/// length]` for the entry; the token kept until [`take`].
pub(super) fn hand_over(waiting: Waiting, algorithm: &JsValue, key: &JsValue) -> JsValue {
    let token = waiting.pending.token();
    let (signature, data) = (token.signature(), token.signing_input());
    // Where the bytes lie on the heap: moving `waiting` into the table
    // does not move them.
    let at = |bytes: &[u8]| JsValue::from(bytes.as_ptr() as u32);
    let len = |bytes: &[u8]| JsValue::from(bytes.len() as u32);
    let handed = Array::of5(
        &JsValue::UNDEFINED,
        algorithm,
        key,
        &wasm_bindgen::memory(),
        &at(signature),
    );
    handed.push(&len(signature));
    handed.push(&at(data));
    handed.push(&len(data));
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if table.entries.len() >= MOST {
            table.entries.remove(0);
        }
        let id = table.next;
        table.next = id.wrapping_add(1);
        handed.set(0, JsValue::from(id));
        table.entries.push(Entry {
            id,
            handed: handed.clone().into(),
            waiting,
        });
    });
    handed.into()
}

/// The token handed out as `id` in `handed`, no longer waiting.
pub(super) fn take(id: u32, handed: &JsValue) -> Option<Waiting> {
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        let at = table
            .entries
            .iter()
            .position(|e| e.id == id && e.handed == *handed)?;
        Some(table.entries.remove(at).waiting)
    })
}
