//! The parsed configuration tree: [`Value`], [`Item`] (a value with its position) and [`Map`].

use std::fmt;
use std::sync::Arc;

/// A position in a configuration file. `line` and `col` are 1-based; `col` counts characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pos {
    /// File name as given to the parser (the path for files, the caller's name for strings).
    pub file: Arc<str>,
    /// Line, starting at 1.
    pub line: u32,
    /// Column in characters, starting at 1.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// A configuration value. Datetimes (`2006-01-02T15:04:05Z`) are kept as [`Value::Str`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true`/`false`, `yes`/`no`, `on`/`off` (unquoted, any case).
    Bool(bool),
    /// An integer, size suffixes already applied (`2MB` is `2097152`).
    Int(i64),
    /// A floating point number such as `0.5`.
    Float(f64),
    /// Any string: quoted, bare, block `( ... )`, bcrypt hash or datetime.
    Str(String),
    /// `[a, b, c]`.
    Array(Vec<Item>),
    /// `{ key: value ... }`.
    Map(Map),
}

impl Value {
    /// A short description for error messages, e.g. `string "abc"` or `a map`.
    pub fn describe(&self) -> String {
        match self {
            Value::Bool(b) => format!("boolean {b}"),
            Value::Int(i) => format!("integer {i}"),
            Value::Float(x) => format!("float {x}"),
            Value::Str(s) => format!("string {s:?}"),
            Value::Array(_) => "an array".to_string(),
            Value::Map(_) => "a map".to_string(),
        }
    }
}

/// A value together with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The value.
    pub value: Value,
    /// Where the value starts (for a variable reference: where the reference is).
    pub pos: Pos,
}

/// One `key: value` entry of a [`Map`].
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as written (original case).
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The value.
    pub item: Item,
    /// True when a later `$key` reference used this entry. nats-server does not complain
    /// about unknown keys that only serve as variables, and neither do we.
    pub used_as_variable: bool,
}

/// An ordered map of entries. Lookups with [`Map::get`] ignore ASCII case, as nats-server does
/// for option names; when a key is repeated the last definition wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Map::default()
    }

    /// The value of `key`, compared case-insensitively; the last matching entry wins.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| &e.item)
    }

    /// Looks up a variable: `key` spelled exactly so, marking the entry as used.
    pub(crate) fn use_variable(&mut self, key: &str) -> Option<&Item> {
        let e = self.entries.iter_mut().find(|e| e.key == key)?;
        e.used_as_variable = true;
        Some(&e.item)
    }

    /// Entries in file order as `(key, item)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Item)> {
        self.entries.iter().map(|e| (e.key.as_str(), &e.item))
    }

    /// Entries in file order, with key positions.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key`. An entry with exactly the same spelling is removed first, so the map keeps
    /// the order of the last definitions and a later key always wins.
    pub fn insert(&mut self, key: String, key_pos: Pos, item: Item) {
        self.entries.retain(|e| e.key != key);
        self.entries.push(Entry {
            key,
            key_pos,
            item,
            used_as_variable: false,
        });
    }
}
