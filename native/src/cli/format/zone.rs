//! The local time zone, read from the system's TZif files (RFC 8536), so times print in local
//! time with their offset as the `nats` CLI prints them (`2023-04-09T08:31:23+08:00`).
//!
//! Where: `TZ` (a zone name under `/usr/share/zoneinfo`, an absolute path, or `UTC`), else
//! `/etc/localtime`; anything unreadable means UTC. The transition table is used as is; an
//! instant after the last transition keeps the last offset (the POSIX rule in the file's footer
//! is not evaluated: distributions ship transitions up to 2037).

use std::path::PathBuf;
use std::sync::OnceLock;

/// A zone as UTC offsets changing at given instants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    /// (Unix seconds of the change, offset in seconds from then on), ascending.
    transitions: Vec<(i64, i32)>,
    /// Offset before the first transition (and the only one of a fixed zone).
    initial_offset_secs: i32,
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_i64(b: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The six counts of a TZif header at `at`: isut, isstd, leap, time, type, char.
fn counts(b: &[u8], at: usize) -> Option<[usize; 6]> {
    if b.get(at..at + 4)? != b"TZif" {
        return None;
    }
    let mut out = [0usize; 6];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = be_u32(b, at + 20 + 4 * i)? as usize;
    }
    Some(out)
}

impl Zone {
    /// Coordinated Universal Time.
    pub const fn utc() -> Zone {
        Zone::fixed(0)
    }

    /// A zone with one fixed offset.
    pub const fn fixed(offset_secs: i32) -> Zone {
        Zone {
            transitions: Vec::new(),
            initial_offset_secs: offset_secs,
        }
    }

    /// Parses a TZif file of version 2 or later (the 64-bit data block).
    pub fn parse_tzif(b: &[u8]) -> Option<Zone> {
        let [isut, isstd, leap, time, typ, chars] = counts(b, 0)?;
        if b.get(4).copied().unwrap_or(0) < b'2' {
            return None;
        }
        // Skip the 32-bit block to the second header.
        let v1_len = time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
        let h2 = 44 + v1_len;
        let [_, _, _, time, typ, _] = counts(b, h2)?;
        let times_at = h2 + 44;
        let idx_at = times_at + time * 8;
        let types_at = idx_at + time;
        let offset_of = |t: usize| -> Option<i32> {
            let at = types_at + t * 6;
            Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
        };
        if typ == 0 {
            return None;
        }
        let mut transitions = Vec::with_capacity(time);
        for i in 0..time {
            let when = be_i64(b, times_at + i * 8)?;
            let t = *b.get(idx_at + i)? as usize;
            if t >= typ {
                return None;
            }
            transitions.push((when, offset_of(t)?));
        }
        Some(Zone {
            transitions,
            initial_offset_secs: offset_of(0)?,
        })
    }

    /// The zone named by `tz` (the `TZ` variable's value) or, for `None`, `/etc/localtime`.
    pub fn from_tz(tz: Option<&str>) -> Zone {
        let path = match tz.map(|t| t.strip_prefix(':').unwrap_or(t)) {
            None => PathBuf::from("/etc/localtime"),
            Some("" | "UTC" | "UTC0" | "Z" | "GMT") => return Zone::utc(),
            Some(p) if p.starts_with('/') => PathBuf::from(p),
            Some(name) if !name.contains("..") => PathBuf::from("/usr/share/zoneinfo").join(name),
            Some(_) => return Zone::utc(),
        };
        std::fs::read(path)
            .ok()
            .and_then(|b| Zone::parse_tzif(&b))
            .unwrap_or_default()
    }

    /// The process's local zone, read once.
    pub fn local() -> &'static Zone {
        static LOCAL: OnceLock<Zone> = OnceLock::new();
        LOCAL.get_or_init(|| Zone::from_tz(std::env::var("TZ").ok().as_deref()))
    }

    /// Offset from UTC in seconds at `unix_secs`.
    pub fn offset_at(&self, unix_secs: i64) -> i32 {
        match self.transitions.partition_point(|(t, _)| *t <= unix_secs) {
            0 => self.initial_offset_secs,
            n => self.transitions[n - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal v2 TZif: one transition at `at` from +0 to `offset`.
    fn tzif(at: i64, offset: i32) -> Vec<u8> {
        let header = |time: u32, typ: u32, chars: u32| {
            let mut h = b"TZif2".to_vec();
            h.extend([0u8; 15]);
            for n in [0, 0, 0, time, typ, chars] {
                h.extend(u32::to_be_bytes(n));
            }
            h
        };
        let mut b = header(0, 1, 4);
        b.extend([0, 0, 0, 0, 0, 0]);
        b.extend(b"UTC\0");
        b.extend(header(1, 2, 8));
        b.extend(at.to_be_bytes());
        b.push(1);
        b.extend(0i32.to_be_bytes());
        b.extend([0, 0]);
        b.extend(offset.to_be_bytes());
        b.extend([0, 4]);
        b.extend(b"UTC\0CST\0");
        b.extend(b"\nCST-8\n");
        b
    }

    #[test]
    fn parses_transitions_and_picks_the_offset_in_force() {
        let zone = Zone::parse_tzif(&tzif(1000, 8 * 3600)).expect("parses");
        assert_eq!(zone.offset_at(999), 0);
        assert_eq!(zone.offset_at(1000), 8 * 3600);
        assert_eq!(zone.offset_at(i64::MAX), 8 * 3600);
    }

    #[test]
    fn garbage_and_utc_names_mean_utc() {
        assert_eq!(Zone::parse_tzif(b"nonsense"), None);
        assert_eq!(Zone::from_tz(Some("UTC")), Zone::utc());
        assert_eq!(Zone::from_tz(Some("../../etc/passwd")), Zone::utc());
        assert_eq!(Zone::from_tz(Some("No/Such_Zone")), Zone::utc());
        assert_eq!(Zone::fixed(3600).offset_at(0), 3600);
    }

    #[test]
    fn reads_the_systems_zone_files_when_present() {
        let shanghai = Zone::from_tz(Some("Asia/Shanghai"));
        if shanghai != Zone::utc() {
            // 2023-04-09: China Standard Time, +08:00.
            assert_eq!(shanghai.offset_at(1_681_000_238), 8 * 3600);
        }
    }
}
