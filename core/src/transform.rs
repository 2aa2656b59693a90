//! Subject mapping transforms, after nats-server's `subject_transform.go`: a source pattern
//! (`*` and `>` wildcards; empty means `>`) and a destination whose tokens are literals, `>`
//! (the tail the source's `>` matched), legacy `$N` references to the N-th `*` of the source,
//! or `{{function(args)}}` placeholders:
//!
//! | placeholder | result |
//! |---|---|
//! | `{{wildcard(n)}}` | the token the n-th `*` matched |
//! | `{{partition(k, n...)}}` | FNV-1a 32 of the named tokens, modulo `k` |
//! | `{{splitfromleft(n, p)}}` / `{{splitfromright(n, p)}}` | the token split in two at `p` bytes from the left / right |
//! | `{{slicefromleft(n, s)}}` / `{{slicefromright(n, s)}}` | the token cut into `s`-byte tokens from the left / right |
//! | `{{split(n, sep)}}` | the token split on `sep` (empty parts dropped) |
//! | `{{left(n, s)}}` / `{{right(n, s)}}` | the first / last `s` bytes of the token |
//! | `{{random(k)}}` | a number below `k`, from the caller's randomness (the core has none) |
//!
//! Used by streams (`subject_transform`), mirrors and sources (`subject_transforms`);
//! config validation with nats-server's texts is `jetstream::api::validate_mapping`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::subject;

/// Why a transform cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// Source or destination is not a valid subject, the destination has a `*`, or only one
    /// of them ends with `>` (nats-server's `ErrBadSubject`).
    #[error("invalid subject")]
    BadSubject,
    /// A placeholder names no known function or has unusable arguments.
    #[error("invalid mapping destination: {0}")]
    BadPlaceholder(String),
    /// A placeholder refers to a `*` the source does not have.
    #[error("invalid mapping destination: wildcard index out of range in {0}")]
    IndexOutOfRange(String),
}

/// One destination token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dest {
    /// Copied as is.
    Literal(Vec<u8>),
    /// `>`: the source tokens from the source's `>` on.
    Tail,
    /// The source token at this position.
    Wildcard(usize),
    /// FNV-1a of the tokens at these positions modulo `buckets`.
    Partition {
        buckets: u32,
        tokens: Vec<usize>,
    },
    SplitFromLeft(usize, usize),
    SplitFromRight(usize, usize),
    SliceFromLeft(usize, usize),
    SliceFromRight(usize, usize),
    Split(usize, Vec<u8>),
    Left(usize, usize),
    Right(usize, usize),
    Random(u32),
}

/// A compiled subject transform. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    src: String,
    dest: String,
    /// Number of tokens of `src` (the `>` is the last one when `src` has it).
    src_tokens: usize,
    /// The source has wildcards: the destination is built token by token (else it is
    /// `dest` verbatim).
    mapped: bool,
    tokens: Vec<Dest>,
}

impl Transform {
    /// Compiles `src → dest`. `Ok(None)` when `dest` is empty (no transform); an empty `src`
    /// means `>`.
    pub fn new(src: &str, dest: &str) -> Result<Option<Transform>, TransformError> {
        if dest.is_empty() {
            return Ok(None);
        }
        let src = if src.is_empty() { ">" } else { src };
        let stoks: Vec<&str> = src.split('.').collect();
        let dtoks: Vec<&str> = dest.split('.').collect();
        // The destination is checked as nats-server's `subjectInfo` does: placeholders may
        // hold spaces (`{{ wildcard(1) }}`).
        let fwc_last = |t: &[&str]| t.iter().rev().skip(1).all(|t| *t != ">");
        let dest_ok = dtoks.iter().all(|t| !t.is_empty()) && fwc_last(&dtoks);
        if !subject::is_valid_subject(src.as_bytes()) || !dest_ok {
            return Err(TransformError::BadSubject);
        }
        let src_fwc = stoks.last() == Some(&">");
        let dest_fwc = dtoks.last() == Some(&">");
        if dtoks.contains(&"*") || src_fwc != dest_fwc {
            return Err(TransformError::BadSubject);
        }
        // Position in the source of the n-th `*` (1-based n at index n - 1).
        let stars: Vec<usize> = stoks
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == "*")
            .map(|(i, _)| i)
            .collect();
        let mut tokens = Vec::with_capacity(dtoks.len());
        for tok in &dtoks {
            let parsed = parse_token(tok)?;
            if stars.is_empty() && !matches!(parsed, Token::Literal) {
                return Err(TransformError::IndexOutOfRange((*tok).into()));
            }
            let pos = |n: usize| {
                n.checked_sub(1)
                    .and_then(|i| stars.get(i).copied())
                    .ok_or_else(|| TransformError::IndexOutOfRange((*tok).into()))
            };
            tokens.push(match parsed {
                Token::Literal if *tok == ">" => Dest::Tail,
                Token::Literal => Dest::Literal(tok.as_bytes().to_vec()),
                Token::Wildcard(n) => Dest::Wildcard(pos(n)?),
                Token::Partition(k, ns) => Dest::Partition {
                    buckets: k,
                    tokens: ns.into_iter().map(pos).collect::<Result<_, _>>()?,
                },
                Token::Pair(f, n, v) => match f {
                    Func::SplitFromLeft => Dest::SplitFromLeft(pos(n)?, v),
                    Func::SplitFromRight => Dest::SplitFromRight(pos(n)?, v),
                    Func::SliceFromLeft => Dest::SliceFromLeft(pos(n)?, v),
                    Func::SliceFromRight => Dest::SliceFromRight(pos(n)?, v),
                    Func::Left => Dest::Left(pos(n)?, v),
                    Func::Right => Dest::Right(pos(n)?, v),
                },
                Token::Split(n, sep) => Dest::Split(pos(n)?, sep),
                Token::Random(k) => Dest::Random(k),
            });
        }
        Ok(Some(Transform {
            src: src.into(),
            dest: dest.into(),
            src_tokens: stoks.len(),
            mapped: !stars.is_empty() || src_fwc,
            tokens,
        }))
    }

    /// The source pattern (`>` when configured empty).
    pub fn src(&self) -> &str {
        &self.src
    }

    /// The destination.
    pub fn dest(&self) -> &str {
        &self.dest
    }

    /// Whether `subject` is one this transform applies to.
    pub fn matches(&self, subject: &[u8]) -> bool {
        self.src == ">" || crate::subject::matches(self.src.as_bytes(), subject)
    }

    /// The transformed subject, or `None` when `subject` does not match the source (or is
    /// not a valid literal subject). `{{random(k)}}` yields 0.
    pub fn apply(&self, subject: &[u8]) -> Option<Vec<u8>> {
        self.apply_with_random(subject, 0)
    }

    /// [`Transform::apply`] with `random` as the randomness of `{{random(k)}}`
    /// (`random % k`).
    pub fn apply_with_random(&self, subject: &[u8], random: u32) -> Option<Vec<u8>> {
        if self.src == ">" && self.dest == ">" {
            return subject::is_valid_literal_subject(subject).then(|| subject.to_vec());
        }
        if !subject::is_valid_literal_subject(subject) || !self.matches(subject) {
            return None;
        }
        if !self.mapped {
            return Some(self.dest.as_bytes().to_vec());
        }
        let toks: Vec<&[u8]> = subject.split(|&b| b == b'.').collect();
        let mut out = Vec::with_capacity(subject.len() + self.dest.len());
        let last = self.tokens.len() - 1;
        for (i, d) in self.tokens.iter().enumerate() {
            if matches!(d, Dest::Tail) {
                break;
            }
            write_token(&mut out, d, &toks, random);
            if i < last {
                out.push(b'.');
            }
        }
        if matches!(self.tokens.last(), Some(Dest::Tail)) {
            let from = self.src_tokens - 1;
            for (i, t) in toks.iter().enumerate().skip(from) {
                if i > from {
                    out.push(b'.');
                }
                out.extend_from_slice(t);
            }
        }
        Some(out)
    }
}

/// Appends what one destination token stands for.
fn write_token(out: &mut Vec<u8>, d: &Dest, toks: &[&[u8]], random: u32) {
    let tok = |i: usize| toks.get(i).copied().unwrap_or_default();
    match d {
        Dest::Literal(l) => out.extend_from_slice(l),
        Dest::Tail => {}
        Dest::Wildcard(i) => out.extend_from_slice(tok(*i)),
        Dest::Partition { buckets, tokens } => {
            let mut key = Vec::new();
            for i in tokens {
                key.extend_from_slice(tok(*i));
            }
            let bucket = if *buckets == 0 {
                0
            } else {
                fnv1a32(&key) % buckets
            };
            push_number(out, bucket);
        }
        Dest::SplitFromLeft(i, p) | Dest::SplitFromRight(i, p) => {
            let t = tok(*i);
            if *p > 0 && *p < t.len() {
                let at = if matches!(d, Dest::SplitFromLeft(..)) {
                    *p
                } else {
                    t.len() - p
                };
                out.extend_from_slice(&t[..at]);
                out.push(b'.');
                out.extend_from_slice(&t[at..]);
            } else {
                out.extend_from_slice(t);
            }
        }
        Dest::SliceFromLeft(i, s) | Dest::SliceFromRight(i, s) => {
            let t = tok(*i);
            if *s == 0 || *s >= t.len() {
                out.extend_from_slice(t);
                return;
            }
            // From the left, the short piece is last; from the right, it is first.
            let first = if matches!(d, Dest::SliceFromLeft(..)) {
                *s
            } else {
                match t.len() % s {
                    0 => *s,
                    r => r,
                }
            };
            out.extend_from_slice(&t[..first]);
            let mut at = first;
            while at < t.len() {
                let end = (at + s).min(t.len());
                out.push(b'.');
                out.extend_from_slice(&t[at..end]);
                at = end;
            }
        }
        Dest::Split(i, sep) => {
            // nats-server's exact joining (a leading run of separators can leave a dot).
            let parts: Vec<&[u8]> = split_bytes(tok(*i), sep).collect();
            for (j, part) in parts.iter().enumerate() {
                out.extend_from_slice(part);
                let next_full = parts.get(j + 1).is_some_and(|n| !n.is_empty());
                if next_full && !(j == 0 && part.is_empty()) {
                    out.push(b'.');
                }
            }
        }
        Dest::Left(i, s) | Dest::Right(i, s) => {
            let t = tok(*i);
            if *s > 0 && *s < t.len() {
                let part = if matches!(d, Dest::Left(..)) {
                    &t[..*s]
                } else {
                    &t[t.len() - s..]
                };
                out.extend_from_slice(part);
            } else {
                out.extend_from_slice(t);
            }
        }
        Dest::Random(k) => push_number(out, if *k == 0 { 0 } else { random % k }),
    }
}

/// The parts of `t` between occurrences of `sep` (all of `t` when `sep` is empty).
fn split_bytes<'a>(t: &'a [u8], sep: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(t);
    core::iter::from_fn(move || {
        let r = rest?;
        if sep.is_empty() {
            rest = None;
            return Some(r);
        }
        match r.windows(sep.len()).position(|w| w == sep) {
            Some(at) => {
                rest = Some(&r[at + sep.len()..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

fn push_number(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// FNV-1a, 32 bits (Go's `hash/fnv` `New32a`), as nats-server's partition function uses.
pub fn fnv1a32(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Functions taking a wildcard index and a number.
#[derive(Debug, Clone, Copy)]
enum Func {
    SplitFromLeft,
    SplitFromRight,
    SliceFromLeft,
    SliceFromRight,
    Left,
    Right,
}

/// A destination token as written (wildcard indexes are 1-based, not yet positions).
enum Token {
    Literal,
    Wildcard(usize),
    Partition(u32, Vec<usize>),
    Pair(Func, usize, usize),
    Split(usize, Vec<u8>),
    Random(u32),
}

fn parse_token(tok: &str) -> Result<Token, TransformError> {
    if let Some(digits) = tok.strip_prefix('$') {
        // Other `$` tokens are literals (`$KV`, `$JS`).
        return Ok(digits.parse().map_or(Token::Literal, Token::Wildcard));
    }
    let Some(inner) = tok
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .filter(|_| tok.len() > 4)
    else {
        return Ok(Token::Literal);
    };
    let bad = || TransformError::BadPlaceholder(tok.into());
    let (name, args) = inner
        .trim()
        .strip_suffix(')')
        .and_then(|t| t.split_once('('))
        .ok_or_else(bad)?;
    // nats-server splits the arguments on `,\s*`.
    let args: Vec<&str> = args
        .split(',')
        .enumerate()
        .map(|(i, a)| if i == 0 { a } else { a.trim_start() })
        .collect();
    let int = |a: &str| a.trim().parse::<usize>().map_err(|_| bad());
    let two = || -> Result<(usize, usize), TransformError> {
        match args.as_slice() {
            [a, b] => Ok((int(a)?, int(b)?)),
            _ => Err(bad()),
        }
    };
    let func = |f| two().map(|(n, v)| Token::Pair(f, n, v));
    match name.trim().to_ascii_lowercase().as_str() {
        "wildcard" => match args.as_slice() {
            [a] => Ok(Token::Wildcard(int(a)?)),
            _ => Err(bad()),
        },
        "partition" => match args.split_first() {
            Some((k, rest)) if !rest.is_empty() => {
                let k = u32::try_from(int(k)?).map_err(|_| bad())?;
                let ns = rest.iter().map(|a| int(a)).collect::<Result<_, _>>()?;
                Ok(Token::Partition(k, ns))
            }
            _ => Err(bad()),
        },
        "splitfromleft" => func(Func::SplitFromLeft),
        "splitfromright" => func(Func::SplitFromRight),
        "slicefromleft" => func(Func::SliceFromLeft),
        "slicefromright" => func(Func::SliceFromRight),
        "left" => func(Func::Left),
        "right" => func(Func::Right),
        "split" => match args.as_slice() {
            [n, sep] => Ok(Token::Split(int(n)?, sep.as_bytes().to_vec())),
            _ => Err(bad()),
        },
        "random" => match args.as_slice() {
            [k] => Ok(Token::Random(u32::try_from(int(k)?).map_err(|_| bad())?)),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests;
