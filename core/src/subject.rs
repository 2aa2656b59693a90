//! Subjects: validation, tokens and wildcard matching.
//!
//! A subject is `.`-separated non-empty tokens with no whitespace. In a subscription, a token
//! that is exactly `*` matches one token and a last token that is exactly `>` matches one or
//! more; `foo*` is a literal token.

/// Bytes that may never appear in a subject.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c)
}

/// Whether `subject` is a valid subscription subject (wildcards allowed as whole tokens).
pub fn is_valid_subject(subject: &[u8]) -> bool {
    if subject.is_empty() {
        return false;
    }
    let mut tokens = subject.split(|b| *b == b'.').peekable();
    while let Some(token) = tokens.next() {
        if token.is_empty() || token.iter().any(|b| is_space(*b)) {
            return false;
        }
        if token == b">" && tokens.peek().is_some() {
            return false;
        }
    }
    true
}

/// Whether `subject` is a valid publish subject: valid and free of wildcard tokens.
pub fn is_valid_literal_subject(subject: &[u8]) -> bool {
    is_valid_subject(subject) && !has_wildcard(subject)
}

/// Whether any token of `subject` is a wildcard (`*` or `>`).
pub fn has_wildcard(subject: &[u8]) -> bool {
    subject
        .split(|b| *b == b'.')
        .any(|t| t == b"*" || t == b">")
}

/// Whether `queue` is a valid queue group name (non-empty, no whitespace).
pub fn is_valid_queue(queue: &[u8]) -> bool {
    !queue.is_empty() && !queue.iter().any(|b| is_space(*b))
}

/// Whether the subscription `pattern` matches the literal `subject`.
pub fn matches(pattern: &[u8], subject: &[u8]) -> bool {
    let mut pt = pattern.split(|b| *b == b'.');
    let mut st = subject.split(|b| *b == b'.');
    loop {
        match (pt.next(), st.next()) {
            (None, None) => return true,
            (Some(b">"), Some(_)) => return true,
            (Some(b"*"), Some(_)) => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

/// Whether two subscription patterns can both match some subject (used for overlap checks).
pub fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let mut at = a.split(|c| *c == b'.');
    let mut bt = b.split(|c| *c == b'.');
    loop {
        match (at.next(), bt.next()) {
            (None, None) => return true,
            (Some(b">"), Some(_)) | (Some(_), Some(b">")) => return true,
            (Some(x), Some(y)) if x == b"*" || y == b"*" || x == y => {}
            _ => return false,
        }
    }
}

/// Whether every subject matched by `sub` is also matched by `sup`.
pub fn is_subset(sub: &[u8], sup: &[u8]) -> bool {
    let mut st = sub.split(|c| *c == b'.');
    let mut pt = sup.split(|c| *c == b'.');
    loop {
        match (st.next(), pt.next()) {
            (None, None) => return true,
            (Some(_), Some(b">")) => return true,
            (Some(b">"), _) => return false,
            (Some(s), Some(b"*")) if s != b">" => {}
            (Some(s), Some(p)) if s == p && s != b"*" => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_subjects() {
        for ok in [
            "foo",
            "foo.bar",
            "foo.*",
            "foo.>",
            ">",
            "*",
            "foo*.bar",
            "$JS.API.INFO",
        ] {
            assert!(is_valid_subject(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            ".",
            "foo.",
            ".foo",
            "foo..bar",
            "foo bar",
            "foo.>.bar",
            "a\tb",
            "a\r\n",
        ] {
            assert!(!is_valid_subject(bad.as_bytes()), "{bad}");
        }
        assert!(is_valid_literal_subject(b"foo*.bar"));
        assert!(!is_valid_literal_subject(b"foo.*"));
        assert!(!is_valid_literal_subject(b">"));
    }

    #[test]
    fn matches_wildcards() {
        assert!(matches(b"foo.*", b"foo.bar"));
        assert!(!matches(b"foo.*", b"foo.bar.baz"));
        assert!(matches(b"foo.>", b"foo.bar.baz"));
        assert!(!matches(b"foo.>", b"foo"));
        assert!(matches(b">", b"a"));
        assert!(matches(b"*.b.*", b"a.b.c"));
        assert!(!matches(b"foo*", b"foox"));
        assert!(matches(b"a.b", b"a.b"));
        assert!(!matches(b"a.b", b"a.b.c"));
    }

    #[test]
    fn overlap_and_subset() {
        assert!(overlaps(b"foo.*", b"*.bar"));
        assert!(overlaps(b"foo.>", b"foo.bar"));
        assert!(!overlaps(b"foo.*", b"bar.*"));
        assert!(!overlaps(b"foo.*", b"foo"));
        assert!(is_subset(b"foo.bar", b"foo.*"));
        assert!(is_subset(b"foo.*", b"foo.>"));
        assert!(!is_subset(b"foo.>", b"foo.*"));
        assert!(!is_subset(b"foo.*", b"foo.bar"));
    }
}
