use super::*;
use alloc::format;
use alloc::string::ToString;
use proptest::prelude::*;

fn tr(src: &str, dest: &str) -> Transform {
    Transform::new(src, dest)
        .unwrap_or_else(|e| panic!("{src} -> {dest}: {e}"))
        .unwrap_or_else(|| panic!("{src} -> {dest}: no transform"))
}

fn apply(src: &str, dest: &str, subject: &str) -> Option<String> {
    tr(src, dest)
        .apply(subject.as_bytes())
        .map(|s| String::from_utf8(s).unwrap())
}

#[test]
fn maps_like_nats_server() {
    for (src, dest, subject, want) in [
        (">", "transformed.>", "test", "transformed.test"),
        (
            "",
            "fromtest.>",
            "transformed.test",
            "fromtest.transformed.test",
        ),
        ("foo", "bar", "foo", "bar"),
        ("stream2.foo.>", "foo.>", "stream2.foo.a.b", "foo.a.b"),
        ("foo.*.*", "bar.$2.$1", "foo.A.B", "bar.B.A"),
        ("foo.*.bar.*.baz", "req.$2.$1", "foo.A.bar.B.baz", "req.B.A"),
        (
            "foo.*.*",
            "bar.{{wildcard(2)}}.{{ Wildcard(1) }}",
            "foo.A.B",
            "bar.B.A",
        ),
        ("a.*.>", "b.{{wildcard(1)}}.>", "a.x.y.z", "b.x.y.z"),
        ("a.>", ">", "a.b.c", "b.c"),
        ("*", "{{partition(10,1)}}", "foo", "3"),
        ("*", "{{splitfromleft(1,1)}}", "12345", "1.2345"),
        ("*", "{{SplitFromRight(1,1)}}", "12345", "1234.5"),
        ("*", "{{splitfromleft(1,9)}}", "12345", "12345"),
        ("*", "{{SliceFromLeft(1,3)}}", "1234567890", "123.456.789.0"),
        (
            "*",
            "{{SliceFromRight(1,3)}}",
            "1234567890",
            "1.234.567.890",
        ),
        ("*", "{{slicefromleft(1,2)}}", "123456", "12.34.56"),
        ("*", "{{split(1,-)}}", "-abc-def--ghi-", "abc.def.ghi"),
        ("*", "{{split(1,-)}}", "abc-def--ghi-", "abc.def.ghi"),
        (
            "*.*",
            "{{split(2,-)}}.{{splitfromleft(1,2)}}",
            "foo.-abc-def--ghij-",
            "abc.def.ghij.fo.o",
        ),
        ("*", "{{left(1,1)}}", "1234", "1"),
        ("*", "{{right(1,1)}}", "1234", "4"),
        ("*", "{{right(1,9)}}", "1234", "1234"),
        ("*", "x.{{random(1)}}", "a", "x.0"),
        ("$KV.src.>", "$KV.dst.>", "$KV.src.k", "$KV.dst.k"),
    ] {
        assert_eq!(
            apply(src, dest, subject).as_deref(),
            Some(want),
            "{src} -> {dest} on {subject}"
        );
    }
}

#[test]
fn subjects_outside_the_source_are_not_mapped() {
    assert_eq!(apply("foo", "bar", "baz"), None);
    assert_eq!(apply("a.*", "b.$1", "a.x.y"), None);
    assert_eq!(apply("a.>", "b.>", "a"), None);
    assert_eq!(apply(">", "b.>", "bad..subject"), None);
    assert_eq!(apply(">", ">", "a.*"), None);
}

#[test]
fn refuses_what_nats_server_refuses() {
    assert_eq!(Transform::new("foo", ""), Ok(None));
    for (src, dest) in [
        ("foo.>", "bar"),
        ("foo", "bar.>"),
        ("foo.*", "bar.*"),
        ("foo..x", "bar"),
        ("foo", "bar.$1"),
        ("foo.*", "bar.{{wildcard(2)}}"),
        ("foo.*", "bar.{{wildcard(0)}}"),
        ("foo.*", "bar.{{nope(1)}}"),
        ("foo.*", "bar.{{left(1)}}"),
        ("foo.*", "bar.{{partition(3)}}"),
    ] {
        assert!(Transform::new(src, dest).is_err(), "{src} -> {dest}");
    }
}

#[test]
fn random_uses_the_callers_number() {
    let t = tr("*", "p.{{random(4)}}");
    assert_eq!(t.apply_with_random(b"a", 7), Some(b"p.3".to_vec()));
}

#[test]
fn fnv_matches_go() {
    assert_eq!(fnv1a32(b""), 0x811c_9dc5);
    assert_eq!(fnv1a32(b"foo"), 0xa9f3_7ed7);
}

fn token() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}"
}

proptest! {
    #[test]
    fn identity_and_prefix_tail_keep_the_tokens(toks in prop::collection::vec(token(), 1..6)) {
        let subject = toks.join(".");
        prop_assert_eq!(apply(">", ">", &subject), Some(subject.clone()));
        prop_assert_eq!(apply(">", "p.q.>", &subject), Some(format!("p.q.{subject}")));
        let moved = apply("*.>", "x.{{wildcard(1)}}.>", &format!("{subject}.end"));
        let mut rest: Vec<String> = toks[1..].to_vec();
        rest.push("end".into());
        prop_assert_eq!(moved, Some(format!("x.{}.{}", toks[0], rest.join("."))));
    }

    #[test]
    fn reversing_wildcards_twice_is_identity(a in token(), b in token(), c in token()) {
        let subject = format!("{a}.{b}.{c}");
        let once = apply("*.*.*", "$3.$2.$1", &subject).unwrap();
        prop_assert_eq!(&once, &format!("{c}.{b}.{a}"));
        prop_assert_eq!(apply("*.*.*", "{{wildcard(3)}}.{{wildcard(2)}}.{{wildcard(1)}}", &once), Some(subject));
    }

    #[test]
    fn slices_and_splits_keep_every_byte(t in "[a-z0-9]{1,20}", n in 1usize..8) {
        for dest in ["{{slicefromleft(1,N)}}", "{{slicefromright(1,N)}}", "{{splitfromleft(1,N)}}", "{{splitfromright(1,N)}}"] {
            let dest = dest.replace('N', &n.to_string());
            let out = apply("*", &dest, &t).unwrap();
            prop_assert!(crate::subject::is_valid_literal_subject(out.as_bytes()), "{}", out);
            prop_assert_eq!(out.replace('.', ""), t.clone());
        }
    }

    #[test]
    fn partitions_stay_below_their_count(t in token(), k in 1u32..50) {
        let out = apply("*", &format!("{{{{partition({k},1)}}}}"), &t).unwrap();
        prop_assert!(out.parse::<u32>().unwrap() < k);
    }

    #[test]
    fn literal_sources_map_only_themselves(s in token(), other in token()) {
        prop_assume!(s != other);
        prop_assert_eq!(apply(&s, "dest", &s), Some("dest".to_string()));
        prop_assert_eq!(apply(&s, "dest", &other), None);
    }
}
