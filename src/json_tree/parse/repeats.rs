//! The check that no object of a token's JSON names a member twice:
//! serde_json keeps the last of two equal names, and a parser that keeps
//! the first would read another token.

use super::{Invalid, Names, Parser, Span};
use crate::same::same_bytes as same;

/// Objects with more members than this are checked for repeats by sorting
/// their names; smaller ones by comparing every pair, which allocates
/// nothing and, at a Keycloak token's 25 or so claims, costs a third of
/// the sort. A sort keeps a crafted object of thousands of members (before
/// any signature check) from costing quadratic time.
pub(in crate::json_tree) const PAIRWISE: usize = 64;

impl Parser<'_> {
    /// The names of the object at `at`, whose children end before `end`.
    fn names_of(&self, at: usize, end: usize) -> impl Iterator<Item = (u64, Span)> + '_ {
        Names::of(&self.nodes, at, end).map(|(_, span, key)| (key, span))
    }

    pub(super) fn no_repeats(&self, at: usize, end: usize, members: usize) -> Result<(), Invalid> {
        if members < 2 {
            return Ok(());
        }
        if members <= PAIRWISE {
            // By key (see `key`): bytes are compared only for longer names.
            let mut seen = [(0u64, Span { start: 0, end: 0 }); PAIRWISE];
            for (i, (key, name)) in self.names_of(at, end).enumerate() {
                let this = self.span_bytes(name);
                for (k, s) in &seen[..i] {
                    if *k == key && (this.len() <= 6 || same(self.span_bytes(*s), this)) {
                        return Err(Invalid);
                    }
                }
                seen[i] = (key, name);
            }
            return Ok(());
        }
        let mut names: Vec<&[u8]> = self
            .names_of(at, end)
            .map(|(_, s)| self.span_bytes(s))
            .collect();
        heapsort(&mut names);
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(Invalid);
        }
        Ok(())
    }
}

/// In place, O(n log n) whatever the input. Not `sort_unstable`: its
/// instantiation for byte slices was about 4 KB of the worker's wasm, for
/// objects of more than 16 members, which tokens seldom have.
pub(in crate::json_tree) fn heapsort(v: &mut [&[u8]]) {
    fn sift_down(v: &mut [&[u8]], mut root: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= v.len() {
                return;
            }
            if child + 1 < v.len() && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for root in (0..v.len() / 2).rev() {
        sift_down(v, root);
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(&mut v[..end], 0);
    }
}
