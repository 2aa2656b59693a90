//! A small binary codec for replicated commands: LEB128 integers and length-prefixed bytes.
//!
//! Raft log entries of a stream carry whole messages, so they are encoded compactly rather
//! than as JSON. [`Writer`] appends to a `Vec<u8>`; [`Reader`] walks a slice and checks every
//! length against what is left before allocating, so a corrupt entry is an error, never a
//! panic or a huge allocation.

use alloc::vec::Vec;

use bytes::Bytes;

/// Why an encoded command could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended inside a value.
    #[error("truncated command")]
    Truncated,
    /// A variable-length integer ran past 10 bytes or overflowed 64 bits.
    #[error("malformed integer")]
    BadInteger,
    /// A tag byte names no known variant.
    #[error("unknown tag {0}")]
    UnknownTag(u8),
    /// A string field is not UTF-8.
    #[error("string is not UTF-8")]
    NotUtf8,
    /// Bytes were left after the last field.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// A JSON field failed to decode.
    #[error("bad JSON field")]
    Json,
}

/// Appends encoded values to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer with room for `cap` bytes.
    pub fn with_capacity(cap: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(cap),
        }
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// An unsigned integer, LEB128.
    pub fn u64(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(byte);
                return;
            }
            self.buf.push(byte | 0x80);
        }
    }

    /// A signed integer, zig-zag then LEB128.
    pub fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
    }

    /// Optional bytes: a presence byte, then the bytes.
    pub fn opt_bytes(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.u8(0),
            Some(b) => {
                self.u8(1);
                self.bytes(b);
            }
        }
    }

    /// The encoded bytes.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads encoded values from a shared buffer (byte fields are zero-copy slices of it).
#[derive(Debug)]
pub struct Reader {
    buf: Bytes,
    pos: usize,
}

impl Reader {
    /// Reads from `buf`.
    pub fn new(buf: Bytes) -> Self {
        Reader { buf, pos: 0 }
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        let b = *self.buf.get(self.pos).ok_or(WireError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// An unsigned LEB128 integer.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8()?;
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(WireError::BadInteger);
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireError::BadInteger)
    }

    /// A zig-zag signed integer.
    pub fn i64(&mut self) -> Result<i64, WireError> {
        let u = self.u64()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self) -> Result<Bytes, WireError> {
        let len = self.u64()?;
        let left = (self.buf.len() - self.pos) as u64;
        if len > left {
            return Err(WireError::Truncated);
        }
        let end = self.pos + len as usize;
        let out = self.buf.slice(self.pos..end);
        self.pos = end;
        Ok(out)
    }

    /// Optional bytes.
    pub fn opt_bytes(&mut self) -> Result<Option<Bytes>, WireError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.bytes().map(Some),
            t => Err(WireError::UnknownTag(t)),
        }
    }

    /// A UTF-8 string.
    pub fn string(&mut self) -> Result<alloc::string::String, WireError> {
        let b = self.bytes()?;
        core::str::from_utf8(&b)
            .map(alloc::string::String::from)
            .map_err(|_| WireError::NotUtf8)
    }

    /// Fails unless everything was read.
    pub fn end(&self) -> Result<(), WireError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            n => Err(WireError::Trailing(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn integers_and_bytes_round_trip(a: u64, b: i64, c: Vec<u8>, d: Option<Vec<u8>>) {
            let mut w = Writer::default();
            w.u64(a);
            w.i64(b);
            w.bytes(&c);
            w.opt_bytes(d.as_deref());
            let mut r = Reader::new(Bytes::from(w.finish()));
            prop_assert_eq!(r.u64().unwrap(), a);
            prop_assert_eq!(r.i64().unwrap(), b);
            prop_assert_eq!(&r.bytes().unwrap()[..], &c[..]);
            prop_assert_eq!(r.opt_bytes().unwrap().map(|b| b.to_vec()), d);
            prop_assert!(r.end().is_ok());
        }

        #[test]
        fn any_input_decodes_or_errors(input: Vec<u8>) {
            let mut r = Reader::new(Bytes::from(input));
            let _ = r.u64().and_then(|_| r.bytes()).and_then(|_| r.opt_bytes());
        }
    }

    #[test]
    fn length_past_the_end_is_truncated_not_allocated() {
        let mut w = Writer::default();
        w.u64(u64::MAX);
        let mut r = Reader::new(Bytes::from(w.finish()));
        assert_eq!(r.bytes(), Err(WireError::Truncated));
    }

    #[test]
    fn overlong_integer_is_refused() {
        let mut r = Reader::new(Bytes::from(alloc::vec![0xff; 11]));
        assert_eq!(r.u64(), Err(WireError::BadInteger));
    }
}
