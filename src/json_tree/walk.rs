//! Walking a tree's objects and arrays: their members, their names, their
//! items.

use super::{after, Node, Span, Tree, Value};

pub struct Members<'a> {
    pub(super) tree: &'a Tree,
    pub(super) names: Names<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (at, name, _) = self.names.next()?;
        Some((self.tree.str(name), self.tree.value(at + 1)))
    }
}

/// The names of one object: each name's node, span and key, skipping the
/// values between them. The one walk over an object's names, for lookups,
/// iteration and the parser's repeat check (which runs before the
/// object's own end is written, hence `end` given).
pub(super) struct Names<'n> {
    nodes: &'n [Node],
    next: usize,
    end: usize,
}

impl<'n> Names<'n> {
    /// The object at `at`, whose children end before `end`.
    pub(super) fn of(nodes: &'n [Node], at: usize, end: usize) -> Self {
        Names {
            nodes,
            next: at + 1,
            end,
        }
    }
}

impl Iterator for Names<'_> {
    type Item = (usize, Span, u64);

    // Left to itself at opt-level "s", the call per name cost a new
    // token 5 % more instructions than the hand-written scans it replaced.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let at = self.next;
        let Node::Name { span, key } = self.nodes[at] else {
            return None;
        };
        self.next = after(self.nodes, at + 1);
        Some((at, span, key))
    }
}

pub struct Items<'a> {
    pub(super) tree: &'a Tree,
    pub(super) next: usize,
    pub(super) end: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let at = self.next;
        self.next = self.tree.after(at);
        Some(self.tree.value(at))
    }
}
