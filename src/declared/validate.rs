//! The checks PostgreSQL would make: expressions that are SQL, names unique per table and per
//! schema, and foreign keys that reference declared tables, columns and keys. The name and
//! foreign key checks span tables, so they run once every table is converted.

use std::collections::{BTreeSet, HashSet};

use super::convert::{path, Builder};
use super::doc::{NamedColumnsDoc, PrimaryKeyDoc, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use super::node::Place;
use crate::model::{ForeignKey, QualifiedName, Schema, Table};

/// Where one foreign key is written: its `references` value, the referenced table, and each
/// referenced column (a column's `references: t.c` is all three at once).
#[derive(Debug, Clone)]
pub(super) struct FkAt {
    whole: Place,
    table: Place,
    columns: Vec<Place>,
}

impl Builder<'_> {
    /// Parses `sql` as one PostgreSQL expression; `what` names it in the message.
    pub(super) fn expression(
        &self,
        sql: &str,
        what: &str,
        at: &[String],
    ) -> Result<String, DeclaredError> {
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

    /// Constraint names are unique per table, and index names (primary keys and unique
    /// constraints make one) per schema: `relation_names` holds those of the tables before.
    pub(super) fn check_names(
        &self,
        key: &str,
        table: &TableDoc,
        name: &QualifiedName,
        relation_names: &mut HashSet<(String, String)>,
    ) -> Result<(), DeclaredError> {
        let mut constraint_names: HashSet<&str> = HashSet::new();
        for (item, at, makes_index) in written_names(key, table) {
            let what = if at.get(2).map(String::as_str) == Some("indexes") {
                "index"
            } else {
                "constraint"
            };
            self.identifier(item, what, self.value_span(&at))?;
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
        Ok(())
    }

    /// Where the foreign keys of the table being converted are written, in the order of its
    /// `foreign_keys` (column `references` first, in column order, then the list), for the
    /// checks that run once every table is read.
    pub(super) fn foreign_key_places(&self, key: &str, doc: &TableDoc) -> Vec<FkAt> {
        let mut places: Vec<FkAt> = doc
            .columns
            .0
            .iter()
            .filter(|(_, c)| c.more().references.is_some())
            .map(|(c, _)| {
                let at = self.value_span(&path(&["tables", key, "columns", c, "references"]));
                FkAt {
                    whole: at,
                    table: at,
                    columns: Vec::new(),
                }
            })
            .collect();
        for (i, fk) in doc.foreign_keys.iter().enumerate() {
            let at = path(&["tables", key, "foreign_keys", &i.to_string(), "references"]);
            let under = |more: &[&str]| {
                let mut p = at.clone();
                p.extend(more.iter().map(|m| m.to_string()));
                self.value_span(&p)
            };
            places.push(FkAt {
                whole: self.value_span(&at),
                table: under(&["table"]),
                columns: (0..fk.references.columns.len())
                    .map(|c| under(&["columns", &c.to_string()]))
                    .collect(),
            });
        }
        places
    }

    /// A foreign key must reference a declared table, declared columns, and columns that are its
    /// primary key or unique (PostgreSQL refuses anything else). `tables` are the tables in
    /// file order with where their foreign keys are written.
    pub(super) fn check_foreign_keys(
        &self,
        schema: &Schema,
        tables: &[(QualifiedName, Vec<FkAt>)],
    ) -> Result<(), DeclaredError> {
        for (name, places) in tables {
            let Some(table) = schema.tables.get(name) else {
                continue;
            };
            for (fk, at) in table.foreign_keys.iter().zip(places) {
                self.check_foreign_key(schema, table, fk, at)?;
            }
        }
        Ok(())
    }

    /// One foreign key of `table`, written at `at` (its `references`, or the table).
    fn check_foreign_key(
        &self,
        schema: &Schema,
        table: &Table,
        fk: &ForeignKey,
        at: &FkAt,
    ) -> Result<(), DeclaredError> {
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
                at.table,
            ));
        };
        for (i, column) in fk.ref_columns.iter().enumerate() {
            if target.column(column).is_none() {
                let column_at = at.columns.get(i).copied().unwrap_or(at.whole);
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
                    column_at,
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
                at.whole,
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
                at.table,
            ));
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
pub(super) fn looks_like_bare_word(sql: &str) -> bool {
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

/// The names written in table `key`'s primary key, indexes, unique constraints, foreign keys,
/// checks and exclusion constraints, in that order: (name, where it is written, whether it
/// also names an index).
fn written_names<'t>(key: &str, table: &'t TableDoc) -> Vec<(&'t str, Vec<String>, bool)> {
    let mut named: Vec<(&'t str, Vec<String>, bool)> = Vec::new();
    if let Some(PrimaryKeyDoc::Named(NamedColumnsDoc {
        name: Some(pk_name),
        ..
    })) = &table.primary_key
    {
        named.push((pk_name, path(&["tables", key, "primary_key", "name"]), true));
    }
    let lists: [(&str, Vec<Option<&'t String>>, bool); 5] = [
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
        (
            "exclude",
            table.exclude.iter().map(|x| x.name.as_ref()).collect(),
            true,
        ),
    ];
    for (list, names, makes_index) in &lists {
        for (i, item) in names.iter().enumerate() {
            if let Some(item) = item {
                let at = path(&["tables", key, list, &i.to_string(), "name"]);
                named.push((item.as_str(), at, *makes_index));
            }
        }
    }
    named
}
