//! Tokens that verified, remembered until their `exp` (contract section 5),
//! so that a client reusing its token costs no key lookup and no signature
//! check. A hit is the whole compact token, compared in full: one changed
//! byte anywhere (header, payload or signature) is another token. The map
//! is keyed by the token's last 32 bytes, the end of its signature, so a
//! lookup hashes 32 bytes, not the ~1 KB token (SipHash over the whole
//! token was a few per cent of a request's wasm time; a SHA-256 of it, the
//! key before that, more). A valid signature's bytes cannot be chosen, so
//! tokens that verified do not share them; a token that merely ends like a
//! remembered one finds it, fails the full comparison and is a miss.
//!
//! Entries come only from a verification ([`Verified`] is made by the
//! decision after a valid signature and passing claims), so the cache can
//! only answer "this exact token verified before".
//!
//! The worker remembers a token the second time it verifies it
//! ([`VerifiedCache::offer`]), as a CDN caches an object on its second
//! request (nginx's `proxy_cache_min_uses 2`): a client reusing its token
//! pays one more signature check in each isolate, and a token sent once is
//! never stored. So a flood of distinct valid tokens neither
//! evicts the tokens of clients that reuse theirs nor makes each new token
//! pay for storing itself and for dropping the entry it evicts (about a
//! tenth of a new token's wasm time in workerd, most of it reading memory
//! no request had touched for a while).

use std::collections::HashMap;
use std::rc::Rc;

use crate::claims::VerifiedToken;
use crate::same::same;

/// A verified token with the exact text that verified.
#[derive(Clone)]
pub struct Verified {
    raw: Rc<str>,
    token: Rc<VerifiedToken>,
}

/// The raw token is a credential: `{:?}` shows only the verified claims.
impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("raw", &"<redacted>")
            .field("token", &self.token)
            .finish()
    }
}

impl Verified {
    pub(crate) fn new(raw: &str, token: VerifiedToken) -> Self {
        Verified {
            raw: raw.into(),
            token: Rc::new(token),
        }
    }

    pub fn token(&self) -> &VerifiedToken {
        &self.token
    }

    pub fn exp(&self) -> u64 {
        self.token.exp()
    }
}

/// What the cache (if there is one) holds for exactly this token.
pub(crate) fn look_up(remembered: Option<(&VerifiedCache, u64)>, raw: &str) -> Option<Verified> {
    remembered.and_then(|(cache, now)| cache.get(raw, now))
}

/// The map key of a token: its last 32 bytes (all of it, zero-padded on
/// the left, when shorter).
type Tail = [u8; 32];

fn tail(raw: &str) -> Tail {
    let bytes = raw.as_bytes();
    let n = bytes.len().min(32);
    let mut out = [0; 32];
    out[32 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// Bounded: a flood of distinct valid tokens evicts the soonest to expire
/// instead of growing the isolate's memory.
#[derive(Debug)]
pub struct VerifiedCache {
    entries: HashMap<Tail, Verified>,
    capacity: usize,
    seen_once: SeenOnce,
}

impl Default for VerifiedCache {
    fn default() -> Self {
        Self::with_capacity(4096)
    }
}

impl VerifiedCache {
    pub fn with_capacity(capacity: usize) -> Self {
        VerifiedCache {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            seen_once: SeenOnce::default(),
        }
    }

    /// Remembers `verified` if this token verified once before (and is
    /// still recalled as such), else only notes that it verified. Returns
    /// whether it is remembered now.
    pub fn offer(&mut self, verified: Verified, now: u64) -> bool {
        if verified.exp() <= now {
            return false;
        }
        let key = tail(&verified.raw);
        if !self.entries.contains_key(&key) && !self.seen_once.second_sight(&key) {
            return false;
        }
        self.insert(key, verified, now);
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for exactly this token, while `now` is before its `exp`.
    /// Within the leeway after `exp` the token is verified again, as a
    /// token never seen would be.
    pub(crate) fn get(&self, raw: &str, now: u64) -> Option<Verified> {
        self.entries
            .get(&tail(raw))
            .filter(|v| now < v.exp() && same(&v.raw, raw))
            .cloned()
    }

    pub fn remember(&mut self, verified: Verified, now: u64) {
        if verified.exp() <= now {
            return;
        }
        self.insert(tail(&verified.raw), verified, now);
    }

    /// `verified` under `key`, making room first when full.
    fn insert(&mut self, key: Tail, verified: Verified, now: u64) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.make_room(now);
        }
        self.entries.insert(key, verified);
    }

    /// Drops the expired, then (if that was not enough) the eighth of the
    /// entries that expire soonest: one pass over the map buys room for
    /// many inserts, so a flood of new tokens does not scan it on each one.
    fn make_room(&mut self, now: u64) {
        self.entries.retain(|_, v| now < v.exp());
        if self.entries.len() < self.capacity {
            return;
        }
        let mut exps: Vec<u64> = self.entries.values().map(Verified::exp).collect();
        let batch = (self.capacity / 8).max(1);
        let (_, cutoff, _) = exps.select_nth_unstable(batch - 1);
        let cutoff = *cutoff;
        let mut dropped = 0;
        // Ties at the cutoff go too, while fewer than a batch have gone.
        self.entries.retain(|_, v| {
            let drop = v.exp() < cutoff || (v.exp() == cutoff && dropped < batch);
            dropped += usize::from(drop);
            !drop
        });
    }

    /// Forgets everything: the configuration the entries were checked
    /// against changed.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.seen_once = SeenOnce::default();
    }
}

/// Tokens verified once and not remembered, by a fingerprint of their
/// tail: 1,024 sets of 4, oldest out first, 32 KB for the isolate. A token
/// is recalled until four other new tokens with its set's index verified
/// after it (more when others left it): about 4,000 new tokens in all, a
/// few seconds of a flood of a thousand a second. A client arriving during
/// a heavier flood may go unremembered for it, verified on each request
/// (a cost, never a wrong answer). Two tokens can share a fingerprint only
/// by sharing 8 bytes of their signatures' ends; then one of them is
/// remembered a verification early, which is no error: it did verify.
struct SeenOnce {
    slots: Vec<u64>,
}

const SETS: usize = 1024;
const WAYS: usize = 4;

impl Default for SeenOnce {
    fn default() -> Self {
        SeenOnce {
            slots: vec![0; SETS * WAYS],
        }
    }
}

impl std::fmt::Debug for SeenOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.slots.iter().filter(|s| **s != 0).count();
        f.debug_struct("SeenOnce").field("held", &held).finish()
    }
}

impl SeenOnce {
    /// Whether `key` was noted before (and is no longer), else notes it.
    fn second_sight(&mut self, key: &Tail) -> bool {
        let [a, b, c, d, fingerprint @ ..] = key[20..].try_into().unwrap_or([0u8; 12]);
        // The token's last bytes: base64url text, never 0, so 0 is free.
        let fingerprint = u64::from_le_bytes(fingerprint);
        // Fibonacci hashing: the product's top 10 bits, 1,024 sets.
        let index = (u32::from_le_bytes([a, b, c, d]).wrapping_mul(0x9E37_79B1) >> 22) as usize;
        let set = &mut self.slots[index * WAYS..(index + 1) * WAYS];
        if let Some(i) = set.iter().position(|s| *s == fingerprint) {
            set[i] = 0;
            return true;
        }
        // Newest first; the oldest note goes only when no slot is free.
        let end = set.iter().position(|s| *s == 0).unwrap_or(WAYS - 1);
        set.copy_within(..end, 1);
        set[0] = fingerprint;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A tail whose set index is that of `set_bytes` and whose
    /// fingerprint is `n`'s.
    fn key(set_bytes: [u8; 4], n: u8) -> Tail {
        let mut k = [b'A'; 32];
        k[20..24].copy_from_slice(&set_bytes);
        k[31] = b'a' + n;
        k
    }

    #[test]
    fn a_set_holds_four_notes_and_drops_the_oldest_for_a_fifth() {
        let mut seen = SeenOnce::default();
        let set = *b"wxyz";
        for n in 0..5 {
            assert!(!seen.second_sight(&key(set, n)));
        }
        assert!(
            !seen.second_sight(&key(set, 0)),
            "the oldest was dropped: a first sight again"
        );
        // 0 went back in and pushed 1 out; 2, 3 and 4 are still noted.
        for n in [2, 3, 4] {
            assert!(seen.second_sight(&key(set, n)), "note {n}");
        }
        assert!(!seen.second_sight(&key(set, 1)));
    }

    #[test]
    fn a_note_taken_frees_its_slot_for_the_next_one() {
        let mut seen = SeenOnce::default();
        let set = *b"wxyz";
        for n in 0..4 {
            assert!(!seen.second_sight(&key(set, n)));
        }
        assert!(seen.second_sight(&key(set, 1)));
        // One new note fills the hole; nothing older is dropped.
        assert!(!seen.second_sight(&key(set, 9)));
        for n in [0, 2, 3, 9] {
            assert!(seen.second_sight(&key(set, n)), "note {n}");
        }
    }

    #[test]
    fn other_sets_are_not_disturbed() {
        let mut seen = SeenOnce::default();
        assert!(!seen.second_sight(&key(*b"wxyz", 0)));
        for n in 0..20 {
            assert!(!seen.second_sight(&key(*b"abcd", n)));
        }
        assert!(seen.second_sight(&key(*b"wxyz", 0)));
    }
}
