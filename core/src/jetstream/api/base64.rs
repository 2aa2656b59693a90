//! Standard base64 (RFC 4648 §4, `+/`, with `=` padding), as Go's `encoding/json` writes
//! `[]byte` fields such as `hdrs` and `data` of stored messages.

use alloc::string::String;
use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why a base64 text did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    /// A byte outside the alphabet (or padding in the middle), at this offset.
    #[error("illegal base64 data at input byte {0}")]
    InvalidByte(usize),
    /// The text ends inside a group (a single trailing character, or wrong padding).
    #[error("illegal base64 data at input byte {0}")]
    InvalidLength(usize),
}

/// Encodes `bytes` as padded standard base64.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes standard base64. Padding is optional (clients differ); `\r` and `\n` are skipped
/// as Go skips them. Non-zero bits left over in the last group are tolerated.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut acc, mut bits, mut count) = (0u32, 0u32, 0usize);
    let mut padding_at = None;
    for (i, c) in text.bytes().enumerate() {
        match c {
            b'\r' | b'\n' => continue,
            b'=' => {
                padding_at.get_or_insert(i);
                continue;
            }
            _ if padding_at.is_some() => return Err(Base64Error::InvalidByte(i)),
            _ => {}
        }
        acc = (acc << 6) | value(c).ok_or(Base64Error::InvalidByte(i))?;
        bits += 6;
        count += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let rem = count % 4;
    if rem == 1 {
        return Err(Base64Error::InvalidLength(text.len()));
    }
    if let Some(at) = padding_at {
        let pads = text[at..].bytes().filter(|c| *c == b'=').count();
        if rem == 0 || pads != 4 - rem {
            return Err(Base64Error::InvalidLength(at));
        }
    }
    Ok(out)
}

/// Serde adapter for `Vec<u8>` fields written as base64 strings.
pub(crate) mod serde_bytes {
    use alloc::string::String;
    use alloc::vec::Vec;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        super::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(
            encode(b"NATS/1.0\r\nFoo: bar\r\n\r\n"),
            "TkFUUy8xLjANCkZvbzogYmFyDQoNCg=="
        );
    }

    #[test]
    fn decodes_unpadded_and_wrapped_text() {
        assert_eq!(decode("Zg").unwrap(), b"f");
        assert_eq!(decode("Zm8").unwrap(), b"fo");
        assert_eq!(decode("Zm9v\r\nYmFy").unwrap(), b"foobar");
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "Z", "Zm9vY", "Zm9v!", "Zg=x", "Zg=", "Zm9v====", "=Zg", "Zm8==",
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len() % 4, 0);
            prop_assert_eq!(decode(&text).unwrap(), bytes.clone());
            prop_assert_eq!(decode(text.trim_end_matches('=')).unwrap(), bytes);
        }
    }
}
