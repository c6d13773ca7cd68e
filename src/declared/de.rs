//! serde over the node trees of `node`: the document types of `doc` keep their derives,
//! `deny_unknown_fields` and serde's own messages ("unknown field `x`, expected one of ...",
//! "invalid type: string \"x\", expected a boolean"), and an error carries the place of the
//! node it is about. A plain scalar is null, a boolean or a number only where the document
//! asks for one: read as text (a default, a check, an expression) it is its text as written,
//! so `25.0` stays `25.0` and `0755` stays `0755`.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::node::{Kind, Node, Place};

/// A shape error: serde's message, the node it is about, and the keys and items leading to it
/// (innermost first).
#[derive(Debug)]
pub(super) struct ShapeError {
    pub(super) message: String,
    pub(super) at: Option<Place>,
    path: Vec<Step>,
}

/// One step of a shape error's path.
#[derive(Debug)]
enum Step {
    Key(String),
    Item(usize),
}

impl ShapeError {
    /// The error as it was read under the mapping key `key`.
    pub(super) fn under(mut self, key: &str) -> Self {
        self.path.push(Step::Key(key.to_string()));
        self
    }

    /// The message, after the path to the node when it is not the whole file (as in
    /// `tables.t.columns.a: unknown field ...`).
    pub(super) fn message(&self) -> String {
        let mut path = String::new();
        for step in self.path.iter().rev() {
            match step {
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Item(i) => path.push_str(&format!("[{i}]")),
            }
        }
        if path.is_empty() {
            self.message.clone()
        } else {
            format!("{path}: {}", self.message)
        }
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ShapeError {
            message: message.to_string(),
            at: None,
            path: Vec::new(),
        }
    }
}

/// Gives an error that has no place yet the place `at`.
fn placed(at: Place) -> impl Fn(ShapeError) -> ShapeError {
    move |mut error| {
        error.at.get_or_insert(at);
        error
    }
}

/// Reads `node` as a `T`.
pub(super) fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, ShapeError> {
    T::deserialize(NodeDe(node)).map_err(placed(node.at))
}

pub(super) struct NodeDe<'de>(pub(super) &'de Node);

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits: a string in YAML 1.2.
fn zero_padded(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A plain scalar as a YAML 1.2 integer (decimal, `0x`, `0o`, `0b`).
fn parse_int(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if unsigned.starts_with(['+', '-']) || zero_padded(text) {
        return None;
    }
    let (radix, digits) = [("0x", 16), ("0o", 8), ("0b", 2)]
        .iter()
        .find_map(|(prefix, radix)| unsigned.strip_prefix(prefix).map(|d| (*radix, d)))
        .unwrap_or((10, unsigned));
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let value = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -value } else { value })
}

fn parse_float(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    if zero_padded(text) || unsigned.starts_with(['+', '-']) && text.starts_with('+') {
        return None;
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

impl<'de> NodeDe<'de> {
    /// What the node is, for an "invalid type" message.
    fn unexpected(&self) -> Unexpected<'de> {
        match &self.0.kind {
            Kind::Seq(_) => Unexpected::Seq,
            Kind::Map(_) => Unexpected::Map,
            Kind::Scalar { text, plain: false } => Unexpected::Str(text),
            Kind::Scalar { text, plain: true } => {
                if is_null(text) {
                    Unexpected::Unit
                } else if let Some(b) = parse_bool(text) {
                    Unexpected::Bool(b)
                } else if let Some(i) = parse_int(text) {
                    match u64::try_from(i) {
                        Ok(u) => Unexpected::Unsigned(u),
                        Err(_) => {
                            i64::try_from(i).map_or(Unexpected::Str(text), Unexpected::Signed)
                        }
                    }
                } else if let Some(f) = parse_float(text) {
                    Unexpected::Float(f)
                } else {
                    Unexpected::Str(text)
                }
            }
        }
    }

    fn invalid<V: Visitor<'de>>(&self, visitor: &V) -> ShapeError {
        de::Error::invalid_type(self.unexpected(), visitor)
    }

    /// The plain scalar's text, when the node is one.
    fn plain(&self) -> Option<&'de str> {
        match &self.0.kind {
            Kind::Scalar { text, plain: true } => Some(text),
            _ => None,
        }
    }

    fn empty(&self) -> bool {
        self.plain().is_some_and(str::is_empty)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let at = self.0.at;
        match &self.0.kind {
            Kind::Seq(items) => visitor.visit_seq(Items::new(items, at)),
            Kind::Map(entries) => visitor.visit_map(&mut Entries::new(entries, at)),
            Kind::Scalar { text, plain: false } => visitor.visit_borrowed_str(text),
            Kind::Scalar { text, plain: true } => match self.unexpected() {
                Unexpected::Unit => visitor.visit_unit(),
                Unexpected::Bool(b) => visitor.visit_bool(b),
                Unexpected::Unsigned(u) => visitor.visit_u64(u),
                Unexpected::Signed(i) => visitor.visit_i64(i),
                Unexpected::Float(f) => visitor.visit_f64(f),
                _ => visitor.visit_borrowed_str(text),
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.plain().and_then(parse_bool) {
            Some(b) => visitor.visit_bool(b),
            None => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self
            .plain()
            .and_then(parse_int)
            .and_then(|i| u64::try_from(i).ok())
        {
            Some(u) => visitor.visit_u64(u),
            None => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self
            .plain()
            .and_then(parse_int)
            .and_then(|i| i64::try_from(i).ok())
        {
            Some(i) => visitor.visit_i64(i),
            None => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_u64(visitor)
    }

    /// A scalar as its text; a mapping or a sequence goes to the visitor as one, so that a
    /// value that is "text or a mapping" (an index key) keeps its text as written, which an
    /// untagged enum, reading the scalar as a number first, would not. A visitor that wants
    /// text only rejects them with serde's own "invalid type: map, expected a string".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match &self.0.kind {
            Kind::Scalar { text, .. } => visitor.visit_borrowed_str(text),
            Kind::Map(_) => self.deserialize_map(visitor),
            Kind::Seq(_) => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.plain() {
            Some(text) if is_null(text) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.plain() {
            Some(text) if is_null(text) => visitor.visit_unit(),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match &self.0.kind {
            Kind::Seq(items) => visitor.visit_seq(Items::new(items, self.0.at)),
            _ if self.empty() => visitor.visit_seq(Items::new(&[], self.0.at)),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let at = self.0.at;
        let mut entries = match &self.0.kind {
            Kind::Map(entries) => Entries::new(entries, at),
            _ if self.empty() => Entries::new(&[], at),
            _ => return Err(self.invalid(&visitor)),
        };
        // An error of the mapping's own (an unknown key a visitor found, a missing field) is
        // about the key last read, or the mapping once every key is read.
        match visitor.visit_map(&mut entries) {
            Ok(value) => Ok(value),
            Err(error) => Err(placed(entries.last)(error)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        match &self.0.kind {
            Kind::Scalar { text, .. } => visitor.visit_enum(
                IntoDeserializer::<ShapeError>::into_deserializer(text.as_str()),
            ),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 f64 char bytes byte_buf unit_struct tuple
        tuple_struct
    }
}

/// A sequence's items for serde.
struct Items<'de> {
    items: std::slice::Iter<'de, Node>,
    next: usize,
}

impl<'de> Items<'de> {
    fn new(items: &'de [Node], _at: Place) -> Self {
        Items {
            items: items.iter(),
            next: 0,
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = ShapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        let index = self.next;
        self.next += 1;
        match self.items.next() {
            Some(node) => seed.deserialize(NodeDe(node)).map(Some).map_err(|e| {
                let mut e = placed(node.at)(e);
                e.path.push(Step::Item(index));
                e
            }),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A mapping's entries for serde; `last` is the key last read, or the mapping once all are.
struct Entries<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de (Node, Node)>,
    last: Place,
    map: Place,
}

impl<'de> Entries<'de> {
    fn new(entries: &'de [(Node, Node)], at: Place) -> Self {
        Entries {
            entries: entries.iter(),
            value: None,
            last: at,
            map: at,
        }
    }
}

impl<'de> de::MapAccess<'de> for &mut Entries<'de> {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        match self.entries.next() {
            Some(entry) => {
                let key = &entry.0;
                self.value = Some(entry);
                self.last = key.at;
                seed.deserialize(NodeDe(key))
                    .map(Some)
                    .map_err(placed(key.at))
            }
            None => {
                self.last = self.map;
                Ok(None)
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        let (key, node) = self
            .value
            .take()
            .ok_or_else(|| <ShapeError as de::Error>::custom("a value without a key"))?;
        seed.deserialize(NodeDe(node)).map_err(|e| {
            let e = placed(node.at)(e);
            match key.text() {
                Some(text) => e.under(text),
                None => e,
            }
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
