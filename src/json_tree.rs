//! A token's JSON objects (header and claims), strictly parsed into one
//! flat tree over their own text.
//!
//! A `serde_json::Value` tree allocates a `String` per string and a
//! `BTreeMap` node per few members; on a Keycloak-sized token building and
//! freeing it was about a third of a new token's instructions in the core.
//! Here a parse allocates twice (the text, the node list): strings are
//! spans of the text, and the rare string with escapes is unescaped onto
//! the text's end. An object's members are found by a scan, which for the
//! few dozen members of a token is cheaper than building a map to search.
//!
//! What it accepts is what [`crate::token::strict`] accepts (serde_json's
//! grammar with repeated members refused at any depth), so the page, which
//! parses with that, and the edge agree on every token: RFC 8259 text, no
//! byte-order mark, only its four whitespace bytes, no lone surrogate
//! escapes, numbers inside f64, at most 127 nested arrays and objects.
//! Numbers are read by serde_json itself, so they are the very values the
//! strict parse gives.

use std::fmt;

use crate::same::same_bytes;

mod parse;
mod walk;

pub use parse::{parse_object, Refused};
use walk::Names;
pub use walk::{Items, Members};

/// A JSON text whose top level is an object. Made only by [`parse_object`].
#[derive(Clone)]
pub struct Tree {
    /// The input, then the unescaped text of strings that had escapes.
    text: String,
    /// Depth-first; the top-level object is node 0.
    nodes: Vec<Node>,
}

#[derive(Clone, Copy)]
enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(Span),
    /// `end` is the index of the first node after this one's children.
    Array {
        end: u32,
    },
    /// Children alternate: a member's `Name`, its value.
    Object {
        end: u32,
    },
    /// A member's name, with its [`key`] worked out once by the parse: a
    /// search compares keys, and bytes only for names past six bytes.
    Name {
        span: Span,
        key: u64,
    },
}

#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

/// A JSON number, held as serde_json holds it: a non-negative integer, a
/// negative one, or anything else (fractions, exponents, integers beyond
/// 64 bits, `-0`) as a finite float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

impl Number {
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Number::Unsigned(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Unsigned(n) => n as f64,
            Number::Negative(n) => n as f64,
            Number::Float(f) => f,
        }
    }

    pub fn is_integer(self) -> bool {
        !matches!(self, Number::Float(_))
    }
}

/// As serde_json's `Number` displays it (`1e+20` for a float of 10^20),
/// so a forwarded claim reads as it did when claims were serde values.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::Unsigned(n) => n.fmt(f),
            Number::Negative(n) => n.fmt(f),
            Number::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => n.fmt(f),
                None => Err(fmt::Error),
            },
        }
    }
}

/// One value of a [`Tree`], borrowed from it.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(&'a str),
    Array(Array<'a>),
    Object(Object<'a>),
}

impl<'a> Value<'a> {
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
pub struct Object<'a> {
    tree: &'a Tree,
    at: usize,
}

#[derive(Clone, Copy)]
pub struct Array<'a> {
    tree: &'a Tree,
    at: usize,
}

/// Values may be personal data: `{:?}` shows a value's kind, and an
/// object's member names, never a string or a number.
impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(_) => f.write_str("Bool(..)"),
            Value::Number(_) => f.write_str("Number(..)"),
            Value::String(_) => f.write_str("String(..)"),
            Value::Array(a) => a.fmt(f),
            Value::Object(o) => o.fmt(f),
        }
    }
}

/// Values may be personal data: `{:?}` shows member names only.
impl fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl fmt::Debug for Array<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} items]", self.iter().count())
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object().fmt(f)
    }
}

impl Tree {
    pub fn object(&self) -> Object<'_> {
        Object { tree: self, at: 0 }
    }

    /// The top-level member `name`.
    pub fn get(&self, name: &str) -> Option<Value<'_>> {
        self.object().get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.object().names()
    }

    /// As a serde_json map, for the page and for tests that compare.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.object().to_map()
    }

    /// The tree of a serde_json map, for tests that write claims with
    /// `json!`. Refused only past the nesting limit. Not for claims that
    /// came from a token: serde_json's default float reading may give a
    /// float back one unit in the last place off; parse the token's text.
    pub fn from_map(map: &serde_json::Map<String, serde_json::Value>) -> Result<Tree, Refused> {
        let text = serde_json::to_vec(map).map_err(|_| Refused::NotJson)?;
        parse_object(text)
    }

    /// `{}`.
    pub fn empty() -> Tree {
        Tree {
            text: String::new(),
            nodes: vec![Node::Object { end: 1 }],
        }
    }

    fn str(&self, span: Span) -> &str {
        // Spans are made at character boundaries by the parser.
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn value(&self, at: usize) -> Value<'_> {
        match self.nodes[at] {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::String(s) => Value::String(self.str(s)),
            Node::Array { .. } => Value::Array(Array { tree: self, at }),
            Node::Object { .. } => Value::Object(Object { tree: self, at }),
            // A name is never a value: members are read in pairs.
            Node::Name { .. } => Value::Null,
        }
    }

    fn after(&self, at: usize) -> usize {
        after(&self.nodes, at)
    }
}

/// A name as its length (capped) and first six bytes: equal names have
/// equal keys, and names of six bytes or fewer with equal keys are equal.
/// A token's claims are mostly three letters long, so their lengths alone
/// seldom tell them apart, and their keys always do.
fn key(name: &[u8]) -> u64 {
    name.iter()
        .take(6)
        .fold(name.len().min(0xffff) as u64, |k, b| k << 8 | u64::from(*b))
}

/// The index after node `at` and its children: how the tree and the parse
/// step over a member's value.
fn after(nodes: &[Node], at: usize) -> usize {
    match nodes[at] {
        Node::Array { end } | Node::Object { end } => end as usize,
        _ => at + 1,
    }
}

impl<'a> Object<'a> {
    /// A scan comparing keys: a remembered token's decision looks up a
    /// dozen names, most of them absent.
    pub fn get(self, name: &str) -> Option<Value<'a>> {
        let tree = self.tree;
        let text = tree.text.as_bytes();
        let wanted = name.as_bytes();
        let wanted_key = key(wanted);
        Names::of(&tree.nodes, self.at, tree.after(self.at))
            .find(|&(_, span, key)| {
                key == wanted_key
                    && (wanted.len() <= 6
                        || text
                            .get(span.start as usize..span.end as usize)
                            .is_some_and(|name| same_bytes(name, wanted)))
            })
            .map(|(at, ..)| tree.value(at + 1))
    }

    pub fn members(self) -> Members<'a> {
        let tree = self.tree;
        Members {
            tree,
            names: Names::of(&tree.nodes, self.at, tree.after(self.at)),
        }
    }

    pub fn names(self) -> impl Iterator<Item = &'a str> {
        self.members().map(|(n, _)| n)
    }

    pub fn to_map(self) -> serde_json::Map<String, serde_json::Value> {
        // Inserted one by one: collecting into the map sorts first, and
        // that sort's code was about 2 KB of the page's wasm.
        let mut map = serde_json::Map::new();
        for (name, value) in self.members() {
            map.insert(name.to_string(), value.to_serde());
        }
        map
    }
}

impl<'a> Array<'a> {
    pub fn iter(self) -> Items<'a> {
        Items {
            tree: self.tree,
            next: self.at + 1,
            end: self.tree.after(self.at),
        }
    }
}

impl Value<'_> {
    pub fn to_serde(self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(b),
            Value::Number(Number::Unsigned(n)) => J::from(n),
            Value::Number(Number::Negative(n)) => J::from(n),
            Value::Number(Number::Float(f)) => J::from(f),
            Value::String(s) => J::String(s.to_string()),
            Value::Array(a) => J::Array(a.iter().map(Value::to_serde).collect()),
            Value::Object(o) => J::Object(o.to_map()),
        }
    }
}

/// Unit tests' claims: a `json!` object as a tree.
#[cfg(test)]
pub(crate) fn tree(v: serde_json::Value) -> Tree {
    Tree::from_map(v.as_object().expect("test claims are an object")).expect("not too deep")
}

#[cfg(test)]
mod tests;
