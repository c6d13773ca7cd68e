//! The checks PostgreSQL would make: expressions that are SQL, names unique per table and per
//! schema, and foreign keys that reference declared tables, columns and keys. The name and
//! foreign key checks span tables, so they run once every table is converted.

use std::collections::{BTreeSet, HashSet};

use super::convert::{path, Builder};
use super::doc::{NamedColumnsDoc, PrimaryKeyDoc, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use crate::model::{ForeignKey, Schema, Table};

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

    /// constraint names are unique per table.
    pub(super) fn check_names(
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
    pub(super) fn check_foreign_keys<'t>(
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
                self.check_foreign_key(schema, table, fk, &at)?;
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
        at: &[String],
    ) -> Result<(), DeclaredError> {
        let from_column = at.last().map(String::as_str) == Some("references")
            && at.get(2).map(String::as_str) == Some("columns");
        let table_at = if from_column {
            at.to_vec()
        } else {
            let mut p = at.to_vec();
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
                    at.to_vec()
                } else {
                    let mut p = at.to_vec();
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
                self.value_span(at),
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
