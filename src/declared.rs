//! `schema.yaml` (version 1) into a [`crate::model::Schema`], with validation errors that point at
//! the YAML line and column.
//!
//! Two passes over the same text: serde (`serde_yaml_ng`, every struct `deny_unknown_fields`)
//! reads the document, and a small event-level [`Locator`] records where every key and value is
//! written, so that semantic errors found afterwards (a foreign key to an undeclared table, a
//! duplicate index name, a malformed type, an expression that is not SQL) point at the right line
//! and column. This module validates and converts; it never talks to a database and never
//! compares (see `diff`).
//!
//! Conventions beyond DESIGN:
//! - A table key is `name` (in the default `schema:`), `schema.name`, or double-quoted SQL parts
//!   when a name itself holds a dot (`'"my.schema"."a.b"'`). Otherwise keys are the raw names:
//!   `Order`, `user`, `a b`, `a"b`.
//! - An index key is a column name, `"col [opclass] [ASC|DESC] [NULLS FIRST|LAST]"`, an expression
//!   containing a parenthesis (`"lower(email)"`), or the structured form
//!   `{ column: c, order: desc, nulls: first, opclass: text_pattern_ops }` /
//!   `{ expression: "lower(email)" }`. `expression: lower(domain)` on the index is shorthand for a
//!   single expression key.
//! - `serial`, `bigserial` and `smallserial` stay as the column type; `diff` knows they mean an
//!   integer column with a `nextval` default.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use rayon::prelude::*;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use thiserror::Error;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser as YamlParser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::model::{
    quote_ident, Check, Column, Enum, FkAction, ForeignKey, Identity, Index, IndexKey, Pos,
    PrimaryKey, QualifiedName, Schema, Table, Unique,
};
use crate::types;

/// Tables that migration tools keep for themselves; never reported as extra.
pub const MIGRATION_TOOL_TABLES: &[&str] = &[
    "alembic_version",            // Alembic
    "schema_migrations",          // Rails, golang-migrate, dbmate, sqitch-less setups
    "ar_internal_metadata",       // Rails
    "__diesel_schema_migrations", // Diesel
    "_prisma_migrations",         // Prisma
    "flyway_schema_history",      // Flyway
    "schema_version",             // Flyway before 5
    "goose_db_version",           // goose
    "knex_migrations",            // Knex
    "knex_migrations_lock",       // Knex
    "_sqlx_migrations",           // SQLx
    "refinery_schema_history",    // refinery
    "pgmigrations",               // node-pg-migrate
    "django_migrations",          // Django
    "databasechangelog",          // Liquibase
    "databasechangeloglock",      // Liquibase
    "SequelizeMeta",              // Sequelize
    "seaql_migrations",           // SeaORM
    "mikro_orm_migrations",       // MikroORM
    "__EFMigrationsHistory",      // Entity Framework Core
    "gorp_migrations",            // sql-migrate
    "atlas_schema_revisions",     // Atlas
];

/// The declared schema with everything `check` needs besides the model.
#[derive(Debug, Clone)]
pub struct Declared {
    pub schema: Schema,
    pub ignore: Ignore,
    /// `schema:` (default `public`): where unqualified table and type names live.
    pub default_schema: String,
    pub path: PathBuf,
    /// The YAML text, for diagnostics.
    pub source: String,
}

impl Declared {
    /// The schemas the file declares anything in (always including the default schema), sorted.
    pub fn schemas(&self) -> Vec<String> {
        let mut schemas: BTreeSet<String> = BTreeSet::new();
        schemas.insert(self.default_schema.clone());
        schemas.extend(self.schema.tables.keys().map(|name| name.schema.clone()));
        schemas.extend(self.schema.enums.keys().map(|name| name.schema.clone()));
        schemas.into_iter().collect()
    }
}

/// Which live tables are never reported: the `ignore:` list (names or globs, matched against
/// `name` and `schema.name`) and, unless declared, the migration tools' own tables.
#[derive(Debug, Clone)]
pub struct Ignore {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Default for Ignore {
    fn default() -> Self {
        Ignore {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        }
    }
}

impl Ignore {
    pub fn new(patterns: &[String]) -> Result<Ignore, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(Glob::new(pattern)?);
        }
        Ok(Ignore {
            patterns: patterns.to_vec(),
            set: builder.build()?,
        })
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Listed in `ignore:`: skipped on both sides.
    pub fn is_listed(&self, table: &QualifiedName) -> bool {
        self.set.is_match(&table.name) || self.set.is_match(table.to_string())
    }

    /// Skipped when found live but not declared: listed, or a migration tool's table.
    pub fn skips_undeclared(&self, table: &QualifiedName) -> bool {
        self.is_listed(table) || MIGRATION_TOOL_TABLES.contains(&table.name.as_str())
    }
}

/// A `schema.yaml` that cannot be used, pointing at the offending line and column.
#[derive(Debug, Error)]
pub enum DeclaredError {
    #[error("could not read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}", .0.message)]
    Invalid(Box<Invalid>),
}

/// What is wrong with a `schema.yaml`; each kind has its own diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// YAML syntax, an unknown key, a value of the wrong shape.
    Yaml,
    /// The same key or name twice.
    Duplicate,
    /// A reference to a table or column that is not declared.
    Reference,
    /// A malformed type.
    Type,
    /// A default, check, index expression or predicate that is not SQL.
    Expression,
    /// Any other bad value (version, identity kind, action, glob).
    Value,
}

impl InvalidKind {
    fn code(self) -> &'static str {
        match self {
            InvalidKind::Yaml => "driftlint::schema::yaml",
            InvalidKind::Duplicate => "driftlint::schema::duplicate",
            InvalidKind::Reference => "driftlint::schema::reference",
            InvalidKind::Type => "driftlint::schema::type",
            InvalidKind::Expression => "driftlint::schema::expression",
            InvalidKind::Value => "driftlint::schema::value",
        }
    }

    fn label(self) -> &'static str {
        match self {
            InvalidKind::Yaml | InvalidKind::Value => "here",
            InvalidKind::Duplicate => "declared again here",
            InvalidKind::Reference => "not declared",
            InvalidKind::Type => "not a PostgreSQL type",
            InvalidKind::Expression => "not a SQL expression",
        }
    }
}

/// The details of an invalid `schema.yaml`.
#[derive(Debug)]
pub struct Invalid {
    pub kind: InvalidKind,
    pub message: String,
    pub help: Option<String>,
    src: NamedSource<String>,
    span: SourceSpan,
}

impl Diagnostic for DeclaredError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            DeclaredError::Read { .. } => "driftlint::schema::read",
            DeclaredError::Invalid(invalid) => invalid.kind.code(),
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            DeclaredError::Read { .. } => Some(Box::new(
                "pass the declared schema with --schema FILE (default: schema.yaml)",
            )),
            DeclaredError::Invalid(invalid) => invalid
                .help
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn fmt::Display>),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            DeclaredError::Read { .. } => None,
            DeclaredError::Invalid(invalid) => Some(&invalid.src),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            DeclaredError::Read { .. } => None,
            DeclaredError::Invalid(invalid) => Some(Box::new(std::iter::once(
                LabeledSpan::new_with_span(Some(invalid.kind.label().to_string()), invalid.span),
            ))),
        }
    }
}

impl DeclaredError {
    fn invalid(
        kind: InvalidKind,
        message: String,
        help: Option<String>,
        src: NamedSource<String>,
        span: SourceSpan,
    ) -> DeclaredError {
        DeclaredError::Invalid(Box::new(Invalid {
            kind,
            message,
            help,
            src,
            span,
        }))
    }

    /// The kind of problem (`None` for a read error).
    pub fn kind(&self) -> Option<InvalidKind> {
        match self {
            DeclaredError::Read { .. } => None,
            DeclaredError::Invalid(invalid) => Some(invalid.kind),
        }
    }

    /// The 1-based line and column the error points at (`None` for a read error).
    pub fn pos(&self) -> Option<Pos> {
        let DeclaredError::Invalid(invalid) = self else {
            return None;
        };
        let text = invalid.src.inner();
        let offset = invalid.span.offset().min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        Some(Pos { line, column })
    }
}

/// Reads and validates a `schema.yaml`.
pub fn load(path: &Path) -> Result<Declared, DeclaredError> {
    from_text(path, read(path)?)
}

/// The text of a `schema.yaml` (for [`from_text`]).
pub fn read(path: &Path) -> Result<String, DeclaredError> {
    std::fs::read_to_string(path).map_err(|source| DeclaredError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether the declared objects carry the line and column they are written at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Every object gets its position (for reports that point into the file).
    Read,
    /// No object gets one (`pos` is `None`): the file is read once instead of twice, which
    /// `check` uses until it has drift to report. Errors still point at their line and column.
    Skip,
}

/// Validates the text [`read`] from `path`, keeping it for diagnostics.
pub fn from_text(path: &Path, source: String) -> Result<Declared, DeclaredError> {
    from_text_with(path, source, Positions::Read)
}

/// [`from_text`], with or without positions.
pub fn from_text_with(
    path: &Path,
    source: String,
    positions: Positions,
) -> Result<Declared, DeclaredError> {
    let mut declared = validate_with(&path.display().to_string(), &source, positions)?;
    declared.path = path.to_path_buf();
    declared.source = source;
    Ok(declared)
}

/// Validates YAML text; `name` is how diagnostics call the file.
pub fn parse(name: &str, source: &str) -> Result<Declared, DeclaredError> {
    parse_with(name, source, Positions::Read)
}

/// [`parse`], with or without positions.
pub fn parse_with(
    name: &str,
    source: &str,
    positions: Positions,
) -> Result<Declared, DeclaredError> {
    let mut declared = validate_with(name, source, positions)?;
    declared.source = source.to_string();
    Ok(declared)
}

fn validate_with(
    name: &str,
    source: &str,
    positions: Positions,
) -> Result<Declared, DeclaredError> {
    match positions {
        Positions::Skip => validate_quickly(name, source),
        Positions::Read => None,
    }
    .map_or_else(|| validate(name, source), Ok)
}

/// The file read by serde alone, with no positions: `None` when anything is wrong with it, for
/// the caller to read it again with the locator, which says exactly where.
fn validate_quickly(name: &str, source: &str) -> Option<Declared> {
    let builder = Builder {
        name,
        source,
        locator: None,
        line_starts: &[],
    };
    let Some((doc, block)) = cut_tables(source) else {
        let doc = serde_yaml_ng::from_str::<FileDoc>(source).ok()?;
        return builder.convert(&doc).ok();
    };
    // Each part is converted as soon as it is read, so that the serde form of only one part
    // is held at a time; what the cross-table checks need is kept aside.
    let mut declared = builder.header(&doc).ok()?;
    let mut relation_names = HashSet::new();
    let mut keys: Vec<String> = Vec::new();
    for (_, part) in block.parts(source) {
        let part = serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok()?;
        builder
            .add_tables(&mut declared, &part.0)
            .and_then(|()| {
                builder.check_names(&part.0, &declared.default_schema, &mut relation_names)
            })
            .ok()?;
        keys.extend(part.0.into_iter().map(|(key, _)| key));
    }
    let tables = keys.iter().map(|key| (key.as_str(), None));
    builder
        .check_foreign_keys(&declared.schema, tables, &declared.default_schema)
        .ok()?;
    Some(declared)
}

/// [`parse`] without keeping a copy of the text (the caller sets `source`).
fn validate(name: &str, source: &str) -> Result<Declared, DeclaredError> {
    let lines = LineIndex::new(source);
    // Both passes read the same text; on a large file they run side by side. serde reads the
    // tables in parts when it can (see `read_in_parts`); the locator, which reads the whole file,
    // confirms the parts hold exactly the tables the file has, else serde reads the whole file.
    let (doc, located) = std::thread::scope(|scope| {
        let locating = scope.spawn(|| Locator::build(source, &lines, false));
        let parts = read_in_parts(source);
        let located = locating
            .join()
            .unwrap_or_else(|_| Err(("the YAML could not be read".to_string(), 0)));
        let confirmed = match (parts, &located) {
            (Some(doc), Ok(locator))
                if doc.tables.0.len() == locator.table_keys.len()
                    && doc
                        .tables
                        .0
                        .iter()
                        .zip(&locator.table_keys)
                        .all(|((key, _), located)| key == located) =>
            {
                Some(doc)
            }
            _ => None,
        };
        let doc = match confirmed {
            Some(doc) => Ok(doc),
            None => serde_yaml_ng::from_str::<FileDoc>(source),
        };
        (doc, located)
    });
    // A key written twice is reported as such, before what serde makes of it.
    if let Ok(Locator { duplicates, .. }) = &located {
        if let Some((key, span)) = duplicates.first() {
            return Err(DeclaredError::invalid(
                InvalidKind::Duplicate,
                format!("the key `{key}` is written twice"),
                Some("each key may appear once per mapping".into()),
                NamedSource::new(name, source.to_string()),
                (*span).into(),
            ));
        }
    }
    let doc: FileDoc = match doc {
        Ok(doc) => doc,
        Err(error) => {
            let offset = error
                .location()
                .map(|l| lines.offset(l.line(), l.column().saturating_sub(1)))
                .unwrap_or(0);
            let message = error.to_string();
            // serde_yaml_ng appends " at line N column M"; the label says where.
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            // An unknown key of a column is reported at its mapping: point at the key itself.
            let offset = unknown_field(&message)
                .and_then(|key| find_key(source, offset, key))
                .unwrap_or(offset);
            let help = if message.contains("unknown field `") && message.contains(")`") {
                Some("inside `{ }` a comma ends the value in YAML: quote values that contain one, e.g. type: \"numeric(12,2)\"".into())
            } else if message.contains("unknown field") {
                Some("see the schema.yaml format reference in the README for every key".into())
            } else {
                None
            };
            return Err(DeclaredError::invalid(
                InvalidKind::Yaml,
                message,
                help,
                NamedSource::new(name, source.to_string()),
                (offset, 1).into(),
            ));
        }
    };
    let locator = located.map_err(|(message, offset)| {
        DeclaredError::invalid(
            InvalidKind::Yaml,
            message,
            None,
            NamedSource::new(name, source.to_string()),
            (offset, 1).into(),
        )
    })?;
    let builder = Builder {
        name,
        source,
        locator: Some(&locator),
        line_starts: &lines.starts,
    };
    match builder.convert(&doc) {
        Ok(declared) => Ok(declared),
        Err(_) => {
            // The first pass located only what a valid file needs; locate everything to point
            // the error at its exact key or value.
            let full = Locator::build(source, &lines, true).unwrap_or_default();
            let builder = Builder {
                name,
                source,
                locator: Some(&full),
                line_starts: &lines.starts,
            };
            builder.convert(&doc)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The YAML documents as serde reads them.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    version: u32,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    enums: Ordered<Vec<String>>,
    #[serde(default)]
    tables: Ordered<TableDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDoc {
    #[serde(default)]
    columns: Ordered<ColumnDoc>,
    #[serde(default)]
    primary_key: Option<PrimaryKeyDoc>,
    #[serde(default)]
    indexes: Vec<IndexDoc>,
    #[serde(default)]
    foreign_keys: Vec<ForeignKeyDoc>,
    #[serde(default)]
    unique: Vec<UniqueDoc>,
    #[serde(default)]
    checks: Vec<CheckDoc>,
}

/// A column. Deserialized by hand for one YAML trap: inside `{ }` a comma ends a plain value,
/// so `{ type: numeric(12,2) }` reaches us as `type: "numeric(12"` plus a key `2)`. Such a key
/// right after an unclosed type modifier is put back; any other unknown key is an error.
#[derive(Debug, Default)]
struct ColumnDoc {
    data_type: String,
    nullable: Option<bool>,
    default: Option<ScalarDoc>,
    primary_key: bool,
    unique: bool,
    /// The rarely written keys, apart: a large file holds many columns at once.
    more: Option<Box<ColumnMore>>,
}

#[derive(Debug, Default)]
struct ColumnMore {
    references: Option<String>,
    on_delete: Option<String>,
    on_update: Option<String>,
    identity: Option<String>,
    generated: Option<String>,
}

static NO_MORE: ColumnMore = ColumnMore {
    references: None,
    on_delete: None,
    on_update: None,
    identity: None,
    generated: None,
};

impl ColumnDoc {
    fn more(&self) -> &ColumnMore {
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

/// A default written as a YAML number or boolean is taken as its SQL text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScalarDoc {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl ScalarDoc {
    fn to_sql(&self) -> String {
        match self {
            ScalarDoc::Bool(b) => b.to_string(),
            ScalarDoc::Int(i) => i.to_string(),
            ScalarDoc::Float(f) => f.to_string(),
            ScalarDoc::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PrimaryKeyDoc {
    Columns(Vec<String>),
    Named(NamedColumnsDoc),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedColumnsDoc {
    #[serde(default)]
    name: Option<String>,
    columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexDoc {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    columns: Vec<KeyDoc>,
    #[serde(default)]
    expression: Option<String>,
    #[serde(default)]
    unique: bool,
    #[serde(default, rename = "where")]
    predicate: Option<String>,
    #[serde(default)]
    using: Option<String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    nulls_not_distinct: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeyDoc {
    Text(String),
    Structured(Box<KeySpecDoc>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpecDoc {
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    expression: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    nulls: Option<String>,
    #[serde(default)]
    opclass: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForeignKeyDoc {
    #[serde(default)]
    name: Option<String>,
    columns: Vec<String>,
    references: ForeignTargetDoc,
    #[serde(default)]
    on_delete: Option<String>,
    #[serde(default)]
    on_update: Option<String>,
    #[serde(default)]
    deferrable: bool,
    #[serde(default)]
    initially_deferred: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForeignTargetDoc {
    table: String,
    columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UniqueDoc {
    #[serde(default)]
    name: Option<String>,
    columns: Vec<String>,
    #[serde(default)]
    nulls_not_distinct: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDoc {
    #[serde(default)]
    name: Option<String>,
    expression: String,
}

/// A mapping that keeps the order its keys are written in.
#[derive(Debug)]
struct Ordered<V>(Vec<(String, V)>);

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
fn duplicate_key<V>(entries: &[(String, V)]) -> Option<&str> {
    let mut keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2)
        .find(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
}

// ---------------------------------------------------------------------------------------------
// Reading a large file in parts.

/// Tables per part when serde reads the `tables:` mapping in parts.
const TABLES_PER_PART: usize = 200;

/// The top-level block `key:` of a block-style file: the byte range of its lines (after the
/// `key:` line) and the byte offsets of its entries (the lines at its first indentation).
/// `None` when the file is not laid out so plainly (flow style, documents markers, directives,
/// complex keys, a value on the `key:` line).
struct Block {
    range: std::ops::Range<usize>,
    entries: Vec<usize>,
}

fn top_level_block(source: &str, key: &str) -> Option<Block> {
    let mut offset = 0;
    let mut block: Option<Block> = None;
    let mut indent: Option<usize> = None;
    for raw in source.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
            return None;
        }
        let trimmed = line.trim_start_matches(' ');
        let blank = trimmed.is_empty() || trimmed.starts_with('#');
        match &mut block {
            None => {
                if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                    let rest = rest.trim();
                    if !(rest.is_empty() || rest.starts_with('#')) {
                        return None;
                    }
                    block = Some(Block {
                        range: offset..offset,
                        entries: Vec::new(),
                    });
                }
            }
            Some(found) => {
                if blank {
                    found.range.end = offset;
                    continue;
                }
                let depth = line.len() - trimmed.len();
                if depth == 0 {
                    break;
                }
                let n = *indent.get_or_insert(depth);
                if depth < n || trimmed.starts_with('\t') {
                    return None;
                }
                if depth == n {
                    if trimmed.starts_with(['-', '?', '{', '[', '&', '!', '*']) {
                        return None;
                    }
                    found.entries.push(start);
                }
                found.range.end = offset;
            }
        }
    }
    block
}

/// The file as serde reads it, with the `tables:` mapping read in parts (one after the other,
/// so that the parse events of only one part are held at a time; in parallel the parts cost
/// more memory for no gain, as the locator and the catalog read already take the other core). `None` when the file is not
/// plain enough to be cut or a part does not read on its own; the caller then reads the whole
/// file, and confirms the parts against the tables the whole file holds.
fn read_in_parts(source: &str) -> Option<FileDoc> {
    let (mut doc, block) = cut_tables(source)?;
    let parts: Vec<Ordered<TableDoc>> = block
        .parts(source)
        .map(|(_, part)| serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok())
        .collect::<Option<_>>()?;
    doc.tables.0 = parts.into_iter().flat_map(|part| part.0).collect();
    // A table written twice, in two parts: the whole file says where.
    if duplicate_key(&doc.tables.0).is_some() {
        return None;
    }
    Some(doc)
}

/// The file without its `tables:` block, read by serde, and that block. `None` when the file is
/// not plain enough to be cut.
fn cut_tables(source: &str) -> Option<(FileDoc, Block)> {
    let block = top_level_block(source, "tables")?;
    let mut rest = String::with_capacity(source.len() - block.range.len());
    rest.push_str(&source[..block.range.start]);
    rest.push_str(&source[block.range.end..]);
    let doc = serde_yaml_ng::from_str::<FileDoc>(&rest).ok()?;
    if !doc.tables.0.is_empty() {
        return None;
    }
    Some((doc, block))
}

impl Block {
    /// The texts of the block's parts: mappings of [`TABLES_PER_PART`] entries each, with the
    /// byte offset each starts at.
    fn parts<'s>(&self, source: &'s str) -> impl Iterator<Item = (usize, &'s str)> {
        let mut bounds: Vec<usize> = self
            .entries
            .iter()
            .copied()
            .step_by(TABLES_PER_PART)
            .collect();
        bounds.push(self.range.end);
        (1..bounds.len()).map(move |i| (bounds[i - 1], &source[bounds[i - 1]..bounds[i]]))
    }
}

/// The tables `names` of a file read without positions, as written and with their positions
/// (with every enum): only the parts of the file that hold them are read again, so that a drift
/// report on a large file costs about what the comparison did. `None` when the file is not laid
/// out plainly enough to be cut or a table is not where its key said; [`from_text`] then.
pub fn positions_for(declared: &Declared, names: &BTreeSet<QualifiedName>) -> Option<Schema> {
    let source = declared.source.as_str();
    let default_schema = declared.default_schema.as_str();
    let (doc, block) = cut_tables(source)?;
    let mut locator = Locator::default();
    for (start, end) in [(0, block.range.start), (block.range.end, source.len())] {
        locator.absorb(Locator::build_piece(&source[start..end], start, false)?);
    }
    // A part is read again when the key on one of its entries' lines names a wanted table, or
    // cannot be read from the line.
    let named = |start: usize| {
        let parts = entry_key(source, start).and_then(|key| split_name(&key).ok());
        match parts.as_deref() {
            Some([name]) => names.contains(&QualifiedName::new(default_schema, name.clone())),
            Some([schema, name]) => {
                names.contains(&QualifiedName::new(schema.clone(), name.clone()))
            }
            _ => true,
        }
    };
    let mut tables: Vec<(String, TableDoc)> = Vec::new();
    for ((start, part), entries) in block
        .parts(source)
        .zip(block.entries.chunks(TABLES_PER_PART))
    {
        if !entries.iter().any(|&entry| named(entry)) {
            continue;
        }
        locator.absorb(Locator::build_piece(part, start, true)?);
        tables.extend(serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok()?.0);
    }
    let lines = LineIndex::new(source);
    let name = declared.path.display().to_string();
    let builder = Builder {
        name: &name,
        source,
        locator: Some(&locator),
        line_starts: &lines.starts,
    };
    let mut schema = builder.header(&doc).ok()?.schema;
    for (key, table_doc) in &tables {
        let table_name = builder
            .qualified(key, default_schema, &path(&["tables", key]), "table")
            .ok()?;
        if names.contains(&table_name) {
            let table = builder
                .table(table_name.clone(), key, table_doc, &schema, default_schema)
                .ok()?;
            schema.tables.insert(table_name, table);
        }
    }
    names
        .iter()
        .all(|name| schema.tables.contains_key(name) || schema.enums.contains_key(name))
        .then_some(schema)
}

/// The schemas a file most likely declares anything in, from a look at its text (the default
/// `schema:`, qualified table and enum keys), without reading it as YAML: lets the catalog read
/// start while the file is read. The caller must compare with [`Declared::schemas`].
pub fn guess_schemas(source: &str) -> Vec<String> {
    let mut schemas: BTreeSet<String> = BTreeSet::new();
    let default_schema = source
        .lines()
        .find_map(|line| line.strip_prefix("schema:"))
        .map(|value| unquote(value.split(" #").next().unwrap_or("").trim()))
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| "public".to_string());
    for key in ["tables", "enums"] {
        let Some(block) = top_level_block(source, key) else {
            continue;
        };
        for &start in &block.entries {
            if let Some(Ok(parts)) = entry_key(source, start).map(|k| split_name(&k)) {
                if parts.len() == 2 {
                    schemas.insert(parts[0].clone());
                }
            }
        }
    }
    schemas.insert(default_schema);
    schemas.into_iter().collect()
}

/// The key of the block entry whose line starts at `start`, read from the text alone (a guess:
/// the caller confirms it when it matters).
fn entry_key(source: &str, start: usize) -> Option<String> {
    let line = source[start..].lines().next().unwrap_or("").trim();
    match line.rfind(':') {
        Some(_) if line.starts_with(['\'', '"']) => {
            let quote = &line[..1];
            line[1..]
                .find(&format!("{quote}:"))
                .map(|end| unquote(&line[..end + 2]))
        }
        _ => line.find(':').map(|end| line[..end].to_string()),
    }
}

/// A YAML scalar as written on one line, without its quotes.
fn unquote(text: &str) -> String {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        inner.replace("\'\'", "\'")
    } else if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        inner.to_string()
    } else {
        text.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Where things are written.

/// Byte offsets of line starts, to turn (line, column) into a byte offset.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// Byte offset of a 1-based line and a 0-based character column.
    fn offset(&self, line: usize, column: usize) -> usize {
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
type Span = (usize, usize);

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
struct Locator {
    keys: HashMap<PathHash, Span>,
    values: HashMap<PathHash, Span>,
    /// Keys written twice in one mapping: the key and where it is written the second time.
    duplicates: Vec<(String, Span)>,
    /// The keys of the top-level `tables:` mapping, in file order.
    table_keys: Vec<String>,
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
    fn build(source: &str, lines: &LineIndex<'_>, full: bool) -> Result<Locator, (String, usize)> {
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
    fn build_piece(text: &str, base: usize, in_tables: bool) -> Option<Locator> {
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
    fn absorb(&mut self, other: Locator) {
        self.keys.extend(other.keys);
        self.values.extend(other.values);
        self.duplicates.extend(other.duplicates);
        self.table_keys.extend(other.table_keys);
    }

    /// The key at `path`, else its value, else the closest enclosing node.
    fn key(&self, path: &[String]) -> Span {
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
    fn value(&self, path: &[String]) -> Span {
        match self.values.get(&path_hash(path)) {
            Some(span) => *span,
            None => self.key(path),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversion and validation.

struct Builder<'a> {
    name: &'a str,
    source: &'a str,
    /// Where keys and values are written; `None` when positions are not read: objects get no
    /// position and error spans are rough (a caller that skips positions reads the file again,
    /// with them, when anything fails).
    locator: Option<&'a Locator>,
    /// Byte offsets of line starts, for positions.
    line_starts: &'a [usize],
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

impl Builder<'_> {
    fn error(
        &self,
        kind: InvalidKind,
        message: String,
        help: Option<String>,
        span: Span,
    ) -> DeclaredError {
        let src = NamedSource::new(self.name, self.source.to_string());
        DeclaredError::invalid(kind, message, help, src, span.into())
    }

    fn pos(&self, span: Span) -> Pos {
        let offset = span.0.min(self.source.len());
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        Pos {
            line,
            column: self.source[line_start..offset].chars().count() + 1,
        }
    }

    /// The span of the key at `at`, for an error (the start of the file without a locator).
    fn key_span(&self, at: &[String]) -> Span {
        self.locator.map_or((0, 1), |locator| locator.key(at))
    }

    /// The span of the value at `at`, for an error (the start of the file without a locator).
    fn value_span(&self, at: &[String]) -> Span {
        self.locator.map_or((0, 1), |locator| locator.value(at))
    }

    /// Where the key at `at` is written; `None` when positions are not read.
    fn key_pos(&self, at: &[String]) -> Option<Pos> {
        self.locator.map(|locator| self.pos(locator.key(at)))
    }

    /// Where the value at `at` is written; `None` when positions are not read.
    fn value_pos(&self, at: &[String]) -> Option<Pos> {
        self.locator.map(|locator| self.pos(locator.value(at)))
    }

    /// Parses `sql` as one PostgreSQL expression; `what` names it in the message.
    fn expression(&self, sql: &str, what: &str, at: &[String]) -> Result<String, DeclaredError> {
        match check_expression(sql) {
            Ok(()) => Ok(sql.trim().to_string()),
            Err(reason) => Err(self.error(
                InvalidKind::Expression,
                format!(
                    "the {what} `{}` is not a valid SQL expression: {reason}",
                    sql.trim()
                ),
                Some("write it as it would appear in DDL, e.g. \"status <> 'replied'\"".into()),
                self.value_span(at),
            )),
        }
    }

    fn action(&self, text: Option<&str>, at: &[String]) -> Result<FkAction, DeclaredError> {
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

    fn convert(&self, doc: &FileDoc) -> Result<Declared, DeclaredError> {
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
    fn header(&self, doc: &FileDoc) -> Result<Declared, DeclaredError> {
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
    fn add_tables(
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
    fn qualified(
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

    fn column_type(
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

    fn table(
        &self,
        name: QualifiedName,
        key: &str,
        doc: &TableDoc,
        schema: &Schema,
        default_schema: &str,
    ) -> Result<Table, DeclaredError> {
        let at = path(&["tables", key]);
        let mut table = Table {
            name: name.clone(),
            pos: self.key_pos(&at),
            ..Table::default()
        };
        let mut pk_columns: Vec<String> = Vec::new();
        let mut pk_pos = None;

        for (column_name, column) in &doc.columns.0 {
            let col_at = path(&["tables", key, "columns", column_name]);
            let sub = |k: &str| {
                let mut p = col_at.clone();
                p.push(k.to_string());
                p
            };
            let data_type = self.column_type(
                &column.data_type,
                &schema.enums,
                default_schema,
                &sub("type"),
            )?;
            if column.primary_key {
                if column.nullable == Some(true) {
                    return Err(self.error(
                        InvalidKind::Value,
                        format!("the primary key column {column_name} cannot be nullable"),
                        Some("remove `nullable: true`: primary key columns are NOT NULL".into()),
                        self.key_span(&sub("nullable")),
                    ));
                }
                pk_columns.push(column_name.clone());
                if pk_pos.is_none() {
                    pk_pos = self.key_pos(&sub("primary_key"));
                }
            }
            let default = match &column.default {
                Some(value) => {
                    let sql = value.to_sql();
                    let sql = self.expression(&sql, "default", &sub("default"))?;
                    if looks_like_bare_word(&sql) {
                        return Err(self.error(
                            InvalidKind::Expression,
                            format!("the default `{sql}` reads as a column name, not a value"),
                            Some(format!(
                                "a string default needs SQL quotes inside the YAML string: default: \"'{sql}'\""
                            )),
                            self.value_span(&sub("default")),
                        ));
                    }
                    // PostgreSQL does not store `DEFAULT NULL`: it is no default.
                    let null = sql.split("::").next().is_some_and(|head| {
                        head.trim()
                            .trim_matches(|c| c == '(' || c == ')')
                            .eq_ignore_ascii_case("null")
                    });
                    (!null).then_some(sql)
                }
                None => None,
            };
            let identity = match column.more().identity.as_deref() {
                None => None,
                Some(kind) => {
                    let identity = match kind.to_ascii_lowercase().replace(['_', '-'], " ").as_str()
                    {
                        "by default" => Identity::ByDefault,
                        "always" => Identity::Always,
                        _ => {
                            return Err(self.error(
                                InvalidKind::Value,
                                format!("`{kind}` is not an identity kind"),
                                Some("use `identity: by_default` or `identity: always`".into()),
                                self.value_span(&sub("identity")),
                            ))
                        }
                    };
                    if !matches!(data_type.as_str(), "smallint" | "integer" | "bigint") {
                        return Err(self.error(
                            InvalidKind::Type,
                            format!("an identity column must be smallint, integer or bigint, not {data_type}"),
                            None,
                            self.value_span(&sub("type")),
                        ));
                    }
                    Some(identity)
                }
            };
            let generated = match &column.more().generated {
                Some(sql) => {
                    Some(self.expression(sql, "generated expression", &sub("generated"))?)
                }
                None => None,
            };
            let serial = types::serial_base(&data_type).is_some();
            let conflicts = [
                (default.is_some(), "default"),
                (identity.is_some(), "identity"),
                (generated.is_some(), "generated"),
                (serial, "a serial type"),
            ];
            let set: Vec<&str> = conflicts.iter().filter(|c| c.0).map(|c| c.1).collect();
            if set.len() > 1 {
                return Err(self.error(
                    InvalidKind::Value,
                    format!(
                        "the column {column_name} has both {} and {}",
                        set[0], set[1]
                    ),
                    Some(
                        "a column has at most one of: default, identity, generated, serial".into(),
                    ),
                    self.key_span(&col_at),
                ));
            }
            // Primary key, serial and identity columns are NOT NULL whatever the YAML says.
            let nullable = !(column.primary_key
                || column.nullable == Some(false)
                || serial
                || identity.is_some());
            table.columns.push(Column {
                name: column_name.clone(),
                data_type,
                nullable,
                default,
                identity,
                generated,
                pos: self.key_pos(&col_at),
            });
            if column.unique {
                table.uniques.push(Unique {
                    name: None,
                    columns: vec![column_name.clone()],
                    nulls_not_distinct: false,
                    pos: self.key_pos(&sub("unique")),
                });
            }
            if column.more().references.is_none() {
                let actions = [
                    ("on_delete", column.more().on_delete.is_some()),
                    ("on_update", column.more().on_update.is_some()),
                ];
                if let Some((k, _)) = actions.iter().find(|(_, set)| *set) {
                    return Err(self.error(
                        InvalidKind::Value,
                        format!("`{k}` without `references` on column {column_name}"),
                        Some("add `references: table.column`".into()),
                        self.key_span(&sub(k)),
                    ));
                }
            }
            if let Some(target) = &column.more().references {
                let parts = split_name(target).unwrap_or_default();
                let (ref_table, ref_column) = match parts.as_slice() {
                    [t, c] => (QualifiedName::new(default_schema, t.clone()), c.clone()),
                    [s, t, c] => (QualifiedName::new(s.clone(), t.clone()), c.clone()),
                    _ => {
                        return Err(self.error(
                            InvalidKind::Value,
                            format!("`{target}` is not a column reference"),
                            Some("write `table.column` or `schema.table.column`".into()),
                            self.value_span(&sub("references")),
                        ))
                    }
                };
                table.foreign_keys.push(ForeignKey {
                    name: None,
                    columns: vec![column_name.clone()],
                    ref_table,
                    ref_columns: vec![ref_column],
                    on_delete: self
                        .action(column.more().on_delete.as_deref(), &sub("on_delete"))?,
                    on_update: self
                        .action(column.more().on_update.as_deref(), &sub("on_update"))?,
                    deferrable: false,
                    initially_deferred: false,
                    valid: true,
                    pos: self.value_pos(&sub("references")),
                });
            }
        }

        let column_names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let known = |column: &str| column_names.iter().any(|c| c == column);
        let unknown_column = |column: &str, at: Vec<String>| {
            self.error(
                InvalidKind::Reference,
                format!("the table {name} has no declared column `{column}`"),
                Some(format!("declared columns: {}", column_names.join(", "))),
                self.value_span(&at),
            )
        };

        if let Some(pk) = &doc.primary_key {
            let pk_at = path(&["tables", key, "primary_key"]);
            if !pk_columns.is_empty() {
                return Err(self.error(
                    InvalidKind::Duplicate,
                    format!("the table {name} declares its primary key twice"),
                    Some("use either `primary_key: true` on columns or a table-level `primary_key: [..]`".into()),
                    self.key_span(&pk_at),
                ));
            }
            let (pk_name, columns, columns_at) = match pk {
                PrimaryKeyDoc::Columns(columns) => (None, columns, pk_at.clone()),
                PrimaryKeyDoc::Named(named) => {
                    let mut at = pk_at.clone();
                    at.push("columns".into());
                    (named.name.clone(), &named.columns, at)
                }
            };
            for (i, column) in columns.iter().enumerate() {
                let mut at = columns_at.clone();
                at.push(i.to_string());
                if !known(column) {
                    return Err(unknown_column(column, at));
                }
            }
            for column in &mut table.columns {
                if columns.contains(&column.name) {
                    column.nullable = false;
                }
            }
            table.primary_key = Some(PrimaryKey {
                name: pk_name,
                columns: columns.clone(),
                pos: self.key_pos(&pk_at),
            });
        } else if !pk_columns.is_empty() {
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns: pk_columns,
                pos: pk_pos,
            });
        }

        for (i, index) in doc.indexes.iter().enumerate() {
            let index_at = path(&["tables", key, "indexes", &i.to_string()]);
            let sub = |k: &str| {
                let mut p = index_at.clone();
                p.push(k.to_string());
                p
            };
            let mut keys = Vec::new();
            for (k, key_doc) in index.columns.iter().enumerate() {
                let mut key_at = sub("columns");
                key_at.push(k.to_string());
                keys.push(self.index_key(key_doc, &table, &key_at)?);
            }
            if let Some(expression) = &index.expression {
                if !keys.is_empty() {
                    return Err(self.error(
                        InvalidKind::Value,
                        "an index has both `columns` and `expression`".into(),
                        Some("put expressions into `columns` as `{ expression: \"lower(x)\" }` to mix them".into()),
                        self.key_span(&sub("expression")),
                    ));
                }
                let expr = self.expression(expression, "index expression", &sub("expression"))?;
                keys.push(IndexKey {
                    expr,
                    expression: true,
                    opclass: None,
                    descending: false,
                    nulls_first: None,
                });
            }
            if keys.is_empty() {
                return Err(self.error(
                    InvalidKind::Value,
                    "an index needs `columns` or an `expression`".into(),
                    None,
                    self.value_span(&index_at),
                ));
            }
            let predicate = match &index.predicate {
                Some(sql) => Some(self.expression(sql, "index predicate", &sub("where"))?),
                None => None,
            };
            for (k, column) in index.include.iter().enumerate() {
                let mut at = sub("include");
                at.push(k.to_string());
                if !known(column) {
                    return Err(unknown_column(column, at));
                }
            }
            let method = index
                .using
                .as_deref()
                .unwrap_or("btree")
                .trim()
                .to_ascii_lowercase();
            if method.is_empty()
                || !method
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{method}` is not an index method"),
                    Some("btree, hash, gin, gist, spgist, brin, or an extension's method".into()),
                    self.value_span(&sub("using")),
                ));
            }
            table.indexes.push(Index {
                name: index.name.clone(),
                unique: index.unique,
                method,
                keys,
                include: index.include.clone(),
                predicate,
                nulls_not_distinct: index.nulls_not_distinct,
                valid: true,
                definition: None,
                pos: self.value_pos(&index_at),
            });
        }

        for (i, fk) in doc.foreign_keys.iter().enumerate() {
            let fk_at = path(&["tables", key, "foreign_keys", &i.to_string()]);
            let sub = |k: &str| {
                let mut p = fk_at.clone();
                p.push(k.to_string());
                p
            };
            for (k, column) in fk.columns.iter().enumerate() {
                let mut at = sub("columns");
                at.push(k.to_string());
                if !known(column) {
                    return Err(unknown_column(column, at));
                }
            }
            let mut target_at = sub("references");
            target_at.push("table".into());
            let ref_table =
                self.qualified(&fk.references.table, default_schema, &target_at, "table")?;
            if fk.initially_deferred && !fk.deferrable {
                return Err(self.error(
                    InvalidKind::Value,
                    "`initially_deferred` needs `deferrable: true`".into(),
                    None,
                    self.key_span(&sub("initially_deferred")),
                ));
            }
            table.foreign_keys.push(ForeignKey {
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                ref_table,
                ref_columns: fk.references.columns.clone(),
                on_delete: self.action(fk.on_delete.as_deref(), &sub("on_delete"))?,
                on_update: self.action(fk.on_update.as_deref(), &sub("on_update"))?,
                deferrable: fk.deferrable,
                initially_deferred: fk.initially_deferred,
                valid: true,
                pos: self.value_pos(&fk_at),
            });
        }

        for (i, unique) in doc.unique.iter().enumerate() {
            let unique_at = path(&["tables", key, "unique", &i.to_string()]);
            for (k, column) in unique.columns.iter().enumerate() {
                let at = path(&[
                    "tables",
                    key,
                    "unique",
                    &i.to_string(),
                    "columns",
                    &k.to_string(),
                ]);
                if !known(column) {
                    return Err(unknown_column(column, at));
                }
            }
            table.uniques.push(Unique {
                name: unique.name.clone(),
                columns: unique.columns.clone(),
                nulls_not_distinct: unique.nulls_not_distinct,
                pos: self.value_pos(&unique_at),
            });
        }

        for (i, check) in doc.checks.iter().enumerate() {
            let check_at = path(&["tables", key, "checks", &i.to_string()]);
            let mut expr_at = check_at.clone();
            expr_at.push("expression".into());
            let expression = self.expression(&check.expression, "check expression", &expr_at)?;
            table.checks.push(Check {
                name: check.name.clone(),
                expression,
                valid: true,
                pos: self.value_pos(&check_at),
            });
        }
        table.shrink_to_fit();
        Ok(table)
    }

    fn index_key(
        &self,
        doc: &KeyDoc,
        table: &Table,
        at: &[String],
    ) -> Result<IndexKey, DeclaredError> {
        let known = |column: &str| table.columns.iter().any(|c| c.name == column);
        let unknown = |column: &str| {
            self.error(
                InvalidKind::Reference,
                format!("the table {} has no declared column `{column}`", table.name),
                Some(
                    "an expression key needs parentheses (`lower(email)`) or `{ expression: ... }`"
                        .into(),
                ),
                self.value_span(at),
            )
        };
        match doc {
            KeyDoc::Text(text) => {
                if known(text) {
                    return Ok(plain_key(text));
                }
                if let Some(key) = parse_key_text(text) {
                    if known(&key.expr) {
                        return Ok(key);
                    }
                }
                if text.contains('(') {
                    let expr = self.expression(text, "index expression", at)?;
                    return Ok(IndexKey {
                        expr,
                        expression: true,
                        opclass: None,
                        descending: false,
                        nulls_first: None,
                    });
                }
                let column = parse_key_text(text).map_or(text.clone(), |k| k.expr);
                Err(unknown(&column))
            }
            KeyDoc::Structured(spec) => {
                let (expr, expression) = match (&spec.column, &spec.expression) {
                    (Some(column), None) => {
                        if !known(column) {
                            return Err(unknown(column));
                        }
                        (column.clone(), false)
                    }
                    (None, Some(sql)) => {
                        let mut expr_at = at.to_vec();
                        expr_at.push("expression".into());
                        (self.expression(sql, "index expression", &expr_at)?, true)
                    }
                    _ => {
                        return Err(self.error(
                            InvalidKind::Value,
                            "an index key has exactly one of `column` and `expression`".into(),
                            None,
                            self.value_span(at),
                        ))
                    }
                };
                let descending = match spec
                    .order
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(other) => {
                        let mut order_at = at.to_vec();
                        order_at.push("order".into());
                        return Err(self.error(
                            InvalidKind::Value,
                            format!("`{other}` is not an index order"),
                            Some("use `order: asc` or `order: desc`".into()),
                            self.value_span(&order_at),
                        ));
                    }
                };
                let nulls_first = match spec
                    .nulls
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    None => None,
                    Some("first") => Some(true),
                    Some("last") => Some(false),
                    Some(other) => {
                        let mut nulls_at = at.to_vec();
                        nulls_at.push("nulls".into());
                        return Err(self.error(
                            InvalidKind::Value,
                            format!("`{other}` is not a nulls order"),
                            Some("use `nulls: first` or `nulls: last`".into()),
                            self.value_span(&nulls_at),
                        ));
                    }
                };
                Ok(normalize_key(IndexKey {
                    expr,
                    expression,
                    opclass: spec.opclass.as_ref().map(|o| o.trim().to_ascii_lowercase()),
                    descending,
                    nulls_first,
                }))
            }
        }
    }

    /// Index names are unique per schema (shared with primary key and unique constraints);
    /// constraint names are unique per table.
    fn check_names(
        &self,
        tables: &[(String, TableDoc)],
        default_schema: &str,
        relation_names: &mut HashSet<(String, String)>,
    ) -> Result<(), DeclaredError> {
        for (key, table) in tables {
            let Ok(name) = self.qualified(key, default_schema, &path(&["tables", key]), "table")
            else {
                continue;
            };
            // (name, where it is written, whether it also names an index)
            let mut named: Vec<(&str, Vec<String>, bool)> = Vec::new();
            if let Some(PrimaryKeyDoc::Named(NamedColumnsDoc {
                name: Some(pk_name),
                ..
            })) = &table.primary_key
            {
                named.push((pk_name, path(&["tables", key, "primary_key", "name"]), true));
            }
            let lists: [(&str, Vec<Option<&String>>, bool); 4] = [
                (
                    "indexes",
                    table.indexes.iter().map(|i| i.name.as_ref()).collect(),
                    true,
                ),
                (
                    "unique",
                    table.unique.iter().map(|u| u.name.as_ref()).collect(),
                    true,
                ),
                (
                    "foreign_keys",
                    table.foreign_keys.iter().map(|f| f.name.as_ref()).collect(),
                    false,
                ),
                (
                    "checks",
                    table.checks.iter().map(|c| c.name.as_ref()).collect(),
                    false,
                ),
            ];
            let mut constraint_names: HashSet<&str> = HashSet::new();
            for (list, names, makes_index) in &lists {
                for (i, item) in names.iter().enumerate() {
                    if let Some(item) = item {
                        let at = path(&["tables", key, list, &i.to_string(), "name"]);
                        named.push((item.as_str(), at, *makes_index));
                    }
                }
            }
            for (item, at, makes_index) in named {
                let is_index = at.get(2).map(String::as_str) == Some("indexes");
                if !is_index && !constraint_names.insert(item) {
                    return Err(self.error(
                        InvalidKind::Duplicate,
                        format!("the constraint name `{item}` is used twice on table {name}"),
                        Some("constraint names are unique per table in PostgreSQL".into()),
                        self.value_span(&at),
                    ));
                }
                if makes_index && !relation_names.insert((name.schema.clone(), item.to_string())) {
                    return Err(self.error(
                        InvalidKind::Duplicate,
                        format!("the name `{item}` is used twice in schema {}", name.schema),
                        Some("index names are unique per schema in PostgreSQL, and primary key and unique constraints create an index of their name".into()),
                        self.value_span(&at),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A foreign key must reference a declared table, declared columns, and columns that are its
    /// primary key or unique (PostgreSQL refuses anything else).
    ///
    /// `tables` are the table keys in file order, with their documents when errors are to point
    /// at the exact key (without, they point at the table).
    fn check_foreign_keys<'t>(
        &self,
        schema: &Schema,
        tables: impl Iterator<Item = (&'t str, Option<&'t TableDoc>)>,
        default_schema: &str,
    ) -> Result<(), DeclaredError> {
        for (key, table_doc) in tables {
            let Ok(name) = self.qualified(key, default_schema, &path(&["tables", key]), "table")
            else {
                continue;
            };
            let Some(table) = schema.tables.get(&name) else {
                continue;
            };
            // The order of foreign keys: column `references` first (in column order), then the
            // `foreign_keys` list; rebuild each one's YAML path in the same order.
            let locations: Vec<Vec<String>> = match table_doc {
                Some(table_doc) => {
                    let mut locations: Vec<Vec<String>> = table_doc
                        .columns
                        .0
                        .iter()
                        .filter(|(_, c)| c.more().references.is_some())
                        .map(|(c, _)| path(&["tables", key, "columns", c, "references"]))
                        .collect();
                    locations.extend((0..table_doc.foreign_keys.len()).map(|i| {
                        path(&["tables", key, "foreign_keys", &i.to_string(), "references"])
                    }));
                    locations
                }
                None => vec![path(&["tables", key]); table.foreign_keys.len()],
            };
            for (fk, at) in table.foreign_keys.iter().zip(locations) {
                let from_column = at.last().map(String::as_str) == Some("references")
                    && at.get(2).map(String::as_str) == Some("columns");
                let table_at = if from_column {
                    at.clone()
                } else {
                    let mut p = at.clone();
                    p.push("table".into());
                    p
                };
                let Some(target) = schema.tables.get(&fk.ref_table) else {
                    return Err(self.error(
                        InvalidKind::Reference,
                        format!(
                            "the foreign key on {}({}) references {}, which is not declared",
                            table.name,
                            fk.columns.join(", "),
                            fk.ref_table
                        ),
                        Some("declare the referenced table too (a table in another schema is written `schema.table`)".into()),
                        self.value_span(&table_at),
                    ));
                };
                for (i, column) in fk.ref_columns.iter().enumerate() {
                    if target.column(column).is_none() {
                        let column_at = if from_column {
                            at.clone()
                        } else {
                            let mut p = at.clone();
                            p.push("columns".into());
                            p.push(i.to_string());
                            p
                        };
                        return Err(self.error(
                            InvalidKind::Reference,
                            format!(
                                "the foreign key references {}.{column}, which is not declared",
                                fk.ref_table
                            ),
                            Some(format!(
                                "declared columns of {}: {}",
                                fk.ref_table,
                                target
                                    .columns
                                    .iter()
                                    .map(|c| c.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                            self.value_span(&column_at),
                        ));
                    }
                }
                if fk.columns.len() != fk.ref_columns.len() {
                    return Err(self.error(
                        InvalidKind::Value,
                        format!(
                            "the foreign key has {} column(s) but references {}",
                            fk.columns.len(),
                            fk.ref_columns.len()
                        ),
                        None,
                        self.value_span(&at),
                    ));
                }
                if !is_unique_key(target, &fk.ref_columns) {
                    return Err(self.error(
                        InvalidKind::Reference,
                        format!(
                            "the foreign key references {}({}), which is neither its primary key nor unique",
                            fk.ref_table,
                            fk.ref_columns.join(", ")
                        ),
                        Some("PostgreSQL requires a primary key or unique constraint on the referenced columns; declare one".into()),
                        self.value_span(&table_at),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `true` when `columns` (in any order) are the table's primary key, a unique constraint, or a
/// full (non-partial) unique index on plain columns.
pub fn is_unique_key(table: &Table, columns: &[String]) -> bool {
    let set: BTreeSet<&String> = columns.iter().collect();
    let same = |other: &[String]| {
        other.len() == columns.len() && other.iter().collect::<BTreeSet<_>>() == set
    };
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same(&pk.columns))
        || table.uniques.iter().any(|u| same(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.keys.iter().all(|k| !k.expression)
                && same(&i.keys.iter().map(|k| k.expr.clone()).collect::<Vec<_>>())
        })
}

fn plain_key(column: &str) -> IndexKey {
    IndexKey {
        expr: column.to_string(),
        expression: false,
        opclass: None,
        descending: false,
        nulls_first: None,
    }
}

/// Drops a NULLS option that restates the default (NULLS LAST for ASC, NULLS FIRST for DESC).
pub fn normalize_key(mut key: IndexKey) -> IndexKey {
    if key.nulls_first == Some(key.descending) {
        key.nulls_first = None;
    }
    key
}

/// `col [opclass] [ASC|DESC] [NULLS FIRST|LAST]`, the column possibly double-quoted.
fn parse_key_text(text: &str) -> Option<IndexKey> {
    let text = text.trim();
    let (column, rest) = if let Some(stripped) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = stripped.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|(_, c)| *c) == Some('"') {
                    chars.next();
                    name.push('"');
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        (name, &stripped[end?..])
    } else {
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        (text[..end].to_string(), &text[end..])
    };
    let words: Vec<String> = rest
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut key = plain_key(&column);
    let mut i = 0;
    if let Some(word) = words.first() {
        if !matches!(word.as_str(), "asc" | "desc" | "nulls") {
            key.opclass = Some(word.clone());
            i = 1;
        }
    }
    match words.get(i).map(String::as_str) {
        Some("asc") => i += 1,
        Some("desc") => {
            key.descending = true;
            i += 1;
        }
        _ => {}
    }
    if words.get(i).map(String::as_str) == Some("nulls") {
        key.nulls_first = match words.get(i + 1).map(String::as_str) {
            Some("first") => Some(true),
            Some("last") => Some(false),
            _ => return None,
        };
        i += 2;
    }
    if i != words.len() {
        return None;
    }
    Some(normalize_key(key))
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

/// The key of an "unknown field `key`" message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = &message[message.find("unknown field `")? + "unknown field `".len()..];
    Some(&rest[..rest.find('`')?])
}

/// The first place at or after `from` where `key` is written as a mapping key.
fn find_key(source: &str, from: usize, key: &str) -> Option<usize> {
    let mut at = from.min(source.len());
    while let Some(found) = source[at..].find(key) {
        let start = at + found;
        let before = source[..start].chars().next_back();
        let after = source[start + key.len()..]
            .trim_start_matches(' ')
            .chars()
            .next();
        let starts_word = before.is_none_or(|c| matches!(c, ' ' | '{' | ',' | '\n' | '\t'));
        if starts_word && matches!(after, Some(':' | ',' | '}') | None) {
            return Some(start);
        }
        at = start + key.len().max(1);
    }
    None
}

/// Parses `sql` as exactly one PostgreSQL expression.
pub fn check_expression(sql: &str) -> Result<(), String> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    use sqlparser::tokenizer::Token;

    if sql.trim().is_empty() {
        return Err("it is empty".into());
    }
    let dialect = PostgreSqlDialect {};
    let sql = spelled_for_the_parser(sql);
    let mut parser = Parser::new(&dialect)
        .try_with_sql(&sql)
        .map_err(|e| strip_parser_prefix(&e.to_string()))?;
    parser
        .parse_expr()
        .map_err(|e| strip_parser_prefix(&e.to_string()))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(format!("unexpected `{}` after the expression", next.token));
    }
    Ok(())
}

/// PostgreSQL's own spellings that sqlparser does not read, respelled for the validity check
/// only (the declared text is kept as written, and `pull` writes these): `TRIM(BOTH FROM x)`,
/// which is how PostgreSQL prints `trim(x)`, and `XMLPARSE(... STRIP WHITESPACE)`.
fn spelled_for_the_parser(sql: &str) -> String {
    let mut text = sql.to_string();
    for (spelled, respelled) in [
        ("trim(both from ", "trim("),
        ("trim(leading from ", "ltrim("),
        ("trim(trailing from ", "rtrim("),
        (" strip whitespace)", ")"),
        (" preserve whitespace)", ")"),
    ] {
        // ASCII lower-casing keeps byte offsets.
        while let Some(at) = text.to_ascii_lowercase().find(spelled) {
            text.replace_range(at..at + spelled.len(), respelled);
        }
    }
    text
}

fn strip_parser_prefix(message: &str) -> String {
    let message = message
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("SQL parser error: ");
    match message.find(" at Line: ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A default that is a single unquoted word other than a SQL keyword value: almost always a
/// string literal written without its SQL quotes (`default: pending`).
fn looks_like_bare_word(sql: &str) -> bool {
    const VALUES: &[&str] = &[
        "true",
        "false",
        "null",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "current_user",
        "session_user",
        "current_role",
        "current_catalog",
        "current_schema",
        "user",
    ];
    let word = sql.trim();
    !word.is_empty()
        && word.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !word.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !VALUES.contains(&word.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `yaml` with positions, and checks that reading it without gives the same model
    /// but for the positions.
    fn ok(yaml: &str) -> Declared {
        let declared = match parse("schema.yaml", yaml) {
            Ok(declared) => declared,
            Err(e) => panic!("{:?}", miette::Report::new(e)),
        };
        let quick =
            parse_with("schema.yaml", yaml, Positions::Skip).expect("valid without positions");
        let mut unplaced = declared.schema.clone();
        unplaced.take_positions_from(&quick.schema);
        assert_eq!(unplaced, quick.schema, "reading without positions differs");
        let mut placed = quick.schema;
        placed.take_positions_from(&declared.schema);
        assert_eq!(placed, declared.schema, "positions are not carried over");
        declared
    }

    /// Asserts that the error points at line `line`, at the first `needle` on that line.
    /// Reads `yaml` with and without positions: both must fail with the same error, at `needle`
    /// on `line`.
    fn err_at(yaml: &str, line: usize, needle: &str) -> DeclaredError {
        let Err(error) = parse("schema.yaml", yaml) else {
            panic!("expected an error for:\n{yaml}");
        };
        let Err(quick) = parse_with("schema.yaml", yaml, Positions::Skip) else {
            panic!("expected an error without positions for:\n{yaml}");
        };
        assert_eq!(quick.to_string(), error.to_string());
        assert_eq!(quick.pos(), error.pos());
        let text = yaml.lines().nth(line - 1).expect("line exists");
        let byte = text
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not on line {line}: {text}"));
        let column = text[..byte].chars().count() + 1;
        assert_eq!(
            error.pos(),
            Some(Pos { line, column }),
            "wrong position for `{error}`"
        );
        error
    }

    /// A file with comments at the margin, quoted and qualified keys, a multi-line value, CRLF
    /// line ends and a top-level key after `tables:`.
    const LAID_OUT: &str = "# header\r\nversion: 1\r\nschema: app\r\ntables:\r\n\
        \x20 # the first table\r\n\
        \x20 accounts:\r\n\
        \x20   columns:\r\n\
        \x20     id: { type: bigint, primary_key: true }\r\n\
        \x20     note:\r\n\
        \x20       type: text\r\n\
        \x20       default: \"'a\r\n\
        \x20         b'\"\r\n\
        # at the margin, inside the block\r\n\
        \x20 '\"billing.x\".\"a.b\"':\r\n\
        \x20   columns:\r\n\
        \x20     id: { type: integer, references: accounts.id }\r\n\
        \x20 billing.invoices:\r\n\
        \x20   columns: { id: { type: \"numeric(12,2)\" } }\r\n\
        enums:\r\n\
        \x20 billing.mood: [happy, sad]\r\n";

    #[test]
    fn tables_read_in_parts_match_the_whole_file() {
        let whole = serde_yaml_ng::from_str::<FileDoc>(LAID_OUT).expect("valid YAML");
        let parts = read_in_parts(LAID_OUT).expect("plain enough to cut");
        assert_eq!(parts.tables.0.len(), 3);
        assert_eq!(format!("{parts:?}"), format!("{whole:?}"));
        // Every part boundary: one table per part.
        let block = top_level_block(LAID_OUT, "tables").expect("a tables block");
        assert_eq!(block.entries.len(), 3);
        // And the whole load takes that path and agrees with the locator.
        let declared = ok(LAID_OUT);
        assert_eq!(declared.schema.tables.len(), 3);
        assert_eq!(
            declared.schemas(),
            vec!["app".to_string(), "billing".into(), "billing.x".into()]
        );
    }

    #[test]
    fn files_that_cannot_be_cut_are_read_whole() {
        for yaml in [
            "version: 1\ntables: { a: { columns: { id: { type: int } } } }\n",
            "version: 1\ntables:\n  - a\n",
            "---\nversion: 1\ntables:\n  a:\n    columns: { id: { type: int } }\n",
            "version: 1\ntables:\n    a:\n      columns: { id: { type: int } }\n  b: {}\n",
        ] {
            assert!(read_in_parts(yaml).is_none(), "{yaml}");
        }
        // An alias to an anchor of another part does not read on its own.
        let mut yaml =
            String::from("version: 1\ntables:\n  t0:\n    columns: &cols { id: { type: int } }\n");
        for n in 1..=TABLES_PER_PART {
            yaml.push_str(&format!("  t{n}:\n    columns: *cols\n"));
        }
        assert!(read_in_parts(&yaml).is_none());
        assert_eq!(ok(&yaml).schema.tables.len(), TABLES_PER_PART + 1);
    }

    /// `n` tables `t0`.. with a primary key and a foreign key to the previous one.
    fn chain_of_tables(n: usize) -> String {
        let mut yaml = String::from("version: 1\ntables:\n");
        for i in 0..n {
            yaml.push_str(&format!(
                "  t{i}:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
            ));
            if i > 0 {
                yaml.push_str(&format!(
                    "      parent: {{ type: bigint, references: t{}.id }}\n",
                    i - 1
                ));
            }
            yaml.push_str(&format!(
                "    indexes:\n      - {{ name: ix_t{i}, columns: [id] }}\n"
            ));
        }
        yaml
    }

    #[test]
    fn a_large_file_reads_the_same_with_and_without_positions() {
        let yaml = chain_of_tables(2 * TABLES_PER_PART + 7);
        assert!(read_in_parts(&yaml).is_some());
        let declared = ok(&yaml);
        assert_eq!(declared.schema.tables.len(), 2 * TABLES_PER_PART + 7);
        let quick = parse_with("schema.yaml", &yaml, Positions::Skip).expect("valid");
        assert!(quick.schema.tables.values().all(|t| t.pos.is_none()
            && t.columns.iter().all(|c| c.pos.is_none())
            && t.indexes.iter().all(|i| i.pos.is_none())
            && t.foreign_keys.iter().all(|f| f.pos.is_none())));
        let last = &declared.schema.tables
            [&QualifiedName::new("public", format!("t{}", 2 * TABLES_PER_PART + 6))];
        assert!(last.pos.is_some_and(|p| p.line > 2000));
    }

    #[test]
    fn cross_table_errors_in_a_large_file_are_found_with_and_without_positions() {
        // A foreign key to a table of a later part is fine.
        let mut yaml = chain_of_tables(TABLES_PER_PART + 5);
        yaml.push_str("  t0_child:\n    columns:\n      id: { type: int }\n");
        let first = yaml.find("  t1:\n").expect("t1");
        yaml.insert_str(
            first,
            &format!(
                "  early:\n    columns:\n      x: {{ type: bigint, references: t{}.id }}\n",
                TABLES_PER_PART + 4
            ),
        );
        assert_eq!(ok(&yaml).schema.tables.len(), TABLES_PER_PART + 7);
        // A foreign key to an undeclared table, in the last part.
        let mut bad = yaml.clone();
        bad.push_str(
            "  orphan:\n    columns:\n      x: { type: bigint, references: nowhere.id }\n",
        );
        let line = bad.lines().count();
        let error = err_at(&bad, line, "nowhere.id");
        assert!(
            error.to_string().contains("which is not declared"),
            "{error}"
        );
        // An index name used again in another part.
        let mut bad = yaml;
        bad.push_str("  again:\n    columns: { id: { type: int } }\n    indexes:\n      - { name: ix_t2, columns: [id] }\n");
        let line = bad.lines().count();
        let error = err_at(&bad, line, "ix_t2");
        assert!(
            error.to_string().contains("`ix_t2` is used twice"),
            "{error}"
        );
    }

    #[test]
    fn positions_for_some_tables_match_a_whole_read() {
        let mut yaml = String::from("version: 1\nenums:\n  mood: [happy, sad]\n");
        yaml.push_str(&chain_of_tables(3 * TABLES_PER_PART)[11..]);
        yaml.push_str("  'odd.\"Na me\"':\n    columns: { id: { type: mood, unique: true } }\n");
        let whole = ok(&yaml);
        let quick = parse_with("schema.yaml", &yaml, Positions::Skip).expect("valid");
        let t = |name: &str| QualifiedName::new("public", name.to_string());
        let odd = QualifiedName::new("odd", "Na me".to_string());
        let mood = t("mood");
        let names: BTreeSet<QualifiedName> = [t("t0"), t("t250"), odd.clone(), mood.clone()].into();
        let some = positions_for(&quick, &names).expect("a plain file");
        assert_eq!(some.tables.len(), 3);
        for name in [t("t0"), t("t250"), odd] {
            assert_eq!(some.tables[&name], whole.schema.tables[&name], "{name}");
            assert!(some.tables[&name].pos.is_some());
        }
        assert_eq!(some.enums[&mood], whole.schema.enums[&mood]);
        // A table the file does not hold, and a file that cannot be cut, are left to a whole read.
        assert!(positions_for(&quick, &[t("nowhere")].into()).is_none());
        let flow = parse_with(
            "schema.yaml",
            "version: 1\ntables: { a: { columns: { id: { type: int } } } }\n",
            Positions::Skip,
        )
        .expect("valid");
        assert!(positions_for(&flow, &[t("a")].into()).is_none());
    }

    #[test]
    fn keys_written_twice_are_errors_with_and_without_positions() {
        // A table twice, in two different parts of a large file.
        let mut large = chain_of_tables(TABLES_PER_PART + 5);
        large.push_str("  t3:\n    columns: { id: { type: int } }\n");
        let last = large.lines().count() - 1;
        let cases = [
            (large.as_str(), last, "t3:", "t3"),
            // A column twice in one table, and a key twice in one column.
            (
                "version: 1\ntables:\n  a:\n    columns:\n      id: { type: int }\n      id: { type: text }\n",
                6,
                "id:",
                "id",
            ),
            (
                "version: 1\ntables:\n  a:\n    columns:\n      id: { type: int, nullable: true, type: text }\n",
                5,
                "type: text",
                "type",
            ),
        ];
        for (yaml, line, needle, key) in cases {
            let error = err_at(yaml, line, needle);
            let wanted = format!("the key `{key}` is written twice");
            assert!(error.to_string().contains(&wanted), "{error}");
        }
    }

    /// What PostgreSQL 15 prints (`pg_get_constraintdef`, `pg_get_expr`) for expressions a person
    /// writes otherwise: `pull` writes these, so they must read back.
    #[test]
    fn expressions_as_postgresql_prints_them_are_valid() {
        for sql in [
            "(TRIM(BOTH FROM a) <> ''::text)",
            "(TRIM(LEADING FROM a) <> ''::text)",
            "(XMLPARSE(CONTENT '<a/>'::text STRIP WHITESPACE) IS NOT NULL)",
            "((a COLLATE \"C\") > 'a'::text)",
            "(a ~ similar_to_escape('x%'::text))",
            "(a ~~ like_escape('x'::text, '!'::text))",
            "(NOT (a IS DISTINCT FROM 'y'::text))",
            "(SUBSTRING(a FROM 1 FOR 2) <> ''::text)",
            "(OVERLAY(a PLACING 'x'::text FROM 1 FOR 1) <> ''::text)",
            "(POSITION(('x'::text) IN (a)) > 0)",
            "(EXTRACT(year FROM c) > (2000)::numeric)",
            "((c AT TIME ZONE 'UTC'::text) > '2000-01-01 00:00:00'::timestamp without time zone)",
            "(ROW(b, a) > ROW(1, 'x'::text))",
            "(CURRENT_SCHEMA <> 'q'::name)",
            "(((b)::bit(8) <> '00000000'::\"bit\"))",
            "(((d #>> '{a,b}'::text[]) IS NOT NULL))",
            "(c > (now() - make_interval(days => 1)))",
            "(a IS NORMALIZED)",
        ] {
            assert_eq!(check_expression(sql), Ok(()), "{sql}");
        }
        assert!(check_expression("TRIM(BOTH FROM").is_err());
    }

    #[test]
    fn schemas_are_guessed_from_the_text() {
        assert_eq!(
            guess_schemas(LAID_OUT),
            vec!["app".to_string(), "billing".into(), "billing.x".into()]
        );
        assert_eq!(guess_schemas("version: 1\n"), vec!["public".to_string()]);
        assert_eq!(
            guess_schemas("version: 1\nschema: 'Sales'  # default\ntables:\n  a: {}\n"),
            vec!["Sales".to_string()]
        );
    }

    const PROSPECTS: &str = r#"version: 1
enums:
  outreach_status: [pending, contacted, replied]
tables:
  discovery_queries:
    columns:
      id: { type: uuid, primary_key: true, default: gen_random_uuid() }
      keyword: { type: text, nullable: false }
  prospects:
    columns:
      id:                 { type: uuid, primary_key: true, default: gen_random_uuid() }
      domain:             { type: varchar(255), nullable: false, unique: true }
      discovery_query_id: { type: uuid, references: discovery_queries.id, on_delete: set null }
      status:             { type: outreach_status, nullable: false, default: "'pending'" }
      created_at:         { type: timestamptz, nullable: false, default: now() }
    indexes:
      - { name: ix_prospects_discovery_query_id, columns: [discovery_query_id] }
      - { name: ux_prospects_domain_lower, expression: lower(domain), unique: true,
          where: "status <> 'replied'", using: btree }
    checks:
      - { name: ck_domain, expression: "domain <> ''" }
"#;

    #[test]
    fn reads_the_prospects_example() {
        let declared = ok(PROSPECTS);
        assert_eq!(declared.default_schema, "public");
        let prospects = &declared.schema.tables[&QualifiedName::new("public", "prospects")];
        let names: Vec<&str> = prospects.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["id", "domain", "discovery_query_id", "status", "created_at"]
        );
        let domain = prospects.column("domain").unwrap();
        assert_eq!(domain.data_type, "character varying(255)");
        assert!(!domain.nullable);
        assert_eq!(
            prospects.column("created_at").unwrap().data_type,
            "timestamp with time zone"
        );
        assert_eq!(
            prospects.column("status").unwrap().default.as_deref(),
            Some("'pending'")
        );
        assert_eq!(prospects.primary_key.as_ref().unwrap().columns, ["id"]);
        assert_eq!(prospects.uniques.len(), 1);
        let fk = &prospects.foreign_keys[0];
        assert_eq!(
            fk.ref_table,
            QualifiedName::new("public", "discovery_queries")
        );
        assert_eq!(fk.on_delete, FkAction::SetNull);
        assert_eq!(
            fk.pos,
            Some(Pos {
                line: 13,
                column: 53
            })
        );
        let partial = &prospects.indexes[1];
        assert!(partial.unique && partial.keys[0].expression);
        assert_eq!(partial.predicate.as_deref(), Some("status <> 'replied'"));
        assert_eq!(prospects.pos, Some(Pos { line: 9, column: 3 }));
        assert_eq!(
            prospects.column("status").unwrap().pos,
            Some(Pos {
                line: 14,
                column: 7
            })
        );
        assert_eq!(
            prospects.indexes[1].pos,
            Some(Pos {
                line: 18,
                column: 9
            })
        );
        assert_eq!(declared.schemas(), ["public"]);
    }

    #[test]
    fn unknown_keys_point_at_the_key() {
        let yaml =
            "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, nulable: false }\n";
        let error = err_at(yaml, 5, "nulable");
        assert!(error.kind() == Some(InvalidKind::Yaml));
        assert!(
            error.to_string().contains("unknown field `nulable`"),
            "{error}"
        );
        let yaml = "version: 1\ntables:\n  t:\n    colums: {}\n";
        err_at(yaml, 4, "colums");
        let yaml = "version: 1\ntabels: {}\n";
        err_at(yaml, 2, "tabels");
    }

    #[test]
    fn foreign_key_to_an_undeclared_table_or_column() {
        let yaml = PROSPECTS.replace(
            "references: discovery_queries.id",
            "references: discovery_query.id",
        );
        let error = err_at(&yaml, 13, "discovery_query.id");
        assert!(error.kind() == Some(InvalidKind::Reference));
        assert!(
            error.to_string().contains("public.discovery_query"),
            "{error}"
        );
        let yaml = PROSPECTS.replace(
            "references: discovery_queries.id",
            "references: discovery_queries.uuid",
        );
        let error = err_at(&yaml, 13, "discovery_queries.uuid");
        assert!(
            error.to_string().contains("discovery_queries.uuid"),
            "{error}"
        );
    }

    #[test]
    fn foreign_key_to_columns_that_are_not_unique() {
        let yaml = PROSPECTS.replace(
            "references: discovery_queries.id",
            "references: discovery_queries.keyword",
        );
        let error = err_at(&yaml, 13, "discovery_queries.keyword");
        assert!(
            error
                .to_string()
                .contains("neither its primary key nor unique"),
            "{error}"
        );
    }

    #[test]
    fn composite_foreign_key_positions() {
        let yaml = r#"version: 1
tables:
  billing.accounts:
    columns:
      a: { type: int }
      b: { type: int }
    primary_key: [a, b]
  orders:
    columns:
      a: { type: int }
      b: { type: int }
    foreign_keys:
      - { columns: [a, b], references: { table: billing.accounts, columns: [a, c] },
          on_delete: cascade, deferrable: true, initially_deferred: true }
"#;
        let error = err_at(yaml, 13, "c]");
        assert!(error.to_string().contains("billing.accounts.c"), "{error}");
        let declared = ok(&yaml.replace("columns: [a, c]", "columns: [a, b]"));
        let orders = &declared.schema.tables[&QualifiedName::new("public", "orders")];
        let fk = &orders.foreign_keys[0];
        assert!(fk.deferrable && fk.initially_deferred);
        assert_eq!(fk.on_delete, FkAction::Cascade);
        assert_eq!(fk.ref_table, QualifiedName::new("billing", "accounts"));
        assert_eq!(declared.schemas(), ["billing", "public"]);
        let bad_table = yaml.replace("table: billing.accounts", "table: accounts");
        let error = err_at(&bad_table, 13, "accounts");
        assert!(error.to_string().contains("public.accounts"), "{error}");
    }

    #[test]
    fn duplicate_keys_and_names() {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n      a: { type: text }\n";
        let error = err_at(yaml, 6, "a:");
        assert!(error.kind() == Some(InvalidKind::Duplicate));
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n  public.t:\n    columns:\n      a: { type: int }\n";
        let error = err_at(yaml, 6, "public.t");
        assert!(error.kind() == Some(InvalidKind::Duplicate), "{error}");
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    indexes:\n      - { name: ix, columns: [a] }\n  u:\n    columns:\n      a: { type: int }\n    indexes:\n      - { name: ix, columns: [a] }\n";
        let error = err_at(yaml, 12, "ix");
        assert!(error.to_string().contains("`ix` is used twice"), "{error}");
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    checks:\n      - { name: c1, expression: a > 0 }\n      - { name: c1, expression: a < 9 }\n";
        let error = err_at(yaml, 8, "c1");
        assert!(error.to_string().contains("`c1` is used twice"), "{error}");
        let yaml = "version: 1\nenums:\n  mood: [a, b, a]\n";
        err_at(yaml, 3, "a]");
    }

    #[test]
    fn malformed_types_point_at_the_type() {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: varchar(abc) }\n";
        let error = err_at(yaml, 5, "varchar");
        assert!(error.kind() == Some(InvalidKind::Type));
        let yaml =
            "version: 1\ntables:\n  t:\n    columns:\n      a:\n        type: \"numeric(1,2,3)\"\n";
        err_at(yaml, 6, "\"numeric");
    }

    #[test]
    fn invalid_expressions_point_at_the_expression() {
        let yaml = PROSPECTS.replace("where: \"status <> 'replied'\"", "where: \"status <> \"");
        let error = err_at(&yaml, 19, "\"status");
        assert!(error.kind() == Some(InvalidKind::Expression), "{error}");
        let yaml = PROSPECTS.replace("default: now()", "default: now(");
        err_at(&yaml, 15, "now(");
        let yaml = PROSPECTS.replace(
            "expression: \"domain <> ''\"",
            "expression: \"domain <> '' )\"",
        );
        err_at(&yaml, 21, "\"domain");
        let yaml = PROSPECTS.replace("default: \"'pending'\"", "default: pending");
        let error = err_at(&yaml, 14, "pending");
        assert!(error.to_string().contains("column name"), "{error}");
    }

    #[test]
    fn hostile_identifiers_and_qualified_names() {
        let yaml = r#"version: 1
tables:
  "Order":
    columns:
      id: { type: bigint, primary_key: true, identity: by_default }
      user: { type: text, nullable: false }
      "a b": { type: int }
      a"b: { type: int }
    indexes:
      - { columns: ["\"a b\" DESC", "a\"b"] }
  '"odd.schema"."x.y"':
    columns:
      id: { type: serial, primary_key: true }
      ref: { type: bigint, references: '"Order".id', on_delete: cascade }
"#;
        let declared = ok(yaml);
        let order = &declared.schema.tables[&QualifiedName::new("public", "Order")];
        assert_eq!(
            order.column("id").unwrap().identity,
            Some(Identity::ByDefault)
        );
        assert!(!order.column("user").unwrap().nullable);
        let keys = &order.indexes[0].keys;
        assert_eq!(keys[0].expr, "a b");
        assert!(keys[0].descending);
        assert_eq!(keys[1].expr, "a\"b");
        let odd = &declared.schema.tables[&QualifiedName::new("odd.schema", "x.y")];
        assert_eq!(odd.column("id").unwrap().data_type, "serial");
        assert_eq!(
            odd.foreign_keys[0].ref_table,
            QualifiedName::new("public", "Order")
        );
    }

    #[test]
    fn enums_resolve_column_types_in_their_schema() {
        let yaml = r#"version: 1
schema: app
enums:
  mood: [happy, sad]
  "Level": [low, high]
tables:
  people:
    columns:
      mood: { type: mood }
      moods: { type: "mood[]" }
      level: { type: Level }
      other: { type: public.thing }
"#;
        let declared = ok(yaml);
        let people = &declared.schema.tables[&QualifiedName::new("app", "people")];
        assert_eq!(people.column("mood").unwrap().data_type, "app.mood");
        assert_eq!(people.column("moods").unwrap().data_type, "app.mood[]");
        assert_eq!(people.column("level").unwrap().data_type, "app.\"Level\"");
        assert_eq!(people.column("other").unwrap().data_type, "thing");
        assert!(declared
            .schema
            .enums
            .contains_key(&QualifiedName::new("app", "Level")));
    }

    #[test]
    fn index_key_forms() {
        let yaml = r#"version: 1
tables:
  t:
    columns:
      name: { type: text }
      tags: { type: "text[]" }
    indexes:
      - { columns: ["name text_pattern_ops DESC NULLS LAST"] }
      - { columns: [{ column: name, order: desc, nulls: first }] }
      - { columns: ["lower(name)", { expression: "upper(name)" }] }
      - { columns: [tags], using: GIN }
"#;
        let declared = ok(yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        let first = &t.indexes[0].keys[0];
        assert_eq!(first.opclass.as_deref(), Some("text_pattern_ops"));
        assert!(first.descending);
        assert_eq!(first.nulls_first, Some(false));
        // NULLS FIRST is the default for DESC: dropped.
        assert_eq!(t.indexes[1].keys[0].nulls_first, None);
        assert!(t.indexes[2].keys.iter().all(|k| k.expression));
        assert_eq!(t.indexes[3].method, "gin");
        let bad = yaml.replace("columns: [tags]", "columns: [tagz]");
        let error = err_at(&bad, 11, "tagz");
        assert!(error.kind() == Some(InvalidKind::Reference));
    }

    #[test]
    fn conflicting_column_options() {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, identity: always, default: 1 }\n";
        err_at(yaml, 5, "a:");
        let yaml =
            "version: 1\ntables:\n  t:\n    columns:\n      a: { type: text, identity: always }\n";
        err_at(yaml, 5, "text");
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, identity: sometimes }\n";
        err_at(yaml, 5, "sometimes");
        let yaml =
            "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, on_delete: cascade }\n";
        err_at(yaml, 5, "on_delete");
        let yaml = "version: 2\n";
        err_at(yaml, 1, "2");
    }

    #[test]
    fn ignore_lists_and_migration_tool_tables() {
        let declared = ok("version: 1\nignore: [legacy_*, audit.log]\n");
        let ignore = &declared.ignore;
        assert!(ignore.is_listed(&QualifiedName::new("public", "legacy_users")));
        assert!(ignore.is_listed(&QualifiedName::new("audit", "log")));
        assert!(!ignore.is_listed(&QualifiedName::new("public", "log")));
        assert!(ignore.skips_undeclared(&QualifiedName::new("public", "alembic_version")));
        assert!(ignore.skips_undeclared(&QualifiedName::new("public", "_prisma_migrations")));
        assert!(!ignore.skips_undeclared(&QualifiedName::new("public", "migrations")));
        assert!(!ignore.is_listed(&QualifiedName::new("public", "alembic_version")));
        err_at("version: 1\nignore: [ok, \"bad[\"]\n", 2, "\"bad");
    }

    #[test]
    fn a_type_modifier_comma_inside_braces_is_put_back() {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: numeric(12,2), nullable: false }\n      b: { type: decimal(10, 3) }\n      c: { type: \"numeric(5,1)\" }\n";
        let declared = ok(yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        let types: Vec<&str> = t.columns.iter().map(|c| c.data_type.as_str()).collect();
        assert_eq!(types, ["numeric(12,2)", "numeric(10,3)", "numeric(5,1)"]);
        assert!(!t.columns[0].nullable);
    }

    #[test]
    fn a_comma_inside_braces_elsewhere_gets_a_quoting_hint() {
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, default: greatest(1,2) }\n";
        let error = err_at(yaml, 5, "2)");
        assert_eq!(error.kind(), Some(InvalidKind::Yaml));
        let help = error.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(help.contains("\"numeric(12,2)\""), "{help}");
    }

    #[test]
    fn block_style_anchors_and_crlf_line_ends() {
        let yaml = "version: 1\r\ntables:\r\n  audit_log:\r\n    columns:\r\n      id:\r\n        type: bigint\r\n        primary_key: true\r\n      at: &stamp\r\n        type: timestamptz\r\n        nullable: false\r\n        default: now()\r\n      seen: *stamp\r\n    indexes:\r\n      - name: ix_audit_at\r\n        columns:\r\n          - at\r\n          - column: seen\r\n            order: desc\r\n";
        let declared = ok(yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "audit_log")];
        assert_eq!(
            t.column("seen").unwrap().data_type,
            "timestamp with time zone"
        );
        assert_eq!(t.column("seen").unwrap().default.as_deref(), Some("now()"));
        assert_eq!(
            t.column("seen").unwrap().pos,
            Some(Pos {
                line: 12,
                column: 7
            })
        );
        assert_eq!(
            t.indexes[0].pos,
            Some(Pos {
                line: 14,
                column: 9
            })
        );
        assert!(t.indexes[0].keys[1].descending);
        let bad = yaml.replace("type: timestamptz", "type: timestamptz(9)");
        err_at(&bad, 9, "timestamptz(9)");
    }

    #[test]
    fn arbitrary_yaml_is_an_error_or_a_schema_never_a_panic() {
        const PIECES: &[&str] = &[
            "version: 1\n",
            "tables:\n",
            "  t:\n",
            "    columns:\n",
            "      a: ",
            "{ type: int }",
            "{ type: ",
            "numeric(1,2)",
            " }",
            "[",
            "]",
            "\n",
            "- ",
            "    indexes:\n",
            "      - ",
            "{ columns: [a] }",
            "references: t.a",
            "\"",
            "'",
            ":",
            "&x ",
            "*x",
            "#c\n",
            "é",
            "\t",
            "{ expression: \"lower(a)\" }",
            "enums:\n",
            "  e: [a, a]\n",
            "ignore: [\"[\"]\n",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..1500 {
            let count = (next() % 14) as usize;
            let yaml: String = (0..count)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if let Err(error) = parse("fuzz.yaml", &yaml) {
                // Every error renders and points inside the text.
                let _ = format!("{:?}", miette::Report::new(error));
            }
        }
    }

    #[test]
    fn default_null_is_no_default() {
        for written in ["NULL", "null", "NULL::text", "(NULL)"] {
            let yaml = format!("version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: \"{written}\" }}\n");
            let declared = ok(&yaml);
            let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
            assert_eq!(t.columns[0].default, None, "{written}");
        }
    }

    #[test]
    fn yaml_syntax_errors_have_a_position() {
        let error = err_at("version: 1\ntables:\n  t: [\n", 3, "[");
        assert!(error.kind() == Some(InvalidKind::Yaml));
    }
}
