//! What is wrong with a pasted token, and where: for the page.
//!
//! The verdict is always [`super::decode`]'s, so the page and the edge never
//! disagree on whether a token is well-formed. To say *where*, the same
//! steps (split, strict base64url, strict JSON) are run once more part by
//! part, keeping the positions the edge has no use for.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{decode, strict};
use crate::b64;
use crate::error::AuthError;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// `token`, `bearer` (`Bearer <jwt>`), `header` (`Authorization: ...`),
    /// `basic` (Basic credentials, not a token) or `empty`.
    pub input: &'static str,
    /// The compact token found in the input (trimmed, prefix removed).
    pub token: String,
    /// Byte offset of the token in the input.
    pub token_start: usize,
    pub parts: Vec<PartView>,
    /// Strictly parsed header and payload, when they parse (also when a
    /// later check fails, so the page can still show them).
    pub header: Option<Map<String, Value>>,
    pub payload: Option<Map<String, Value>>,
    /// `None`: the edge's decoder accepts the token.
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartView {
    /// `header`, `payload`, `signature`, or `part 4` ... for extra parts.
    pub name: String,
    /// Byte range in the input.
    pub start: usize,
    pub end: usize,
    /// Decoded length, when the part is valid base64url.
    pub bytes: Option<usize>,
    /// The decoded text when it is UTF-8 but not a JSON object, to show.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The edge's reason (`AuthError::detail`), or why this is no token.
    pub reason: String,
    /// The edge's code for it (`invalid_token`), when it is a token error.
    pub code: Option<&'static str>,
    /// The part at fault, if one is.
    pub segment: Option<String>,
    /// Byte offset in the input of the first character at fault.
    pub offset: Option<usize>,
    /// Where, in words: `character 17 of the payload is '+' ...`.
    pub at: Option<String>,
}

const PART_NAMES: [&str; 3] = ["header", "payload", "signature"];

/// Reads a token, `Bearer <token>` or a whole `Authorization: Bearer ...`
/// header line, and says whether and where it is malformed.
pub fn diagnose(input: &str) -> Diagnosis {
    let (kind, token_start, token) = locate(input);
    let mut d = Diagnosis {
        input: kind,
        token: token.to_string(),
        token_start,
        parts: Vec::new(),
        header: None,
        payload: None,
        problem: None,
    };
    match kind {
        "empty" => {
            d.problem = Some(plain(
                "nothing to decode: paste a token or an Authorization header",
            ));
            return d;
        }
        "basic" => {
            d.problem = Some(plain(
                "these are Basic credentials (client id and secret), not a token: \
                 the edge exchanges them at the token endpoint",
            ));
            return d;
        }
        _ => {}
    }
    let mut offset = token_start;
    for (i, text) in token.split('.').enumerate() {
        d.parts.push(PartView {
            name: PART_NAMES
                .get(i)
                .map_or_else(|| format!("part {}", i + 1), |n| n.to_string()),
            start: offset,
            end: offset + text.len(),
            bytes: None,
            text: None,
        });
        offset += text.len() + 1;
    }
    let mut first: Option<Problem> = None;
    let segments: Vec<&str> = token.split('.').collect();
    for (i, text) in segments.iter().enumerate().take(3) {
        let located = read_part(&mut d, i, text);
        if first.is_none() {
            first = located;
        }
    }
    if let Err(e) = decode(token) {
        let mut p = match first {
            // Part counts and header members are checked by the decoder
            // before (counts) or after (members) the parts are read.
            _ if segments.len() != 3 => count_problem(&d, &segments),
            Some(p) => p,
            None => header_problem(&d),
        };
        p.reason = e.detail();
        p.code = Some(e.code());
        d.problem = Some(p);
    }
    d
}

fn plain(reason: &str) -> Problem {
    Problem {
        reason: reason.to_string(),
        code: None,
        segment: None,
        offset: None,
        at: None,
    }
}

/// Finds the token in what was pasted: `(kind, start, token)`.
fn locate(input: &str) -> (&'static str, usize, &str) {
    let is_space = |c: char| c.is_ascii_whitespace();
    let mut kind = "token";
    let mut rest = input.trim_start_matches(is_space);
    const NAME: &str = "authorization:";
    if rest
        .get(..NAME.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(NAME))
    {
        kind = "header";
        rest = rest[NAME.len()..].trim_start_matches(is_space);
    }
    let scheme_end = rest.find(is_space).unwrap_or(rest.len());
    let scheme = &rest[..scheme_end];
    if scheme.eq_ignore_ascii_case("bearer") {
        if kind == "token" {
            kind = "bearer";
        }
        rest = rest[scheme_end..].trim_start_matches(is_space);
    } else if scheme.eq_ignore_ascii_case("basic") {
        kind = "basic";
    }
    let rest = rest.trim_end_matches(is_space);
    // `rest` is a slice of `input`: its offset is the pointer difference.
    let start = rest.as_ptr() as usize - input.as_ptr() as usize;
    if rest.is_empty() {
        return ("empty", start, rest);
    }
    (kind, start, rest)
}

/// Reads one of the first three parts into `d`; the problem it has, if any.
fn read_part(d: &mut Diagnosis, i: usize, text: &str) -> Option<Problem> {
    let start = d.parts[i].start;
    let name = PART_NAMES[i];
    let bytes = match b64::decode(text) {
        Ok(bytes) => bytes,
        Err(e) => return Some(base64_problem(name, start, text, &e)),
    };
    d.parts[i].bytes = Some(bytes.len());
    if i == 2 {
        return None;
    }
    let at_part = |at: String| Problem {
        reason: String::new(),
        code: None,
        segment: Some(name.to_string()),
        offset: Some(start),
        at: Some(at),
    };
    match strict::from_slice(&bytes) {
        Ok(Value::Object(map)) => {
            if i == 0 {
                d.header = Some(map);
            } else {
                d.payload = Some(map);
            }
            None
        }
        Ok(_) => {
            d.parts[i].text = String::from_utf8(bytes).ok();
            Some(at_part(format!(
                "the {name} decodes to JSON that is not an object"
            )))
        }
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            let byte = byte_at(&bytes, line, column);
            d.parts[i].text = String::from_utf8(bytes).ok();
            let mut p = at_part(format!(
                "in the decoded {name}, line {line} column {column}: {}",
                strip_position(&e.to_string())
            ));
            // Three decoded bytes are four base64url characters.
            p.offset = Some(start + (byte / 3) * 4);
            Some(p)
        }
    }
}

fn base64_problem(name: &str, start: usize, text: &str, e: &base64::DecodeError) -> Problem {
    use base64::DecodeError::*;
    let describe = |b: u8| match b {
        b' ' => "a space".to_string(),
        b'\n' | b'\r' => "a line break".to_string(),
        b'\t' => "a tab".to_string(),
        b'=' => "'=' (padding, which base64url in a JWS leaves out)".to_string(),
        b'+' | b'/' => format!("'{}' (standard base64, not base64url)", b as char),
        b if b.is_ascii_graphic() => format!("'{}'", b as char),
        b => format!("byte 0x{b:02x}"),
    };
    let (offset, at) = match *e {
        InvalidByte(i, b) => {
            // The crate may name a later byte than the first one outside
            // the alphabet, even one inside a multi-byte character: point
            // at the first, which starts a character.
            let i = text
                .bytes()
                .position(|c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_'))
                .unwrap_or(i);
            let what = match text.get(i..).and_then(|t| t.chars().next()) {
                Some(c) if !c.is_ascii() => format!("'{c}' (not ASCII)"),
                _ => describe(text.as_bytes().get(i).copied().unwrap_or(b)),
            };
            let nth = text.get(..i).map_or(i, |t| t.chars().count()) + 1;
            (start + i, format!("character {nth} of the {name} is {what}"))
        }
        InvalidLastSymbol(i, b) => (
            start + i,
            format!("the last character of the {name} ({}) has bits no encoder sets: truncated or altered", describe(b)),
        ),
        InvalidLength(_) => (
            start + text.len(),
            format!("the {name} has {} characters, a length base64url never has (one lost or added?)", text.len()),
        ),
        InvalidPadding => (start, format!("the {name} is padded")),
    };
    Problem {
        reason: String::new(),
        code: None,
        segment: Some(name.to_string()),
        offset: Some(offset),
        at: Some(at),
    }
}

fn count_problem(d: &Diagnosis, segments: &[&str]) -> Problem {
    let n = segments.len();
    let (offset, at) = match n {
        1 => (None, "no dots: a token is header.payload.signature".to_string()),
        2 => (
            Some(d.parts[1].end),
            "two parts: the signature part is missing (a token without signature still ends with a dot)".to_string(),
        ),
        5 if super::is_encrypted(segments[0]) => {
            (None, "five parts: this is an encrypted token (JWE)".to_string())
        }
        5 => (
            None,
            "five parts, but the first names no encryption (enc): two tokens run together?"
                .to_string(),
        ),
        _ => (
            Some(d.parts[3].start - 1),
            format!("{n} parts: the dot before part 4 is one too many"),
        ),
    };
    Problem {
        reason: String::new(),
        code: None,
        segment: None,
        offset,
        at: Some(at),
    }
}

/// The decoder refused a header member (alg, crit, cty, kid, typ, b64).
fn header_problem(d: &Diagnosis) -> Problem {
    let member = d.header.as_ref().and_then(|h| {
        if !h.contains_key("alg") {
            return Some("alg");
        }
        ["alg", "crit", "b64", "cty", "kid", "typ"]
            .into_iter()
            .find(|m| h.contains_key(*m) && matches!(decode_member(h, m), Err(())))
    });
    Problem {
        reason: String::new(),
        code: None,
        segment: Some("header".into()),
        offset: d.parts.first().map(|p| p.start),
        at: member.map(|m| format!("the header member \"{m}\"")),
    }
}

/// Whether the decoder would refuse the header for this member alone.
fn decode_member(header: &Map<String, Value>, member: &str) -> Result<(), ()> {
    let mut probe = Map::new();
    probe.insert("alg".into(), Value::String("RS256".into()));
    probe.insert(member.into(), header[member].clone());
    let token = format!(
        "{}.e30.",
        b64::encode(Value::Object(probe).to_string().as_bytes())
    );
    match decode(&token) {
        Err(AuthError::Malformed(_)) => Err(()),
        _ => Ok(()),
    }
}

/// Byte index of a 1-based line and column in `bytes`.
fn byte_at(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(bytes.len())
}

/// serde_json ends its messages with ` at line L column C`; we say where
/// ourselves.
fn strip_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

#[cfg(test)]
#[path = "diagnose_tests.rs"]
mod tests;
