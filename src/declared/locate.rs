//! Where things are written: an event-level pass over the YAML (yaml-rust2) that records the
//! span of every key and value by its key path, the keys written twice in one mapping, and the
//! keys of the `tables:` mapping in file order. It reads no values; serde does (see `read`).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser as YamlParser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Byte offsets of line starts, to turn (line, column) into a byte offset.
pub(super) struct LineIndex<'a> {
    text: &'a str,
    pub(super) starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// Byte offset of a 1-based line and a 0-based character column.
    pub(super) fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let within = rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i);
        start + within
    }
}

/// A span in the source: byte offset and length.
pub(super) type Span = (usize, usize);

/// A key path, hashed: the root is [`ROOT`], a child is [`child`] of its parent's hash and its
/// key (a sequence item's key is its index). Hashing keeps the locator small and fast on a
/// 10,000-table file; a 64-bit collision between two paths of one file is not a practical concern.
type PathHash = u64;

const ROOT: PathHash = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over the parent's hash, a separator and the key.
fn child(parent: PathHash, key: &str) -> PathHash {
    let mut hash = ROOT;
    let mut feed = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    parent.to_le_bytes().into_iter().for_each(&mut feed);
    feed(0xff);
    key.bytes().for_each(&mut feed);
    hash
}

fn path_hash(path: &[String]) -> PathHash {
    path.iter().fold(ROOT, |hash, key| child(hash, key))
}

/// Key path -> where the key and its value are written. Paths are the raw key strings, with
/// sequence items as their index (`["tables", "prospects", "indexes", "0", "where"]`).
#[derive(Debug, Default)]
pub(super) struct Locator {
    keys: HashMap<PathHash, Span>,
    values: HashMap<PathHash, Span>,
    /// Keys written twice in one mapping: the key and where it is written the second time.
    pub(super) duplicates: Vec<(String, Span)>,
    /// The keys of the top-level `tables:` mapping, in file order.
    pub(super) table_keys: Vec<String>,
}

enum Frame {
    Map {
        path: PathHash,
        /// The current key's path, between a key and the end of its value.
        key: Option<PathHash>,
        /// Whether the current key's value is recorded.
        key_wanted: bool,
        /// The keys so far (mappings are small: a list beats a set).
        seen: Vec<PathHash>,
        /// A block mapping's start mark is unreliable: its position is taken from its first key.
        placed: bool,
    },
    Seq {
        path: PathHash,
        index: usize,
    },
}

struct LocatorBuilder<'a, 'b> {
    lines: &'b LineIndex<'a>,
    locator: Locator,
    stack: Vec<Frame>,
    /// Record every key and value; otherwise only what the model's positions use: keys down to
    /// columns (`tables.t.columns.c`), list items (`tables.t.indexes.0`), and a column's
    /// `unique`, `primary_key` and `references`.
    full: bool,
    /// The path of the top-level `tables` mapping.
    tables_path: PathHash,
    /// Where the text read starts in the file (offsets are the file's).
    base: usize,
}

/// Whether a key at this depth (path length) is recorded outside full mode.
fn wanted(depth: usize, key: &str) -> bool {
    depth <= 4 || (depth == 5 && matches!(key, "unique" | "primary_key" | "references"))
}

impl LocatorBuilder<'_, '_> {
    fn offset(&self, mark: &Marker) -> usize {
        self.base + self.lines.offset(mark.line(), mark.col())
    }

    /// The path of the node that starts now, whether it is a mapping key, and whether it is
    /// recorded.
    fn next_path(&self) -> (PathHash, bool, bool) {
        let depth = self.stack.len();
        match self.stack.last() {
            None => (ROOT, false, true),
            Some(Frame::Map {
                path,
                key,
                key_wanted,
                ..
            }) => match key {
                None => (*path, true, true),
                Some(key) => (*key, false, self.full || *key_wanted),
            },
            Some(Frame::Seq { path, index }) => (
                child(*path, &index.to_string()),
                false,
                self.full || depth <= 4,
            ),
        }
    }

    /// A value node ended: the parent moves on to its next key or item.
    fn advance(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { index, .. }) => *index += 1,
            None => {}
        }
    }
}

impl MarkedEventReceiver for LocatorBuilder<'_, '_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let offset = self.offset(&mark);
        match event {
            Event::Scalar(value, style, ..) => {
                let quoted = matches!(
                    style,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                );
                let len = value.len().max(1) + if quoted { 2 } else { 0 };
                let (path, is_key, record) = self.next_path();
                if is_key {
                    let key_path = child(path, &value);
                    let depth = self.stack.len();
                    if depth == 2 && path == self.tables_path {
                        self.locator.table_keys.push(value.clone());
                    }
                    let record_key = self.full || wanted(depth, &value);
                    let record_map = self.full || depth <= 5;
                    if let Some(Frame::Map {
                        key,
                        key_wanted,
                        seen,
                        placed,
                        ..
                    }) = self.stack.last_mut()
                    {
                        if seen.contains(&key_path) {
                            self.locator.duplicates.push((value, (offset, len)));
                        } else {
                            seen.push(key_path);
                        }
                        if !*placed {
                            *placed = true;
                            if record_map {
                                self.locator.values.insert(path, (offset, len));
                            }
                        }
                        *key = Some(key_path);
                        *key_wanted = record_key;
                    }
                    if record_key {
                        self.locator.keys.entry(key_path).or_insert((offset, len));
                    }
                } else {
                    if record {
                        self.locator.values.entry(path).or_insert((offset, len));
                    }
                    self.advance();
                }
            }
            Event::Alias(_) => {
                let (path, is_key, record) = self.next_path();
                if !is_key {
                    if record {
                        self.locator.values.entry(path).or_insert((offset, 1));
                    }
                    self.advance();
                }
            }
            Event::MappingStart(..) => {
                let (path, _, record) = self.next_path();
                let flow = self.lines.text[offset - self.base..].starts_with('{');
                if flow && record {
                    self.locator.values.entry(path).or_insert((offset, 1));
                }
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    key_wanted: false,
                    seen: Vec::new(),
                    placed: flow || !record,
                });
            }
            Event::SequenceStart(..) => {
                let (path, _, record) = self.next_path();
                if record {
                    self.locator.values.entry(path).or_insert((offset, 1));
                }
                self.stack.push(Frame::Seq { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.advance();
            }
            _ => {}
        }
    }
}

impl Locator {
    pub(super) fn build(
        source: &str,
        lines: &LineIndex<'_>,
        full: bool,
    ) -> Result<Locator, (String, usize)> {
        let mut builder = LocatorBuilder {
            lines,
            locator: Locator::default(),
            stack: Vec::new(),
            full,
            tables_path: child(ROOT, "tables"),
            base: 0,
        };
        let mut parser = YamlParser::new_from_str(source);
        parser.load(&mut builder, false).map_err(|e| {
            let mark = e.marker();
            (e.info().to_string(), lines.offset(mark.line(), mark.col()))
        })?;
        Ok(builder.locator)
    }

    /// [`Locator::build`] for a piece of a file that starts at byte `base`: a run of top-level
    /// keys or, `in_tables`, a run of entries of the top-level `tables:` mapping.
    pub(super) fn build_piece(text: &str, base: usize, in_tables: bool) -> Option<Locator> {
        let lines = LineIndex::new(text);
        let tables_path = child(ROOT, "tables");
        let stack = if in_tables {
            vec![Frame::Map {
                path: ROOT,
                key: Some(tables_path),
                key_wanted: true,
                seen: Vec::new(),
                placed: true,
            }]
        } else {
            Vec::new()
        };
        let mut builder = LocatorBuilder {
            lines: &lines,
            locator: Locator::default(),
            stack,
            full: false,
            tables_path,
            base,
        };
        YamlParser::new_from_str(text)
            .load(&mut builder, false)
            .ok()?;
        Some(builder.locator)
    }

    /// Adds what `other`, built from another piece of the same file, located.
    pub(super) fn absorb(&mut self, other: Locator) {
        self.keys.extend(other.keys);
        self.values.extend(other.values);
        self.duplicates.extend(other.duplicates);
        self.table_keys.extend(other.table_keys);
    }

    /// The key at `path`, else its value, else the closest enclosing node.
    pub(super) fn key(&self, path: &[String]) -> Span {
        let mut path = path;
        while !path.is_empty() {
            let hash = path_hash(path);
            if let Some(span) = self.keys.get(&hash).or_else(|| self.values.get(&hash)) {
                return *span;
            }
            path = &path[..path.len() - 1];
        }
        (0, 1)
    }

    /// The value at `path`, else its key, else the closest enclosing node.
    pub(super) fn value(&self, path: &[String]) -> Span {
        match self.values.get(&path_hash(path)) {
            Some(span) => *span,
            None => self.key(path),
        }
    }
}
