//! Parser vectors: syntax, scalars, variables, includes and error positions.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::test_util::{parse, parse_err, s, val};
use super::*;

/// A fresh directory under the system temp dir (no tempfile crate), removed on drop.
pub(crate) struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn temp_dir(name: &str) -> TempDir {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rill-conf-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

#[test]
fn key_value_separators_colon_equals_and_space() {
    let m = parse("a: 1\nb = 2\nc 3\nd:4\ne=5\n");
    for (k, v) in [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)] {
        assert_eq!(val(&m, k), &Value::Int(v), "{k}");
    }
}

#[test]
fn optional_semicolon_and_comma_terminators() {
    let m = parse("a: 1; b: 2, c: 3\nd: x;\n");
    assert_eq!(val(&m, "a"), &Value::Int(1));
    assert_eq!(val(&m, "b"), &Value::Int(2));
    assert_eq!(val(&m, "c"), &Value::Int(3));
    assert_eq!(val(&m, "d"), &s("x"));
}

#[test]
fn whole_file_may_be_wrapped_in_braces() {
    let m = parse("# header\n{\n  port: 4222, debug: true\n}\n// trailer\n");
    assert_eq!(val(&m, "port"), &Value::Int(4222));
    assert_eq!(val(&m, "debug"), &Value::Bool(true));
    assert!(parse_err("{ port: 1 } x")
        .to_string()
        .starts_with("t.conf:1:13: "));
}

#[test]
fn maps_in_all_three_spellings_and_nested() {
    let m = parse("m1 { a: 1 }\nm2: { a: 2 }\nm3 = {\n  inner { b = x }\n}\n");
    for (k, v) in [("m1", 1), ("m2", 2)] {
        let Value::Map(inner) = val(&m, k) else {
            panic!("{k} not a map")
        };
        assert_eq!(val(inner, "a"), &Value::Int(v));
    }
    let Value::Map(m3) = val(&m, "m3") else {
        panic!()
    };
    let Value::Map(inner) = val(m3, "inner") else {
        panic!()
    };
    assert_eq!(val(inner, "b"), &s("x"));
}

#[test]
fn arrays_with_commas_newlines_comments_and_maps() {
    let m = parse(
        "a: [1, 2, 3]\nb [\n  x\n\n  y, # comment\n  z,\n]\nc = [ {user: a, pass: b}, {user: c}\n {user: d} ]\nd: []\n",
    );
    let ints = |v: &Value| match v {
        Value::Array(items) => items.iter().map(|i| i.value.clone()).collect::<Vec<_>>(),
        _ => panic!("not an array"),
    };
    assert_eq!(
        ints(val(&m, "a")),
        vec![Value::Int(1), Value::Int(2), Value::Int(3)]
    );
    assert_eq!(ints(val(&m, "b")), vec![s("x"), s("y"), s("z")]);
    let Value::Array(users) = val(&m, "c") else {
        panic!()
    };
    assert_eq!(users.len(), 3);
    let Value::Map(u0) = &users[0].value else {
        panic!()
    };
    assert_eq!(val(u0, "pass"), &s("b"));
    assert_eq!(ints(val(&m, "d")), vec![]);
}

#[test]
fn array_elements_need_a_separator_as_in_nats_server() {
    let e = parse_err("r = [ a b ]");
    assert!(
        e.to_string().starts_with("t.conf:1:9: expected ',' or ']'"),
        "{e}"
    );
    let e = parse_err("r = [ , a ]");
    assert!(
        e.to_string().starts_with("t.conf:1:7: unexpected ','"),
        "{e}"
    );
}

#[test]
fn comments_hash_and_double_slash() {
    let m = parse("# one\n// two\na: 1 # trailing\nb: 2 // trailing\nc: foo#bar\n");
    assert_eq!(val(&m, "a"), &Value::Int(1));
    assert_eq!(val(&m, "b"), &Value::Int(2));
    assert_eq!(val(&m, "c"), &s("foo#bar"));
}

#[test]
fn variables_resolve_from_enclosing_scopes_in_order() {
    let m =
        parse("A: 4222\nport: $A\nouter {\n  B: x\n  inner { c: $B, d: $A }\n}\nB: 9\nlater: $B\n");
    assert_eq!(val(&m, "port"), &Value::Int(4222));
    let Value::Map(outer) = val(&m, "outer") else {
        panic!()
    };
    let Value::Map(inner) = val(outer, "inner") else {
        panic!()
    };
    assert_eq!(val(inner, "c"), &s("x"));
    assert_eq!(val(inner, "d"), &Value::Int(4222));
    assert_eq!(val(&m, "later"), &Value::Int(9));
    // The resolved item carries the position of the reference.
    assert_eq!(m.get("port").unwrap().pos.line, 2);
    assert_eq!(m.get("port").unwrap().pos.col, 7);
}

#[test]
fn variables_are_case_sensitive_and_must_be_defined_earlier() {
    let e = parse_err("A: 1\nport: $a\n");
    assert_eq!(
        e.to_string(),
        "t.conf:2:7: variable reference for 'a' can not be found"
    );
    let e = parse_err("x: $LATER_RILL_UNSET\nLATER_RILL_UNSET: 1\n");
    assert!(matches!(e, ConfError::UnknownVariable { .. }), "{e}");
    // A sibling map's keys are not in scope.
    assert!(parse_err("a { b: 1 }\nc: $b\n").to_string().contains("'b'"));
}

#[test]
fn variables_fall_back_to_parsed_environment_values() {
    std::env::set_var("RILL_TEST_CONF_PORT", "4333");
    std::env::set_var("RILL_TEST_CONF_HOST", "127.0.0.1");
    std::env::set_var("RILL_TEST_CONF_LIST", "[a, b]");
    std::env::set_var("RILL_TEST_CONF_CHAIN", "$RILL_TEST_CONF_PORT");
    std::env::set_var("RILL_TEST_CONF_LOOP", "$RILL_TEST_CONF_LOOP");
    let m = parse(
        "p: $RILL_TEST_CONF_PORT\nh: $RILL_TEST_CONF_HOST\nl: $RILL_TEST_CONF_LIST\nc: $RILL_TEST_CONF_CHAIN\n",
    );
    assert_eq!(val(&m, "p"), &Value::Int(4333));
    assert_eq!(val(&m, "h"), &s("127.0.0.1"));
    assert!(matches!(val(&m, "l"), Value::Array(a) if a.len() == 2));
    assert_eq!(val(&m, "c"), &Value::Int(4333));
    let e = parse_err("x: $RILL_TEST_CONF_LOOP");
    assert!(e.to_string().contains("cycle"), "{e}");
}

#[test]
fn keys_keep_their_case_but_lookup_ignores_it() {
    let m = parse("Server_Name: a\nPORT: 1\n'quoted key': 2\n\"dq key\" = 3\n");
    assert_eq!(m.entries()[0].key, "Server_Name");
    assert_eq!(val(&m, "server_name"), &s("a"));
    assert_eq!(val(&m, "port"), &Value::Int(1));
    assert_eq!(val(&m, "quoted key"), &Value::Int(2));
    assert_eq!(val(&m, "DQ KEY"), &Value::Int(3));
    let keys: Vec<&str> = m.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["Server_Name", "PORT", "quoted key", "dq key"]);
}

#[test]
fn syntax_errors_report_line_and_column() {
    let e = parse_err("a: 1\nport:\n  4222\n");
    assert!(
        e.to_string()
            .starts_with("t.conf:2:6: expected a value for \"port\""),
        "{e}"
    );
    let e = parse_err("m {\n  a: 1\n");
    assert!(
        e.to_string()
            .starts_with("t.conf:1:3: unexpected end of file"),
        "{e}"
    );
    let e = parse_err("a: \"open\n");
    assert!(e.to_string().starts_with("t.conf:1:4: unterminated"), "{e}");
    let e = parse_err("a: 1 2");
    assert!(e.to_string().starts_with("t.conf:1:6: "), "{e}");
    assert_eq!(e.pos().map(|p| (p.line, p.col)), Some((1, 6)));
}

#[test]
fn newline_rules_around_separators_follow_nats_server() {
    // Without a separator the value may follow on the next line; inside a map too.
    let m = parse("port\n  4222\nc { name:\n  x }\n");
    assert_eq!(val(&m, "port"), &Value::Int(4222));
    let Value::Map(c) = val(&m, "c") else {
        panic!()
    };
    assert_eq!(val(c, "name"), &s("x"));
}

#[test]
fn include_inserts_keys_relative_to_the_including_file() {
    let dir = temp_dir("include");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/inc.conf"),
        "port: 4333\nVAR1: 7\ninclude 'deeper.conf'\n",
    )
    .unwrap();
    std::fs::write(dir.join("sub/deeper.conf"), "debug: true\n").unwrap();
    std::fs::write(dir.join("auth.conf"), "user: a\npassword: b\n").unwrap();
    std::fs::write(
        dir.join("main.conf"),
        "include ./sub/inc.conf\nmax_pending: $VAR1\nauthorization {\n  include \"auth.conf\"\n}\n",
    )
    .unwrap();
    let m = parse_file(&dir.join("main.conf")).unwrap();
    assert_eq!(val(&m, "port"), &Value::Int(4333));
    assert_eq!(val(&m, "max_pending"), &Value::Int(7));
    assert_eq!(val(&m, "debug"), &Value::Bool(true));
    let Value::Map(auth) = val(&m, "authorization") else {
        panic!()
    };
    assert_eq!(val(auth, "user"), &s("a"));
    // Keys from the included file keep their own file in positions.
    assert!(m.get("port").unwrap().pos.file.ends_with("inc.conf"));
}

#[test]
fn include_errors_name_the_files_and_cycles_are_refused() {
    let dir = temp_dir("include-err");
    std::fs::write(dir.join("bad.conf"), "ok: 1\nbroken: [\n").unwrap();
    std::fs::write(dir.join("main.conf"), "a: 1\ninclude bad.conf\n").unwrap();
    let e = parse_file(&dir.join("main.conf")).unwrap_err().to_string();
    assert!(e.contains("main.conf:2:1: error in included file"), "{e}");
    assert!(e.contains("bad.conf:2:9: unexpected end of file"), "{e}");
    std::fs::write(dir.join("loop.conf"), "include loop.conf\n").unwrap();
    let e = parse_file(&dir.join("loop.conf")).unwrap_err().to_string();
    assert!(e.contains("include cycle"), "{e}");
    std::fs::write(dir.join("missing.conf"), "include nope.conf\n").unwrap();
    let e = parse_file(&dir.join("missing.conf"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot read configuration file") && e.contains("nope.conf"),
        "{e}"
    );
    // An included file does not see the includer's variables (as in nats-server).
    std::fs::write(dir.join("uses.conf"), "port: $X\n").unwrap();
    std::fs::write(dir.join("defines.conf"), "X: 5\ninclude uses.conf\n").unwrap();
    assert!(parse_file(&dir.join("defines.conf")).is_err());
}

#[test]
fn missing_file_error_names_it() {
    let e = parse_file(Path::new("/nonexistent/rill.conf")).unwrap_err();
    assert!(matches!(e, ConfError::Io { .. }));
    assert!(e.to_string().contains("\"/nonexistent/rill.conf\""), "{e}");
}

#[test]
fn repeated_keys_last_definition_wins_whatever_the_case() {
    let m = parse("a: 1\nA: 2\na: 3\n");
    assert_eq!(val(&m, "a"), &Value::Int(3));
    let keys: Vec<&str> = m.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["A", "a"]);
}

#[test]
fn nesting_is_limited() {
    let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
    assert!(parse_err(&deep).to_string().contains("nest deeper than 64"));
    let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
    parse(&ok);
}
