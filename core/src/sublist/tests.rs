//! Sublist tables and property tests against a naive matcher.

use super::*;
use alloc::string::String;
use alloc::vec;
use proptest::prelude::*;

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

#[test]
fn matches_literals_and_wildcards() {
    let mut s = Sublist::new();
    s.insert(b"foo.bar", None, 1).unwrap();
    s.insert(b"foo.*", None, 2).unwrap();
    s.insert(b"foo.>", None, 3).unwrap();
    s.insert(b">", None, 4).unwrap();
    s.insert(b"*.bar", None, 5).unwrap();
    s.insert(b"foo", None, 6).unwrap();
    assert_eq!(
        sorted(s.matches(b"foo.bar").psubs.clone()),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(sorted(s.matches(b"foo.baz.x").psubs.clone()), vec![3, 4]);
    assert_eq!(sorted(s.matches(b"foo").psubs.clone()), vec![4, 6]);
    assert_eq!(s.count(), 6);
}

#[test]
fn queue_groups_merge_by_name_across_subjects() {
    let mut s = Sublist::new();
    s.insert(b"a.b", Some(b"q"), 1).unwrap();
    s.insert(b"a.*", Some(b"q"), 2).unwrap();
    s.insert(b"a.>", Some(b"r"), 3).unwrap();
    let r = s.matches(b"a.b");
    assert!(r.psubs.is_empty());
    assert_eq!(r.qsubs.len(), 2);
    let q = r.qsubs.iter().find(|g| &g.name[..] == b"q").unwrap();
    assert_eq!(sorted(q.members.clone()), vec![1, 2]);
    assert!(q.pick(7).is_some());
}

#[test]
fn cache_is_invalidated_on_insert_and_remove() {
    let mut s = Sublist::new();
    s.insert(b"a.b", None, 1).unwrap();
    assert_eq!(s.matches(b"a.b").psubs, vec![1]);
    s.insert(b"a.*", None, 2).unwrap();
    assert_eq!(sorted(s.matches(b"a.b").psubs.clone()), vec![1, 2]);
    assert!(s.remove(b"a.b", None, &1));
    assert_eq!(s.matches(b"a.b").psubs, vec![2]);
    assert!(!s.remove(b"a.b", None, &1));
    assert!(s.remove(b"a.*", None, &2));
    assert!(s.matches(b"a.b").is_empty());
    assert_eq!(s.count(), 0);
    let st = s.stats();
    assert!(st.cache_hits == 0 && st.inserts == 2 && st.removes == 2);
}

#[test]
fn rejects_invalid_subjects() {
    let mut s: Sublist<u32> = Sublist::new();
    assert_eq!(
        s.insert(b"a..b", None, 1),
        Err(SublistError::InvalidSubject)
    );
    assert_eq!(
        s.insert(b"a.>.b", None, 1),
        Err(SublistError::InvalidSubject)
    );
    assert!(s.matches(b"a..b").is_empty());
}

#[test]
fn cache_stays_bounded() {
    let mut s = Sublist::new();
    s.insert(b">", None, 1u32).unwrap();
    for i in 0..3000u32 {
        let subj = alloc::format!("s.{i}");
        assert_eq!(s.matches(subj.as_bytes()).psubs, vec![1]);
    }
    assert!(s.stats().cache_entries <= CACHE_ENTRIES_MAX as u64);
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".into()),
        Just("b".into()),
        Just("c".into()),
        Just("dd".into())
    ]
}

fn literal() -> impl Strategy<Value = String> {
    proptest::collection::vec(token(), 1..5).prop_map(|t| t.join("."))
}

fn pattern() -> impl Strategy<Value = String> {
    let tok = prop_oneof![4 => token(), 1 => Just("*".into())];
    (proptest::collection::vec(tok, 1..5), any::<bool>()).prop_map(|(mut t, fwc)| {
        if fwc {
            t.push(">".into());
        }
        t.join(".")
    })
}

proptest! {
    #[test]
    fn index_agrees_with_naive_matcher(
        subs in proptest::collection::vec((pattern(), proptest::option::of(Just("q"))), 0..40),
        removals in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        subjects in proptest::collection::vec(literal(), 1..20),
    ) {
        let mut s = Sublist::new();
        let mut live: Vec<(String, Option<&str>, u32)> = Vec::new();
        for (i, (p, q)) in subs.iter().enumerate() {
            s.insert(p.as_bytes(), q.map(str::as_bytes), i as u32).unwrap();
            live.push((p.clone(), *q, i as u32));
        }
        // Warm the cache, then edit, so invalidation is exercised too.
        for subj in &subjects { let _ = s.matches(subj.as_bytes()); }
        for r in removals {
            if live.is_empty() { break; }
            let (p, q, id) = live.remove(r.index(live.len()));
            prop_assert!(s.remove(p.as_bytes(), q.map(str::as_bytes), &id));
        }
        for subj in &subjects {
            let got = s.matches(subj.as_bytes());
            let mut want_p: Vec<u32> = live.iter().filter(|(p, q, _)| q.is_none() && subject::matches(p.as_bytes(), subj.as_bytes())).map(|x| x.2).collect();
            let mut want_q: Vec<u32> = live.iter().filter(|(p, q, _)| q.is_some() && subject::matches(p.as_bytes(), subj.as_bytes())).map(|x| x.2).collect();
            want_p.sort_unstable();
            want_q.sort_unstable();
            prop_assert_eq!(sorted(got.psubs.clone()), want_p);
            let got_q: Vec<u32> = got.qsubs.iter().flat_map(|g| g.members.iter().copied()).collect();
            prop_assert_eq!(sorted(got_q), want_q);
            prop_assert_eq!(&*got, &s.matches_uncached(subj.as_bytes()));
        }
        prop_assert_eq!(s.count(), live.len() as u64);
    }
}
