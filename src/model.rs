//! The schema model: plain data that every side of a comparison becomes.
//!
//! The declared `schema.yaml`, the live database and a replayed migration directory are all
//! turned into a [`Schema`]; `diff` compares two of them and knows nothing of where they came
//! from. This module holds data only: no I/O, no parsing, no comparison logic.
//!
//! Conventions every producer follows:
//! - identifiers are stored unquoted, exactly as PostgreSQL stores them (`Order`, `user`, `a"b`);
//! - types are stored in the canonical spelling of [`crate::types`] (what `format_type` prints);
//! - expressions (defaults, checks, index expressions and predicates, generated columns) are SQL
//!   text; the live side stores PostgreSQL's own rendering (`pg_get_expr`, `pg_get_constraintdef`);
//! - `name: None` means "not declared": such an object matches by definition only.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A position in a source file (1-based), used to point reports at `schema.yaml` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A schema-qualified name of a table, type or sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// The name as valid SQL: each part quoted when it needs to be (`public."Order"`).
    pub fn to_sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

/// Human form: `schema.name`, parts unquoted (`public.Order`).
impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Quotes an identifier for SQL when it is not a plain lower-case, non-reserved name.
///
/// `prospects` stays as is; `Order`, `user`, `a b` and `a"b` become `"Order"`, `"user"`,
/// `"a b"` and `"a""b"`.
pub fn quote_ident(ident: &str) -> String {
    let mut quoted = String::with_capacity(ident.len() + 2);
    push_quoted_ident(&mut quoted, ident);
    quoted
}

/// Append `ident` to `out` as [`quote_ident`] quotes it (messages name objects by the
/// thousand: one string for a whole name, not one per part).
pub fn push_quoted_ident(out: &mut String, ident: &str) {
    match is_plain_ident(ident) {
        true => out.push_str(ident),
        false => push_delimited_ident(out, ident),
    }
}

/// A qualified name as written: its parts `(text, quoted)` joined by `.`, a quoted part in
/// double quotes again (its own `"` doubled).
pub fn written_name<'a>(parts: impl IntoIterator<Item = (&'a str, bool)>) -> String {
    let mut written = String::new();
    for (k, (part, quoted)) in parts.into_iter().enumerate() {
        if k > 0 {
            written.push('.');
        }
        match quoted {
            true => push_delimited_ident(&mut written, part),
            false => written.push_str(part),
        }
    }
    written
}

/// Append `ident` to `out` in double quotes, its own `"` doubled, whatever it is: `a"b` is
/// `"a""b"`.
fn push_delimited_ident(out: &mut String, ident: &str) {
    out.push('"');
    let mut parts = ident.split('"');
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        out.push_str("\"\"");
        out.push_str(part);
    }
    out.push('"');
}

/// A lower-case name of letters, digits, `_` and `$` that starts with a letter or `_` and is
/// not reserved: PostgreSQL reads it unquoted as itself.
fn is_plain_ident(ident: &str) -> bool {
    let bytes = ident.as_bytes();
    bytes
        .first()
        .is_some_and(|&b| b.is_ascii_lowercase() || b == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && !is_reserved_keyword(ident)
}

/// Identifiers quoted and joined with `, `: `id, "user"`.
pub fn quote_ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string literal in SQL: `it's` becomes `'it''s'`.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Whether `ident` is a keyword that cannot be used as a bare column or table name.
fn is_reserved_keyword(ident: &str) -> bool {
    RESERVED_KEYWORDS.binary_search(&ident).is_ok()
}

/// PostgreSQL keywords that cannot be used as a bare column or table name (reserved, and
/// reserved-but-can-be-function-or-type, per the PostgreSQL 15 keyword appendix), sorted.
const RESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// A whole schema: tables, enum types and standalone sequences, keyed by qualified name
/// (sorted, deterministic).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<QualifiedName, Table>,
    pub enums: BTreeMap<QualifiedName, Enum>,
    /// Sequences that are not a serial column's or an identity's own (those belong to their
    /// column: `serial`, [`Column::identity_options`]).
    #[serde(default)]
    pub sequences: BTreeMap<QualifiedName, Sequence>,
}

/// A table (or partitioned table) with everything attached to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualifiedName,
    /// Columns in declaration (attribute) order.
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub uniques: Vec<Unique>,
    pub checks: Vec<Check>,
    /// `EXCLUDE` constraints.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// `true` for a partitioned parent (`relkind = 'p'`).
    pub partitioned: bool,
    /// Live side only: the planner's row estimate (`reltuples`); `None` when unknown
    /// (never analyzed) or on the declared side. Repair treats unknown as "has rows".
    pub row_estimate: Option<i64>,
    /// `COMMENT ON TABLE`, as for [`Column::comment`].
    pub comment: Option<String>,
    pub pos: Option<Pos>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Gives back the room the lists grew into: a 10,000-table schema holds 100,000 columns.
    pub fn shrink_to_fit(&mut self) {
        self.columns.shrink_to_fit();
        self.indexes.shrink_to_fit();
        self.foreign_keys.shrink_to_fit();
        self.uniques.shrink_to_fit();
        self.checks.shrink_to_fit();
        self.exclusions.shrink_to_fit();
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// Canonical type name (see [`crate::types`]), e.g. `character varying(255)`, `integer[]`.
    pub data_type: String,
    pub nullable: bool,
    /// Default expression as SQL, `None` for no default.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// The options of an identity column's sequence: on the declared side only those written
    /// (`None`: none compared); on the live side every one, for identity columns.
    pub identity_options: Option<Box<SequenceOptions>>,
    /// `GENERATED ALWAYS AS (<expr>) STORED`: the expression.
    pub generated: Option<String>,
    /// A collation other than its type's default, as SQL (`"C"`, `"en_US"`, `other."x"`).
    pub collation: Option<String>,
    /// `COMMENT ON COLUMN`; on the declared side `None` means "not declared, not compared" and
    /// `Some("")` means "no comment".
    pub comment: Option<String>,
    pub pos: Option<Pos>,
}

/// The options of a sequence (standalone or an identity's). On the declared side `None` means
/// "not written, not compared"; on the live side every field is set (`data_type` aside for an
/// identity, whose sequence has its column's type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `AS smallint | integer | bigint`, canonical (`format_type`).
    pub data_type: Option<String>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
}

impl SequenceOptions {
    /// The options `self` (declared) sets that `live` does not have, as `(option, declared,
    /// live)` texts; empty when every declared option matches.
    pub fn differences(&self, live: &SequenceOptions) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        let show = |v: Option<i64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
        if let Some(t) = &self.data_type {
            if live.data_type.as_ref() != Some(t) {
                let found = live.data_type.clone().unwrap_or_else(|| "?".into());
                out.push(("type", t.clone(), found));
            }
        }
        for (option, declared, found) in [
            ("start", self.start, live.start),
            ("increment", self.increment, live.increment),
            ("min_value", self.min_value, live.min_value),
            ("max_value", self.max_value, live.max_value),
            ("cache", self.cache, live.cache),
        ] {
            if declared.is_some() && declared != found {
                out.push((option, show(declared), show(found)));
            }
        }
        if let Some(cycle) = self.cycle {
            if live.cycle != Some(cycle) {
                let found = live.cycle.map_or("?".to_string(), |c| c.to_string());
                out.push(("cycle", cycle.to_string(), found));
            }
        }
        out
    }

    /// The options as `CREATE SEQUENCE` and `ADD GENERATED .. AS IDENTITY (..)` take them:
    /// `AS integer START WITH 10 INCREMENT BY 5 MINVALUE 1 MAXVALUE 100 CACHE 1 CYCLE`, only
    /// those set; `prefix` goes before each (`SET ` for `ALTER COLUMN`).
    pub fn to_sql(&self, prefix: &str) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.data_type {
            parts.push(format!("{prefix}AS {t}"));
        }
        for (keyword, value) in [
            ("START WITH", self.start),
            ("INCREMENT BY", self.increment),
            ("MINVALUE", self.min_value),
            ("MAXVALUE", self.max_value),
            ("CACHE", self.cache),
        ] {
            if let Some(value) = value {
                parts.push(format!("{prefix}{keyword} {value}"));
            }
        }
        match self.cycle {
            Some(true) => parts.push(format!("{prefix}CYCLE")),
            Some(false) => parts.push(format!("{prefix}NO CYCLE")),
            None => {}
        }
        parts.join(" ")
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == SequenceOptions::default()
    }

    /// The live options without those PostgreSQL would choose by itself for a sequence of
    /// `data_type` (`smallint`, `integer`, `bigint`): what `pull` writes.
    pub fn without_defaults(&self, data_type: &str) -> SequenceOptions {
        let (type_min, type_max) = match data_type {
            "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
            "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        let increment = self.increment.unwrap_or(1);
        let (min_default, max_default) = if increment > 0 {
            (1, type_max)
        } else {
            (type_min, -1)
        };
        let min = self.min_value.unwrap_or(min_default);
        let max = self.max_value.unwrap_or(max_default);
        let start_default = if increment > 0 { min } else { max };
        SequenceOptions {
            data_type: None,
            start: self.start.filter(|v| *v != start_default),
            increment: self.increment.filter(|v| *v != 1),
            min_value: self.min_value.filter(|v| *v != min_default),
            max_value: self.max_value.filter(|v| *v != max_default),
            cache: self.cache.filter(|v| *v != 1),
            cycle: self.cycle.filter(|c| *c),
        }
    }
}

/// A standalone sequence (`CREATE SEQUENCE`), with the column that owns it, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualifiedName,
    /// On the live side `data_type` is always set; on the declared side only if written.
    pub options: SequenceOptions,
    /// `OWNED BY table.column`: the table and the column. On the declared side `None` is "not
    /// written, not compared".
    pub owned_by: Option<(QualifiedName, String)>,
    pub pos: Option<Pos>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub pos: Option<Pos>,
}

/// One key of an index: a column or an expression, with its ordering options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexKey {
    /// A column name (unquoted) when `expression` is false, else the SQL expression.
    pub expr: String,
    pub expression: bool,
    pub opclass: Option<String>,
    pub descending: bool,
    /// `Some(true)` for NULLS FIRST, `Some(false)` for NULLS LAST, `None` for the default.
    pub nulls_first: Option<bool>,
    /// A column key's collation when it is not its column's, as SQL (see [`Column::collation`]).
    pub collation: Option<String>,
}

impl IndexKey {
    /// The key as `CREATE INDEX` takes it: the quoted column or the parenthesized expression,
    /// then its collation, operator class, order and nulls order.
    pub fn to_sql(&self) -> String {
        let mut sql = if self.expression {
            format!("({})", self.expr)
        } else {
            quote_ident(&self.expr)
        };
        for (keyword, part) in [("COLLATE ", &self.collation), ("", &self.opclass)] {
            if let Some(part) = part {
                sql.push(' ');
                sql.push_str(keyword);
                sql.push_str(part);
            }
        }
        if self.descending {
            sql.push_str(" DESC");
        }
        match self.nulls_first {
            Some(true) => sql.push_str(" NULLS FIRST"),
            Some(false) => sql.push_str(" NULLS LAST"),
            None => {}
        }
        sql
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: Option<String>,
    pub unique: bool,
    /// Access method: `btree`, `gin`, `gist`, `hash`, `brin`, `spgist`, ...
    pub method: String,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    /// Partial index predicate (`WHERE ...`), SQL.
    pub predicate: Option<String>,
    pub nulls_not_distinct: bool,
    /// Live side: `false` when left INVALID by a failed concurrent build.
    pub valid: bool,
    /// Live side: `pg_get_indexdef` output. Plain indexes always have it; for those with
    /// expressions, a predicate or storage options it is read only where repair needs it (see
    /// `introspect::index_definitions`).
    pub definition: Option<String>,
    pub pos: Option<Pos>,
}

impl Index {
    /// A plain, valid, non-unique btree index on `columns` (ascending, default operator classes,
    /// no INCLUDE, no predicate), with its name if it has one.
    pub fn on_columns(name: Option<String>, columns: &[String]) -> Index {
        Index {
            name,
            unique: false,
            method: "btree".to_string(),
            keys: columns
                .iter()
                .map(|c| IndexKey {
                    expr: c.clone(),
                    expression: false,
                    opclass: None,
                    descending: false,
                    nulls_first: None,
                    collation: None,
                })
                .collect(),
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            valid: true,
            definition: None,
            pos: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn to_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: QualifiedName,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// Live side: `false` for a constraint added `NOT VALID` and never validated.
    pub valid: bool,
    pub pos: Option<Pos>,
}

impl ForeignKey {
    /// What follows `REFERENCES t (..)` in its DDL: ` ON UPDATE ..`, ` ON DELETE ..` (when not
    /// `NO ACTION`), ` DEFERRABLE`, ` INITIALLY DEFERRED`; empty for the defaults.
    pub fn options_sql(&self) -> String {
        let mut sql = String::new();
        if self.on_update != FkAction::NoAction {
            sql.push_str(&format!(" ON UPDATE {}", self.on_update.to_sql()));
        }
        if self.on_delete != FkAction::NoAction {
            sql.push_str(&format!(" ON DELETE {}", self.on_delete.to_sql()));
        }
        if self.deferrable {
            sql.push_str(" DEFERRABLE");
            if self.initially_deferred {
                sql.push_str(" INITIALLY DEFERRED");
            }
        }
        sql
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unique {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub nulls_not_distinct: bool,
    /// `DEFERRABLE`: checked at the end of the statement or transaction, not row by row. Only
    /// a constraint can be deferrable, never a bare unique index.
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default)]
    pub initially_deferred: bool,
    pub pos: Option<Pos>,
}

impl Unique {
    /// ` DEFERRABLE`, ` DEFERRABLE INITIALLY DEFERRED`, or empty: what follows the key in DDL.
    pub fn deferrable_sql(&self) -> &'static str {
        match (self.deferrable, self.initially_deferred) {
            (false, _) => "",
            (true, false) => " DEFERRABLE",
            (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: Option<String>,
    /// The boolean expression, without the surrounding `CHECK ( )`.
    pub expression: String,
    pub valid: bool,
    pub pos: Option<Pos>,
}

/// An exclusion constraint: `EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (..)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub name: Option<String>,
    /// The index access method: `gist`, `spgist`, `btree`, `hash`, ...
    pub method: String,
    pub elements: Vec<ExclusionElement>,
    /// `WHERE (..)`, SQL.
    pub predicate: Option<String>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// Live side: `pg_get_constraintdef`, which repair's guards compare against.
    pub definition: Option<String>,
    pub pos: Option<Pos>,
}

/// One element of an exclusion constraint: a key (a column or an expression, as in an index)
/// and the operator it is compared with (`=`, `&&`, `public.&&`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExclusionElement {
    pub key: IndexKey,
    pub operator: String,
}

impl Exclusion {
    /// The constraint as `ADD CONSTRAINT` takes it (and as `describe` shows it).
    pub fn to_sql(&self) -> String {
        let elements: Vec<String> = self
            .elements
            .iter()
            .map(|e| format!("{} WITH {}", e.key.to_sql(), e.operator))
            .collect();
        let mut sql = format!("EXCLUDE USING {} ({})", self.method, elements.join(", "));
        if let Some(predicate) = &self.predicate {
            sql.push_str(&format!(" WHERE ({predicate})"));
        }
        if self.deferrable {
            sql.push_str(" DEFERRABLE");
            if self.initially_deferred {
                sql.push_str(" INITIALLY DEFERRED");
            }
        }
        sql
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    pub name: QualifiedName,
    /// Labels in sort order (`enumsortorder`).
    pub values: Vec<String>,
    pub pos: Option<Pos>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_list_is_sorted_for_binary_search() {
        let probe = ["user", "order", "table", "select", "all", "with"];
        for word in probe {
            assert!(is_reserved_keyword(word), "{word} must be reserved");
        }
        assert!(!is_reserved_keyword("prospects"));
    }

    #[test]
    fn quote_ident_quotes_only_when_needed() {
        assert_eq!(quote_ident("prospects"), "prospects");
        assert_eq!(quote_ident("discovery_query_id"), "discovery_query_id");
        assert_eq!(quote_ident("Order"), "\"Order\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("a b"), "\"a b\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident(""), "\"\"");
    }

    #[test]
    fn qualified_name_renders_sql_and_display() {
        let name = QualifiedName::new("billing", "Order");
        assert_eq!(name.to_sql(), "billing.\"Order\"");
        assert_eq!(name.to_string(), "billing.Order");
    }
}
