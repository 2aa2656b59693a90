//! Sizes, counts and limits as the `nats` CLI prints them.
//!
//! Sizes follow Go's `humanize.IBytes`: binary units, one decimal below 10 (`1.2 KiB`), none
//! from 10 up (`26 KiB`), plain bytes below 10 B (`7 B`). A limit of `-1` (or any negative
//! number, which NATS uses for "no limit") prints as `unlimited`.

const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// Formats a byte count: `0 B`, `512 B`, `1.0 KiB`, `1.5 KiB`, `26 KiB`, `3.4 MiB`.
pub fn format_size(bytes: u64) -> String {
    if bytes < 10 {
        return format!("{bytes} B");
    }
    let mut exp = 0;
    let mut scaled = bytes as f64;
    while scaled >= 1024.0 && exp < UNITS.len() - 1 {
        scaled /= 1024.0;
        exp += 1;
    }
    // Round to one decimal first, as the Go library does, so 1023.96 KiB becomes "1024 KiB".
    let rounded = (scaled * 10.0 + 0.5).floor() / 10.0;
    if rounded < 10.0 {
        format!("{rounded:.1} {}", UNITS[exp])
    } else {
        format!("{rounded:.0} {}", UNITS[exp])
    }
}

/// Formats a byte limit where a negative value means no limit.
pub fn format_size_or_unlimited(bytes: i64) -> String {
    match u64::try_from(bytes) {
        Ok(b) => format_size(b),
        Err(_) => "unlimited".to_string(),
    }
}

/// Formats a count limit where a negative value means no limit: `unlimited` or `1,000`.
pub fn or_unlimited(value: i64) -> String {
    match u64::try_from(value) {
        Ok(v) => format_count(v),
        Err(_) => "unlimited".to_string(),
    }
}

/// Formats an integer with thousands separators: `1234567` → `1,234,567`.
pub fn format_count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_go_humanize_ibytes() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(9), "9 B");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1.0 KiB");
        assert_eq!(format_size(1229), "1.2 KiB");
        assert_eq!(format_size(26 * 1024 + 300), "26 KiB");
        assert_eq!(format_size(3_565_158), "3.4 MiB");
        assert_eq!(format_size(1 << 30), "1.0 GiB");
    }

    #[test]
    fn negative_limits_are_unlimited() {
        assert_eq!(format_size_or_unlimited(-1), "unlimited");
        assert_eq!(format_size_or_unlimited(2048), "2.0 KiB");
        assert_eq!(or_unlimited(-1), "unlimited");
        assert_eq!(or_unlimited(1000), "1,000");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
