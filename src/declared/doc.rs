//! The YAML documents as serde reads them (from the node trees, see `de`): one struct per mapping of the format, every one
//! `deny_unknown_fields`, with mappings kept in the order they are written ([`Ordered`]). These
//! are the file's shape only; what the values mean is decided in `convert` and `table`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDoc {
    /// Required; checked once the whole file is read (it may follow `tables:`).
    #[serde(default)]
    pub(super) version: Option<u32>,
    #[serde(default)]
    pub(super) schema: Option<String>,
    #[serde(default)]
    pub(super) ignore: Vec<String>,
    #[serde(default)]
    pub(super) enums: Ordered<Vec<String>>,
    #[serde(default)]
    pub(super) sequences: Ordered<SequenceDoc>,
    /// Read one table at a time by `read`, never into this document: here only so that an
    /// unknown top-level key lists it among the expected ones.
    #[serde(default, rename = "tables")]
    _tables: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableDoc {
    #[serde(default)]
    pub(super) columns: Ordered<ColumnDoc>,
    #[serde(default)]
    pub(super) primary_key: Option<PrimaryKeyDoc>,
    #[serde(default)]
    pub(super) indexes: Vec<IndexDoc>,
    #[serde(default)]
    pub(super) foreign_keys: Vec<ForeignKeyDoc>,
    #[serde(default)]
    pub(super) unique: Vec<UniqueDoc>,
    #[serde(default)]
    pub(super) checks: Vec<CheckDoc>,
    #[serde(default)]
    pub(super) exclude: Vec<ExclusionDoc>,
    #[serde(default)]
    pub(super) comment: Option<String>,
}

/// An exclusion constraint under `exclude:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExclusionDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) using: Option<String>,
    pub(super) elements: Vec<ExclusionElementDoc>,
    #[serde(default, rename = "where")]
    pub(super) predicate: Option<String>,
    #[serde(default)]
    pub(super) deferrable: bool,
    #[serde(default)]
    pub(super) initially_deferred: bool,
}

/// `{ column: room, with: "=" }` or `{ expression: "tsrange(a, b)", with: "&&" }`, with the
/// options of an index key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExclusionElementDoc {
    #[serde(default)]
    pub(super) column: Option<String>,
    #[serde(default)]
    pub(super) expression: Option<String>,
    pub(super) with: String,
    #[serde(default)]
    pub(super) opclass: Option<String>,
    #[serde(default)]
    pub(super) order: Option<String>,
    #[serde(default)]
    pub(super) nulls: Option<String>,
}

/// A column. Deserialized by hand for one YAML trap: inside `{ }` a comma ends a plain value,
/// so `{ type: numeric(12,2) }` reaches us as `type: "numeric(12"` plus a key `2)`. Such a key
/// right after an unclosed type modifier is put back; any other unknown key is an error.
#[derive(Debug, Default)]
pub(super) struct ColumnDoc {
    pub(super) data_type: String,
    pub(super) nullable: Option<bool>,
    /// SQL, as written (a YAML number or boolean keeps its text: `25.0`, not `25`).
    pub(super) default: Option<String>,
    pub(super) primary_key: bool,
    pub(super) unique: bool,
    /// The rarely written keys, apart: a large file holds many columns at once.
    pub(super) more: Option<Box<ColumnMore>>,
}

#[derive(Debug, Default)]
pub(super) struct ColumnMore {
    pub(super) references: Option<String>,
    pub(super) on_delete: Option<String>,
    pub(super) on_update: Option<String>,
    pub(super) identity: Option<String>,
    pub(super) generated: Option<String>,
    pub(super) collation: Option<String>,
    pub(super) comment: Option<String>,
    /// The options of an identity column's sequence.
    pub(super) sequence: Option<SequenceDoc>,
}

static NO_MORE: ColumnMore = ColumnMore {
    references: None,
    on_delete: None,
    on_update: None,
    identity: None,
    generated: None,
    collation: None,
    comment: None,
    sequence: None,
};

/// A standalone sequence under `sequences:`, or the options of an identity column's sequence
/// (`sequence:` on the column, where `type` and `owned_by` are the column's own).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SequenceDoc {
    #[serde(default, rename = "type")]
    pub(super) data_type: Option<String>,
    #[serde(default)]
    pub(super) start: Option<i64>,
    #[serde(default)]
    pub(super) increment: Option<i64>,
    #[serde(default)]
    pub(super) min_value: Option<i64>,
    #[serde(default)]
    pub(super) max_value: Option<i64>,
    #[serde(default)]
    pub(super) cache: Option<i64>,
    #[serde(default)]
    pub(super) cycle: Option<bool>,
    /// `table.column` (or `schema.table.column`).
    #[serde(default)]
    pub(super) owned_by: Option<String>,
}

impl SequenceDoc {
    /// The options written, with `data_type` as the type (already made canonical).
    pub(super) fn options(&self, data_type: Option<String>) -> crate::model::SequenceOptions {
        crate::model::SequenceOptions {
            data_type,
            start: self.start,
            increment: self.increment,
            min_value: self.min_value,
            max_value: self.max_value,
            cache: self.cache,
            cycle: self.cycle,
        }
    }
}

impl ColumnDoc {
    pub(super) fn more(&self) -> &ColumnMore {
        self.more.as_deref().unwrap_or(&NO_MORE)
    }

    fn more_mut(&mut self) -> &mut ColumnMore {
        self.more.get_or_insert_with(Default::default)
    }
}

const COLUMN_FIELDS: &[&str] = &[
    "type",
    "nullable",
    "default",
    "primary_key",
    "unique",
    "references",
    "on_delete",
    "on_update",
    "identity",
    "generated",
    "collation",
    "comment",
    "sequence",
];

impl<'de> Deserialize<'de> for ColumnDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ColumnVisitor)
    }
}

struct ColumnVisitor;

impl<'de> Visitor<'de> for ColumnVisitor {
    type Value = ColumnDoc;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column mapping such as { type: uuid, nullable: false }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ColumnDoc, A::Error> {
        use serde::de::Error as _;
        let mut doc = ColumnDoc::default();
        let mut data_type: Option<String> = None;
        let mut seen = 0u16;
        while let Some(key) = map.next_key::<String>()? {
            if let Some(i) = COLUMN_FIELDS.iter().position(|field| *field == key) {
                if seen & (1 << i) != 0 {
                    return Err(A::Error::custom(format!(
                        "the key `{key}` is written twice"
                    )));
                }
                seen |= 1 << i;
            }
            match key.as_str() {
                "type" => data_type = Some(map.next_value()?),
                "nullable" => doc.nullable = map.next_value()?,
                "default" => doc.default = map.next_value()?,
                "primary_key" => doc.primary_key = map.next_value()?,
                "unique" => doc.unique = map.next_value()?,
                "references" => doc.more_mut().references = map.next_value()?,
                "on_delete" => doc.more_mut().on_delete = map.next_value()?,
                "on_update" => doc.more_mut().on_update = map.next_value()?,
                "identity" => doc.more_mut().identity = map.next_value()?,
                "generated" => doc.more_mut().generated = map.next_value()?,
                "collation" => doc.more_mut().collation = map.next_value()?,
                "comment" => doc.more_mut().comment = map.next_value()?,
                "sequence" => doc.more_mut().sequence = map.next_value()?,
                other => {
                    let continues_type = data_type
                        .as_deref()
                        .is_some_and(|t| t.matches('(').count() > t.matches(')').count())
                        && other
                            .trim_end_matches("[]")
                            .trim()
                            .trim_end_matches(')')
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '-')
                        && other.contains(')');
                    if !continues_type {
                        return Err(A::Error::unknown_field(other, COLUMN_FIELDS));
                    }
                    let _: serde::de::IgnoredAny = map.next_value()?;
                    if let Some(t) = data_type.as_mut() {
                        t.push(',');
                        t.push_str(other.trim());
                    }
                }
            }
        }
        doc.data_type = data_type.ok_or_else(|| A::Error::missing_field("type"))?;
        Ok(doc)
    }
}

/// `primary_key: [a, b]` or `primary_key: { name: pk, columns: [a, b] }`.
#[derive(Debug)]
pub(super) enum PrimaryKeyDoc {
    Columns(Vec<String>),
    Named(NamedColumnsDoc),
}

impl<'de> Deserialize<'de> for PrimaryKeyDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrimaryKeyVisitor;
        impl<'de> Visitor<'de> for PrimaryKeyVisitor {
            type Value = PrimaryKeyDoc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of columns or { name: .., columns: [..] }")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(PrimaryKeyDoc::Columns)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                NamedColumnsDoc::deserialize(MapAccessDeserializer::new(map))
                    .map(PrimaryKeyDoc::Named)
            }
        }
        // Not an untagged enum: that reads plain scalars as numbers first, and a column named
        // `010` would lose its text (see `de::NodeDe::deserialize_str`).
        deserializer.deserialize_str(PrimaryKeyVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NamedColumnsDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndexDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) columns: Vec<KeyDoc>,
    #[serde(default)]
    pub(super) expression: Option<String>,
    #[serde(default)]
    pub(super) unique: bool,
    #[serde(default, rename = "where")]
    pub(super) predicate: Option<String>,
    #[serde(default)]
    pub(super) using: Option<String>,
    #[serde(default)]
    pub(super) include: Vec<String>,
    #[serde(default)]
    pub(super) nulls_not_distinct: bool,
}

/// An index key: text (`email`, `"email DESC"`, `lower(email)`) or the structured form.
#[derive(Debug)]
pub(super) enum KeyDoc {
    Text(String),
    Structured(Box<KeySpecDoc>),
}

impl<'de> Deserialize<'de> for KeyDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyDoc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column, an expression or { column: .. } / { expression: .. }")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(KeyDoc::Text(text.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                KeySpecDoc::deserialize(MapAccessDeserializer::new(map))
                    .map(|spec| KeyDoc::Structured(Box::new(spec)))
            }
        }
        // Not an untagged enum, which would read `{ expression: 1.50 }` as the number 1.5.
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeySpecDoc {
    #[serde(default)]
    pub(super) column: Option<String>,
    #[serde(default)]
    pub(super) expression: Option<String>,
    #[serde(default)]
    pub(super) order: Option<String>,
    #[serde(default)]
    pub(super) nulls: Option<String>,
    #[serde(default)]
    pub(super) opclass: Option<String>,
    #[serde(default)]
    pub(super) collation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForeignKeyDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
    pub(super) references: ForeignTargetDoc,
    #[serde(default)]
    pub(super) on_delete: Option<String>,
    #[serde(default)]
    pub(super) on_update: Option<String>,
    #[serde(default)]
    pub(super) deferrable: bool,
    #[serde(default)]
    pub(super) initially_deferred: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForeignTargetDoc {
    pub(super) table: String,
    pub(super) columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UniqueDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
    #[serde(default)]
    pub(super) nulls_not_distinct: bool,
    #[serde(default)]
    pub(super) deferrable: bool,
    #[serde(default)]
    pub(super) initially_deferred: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckDoc {
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) expression: String,
}

/// A mapping that keeps the order its keys are written in.
#[derive(Debug)]
pub(super) struct Ordered<V>(pub(super) Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Ordered(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((key, value));
                }
                if let Some(key) = duplicate_key(&entries) {
                    return Err(A::Error::custom(format!(
                        "the key `{key}` is written twice"
                    )));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_any(OrderedVisitor(PhantomData))
    }
}

/// A key that appears twice among `entries`, if any.
pub(super) fn duplicate_key<V>(entries: &[(String, V)]) -> Option<&str> {
    let mut keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2)
        .find(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
}
