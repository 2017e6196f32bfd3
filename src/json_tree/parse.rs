//! The parse behind [`super::Tree`]: strict JSON in, spans and nodes out.

use super::{key, Names, Node, Number, Span, Tree};

mod repeats;

#[cfg(test)]
pub(super) use repeats::{heapsort, PAIRWISE};

/// Why a text is not a [`Tree`]. No position or excerpt: the text is a
/// token's, and callers give fixed reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    NotJson,
    /// Valid JSON (without repeated members) whose top level is not an object.
    NotObject,
}

/// Parses `bytes` as one JSON text whose top level is an object.
pub fn parse_object(bytes: Vec<u8>) -> Result<Tree, Refused> {
    let text = String::from_utf8(bytes).map_err(|_| Refused::NotJson)?;
    // Spans are u32; a token this long never reaches us.
    if text.len() > (u32::MAX / 2) as usize {
        return Err(Refused::NotJson);
    }
    let mut p = Parser {
        input: text.as_bytes(),
        at: 0,
        unescaped: String::new(),
        nodes: Vec::with_capacity(text.len() / 8 + 4),
        depth: 0,
    };
    p.ws();
    p.value().map_err(|Invalid| Refused::NotJson)?;
    p.ws();
    if p.at != p.input.len() {
        return Err(Refused::NotJson);
    }
    let Parser {
        unescaped, nodes, ..
    } = p;
    if !matches!(nodes.first(), Some(Node::Object { .. })) {
        return Err(Refused::NotObject);
    }
    let mut text = text;
    text.push_str(&unescaped);
    Ok(Tree { text, nodes })
}

struct Invalid;

/// The bytes a string holds as they are: not `"`, `\\` or a control
/// character. One load per byte, where three comparisons were a tenth of a
/// Keycloak-sized token's instructions.
static PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = false;
        b += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

/// serde_json's recursion limit: it refuses the 128th nested container.
const MAX_DEPTH: u32 = 127;

struct Parser<'t> {
    input: &'t [u8],
    at: usize,
    /// Unescaped strings; their spans start at `input.len()`.
    unescaped: String,
    nodes: Vec<Node>,
    depth: u32,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Result<(), Invalid> {
        let node = match self.peek().ok_or(Invalid)? {
            b'{' => return self.object(),
            b'[' => return self.array(),
            b'"' => Node::String(self.string()?),
            b't' => self.literal(b"true", Node::Bool(true))?,
            b'f' => self.literal(b"false", Node::Bool(false))?,
            b'n' => self.literal(b"null", Node::Null)?,
            b'-' | b'0'..=b'9' => Node::Number(self.number()?),
            _ => return Err(Invalid),
        };
        self.nodes.push(node);
        Ok(())
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<Node, Invalid> {
        if self.input[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(node)
        } else {
            Err(Invalid)
        }
    }

    fn enter(&mut self) -> Result<usize, Invalid> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Invalid);
        }
        self.at += 1;
        self.ws();
        Ok(self.nodes.len())
    }

    fn close(&mut self, at: usize) {
        self.depth -= 1;
        self.at += 1;
        let end = self.nodes.len() as u32;
        match &mut self.nodes[at] {
            Node::Array { end: e } | Node::Object { end: e } => *e = end,
            _ => {}
        }
    }

    fn array(&mut self) -> Result<(), Invalid> {
        let at = self.enter()?;
        self.nodes.push(Node::Array { end: 0 });
        if self.peek() != Some(b']') {
            loop {
                self.value()?;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        self.close(at);
        Ok(())
    }

    /// After an item: a comma (another follows) or `close` (the last).
    fn more(&mut self, close: u8) -> Result<bool, Invalid> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                self.ws();
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(Invalid),
        }
    }

    fn object(&mut self) -> Result<(), Invalid> {
        let at = self.enter()?;
        self.nodes.push(Node::Object { end: 0 });
        let mut members = 0;
        if self.peek() != Some(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(Invalid);
                }
                let name = self.string()?;
                let key = key(self.span_bytes(name));
                self.nodes.push(Node::Name { span: name, key });
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(Invalid);
                }
                self.at += 1;
                self.ws();
                self.value()?;
                members += 1;
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        self.close(at);
        self.no_repeats(at, self.nodes.len(), members)
    }

    /// The text of a span while parsing (the tree's text is not whole yet).
    fn span_bytes(&self, s: Span) -> &[u8] {
        let (start, end) = (s.start as usize, s.end as usize);
        let n = self.input.len();
        // A string of the input ends before its closing quote, so below n.
        if start >= n {
            &self.unescaped.as_bytes()[start - n..end - n]
        } else {
            &self.input[start..end]
        }
    }

    /// A string from its opening quote; its span in the tree's text.
    fn string(&mut self) -> Result<Span, Invalid> {
        self.at += 1;
        let start = self.at;
        let n = self.input.len();
        // From the first escape on, the string is rebuilt after the input:
        // where its copy starts, and the run of plain text not yet copied.
        // The input is valid UTF-8 and every byte this stops at is ASCII,
        // so each run copied is whole characters.
        let mut rebuilt: Option<usize> = None;
        let mut run = start;
        let input = self.input;
        loop {
            // Most of a token's bytes are plain string text: a tight loop.
            let mut i = self.at;
            while i < input.len() && PLAIN[input[i] as usize] {
                i += 1;
            }
            self.at = i;
            match self.peek().ok_or(Invalid)? {
                b'"' => {
                    let span = match rebuilt {
                        None => (start, self.at),
                        Some(out) => {
                            self.copy_run(run, self.at)?;
                            (out, n + self.unescaped.len())
                        }
                    };
                    self.at += 1;
                    return Ok(Span {
                        start: span.0 as u32,
                        end: span.1 as u32,
                    });
                }
                b'\\' => {
                    rebuilt.get_or_insert(n + self.unescaped.len());
                    self.copy_run(run, self.at)?;
                    self.at += 1;
                    self.escape()?;
                    run = self.at;
                }
                _ => return Err(Invalid),
            }
        }
    }

    fn copy_run(&mut self, from: usize, to: usize) -> Result<(), Invalid> {
        let run = std::str::from_utf8(&self.input[from..to]).map_err(|_| Invalid)?;
        self.unescaped.push_str(run);
        Ok(())
    }

    fn escape(&mut self) -> Result<(), Invalid> {
        let c = match self.peek().ok_or(Invalid)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.at += 1;
                let unit = self.hex4()?;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        if !self.input[self.at..].starts_with(b"\\u") {
                            return Err(Invalid);
                        }
                        self.at += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Invalid);
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(Invalid),
                    _ => unit,
                };
                self.unescaped.push(char::from_u32(c).ok_or(Invalid)?);
                return Ok(());
            }
            _ => return Err(Invalid),
        };
        self.at += 1;
        self.unescaped.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Invalid> {
        let digits = self.input.get(self.at..self.at + 4).ok_or(Invalid)?;
        let mut unit = 0;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or(Invalid)?;
            unit = unit * 16 + v;
        }
        self.at += 4;
        Ok(unit)
    }

    /// A number's extent is taken loosely, and serde_json reads and checks
    /// it: any valid number followed by one more of these bytes is invalid
    /// JSON anyway, and serde_json's reading is the one the strict parse
    /// gives, through the `Value` parse the worker has for JWKS and
    /// discovery documents. (Rust's `str::parse::<f64>` added 18 KB of gzip
    /// to the worker.)
    fn number(&mut self) -> Result<Number, Invalid> {
        let start = self.at;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
            self.at += 1;
        }
        let text = &self.input[start..self.at];
        // Times and most numbers in tokens: digits only, no leading zero,
        // at most 19 of them (below 2^64). serde_json reads these as the
        // same unsigned integer; calling it costs about a thousand
        // instructions a number.
        if text.len() <= 19
            && (text == b"0" || text.first().is_some_and(|d| (b'1'..=b'9').contains(d)))
            && text.iter().all(u8::is_ascii_digit)
        {
            let whole = text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            return Ok(Number::Unsigned(whole));
        }
        let Ok(serde_json::Value::Number(n)) = serde_json::from_slice::<serde_json::Value>(text)
        else {
            return Err(Invalid);
        };
        Ok(match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Number::Unsigned(u),
            (None, Some(i), _) => Number::Negative(i),
            (None, None, Some(f)) => Number::Float(f),
            (None, None, None) => return Err(Invalid),
        })
    }
}
