//! The YAML as small trees of nodes that carry where they are written. One event pass
//! (yaml-rust2) over the text: [`Events`] pulls the events, bounding how deep the YAML nests
//! before the parser is asked for more (a file of 100,000 `[` stops at the first bracket too
//! many), and [`grow`] builds one node from its events: a scalar, or a whole table with
//! everything under it. Keys written twice in one mapping are found here. Nothing here knows
//! the format: `de` reads nodes into the document types, `convert` and `table` look positions
//! up in them.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::str::Chars;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// How deep collections may nest. A schema.yaml needs six levels; anything near this is not a
/// schema, and bounding it keeps the parser, serde and dropping a tree off the stack's limits.
pub(super) const MAX_DEPTH: usize = 64;

/// How many nodes aliases may copy in all: an alias is a copy of its anchor's tree, and a few
/// aliases of aliases would otherwise make an exponentially large document.
const ALIAS_BUDGET: usize = 1_000_000;

/// Where a node is written: 1-based line, 0-based character column, and the length of its
/// text (for a diagnostic's underline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Place {
    pub(super) line: u32,
    pub(super) col: u32,
    pub(super) len: u32,
}

impl Place {
    fn at(mark: Marker, len: usize) -> Place {
        Place {
            line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
            col: u32::try_from(mark.col()).unwrap_or(u32::MAX),
            len: u32::try_from(len.max(1)).unwrap_or(u32::MAX),
        }
    }

    /// Where an event is, for an error.
    pub(super) fn at_mark(mark: Marker) -> Place {
        Place::at(mark, 1)
    }

    fn before(self, other: Place) -> bool {
        (self.line, self.col) < (other.line, other.col)
    }
}

/// The byte offset of a place in `source` (lines end at `\n`, `\r\n` or a lone `\r`, as the
/// parser counts them).
pub(super) fn offset_of(source: &str, place: Place) -> usize {
    let mut line = 1u32;
    let mut start = 0;
    let bytes = source.as_bytes();
    let mut i = 0;
    while line < place.line && i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if line < place.line {
        return source.len();
    }
    let rest = &source[start..];
    start
        + rest
            .char_indices()
            .nth(place.col as usize)
            .map_or(rest.len(), |(i, _)| i)
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// A scalar's text as written; `plain` when unquoted (only plain scalars can be null, a
    /// boolean or a number).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) kind: Kind,
    /// A scalar's text, a flow collection's bracket, a block sequence's first `-`, a block
    /// mapping's first key.
    pub(super) at: Place,
}

impl Node {
    /// The empty plain scalar, which reads as null (a missing value).
    pub(super) fn null(at: Place) -> Node {
        Node {
            kind: Kind::Scalar {
                text: String::new(),
                plain: true,
            },
            at,
        }
    }

    /// A scalar's text.
    pub(super) fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The entry of a mapping under the scalar key `key`.
    pub(super) fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.text() == Some(key)),
            _ => None,
        }
    }

    /// A mapping's value under `key`, or a sequence's item number `key`.
    pub(super) fn child(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Seq(items) => items.get(key.parse::<usize>().ok()?),
            Kind::Map(_) => self.entry(key).map(|(_, value)| value),
            Kind::Scalar { .. } => None,
        }
    }

    fn count(&self) -> usize {
        match &self.kind {
            Kind::Scalar { .. } => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
        }
    }
}

/// What went wrong reading the events: YAML syntax, nesting too deep, a key twice.
#[derive(Debug)]
pub(super) struct EventError {
    pub(super) message: String,
    pub(super) help: Option<String>,
    pub(super) duplicate: bool,
    /// A byte offset (from the character guard) or a place (from the parser).
    pub(super) at: Where,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Where {
    Byte(usize),
    Place(Place),
}

fn too_deep(at: Where) -> EventError {
    EventError {
        message: format!("the YAML nests deeper than {MAX_DEPTH} levels"),
        help: Some(
            "a schema.yaml needs a few levels of mappings and lists; this is not one".into(),
        ),
        duplicate: false,
        at,
    }
}

/// The characters of the text, handed to the parser one at a time while their flow nesting
/// (`[`, `{` outside quotes and comments) is counted: past [`MAX_DEPTH`] the text ends early
/// and `exceeded` says where. The parser looks far ahead inside nested flow collections (to
/// find a key), so bounding the depth in its events alone would come too late.
struct Guard<'a> {
    chars: Chars<'a>,
    at: usize,
    depth: usize,
    quote: Option<char>,
    escaped: bool,
    comment: bool,
    /// The previous character could precede a quote or a comment.
    boundary: bool,
    exceeded: Rc<Cell<Option<usize>>>,
}

impl Iterator for Guard<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if self.exceeded.get().is_some() {
            // The text ended there: the parser may ask again.
            return None;
        }
        let c = self.chars.next()?;
        let start = self.at;
        self.at += c.len_utf8();
        if self.comment {
            self.comment = c != '\n' && c != '\r';
        } else if let Some(quote) = self.quote {
            if self.escaped {
                self.escaped = false;
            } else if quote == '"' && c == '\\' {
                self.escaped = true;
            } else if c == quote {
                self.quote = None;
            }
        } else {
            match c {
                '\'' | '"' if self.boundary => self.quote = Some(c),
                '#' if self.boundary => self.comment = true,
                '[' | '{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        self.exceeded.set(Some(start));
                        return None;
                    }
                }
                ']' | '}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        self.boundary = matches!(c, ' ' | '\t' | '\n' | '\r' | '[' | '{' | ',' | ':');
        Some(c)
    }
}

/// The events of one text, each with where it is written.
pub(super) struct Events<'a> {
    text: &'a str,
    parser: Parser<Guard<'a>>,
    exceeded: Rc<Cell<Option<usize>>>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
}

impl<'a> Events<'a> {
    pub(super) fn new(text: &'a str) -> Events<'a> {
        let exceeded = Rc::new(Cell::new(None));
        let guard = Guard {
            chars: text.chars(),
            at: 0,
            depth: 0,
            quote: None,
            escaped: false,
            comment: false,
            boundary: true,
            exceeded: Rc::clone(&exceeded),
        };
        Events {
            text,
            parser: Parser::new(guard),
            exceeded,
            anchors: HashMap::new(),
            alias_budget: ALIAS_BUDGET,
        }
    }

    /// The next event; a syntax error, or the text cut short by the guard, is an error.
    pub(super) fn next(&mut self) -> Result<(Event, Marker), EventError> {
        let result = self.parser.next_token();
        if let Some(byte) = self.exceeded.get() {
            return Err(too_deep(Where::Byte(byte)));
        }
        result.map_err(|e| EventError {
            message: e.info().to_string(),
            help: None,
            duplicate: false,
            at: Where::Place(Place::at(*e.marker(), 1)),
        })
    }
}

/// A collection being built.
enum Open {
    Seq {
        items: Vec<Node>,
        at: Place,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        at: Place,
        anchor: usize,
        /// The keys so far, once the mapping is too large to compare them one by one.
        seen: Option<HashSet<String>>,
    },
}

/// A key written twice, as an error at its second writing.
pub(super) fn written_twice(key: &str, at: Place) -> EventError {
    EventError {
        message: format!("the key `{key}` is written twice"),
        help: Some("each key may appear once per mapping".into()),
        duplicate: true,
        at: Where::Place(at),
    }
}

impl Open {
    /// Adds a finished node: a key, or the value of the pending key, or an item.
    fn add(&mut self, node: Node) -> Result<(), EventError> {
        match self {
            Open::Seq { items, .. } => items.push(node),
            Open::Map {
                entries,
                key,
                at,
                seen,
                ..
            } => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    if entries.is_empty() && node.at.before(*at) {
                        // A block mapping's event is at its first `:`: place it at its key.
                        *at = node.at;
                    }
                    if let Some(text) = node.text() {
                        let twice = match seen {
                            Some(set) => !set.insert(text.to_string()),
                            None => entries.iter().any(|(k, _)| k.text() == Some(text)),
                        };
                        if twice {
                            return Err(written_twice(text, node.at));
                        }
                        if seen.is_none() && entries.len() >= 16 {
                            let mut set: HashSet<String> = entries
                                .iter()
                                .filter_map(|(k, _)| k.text().map(str::to_string))
                                .collect();
                            set.insert(text.to_string());
                            *seen = Some(set);
                        }
                    }
                    *key = Some(node);
                }
            },
        }
        Ok(())
    }

    fn close(self) -> (Node, usize) {
        match self {
            Open::Seq { items, at, anchor } => (
                Node {
                    kind: Kind::Seq(items),
                    at,
                },
                anchor,
            ),
            Open::Map {
                entries,
                key,
                at,
                anchor,
                ..
            } => {
                let mut entries = entries;
                if let Some(key) = key {
                    let at = key.at;
                    entries.push((key, Node::null(at)));
                }
                (
                    Node {
                        kind: Kind::Map(entries),
                        at,
                    },
                    anchor,
                )
            }
        }
    }
}

impl Events<'_> {
    /// One whole node, starting with the event `first`, `depth` collections deep.
    pub(super) fn grow(
        &mut self,
        first: (Event, Marker),
        depth: usize,
    ) -> Result<Node, EventError> {
        let mut stack: Vec<Open> = Vec::new();
        let (mut event, mut mark) = first;
        loop {
            let done = match event {
                Event::Scalar(text, style, anchor, _) => {
                    let quoted = matches!(
                        style,
                        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                    );
                    let len = text.len() + if quoted { 2 } else { 0 };
                    let node = Node {
                        at: Place::at(mark, len),
                        kind: Kind::Scalar {
                            text,
                            plain: style == TScalarStyle::Plain,
                        },
                    };
                    Some(self.anchored(node, anchor))
                }
                Event::Alias(id) => Some(self.alias(id, mark)?),
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if depth + stack.len() >= MAX_DEPTH {
                        return Err(too_deep(Where::Place(Place::at(mark, 1))));
                    }
                    let at = Place::at(mark, 1);
                    stack.push(match event {
                        Event::SequenceStart(..) => Open::Seq {
                            items: Vec::new(),
                            at,
                            anchor,
                        },
                        _ => Open::Map {
                            entries: Vec::new(),
                            key: None,
                            at,
                            anchor,
                            seen: None,
                        },
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let open = stack.pop().expect("an end event closes an open collection");
                    let (node, anchor) = open.close();
                    Some(self.anchored(node, anchor))
                }
                _ => {
                    return Err(EventError {
                        message: "unexpected end of the YAML".into(),
                        help: None,
                        duplicate: false,
                        at: Where::Place(Place::at(mark, 1)),
                    })
                }
            };
            if let Some(node) = done {
                match stack.last_mut() {
                    None => return Ok(node),
                    Some(open) => open.add(node)?,
                }
            }
            (event, mark) = self.next().map_err(|e| self.at_unclosed(e, &stack))?;
        }
    }

    /// A syntax error at the end of the text, inside a collection: the collection that is not
    /// closed is what to point at.
    fn at_unclosed(&self, error: EventError, stack: &[Open]) -> EventError {
        let (Where::Place(place), Some(open)) = (error.at, stack.last()) else {
            return error;
        };
        if error.duplicate || offset_of(self.text, place) < self.text.trim_end().len() {
            return error;
        }
        let at = match open {
            Open::Seq { at, .. } | Open::Map { at, .. } => *at,
        };
        EventError {
            at: Where::Place(at),
            ..error
        }
    }

    fn anchored(&mut self, node: Node, anchor: usize) -> Node {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        node
    }

    fn alias(&mut self, id: usize, mark: Marker) -> Result<Node, EventError> {
        let Some(node) = self.anchors.get(&id) else {
            return Err(EventError {
                message: "an alias to an unknown anchor".into(),
                help: None,
                duplicate: false,
                at: Where::Place(Place::at(mark, 1)),
            });
        };
        let count = node.count();
        if count > self.alias_budget {
            return Err(EventError {
                message: "the aliases copy too much of the document".into(),
                help: Some("write the repeated parts out, or use fewer aliases of aliases".into()),
                duplicate: false,
                at: Where::Place(Place::at(mark, 1)),
            });
        }
        self.alias_budget -= count;
        Ok(node.clone())
    }
}
