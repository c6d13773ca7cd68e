//! Documents into the model, file-level: the header (version, default schema, ignore list,
//! enums), the tables in file order (each converted by `table`), qualified names and column
//! types. Errors point at the key or value they are about, through the locator when there is one.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use globset::Glob;
use miette::NamedSource;
use rayon::prelude::*;

use super::doc::{FileDoc, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use super::locate::{Locator, Span};
use super::{Declared, Ignore};
use crate::model::{quote_ident, Enum, FkAction, Pos, QualifiedName, Schema, Table};
use crate::types;

/// Converts documents of one file; every error it makes points into `source`.
pub(super) struct Builder<'a> {
    pub(super) name: &'a str,
    pub(super) source: &'a str,
    /// Where keys and values are written; `None` when positions are not read: objects get no
    /// position and error spans are rough (a caller that skips positions reads the file again,
    /// with them, when anything fails).
    pub(super) locator: Option<&'a Locator>,
    /// Byte offsets of line starts, for positions.
    pub(super) line_starts: &'a [usize],
}

/// A key path from its parts.
pub(super) fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

impl Builder<'_> {
    pub(super) fn error(
        &self,
        kind: InvalidKind,
        message: String,
        help: Option<String>,
        span: Span,
    ) -> DeclaredError {
        let src = NamedSource::new(self.name, self.source.to_string());
        DeclaredError::invalid(kind, message, help, src, span.into())
    }

    pub(super) fn pos(&self, span: Span) -> Pos {
        let offset = span.0.min(self.source.len());
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        Pos {
            line,
            column: self.source[line_start..offset].chars().count() + 1,
        }
    }

    /// The span of the key at `at`, for an error (the start of the file without a locator).
    pub(super) fn key_span(&self, at: &[String]) -> Span {
        self.locator.map_or((0, 1), |locator| locator.key(at))
    }

    /// The span of the value at `at`, for an error (the start of the file without a locator).
    pub(super) fn value_span(&self, at: &[String]) -> Span {
        self.locator.map_or((0, 1), |locator| locator.value(at))
    }

    /// Where the key at `at` is written; `None` when positions are not read.
    pub(super) fn key_pos(&self, at: &[String]) -> Option<Pos> {
        self.locator.map(|locator| self.pos(locator.key(at)))
    }

    /// Where the value at `at` is written; `None` when positions are not read.
    pub(super) fn value_pos(&self, at: &[String]) -> Option<Pos> {
        self.locator.map(|locator| self.pos(locator.value(at)))
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

    pub(super) fn convert(&self, doc: &FileDoc) -> Result<Declared, DeclaredError> {
        let mut declared = self.header(doc)?;
        self.add_tables(&mut declared, &doc.tables.0)?;
        self.check_names(&doc.tables.0, &declared.default_schema, &mut HashSet::new())?;
        let tables = doc
            .tables
            .0
            .iter()
            .map(|(key, table)| (key.as_str(), Some(table)));
        self.check_foreign_keys(&declared.schema, tables, &declared.default_schema)?;
        Ok(declared)
    }

    /// Everything but the tables: version, default schema, ignore list, enums.
    pub(super) fn header(&self, doc: &FileDoc) -> Result<Declared, DeclaredError> {
        if doc.version != 1 {
            return Err(self.error(
                InvalidKind::Value,
                format!("schema.yaml version {} is not supported", doc.version),
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
        for (key, values) in &doc.enums.0 {
            let at = path(&["enums", key]);
            let name = self.qualified(key, &default_schema, &at, "enum")?;
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

        Ok(Declared {
            schema,
            ignore,
            default_schema,
            path: PathBuf::from(self.name),
            source: String::new(),
        })
    }

    /// Converts `tables` and adds them to `declared`.
    pub(super) fn add_tables(
        &self,
        declared: &mut Declared,
        tables: &[(String, TableDoc)],
    ) -> Result<(), DeclaredError> {
        let default_schema = &declared.default_schema;
        let schema = &mut declared.schema;
        // Tables convert independently (they only need the enums): in parallel on a large
        // file, then merged in file order so the first error is the first in the file.
        let converted: Vec<Result<(QualifiedName, Table), DeclaredError>> = tables
            .par_iter()
            .map(|(key, table_doc)| {
                let at = path(&["tables", key]);
                let name = self.qualified(key, default_schema, &at, "table")?;
                let table = self.table(name.clone(), key, table_doc, schema, default_schema)?;
                Ok((name, table))
            })
            .collect();
        for ((key, _), result) in tables.iter().zip(converted) {
            let (name, table) = result?;
            if schema.tables.contains_key(&name) {
                return Err(self.error(
                    InvalidKind::Duplicate,
                    format!("the table {name} is declared twice"),
                    Some(
                        "`name` and `schema.name` in the default schema are the same table".into(),
                    ),
                    self.key_span(&path(&["tables", key])),
                ));
            }
            schema.tables.insert(name, table);
        }
        Ok(())
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
