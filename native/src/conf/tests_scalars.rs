//! Scalar vectors: strings, numbers, size suffixes, booleans, datetimes, bcrypt, durations.
#![allow(clippy::unwrap_used)]

use super::test_util::{parse, parse_err, s, val};
use super::*;

#[test]
fn double_quoted_escapes_and_single_quoted_raw() {
    let m = parse(
        r#"a: "t\tn\nr\rq\"b\\x\x41\xc3\xa9"
b: 'raw\q$X'
c: "multi
line"
"#,
    );
    assert_eq!(val(&m, "a"), &s("t\tn\nr\rq\"b\\xAé"));
    assert_eq!(val(&m, "b"), &s("raw\\q$X"));
    assert_eq!(val(&m, "c"), &s("multi\nline"));
    let e = parse_err(r#"a: "x\qy""#);
    assert!(
        e.to_string()
            .starts_with("t.conf:1:7: invalid escape character 'q'"),
        "{e}"
    );
}

#[test]
fn bare_strings_addresses_urls_and_durations() {
    let m = parse(
        "a: 0.0.0.0:4222\nb: nats-route://172.16.0.155:4248\nc: 127.0.0.1\nd: 1h30m\ne: 10us\nf: 4222abc\ng: 1ms\nh: iZbp-172-16\n",
    );
    assert_eq!(val(&m, "a"), &s("0.0.0.0:4222"));
    assert_eq!(val(&m, "b"), &s("nats-route://172.16.0.155:4248"));
    assert_eq!(val(&m, "c"), &s("127.0.0.1"));
    assert_eq!(val(&m, "d"), &s("1h30m"));
    assert_eq!(val(&m, "e"), &s("10us"));
    assert_eq!(val(&m, "f"), &s("4222abc"));
    assert_eq!(val(&m, "g"), &s("1ms"));
    assert_eq!(val(&m, "h"), &s("iZbp-172-16"));
}

#[test]
fn block_strings_end_at_a_lone_closing_paren() {
    let m = parse("jwt: (\nline one (with parens)\n  )not the end\n)\nafter: 1\n");
    assert_eq!(
        val(&m, "jwt"),
        &s("\nline one (with parens)\n  )not the end\n")
    );
    assert_eq!(val(&m, "after"), &Value::Int(1));
    assert!(parse_err("a: (\nnever closed\n")
        .to_string()
        .starts_with("t.conf:1:4: "));
}

#[test]
fn integers_with_size_suffixes() {
    let cases = [
        ("1k", 1000),
        ("1K", 1000),
        ("1kb", 1024),
        ("1Ki", 1024),
        ("1KiB", 1024),
        ("2m", 2_000_000),
        ("2MB", 2 * 1024 * 1024),
        ("1mib", 1024 * 1024),
        ("10G", 10_000_000_000),
        ("1gb", 1 << 30),
        ("1t", 1_000_000_000_000),
        ("1TB", 1 << 40),
        ("1p", 1_000_000_000_000_000),
        ("1pb", 1 << 50),
        ("1e", 1_000_000_000_000_000_000),
        ("1EB", 1 << 60),
        ("-1", -1),
        ("-2k", -2000),
    ];
    for (text, want) in cases {
        let m = parse(&format!("v: {text}"));
        assert_eq!(val(&m, "v"), &Value::Int(want), "{text}");
    }
    assert!(matches!(parse_err("v: 10e"), ConfError::Syntax { .. }));
    assert!(matches!(
        parse_err("v: 99999999999999999999"),
        ConfError::Syntax { .. }
    ));
}

#[test]
fn floats_booleans_and_datetimes() {
    let m = parse("f: 1.5\nn: -0.25\nb1: true\nb2: NO\nb3: on\nb4: Off\nb5: yes\nb6: FALSE\nd: 2006-01-02T15:04:05Z\n");
    assert_eq!(val(&m, "f"), &Value::Float(1.5));
    assert_eq!(val(&m, "n"), &Value::Float(-0.25));
    let bools = [
        ("b1", true),
        ("b2", false),
        ("b3", true),
        ("b4", false),
        ("b5", true),
        ("b6", false),
    ];
    for (k, b) in bools {
        assert_eq!(val(&m, k), &Value::Bool(b), "{k}");
    }
    assert_eq!(val(&m, "d"), &s("2006-01-02T15:04:05Z"));
    assert_eq!(val(&parse("q: \"true\""), "q"), &s("true"));
}

#[test]
fn number_like_errors_match_nats_server() {
    // nats-server: "Expected a top-level value to end with a new line ... but got 's'".
    let e = parse_err("ping_interval: 1.5s");
    assert!(e.to_string().starts_with("t.conf:1:19: "), "{e}");
    let e = parse_err("server_name = 172-16-0-155");
    assert!(e.to_string().contains("ISO8601"), "{e}");
    let e = parse_err("d: 2006-01-02T15:04Z");
    assert!(
        e.to_string().starts_with("t.conf:1:20: expected ':'"),
        "{e}"
    );
    assert!(parse_err("v: .5")
        .to_string()
        .contains("floats must start with a digit"));
}

#[test]
fn bcrypt_hashes_are_not_variables() {
    let hash = "$2a$11$GUizXsS82Y.dll.uZXDic.qMDePF2IT6d3t5iWIs.rQ3lY1p6mDKC";
    let m = parse(&format!(
        "q: \"{hash}\"\nu: {hash}\nb: $2b$10$abc\nx: $2x$10$abc\ny: $2y$10$abc\n"
    ));
    assert_eq!(val(&m, "q"), &s(hash));
    assert_eq!(val(&m, "u"), &s(hash));
    assert_eq!(val(&m, "b"), &s("$2b$10$abc"));
    assert_eq!(val(&m, "x"), &s("$2x$10$abc"));
    assert_eq!(val(&m, "y"), &s("$2y$10$abc"));
}

#[test]
fn durations_parse_go_strings_and_plain_seconds() {
    use std::time::Duration;
    let item = |v: Value| Item {
        value: v,
        pos: Pos {
            file: "t".into(),
            line: 1,
            col: 1,
        },
    };
    let d = |t: &str| parse_duration(&item(s(t)));
    assert_eq!(d("2m").unwrap(), Duration::from_secs(120));
    assert_eq!(d("1h30m").unwrap(), Duration::from_secs(5400));
    assert_eq!(d("500ms").unwrap(), Duration::from_millis(500));
    assert_eq!(d("1.5s").unwrap(), Duration::from_millis(1500));
    assert_eq!(d("10us").unwrap(), Duration::from_micros(10));
    assert_eq!(d("10µs").unwrap(), Duration::from_micros(10));
    assert_eq!(d("3ns").unwrap(), Duration::from_nanos(3));
    assert_eq!(d("0").unwrap(), Duration::ZERO);
    assert_eq!(d(".5h").unwrap(), Duration::from_secs(1800));
    for bad in ["", "5", "1x", "-1s", "s", "1.s.", "99999999999h"] {
        assert!(d(bad).is_err(), "{bad:?} should fail");
    }
    assert_eq!(
        parse_duration(&item(Value::Int(60))).unwrap(),
        Duration::from_secs(60)
    );
    assert_eq!(
        parse_duration(&item(Value::Float(0.5))).unwrap(),
        Duration::from_millis(500)
    );
    assert!(parse_duration(&item(Value::Int(-1))).is_err());
    assert!(parse_duration(&item(Value::Bool(true))).is_err());
}
