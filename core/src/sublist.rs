//! The interest index: which subscriptions match a subject.
//!
//! A trie keyed by subject tokens, with `*` and `>` children kept apart so a match walks at
//! most three branches per level, plus a bounded cache of recent results (as nats-server's
//! sublist does). Results separate plain subscribers from queue groups; the runtime picks one
//! member per group with [`QueueGroup::pick`]. Items are any `T: Clone + PartialEq` (the
//! native server stores `Arc`s of its subscriptions).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use hashbrown::HashMap;

use crate::subject;

/// Most cached results kept; past it the cache is swept down to [`CACHE_SWEEP_TO`].
pub const CACHE_ENTRIES_MAX: usize = 1024;
/// Size the cache is swept down to.
pub const CACHE_SWEEP_TO: usize = 256;

/// Errors from [`Sublist`] edits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SublistError {
    /// The subject is not a valid subscription subject.
    #[error("invalid subject")]
    InvalidSubject,
}

/// Members of one queue group that match a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueGroup<T> {
    /// Queue group name.
    pub name: Bytes,
    /// Matching members (from every matching subscription subject).
    pub members: Vec<T>,
}

impl<T> QueueGroup<T> {
    /// One member chosen by `rand` (the runtime supplies randomness; the core has none).
    pub fn pick(&self, rand: u64) -> Option<&T> {
        if self.members.is_empty() {
            return None;
        }
        let len = self.members.len() as u64;
        self.members.get(usize::try_from(rand % len).unwrap_or(0))
    }
}

/// The subscriptions matching one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubResult<T> {
    /// Plain subscribers: each gets the message.
    pub psubs: Vec<T>,
    /// Queue groups: one member of each gets the message.
    pub qsubs: Vec<QueueGroup<T>>,
}

impl<T> SubResult<T> {
    /// No subscribers at all.
    pub fn is_empty(&self) -> bool {
        self.psubs.is_empty() && self.qsubs.is_empty()
    }
}

impl<T> Default for SubResult<T> {
    fn default() -> Self {
        SubResult {
            psubs: Vec::new(),
            qsubs: Vec::new(),
        }
    }
}

/// Counters in the shape of nats-server's `/subsz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SublistStats {
    /// Subscriptions held.
    pub subscriptions: u64,
    /// Cached results.
    pub cache_entries: u64,
    /// Inserts so far.
    pub inserts: u64,
    /// Removes so far.
    pub removes: u64,
    /// Matches so far.
    pub matches: u64,
    /// Matches answered from the cache.
    pub cache_hits: u64,
}

struct Node<T> {
    next: Option<Box<Level<T>>>,
    psubs: Vec<T>,
    qsubs: Vec<(Bytes, Vec<T>)>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            next: None,
            psubs: Vec::new(),
            qsubs: Vec::new(),
        }
    }
}

impl<T> Node<T> {
    fn is_empty(&self) -> bool {
        self.psubs.is_empty()
            && self.qsubs.is_empty()
            && self.next.as_ref().is_none_or(|l| l.is_empty())
    }
}

struct Level<T> {
    nodes: HashMap<Bytes, Node<T>>,
    pwc: Option<Box<Node<T>>>,
    fwc: Option<Box<Node<T>>>,
}

impl<T> Default for Level<T> {
    fn default() -> Self {
        Level {
            nodes: HashMap::new(),
            pwc: None,
            fwc: None,
        }
    }
}

impl<T> Level<T> {
    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.pwc.is_none() && self.fwc.is_none()
    }
}

/// The interest index. See the module docs.
pub struct Sublist<T> {
    root: Level<T>,
    cache: HashMap<Bytes, Arc<SubResult<T>>>,
    genid: u64,
    stats: SublistStats,
}

impl<T> core::fmt::Debug for Sublist<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sublist")
            .field("genid", &self.genid)
            .field("stats", &self.stats)
            .finish()
    }
}

impl<T: Clone + PartialEq> Default for Sublist<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + PartialEq> Sublist<T> {
    /// An empty index.
    pub fn new() -> Self {
        Sublist {
            root: Level::default(),
            cache: HashMap::new(),
            genid: 0,
            stats: SublistStats::default(),
        }
    }

    /// Generation: changes on every insert and remove (lets callers keep their own caches).
    pub fn genid(&self) -> u64 {
        self.genid
    }

    /// Number of subscriptions held.
    pub fn count(&self) -> u64 {
        self.stats.subscriptions
    }

    /// Counters.
    pub fn stats(&self) -> SublistStats {
        SublistStats {
            cache_entries: self.cache.len() as u64,
            ..self.stats
        }
    }

    /// Adds `item` for `subject` (optionally in queue group `queue`).
    pub fn insert(
        &mut self,
        subject: &[u8],
        queue: Option<&[u8]>,
        item: T,
    ) -> Result<(), SublistError> {
        if !subject::is_valid_subject(subject) {
            return Err(SublistError::InvalidSubject);
        }
        let mut level = &mut self.root;
        let mut tokens = subject.split(|b| *b == b'.').peekable();
        let node = loop {
            let Some(token) = tokens.next() else {
                return Err(SublistError::InvalidSubject);
            };
            let node: &mut Node<T> = match token {
                b"*" => level.pwc.get_or_insert_with(Box::default),
                b">" => level.fwc.get_or_insert_with(Box::default),
                t => level.nodes.entry(Bytes::copy_from_slice(t)).or_default(),
            };
            if tokens.peek().is_none() {
                break node;
            }
            level = node.next.get_or_insert_with(Box::default);
        };
        match queue {
            None => node.psubs.push(item),
            Some(q) => match node.qsubs.iter_mut().find(|(name, _)| name[..] == *q) {
                Some((_, members)) => members.push(item),
                None => node
                    .qsubs
                    .push((Bytes::copy_from_slice(q), alloc::vec![item])),
            },
        }
        self.stats.subscriptions += 1;
        self.stats.inserts += 1;
        self.changed(subject);
        Ok(())
    }

    /// Removes one `item` registered for `subject`/`queue`. Returns whether it was found.
    pub fn remove(&mut self, subject: &[u8], queue: Option<&[u8]>, item: &T) -> bool {
        let tokens: Vec<&[u8]> = subject.split(|b| *b == b'.').collect();
        let found = remove_from(&mut self.root, &tokens, queue, item);
        if found {
            self.stats.subscriptions -= 1;
            self.stats.removes += 1;
            self.changed(subject);
        }
        found
    }

    /// Everything that matches the literal `subject`, from the cache when possible.
    pub fn matches(&mut self, subject: &[u8]) -> Arc<SubResult<T>> {
        self.stats.matches += 1;
        if let Some(hit) = self.cache.get(subject) {
            self.stats.cache_hits += 1;
            return hit.clone();
        }
        let result = Arc::new(self.matches_uncached(subject));
        if self.cache.len() >= CACHE_ENTRIES_MAX {
            let mut excess = self.cache.len() - CACHE_SWEEP_TO;
            self.cache.retain(|_, _| {
                let keep = excess == 0;
                excess = excess.saturating_sub(1);
                keep
            });
        }
        self.cache
            .insert(Bytes::copy_from_slice(subject), result.clone());
        result
    }

    /// Everything that matches the literal `subject`, walking the trie.
    pub fn matches_uncached(&self, subject: &[u8]) -> SubResult<T> {
        let mut out = SubResult::default();
        let tokens: Vec<&[u8]> = subject.split(|b| *b == b'.').collect();
        if tokens.iter().any(|t| t.is_empty()) {
            return out;
        }
        collect(&self.root, &tokens, &mut out);
        out
    }

    fn changed(&mut self, pattern: &[u8]) {
        self.genid = self.genid.wrapping_add(1);
        if subject::has_wildcard(pattern) {
            self.cache.retain(|k, _| !subject::matches(pattern, k));
        } else {
            self.cache.remove(pattern);
        }
    }
}

fn add_node<T: Clone>(node: &Node<T>, out: &mut SubResult<T>) {
    out.psubs.extend(node.psubs.iter().cloned());
    for (name, members) in &node.qsubs {
        if members.is_empty() {
            continue;
        }
        match out.qsubs.iter_mut().find(|g| g.name == name) {
            Some(g) => g.members.extend(members.iter().cloned()),
            None => out.qsubs.push(QueueGroup {
                name: name.clone(),
                members: members.clone(),
            }),
        }
    }
}

fn collect<T: Clone>(level: &Level<T>, tokens: &[&[u8]], out: &mut SubResult<T>) {
    let Some((first, rest)) = tokens.split_first() else {
        return;
    };
    if let Some(fwc) = &level.fwc {
        add_node(fwc, out);
    }
    let mut visit = |node: &Node<T>| {
        if rest.is_empty() {
            add_node(node, out);
        } else if let Some(next) = &node.next {
            collect(next, rest, out);
        }
    };
    if let Some(pwc) = &level.pwc {
        visit(pwc);
    }
    if let Some(node) = level.nodes.get(*first) {
        visit(node);
    }
}

fn remove_item<T: PartialEq>(node: &mut Node<T>, queue: Option<&[u8]>, item: &T) -> bool {
    let list = match queue {
        None => &mut node.psubs,
        Some(q) => match node.qsubs.iter_mut().find(|(name, _)| name[..] == *q) {
            Some((_, members)) => members,
            None => return false,
        },
    };
    let Some(pos) = list.iter().position(|x| x == item) else {
        return false;
    };
    list.swap_remove(pos);
    node.qsubs.retain(|(_, m)| !m.is_empty());
    true
}

fn remove_from<T: PartialEq>(
    level: &mut Level<T>,
    tokens: &[&[u8]],
    queue: Option<&[u8]>,
    item: &T,
) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return false;
    };
    let node: &mut Node<T> = match *first {
        b"*" => match level.pwc.as_deref_mut() {
            Some(n) => n,
            None => return false,
        },
        b">" => match level.fwc.as_deref_mut() {
            Some(n) => n,
            None => return false,
        },
        t => match level.nodes.get_mut(t) {
            Some(n) => n,
            None => return false,
        },
    };
    let found = if rest.is_empty() {
        remove_item(node, queue, item)
    } else {
        match node.next.as_deref_mut() {
            Some(next) => remove_from(next, rest, queue, item),
            None => false,
        }
    };
    if found && node.is_empty() {
        match *first {
            b"*" => level.pwc = None,
            b">" => level.fwc = None,
            t => {
                level.nodes.remove(t);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests;
