//! Documents into the model, file-level: the header (version, default schema, ignore list,
//! enums), one table at a time (each converted by `table`), qualified names and column types.
//! Errors and positions point at the key or value they are about, looked up by key path in the
//! node tree the document was read from.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use globset::Glob;
use miette::NamedSource;

use super::doc::{FileDoc, SequenceDoc, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use super::node::{offset_of, Node, Place};
use super::{Declared, Ignore};
use crate::model::{
    quote_ident, Enum, FkAction, Pos, QualifiedName, Schema, Sequence, SequenceOptions,
};
use crate::types;

/// Converts documents of one file; every error it makes points into `source`.
pub(super) struct Builder<'a> {
    pub(super) name: &'a str,
    pub(super) source: &'a str,
    /// The top-level mapping without `tables:`, for the header's paths.
    pub(super) header: Option<&'a Node>,
    /// The table being converted: its key and its value, for the paths under `tables`.
    pub(super) table: Option<(&'a Node, &'a Node)>,
}

/// The longest name PostgreSQL keeps (NAMEDATALEN - 1), in bytes.
pub(super) const MAX_IDENTIFIER_BYTES: usize = 63;

/// A key path from its parts.
pub(super) fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// `at` with `key` appended.
fn under_path(at: &[String], key: &str) -> Vec<String> {
    let mut path = at.to_vec();
    path.push(key.to_string());
    path
}

/// The diagnostic span of a place.
pub(super) fn span_of(source: &str, place: Place) -> (usize, usize) {
    if place.line == 0 {
        return (0, 1);
    }
    (offset_of(source, place), place.len as usize)
}

impl Builder<'_> {
    pub(super) fn error(
        &self,
        kind: InvalidKind,
        message: String,
        help: Option<String>,
        place: Place,
    ) -> DeclaredError {
        let src = NamedSource::new(self.name, self.source.to_string());
        DeclaredError::invalid(kind, message, help, src, span_of(self.source, place).into())
    }

    pub(super) fn pos(&self, place: Place) -> Pos {
        Pos {
            line: place.line as usize,
            column: place.col as usize + 1,
        }
    }

    /// The node at the start of `at` (the header, or the table being converted), with its
    /// key's place, and the rest of the path.
    fn root<'p>(&self, at: &'p [String]) -> Option<(Option<Place>, &Node, &'p [String])> {
        match at {
            [tables, key, rest @ ..] if tables == "tables" => {
                let (key_node, value) = self.table?;
                (key_node.text() == Some(key.as_str())).then_some((Some(key_node.at), value, rest))
            }
            [first, rest @ ..] => {
                let (key, value) = self.header?.entry(first)?;
                Some((Some(key.at), value, rest))
            }
            [] => None,
        }
    }

    /// Where the node at `at` is written: its key (if a mapping holds it) and its value; when
    /// the path goes further than the file, the deepest node on it, and `false`.
    fn find(&self, at: &[String]) -> Option<(Option<Place>, Place, bool)> {
        let (mut key, mut node, rest) = self.root(at)?;
        for part in rest {
            let found = match node.entry(part) {
                Some((k, v)) => Some((Some(k.at), v)),
                None => node.child(part).map(|v| (None, v)),
            };
            match found {
                Some((k, v)) => {
                    key = k;
                    node = v;
                }
                None => return Some((key, node.at, false)),
            }
        }
        Some((key, node.at, true))
    }

    /// The key at `at`, else its value, else the closest enclosing node.
    pub(super) fn key_span(&self, at: &[String]) -> Place {
        self.find(at)
            .map_or(Place::default(), |(key, value, _)| key.unwrap_or(value))
    }

    /// The value at `at`, else its key, else the closest enclosing node.
    pub(super) fn value_span(&self, at: &[String]) -> Place {
        match self.find(at) {
            Some((_, value, true)) => value,
            Some((key, value, false)) => key.unwrap_or(value),
            None => Place::default(),
        }
    }

    /// Where the key at `at` is written.
    pub(super) fn key_pos(&self, at: &[String]) -> Option<Pos> {
        Some(self.pos(self.key_span(at)))
    }

    /// Where the value at `at` is written.
    pub(super) fn value_pos(&self, at: &[String]) -> Option<Pos> {
        Some(self.pos(self.value_span(at)))
    }

    /// Parses `sql` as one PostgreSQL expression; `what` names it in the message.
    pub(super) fn action(
        &self,
        text: Option<&str>,
        at: &[String],
    ) -> Result<FkAction, DeclaredError> {
        let Some(text) = text else {
            return Ok(FkAction::NoAction);
        };
        let normalized = text
            .to_ascii_lowercase()
            .replace(['_', '-'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match normalized.as_str() {
            "no action" => Ok(FkAction::NoAction),
            "restrict" => Ok(FkAction::Restrict),
            "cascade" => Ok(FkAction::Cascade),
            "set null" => Ok(FkAction::SetNull),
            "set default" => Ok(FkAction::SetDefault),
            _ => Err(self.error(
                InvalidKind::Value,
                format!("`{text}` is not a foreign key action"),
                Some("use one of: no action, restrict, cascade, set null, set default".into()),
                self.value_span(at),
            )),
        }
    }

    /// A header with nothing declared, for reading on after an error in the real one.
    pub(super) fn empty_header(&self) -> Declared {
        Declared {
            schema: Schema::default(),
            ignore: Ignore::default(),
            default_schema: "public".into(),
            path: PathBuf::from(self.name),
            source: String::new(),
        }
    }

    /// Everything but the tables: version, default schema, ignore list, enums, sequences.
    pub(super) fn header(&self, doc: &FileDoc) -> Result<Declared, DeclaredError> {
        if let Some(version) = doc.version.filter(|v| *v != 1) {
            return Err(self.error(
                InvalidKind::Value,
                format!("schema.yaml version {version} is not supported"),
                Some("this driftlint reads `version: 1`".into()),
                self.value_span(&path(&["version"])),
            ));
        }
        let default_schema = doc.schema.clone().unwrap_or_else(|| "public".into());
        if default_schema.is_empty() {
            return Err(self.error(
                InvalidKind::Value,
                "the default schema name is empty".into(),
                None,
                self.value_span(&path(&["schema"])),
            ));
        }
        self.identifier(
            &default_schema,
            "schema",
            self.value_span(&path(&["schema"])),
        )?;
        let ignore = Ignore::new(&doc.ignore).map_err(|e| {
            let index = doc
                .ignore
                .iter()
                .position(|p| Glob::new(p).is_err())
                .unwrap_or(0);
            self.error(
                InvalidKind::Value,
                format!("invalid ignore pattern: {e}"),
                Some("ignore takes table names and globs such as `tmp_*`".into()),
                self.value_span(&path(&["ignore", &index.to_string()])),
            )
        })?;

        let mut schema = Schema::default();
        // Enums first: column types resolve against them.
        self.enums(doc, &default_schema, &mut schema)?;
        self.sequences(doc, &default_schema, &mut schema)?;

        Ok(Declared {
            schema,
            ignore,
            default_schema,
            path: PathBuf::from(self.name),
            source: String::new(),
        })
    }

    /// The `enums:` of `doc` into `schema`: each declared once, each value listed once.
    fn enums(
        &self,
        doc: &FileDoc,
        default_schema: &str,
        schema: &mut Schema,
    ) -> Result<(), DeclaredError> {
        for (key, values) in &doc.enums.0 {
            let at = path(&["enums", key]);
            let name = self.qualified(key, default_schema, &at, "enum")?;
            let mut seen = HashSet::new();
            for (i, value) in values.iter().enumerate() {
                if !seen.insert(value) {
                    return Err(self.error(
                        InvalidKind::Duplicate,
                        format!("the enum {name} lists `{value}` twice"),
                        None,
                        self.value_span(&path(&["enums", key, &i.to_string()])),
                    ));
                }
            }
            if schema.enums.contains_key(&name) {
                return Err(self.error(
                    InvalidKind::Duplicate,
                    format!("the enum {name} is declared twice"),
                    None,
                    self.key_span(&at),
                ));
            }
            schema.enums.insert(
                name.clone(),
                Enum {
                    name,
                    values: values.clone(),
                    pos: self.key_pos(&at),
                },
            );
        }
        Ok(())
    }

    /// The standalone sequences (`sequences:`) of `doc` into `schema`, each declared once.
    fn sequences(
        &self,
        doc: &FileDoc,
        default_schema: &str,
        schema: &mut Schema,
    ) -> Result<(), DeclaredError> {
        for (key, sequence) in &doc.sequences.0 {
            let at = path(&["sequences", key]);
            let name = self.qualified(key, default_schema, &at, "sequence")?;
            if schema.sequences.contains_key(&name) {
                return Err(self.error(
                    InvalidKind::Duplicate,
                    format!("the sequence {name} is declared twice"),
                    None,
                    self.key_span(&at),
                ));
            }
            let sequence = self.sequence(name.clone(), sequence, default_schema, &at)?;
            schema.sequences.insert(name, sequence);
        }
        Ok(())
    }

    /// A standalone sequence written at `at`; its owner is checked once the tables are known
    /// ([`Builder::check_sequence_owners`]).
    fn sequence(
        &self,
        name: QualifiedName,
        doc: &SequenceDoc,
        default_schema: &str,
        at: &[String],
    ) -> Result<Sequence, DeclaredError> {
        let data_type = match doc.data_type.as_deref() {
            None => None,
            Some(written) => {
                let canonical = crate::types::canonical(written).ok();
                match canonical.as_deref() {
                    Some(t @ ("smallint" | "integer" | "bigint")) => Some(t.to_string()),
                    _ => {
                        return Err(self.error(
                            InvalidKind::Type,
                            format!("`{written}` is not a sequence type"),
                            Some("a sequence is `smallint`, `integer` or `bigint`".into()),
                            self.value_span(&under_path(at, "type")),
                        ))
                    }
                }
            }
        };
        let options = doc.options(data_type);
        self.sequence_options(&options, at)?;
        let owned_by = match doc.owned_by.as_deref() {
            None => None,
            Some(target) => {
                let parts = split_name(target).unwrap_or_default();
                match parts.as_slice() {
                    [t, c] => Some((QualifiedName::new(default_schema, t.clone()), c.clone())),
                    [s, t, c] => Some((QualifiedName::new(s.clone(), t.clone()), c.clone())),
                    _ => {
                        return Err(self.error(
                            InvalidKind::Value,
                            format!("`{target}` is not a column reference"),
                            Some("write `table.column` or `schema.table.column`".into()),
                            self.value_span(&under_path(at, "owned_by")),
                        ))
                    }
                }
            }
        };
        Ok(Sequence {
            name,
            options,
            owned_by,
            pos: self.key_pos(at),
        })
    }

    /// What PostgreSQL would refuse in the options written at `at`: a zero increment, a minimum
    /// above the maximum, a start outside them, a cache below 1.
    pub(super) fn sequence_options(
        &self,
        options: &SequenceOptions,
        at: &[String],
    ) -> Result<(), DeclaredError> {
        let fail = |key: &str, message: String| {
            Err(self.error(
                InvalidKind::Value,
                message,
                None,
                self.value_span(&under_path(at, key)),
            ))
        };
        if options.increment == Some(0) {
            return fail("increment", "a sequence's increment cannot be 0".into());
        }
        if options.cache.is_some_and(|c| c < 1) {
            return fail("cache", "a sequence's cache is at least 1".into());
        }
        if let (Some(min), Some(max)) = (options.min_value, options.max_value) {
            if min >= max {
                return fail(
                    "min_value",
                    format!("min_value {min} must be less than max_value {max}"),
                );
            }
        }
        if let Some(start) = options.start {
            let below = options.min_value.is_some_and(|min| start < min);
            let above = options.max_value.is_some_and(|max| start > max);
            if below || above {
                return fail(
                    "start",
                    format!("start {start} is outside min_value and max_value"),
                );
            }
        }
        Ok(())
    }

    /// Every declared sequence owner (in `doc`, converted into `declared`) is a declared column.
    pub(super) fn check_sequence_owners(
        &self,
        doc: &FileDoc,
        declared: &Declared,
    ) -> Result<(), DeclaredError> {
        for (key, _) in &doc.sequences.0 {
            let at = path(&["sequences", key]);
            let name = self.qualified(key, &declared.default_schema, &at, "sequence")?;
            let Some(sequence) = declared.schema.sequences.get(&name) else {
                continue;
            };
            let Some((table, column)) = &sequence.owned_by else {
                continue;
            };
            let known = declared
                .schema
                .tables
                .get(table)
                .is_some_and(|t| t.column(column).is_some());
            if !known {
                return Err(self.error(
                    InvalidKind::Reference,
                    format!(
                        "the sequence {} is owned by {table}.{column}, which is not declared",
                        sequence.name
                    ),
                    Some("declare the table and column, or leave `owned_by` out".into()),
                    self.value_span(&under_path(&at, "owned_by")),
                ));
            }
        }
        Ok(())
    }

    /// Converts the table `doc`, written under `key`, and adds it to `declared`.
    pub(super) fn add_table(
        &self,
        declared: &mut Declared,
        key: &str,
        doc: &TableDoc,
    ) -> Result<QualifiedName, DeclaredError> {
        let at = path(&["tables", key]);
        let name = self.qualified(key, &declared.default_schema, &at, "table")?;
        let table = self.table(
            name.clone(),
            key,
            doc,
            &declared.schema,
            &declared.default_schema,
        )?;
        if declared.schema.tables.contains_key(&name) {
            return Err(self.error(
                InvalidKind::Duplicate,
                format!("the table {name} is declared twice"),
                Some("`name` and `schema.name` in the default schema are the same table".into()),
                self.key_span(&at),
            ));
        }
        declared.schema.tables.insert(name.clone(), table);
        Ok(name)
    }

    /// A name PostgreSQL can store: at most 63 bytes (longer ones it cuts, so the database
    /// would never have the declared name) and no NUL byte. `what` names it in the message.
    pub(super) fn identifier(
        &self,
        name: &str,
        what: &str,
        place: Place,
    ) -> Result<(), DeclaredError> {
        let problem = if name.contains('\0') {
            "holds a NUL byte, which PostgreSQL names cannot".to_string()
        } else if name.len() > MAX_IDENTIFIER_BYTES {
            format!(
                "is {} bytes long; PostgreSQL names have at most {MAX_IDENTIFIER_BYTES}",
                name.len()
            )
        } else {
            return Ok(());
        };
        Err(self.error(
            InvalidKind::Value,
            format!("the {what} name `{}` {problem}", name.escape_debug()),
            Some("PostgreSQL cuts a longer name to 63 bytes, so the database never has the declared one: shorten it".into()),
            place,
        ))
    }

    /// A table or enum key: `name`, `schema.name`, or double-quoted parts.
    pub(super) fn qualified(
        &self,
        key: &str,
        default_schema: &str,
        at: &[String],
        what: &str,
    ) -> Result<QualifiedName, DeclaredError> {
        let parts = split_name(key).map_err(|reason| {
            self.error(
                InvalidKind::Value,
                format!("`{key}` is not a valid {what} name: {reason}"),
                Some(
                    "write `name` or `schema.name`; double-quote the parts when a name holds a dot: '\"a.b\"'"
                        .into(),
                ),
                self.key_span(at),
            )
        })?;
        if let [schema, _] = parts.as_slice() {
            self.identifier(schema, "schema", self.key_span(at))?;
        }
        if let Some(name) = parts.last().filter(|_| parts.len() <= 2) {
            self.identifier(name, what, self.key_span(at))?;
        }
        match parts.as_slice() {
            [name] => Ok(QualifiedName::new(default_schema, name.clone())),
            [schema, name] => Ok(QualifiedName::new(schema.clone(), name.clone())),
            _ => Err(self.error(
                InvalidKind::Value,
                format!("`{key}` is not a valid {what} name: too many dots"),
                Some(
                    "write `name` or `schema.name`; double-quote the parts when a name holds a dot"
                        .into(),
                ),
                self.key_span(at),
            )),
        }
    }

    pub(super) fn column_type(
        &self,
        spelling: &str,
        enums: &BTreeMap<QualifiedName, Enum>,
        default_schema: &str,
        at: &[String],
    ) -> Result<String, DeclaredError> {
        let canonical = types::canonical(spelling).map_err(|e| {
            self.error(
                InvalidKind::Type,
                format!("`{}` is not a valid type: {e}", spelling.trim()),
                Some("write the type as in DDL: integer, varchar(255), timestamptz, text[], an enum name".into()),
                self.value_span(at),
            )
        })?;
        // An enum declared in this file, written with its raw (possibly mixed-case) name.
        let trimmed = spelling.trim();
        let (bare, array) = match trimmed.strip_suffix("[]") {
            Some(bare) => (bare.trim_end(), "[]"),
            None => (trimmed, ""),
        };
        let found = enums.keys().find(|name| {
            name.name == bare
                || format!("{}.{}", name.schema, name.name) == bare
                || (name.schema == default_schema
                    && quote_ident(&name.name) == canonical.trim_end_matches("[]"))
        });
        if let Some(name) = found {
            let rendered = if name.schema == "public" {
                quote_ident(&name.name)
            } else {
                name.to_sql()
            };
            return Ok(format!("{rendered}{array}"));
        }
        Ok(canonical)
    }
}

/// Splits `a.b.c` into parts; a part starting with `"` is a quoted SQL identifier (`""` escapes
/// a quote), any other part is taken as written up to the next dot.
pub fn split_name(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err("a quoted name is not closed".into()),
                }
            }
            match chars.peek() {
                None | Some('.') => {}
                Some(c) => return Err(format!("unexpected `{c}` after a quoted name")),
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                part.push(c);
                chars.next();
            }
        }
        if part.is_empty() {
            return Err("a name part is empty".into());
        }
        parts.push(part);
        match chars.next() {
            Some('.') => continue,
            _ => break,
        }
    }
    Ok(parts)
}
