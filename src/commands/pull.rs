//! `driftlint pull`: the live database's schema written as schema.yaml (version 1).
//!
//! The output is deterministic (tables and enums sorted by name, columns in table order,
//! indexes and constraints by name), minimal (no key that restates a default: `nullable: true`,
//! `unique: false`, `using: btree`, `no action`) and reads like a hand-written file: one
//! flow-style line per column. Round-trip contract: `check` of the pulled file against the same
//! database reports no drift. Hence:
//! - a constraint whose name is PostgreSQL's default (`t_pkey`, `t_col_key`, `t_col_fkey`) is
//!   written inline on its column without a name (it matches by definition); any other name is
//!   written, so that `check` matches it by name;
//! - index names are always written;
//! - an integer column whose default is `nextval('<table>_<column>_seq'::regclass)` is written as
//!   `serial` (`bigserial`, `smallserial`);
//! - defaults, checks, predicates and expressions are PostgreSQL's own text;
//! - comments and collations (other than a type's default) are written where they are set;
//! - sequence options (standalone `sequences:`, an identity column's `sequence:`) are written
//!   only where they differ from what PostgreSQL would choose by itself.
//!
//! Migration-tool tables (`alembic_version`, ...) are left out; `check` ignores them anyway.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::introspect::{self, ConnectOptions, DbError};
use crate::model::{
    Column, Exclusion, FkAction, ForeignKey, Identity, Index, IndexKey, PrimaryKey, QualifiedName,
    Schema, SequenceOptions, Table,
};
use crate::{Error, Outcome};

/// What `pull` reads and where it writes.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    pub database_url: Option<String>,
    /// `None` or `-`: the report writer (stdout).
    pub output: Option<PathBuf>,
    /// Schemas to read; empty: every non-system schema.
    pub schema_names: Vec<String>,
    /// Connect and statement timeout; `None`: the default of [`ConnectOptions`].
    pub timeout: Option<Duration>,
}

/// Connects, reads the schema and writes it as YAML.
pub fn run(options: &PullOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let url = options
        .database_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or(DbError::NoDatabaseUrl)?;
    let timeout = options
        .timeout
        .unwrap_or_else(|| ConnectOptions::default().timeout);
    let (mut client, helper) = introspect::connect_pair(url, &ConnectOptions { timeout })?;
    let schemas = if options.schema_names.is_empty() {
        let _step = crate::deadline::step("listing the schemas", timeout);
        introspect::user_schemas(&mut client)?
    } else {
        options.schema_names.clone()
    };
    let (schema, _stats) = introspect::read_alongside(&mut client, helper, &schemas, timeout)?;
    let default_schema = if schemas.iter().any(|s| s == "public") || schemas.is_empty() {
        "public".to_string()
    } else {
        schemas[0].clone()
    };
    let yaml = to_yaml(&schema, &default_schema);
    match options.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            std::fs::write(path, &yaml).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            eprintln!(
                "wrote {}: {} tables, {} enums",
                path.display(),
                count_tables(&schema),
                schema.enums.len()
            );
        }
        None => out.write_all(yaml.as_bytes()).map_err(Error::Output)?,
    }
    Ok(Outcome::Clean)
}

fn is_tool_table(name: &QualifiedName) -> bool {
    crate::declared::MIGRATION_TOOL_TABLES.contains(&name.name.as_str())
}

fn count_tables(schema: &Schema) -> usize {
    schema.tables.keys().filter(|n| !is_tool_table(n)).count()
}

/// The schema as schema.yaml version 1 text; unqualified names live in `default_schema`.
pub fn to_yaml(schema: &Schema, default_schema: &str) -> String {
    let mut y = String::new();
    y.push_str("# Written by `driftlint pull`.\nversion: 1\n");
    let _ = writeln!(y, "schema: {}", scalar(default_schema));
    if !schema.enums.is_empty() {
        y.push_str("enums:\n");
        for e in schema.enums.values() {
            let values: Vec<String> = e.values.iter().map(|v| scalar(v)).collect();
            let _ = writeln!(
                y,
                "  {}: [{}]",
                scalar(&table_key(&e.name, default_schema)),
                values.join(", ")
            );
        }
    }
    if !schema.sequences.is_empty() {
        y.push_str("sequences:\n");
        for sequence in schema.sequences.values() {
            let data_type = sequence.options.data_type.as_deref().unwrap_or("bigint");
            let mut fields = Vec::new();
            if data_type != "bigint" {
                fields.push(format!("type: {data_type}"));
            }
            fields.extend(sequence_fields(
                &sequence.options.without_defaults(data_type),
            ));
            // An owner that is not written (a migration tool's table) is left out, not compared.
            let owner = sequence
                .owned_by
                .as_ref()
                .filter(|(table, _)| !is_tool_table(table) && schema.tables.contains_key(table));
            if let Some((table, column)) = owner {
                let owner = format!("{}.{}", table_key(table, default_schema), name_part(column));
                fields.push(format!("owned_by: {}", scalar(&owner)));
            }
            let _ = writeln!(
                y,
                "  {}: {}",
                scalar(&table_key(&sequence.name, default_schema)),
                flow(&fields)
            );
        }
    }
    let tables: Vec<&Table> = schema
        .tables
        .values()
        .filter(|t| !is_tool_table(&t.name))
        .collect();
    if tables.is_empty() {
        y.push_str("tables: {}\n");
        return y;
    }
    y.push_str("tables:\n");
    for table in tables {
        let written =
            |name: &QualifiedName| !is_tool_table(name) && schema.tables.contains_key(name);
        write_table(&mut y, table, default_schema, &written);
    }
    y
}

/// `name` in the default schema, else `schema.name`; a part holding a dot (or starting with a
/// double quote) is double-quoted SQL-style.
fn table_key(name: &QualifiedName, default_schema: &str) -> String {
    if name.schema == default_schema {
        name_part(&name.name)
    } else {
        format!("{}.{}", name_part(&name.schema), name_part(&name.name))
    }
}

fn name_part(part: &str) -> String {
    if part.is_empty() || part.contains('.') || part.starts_with('"') {
        format!("\"{}\"", part.replace('"', "\"\""))
    } else {
        part.to_string()
    }
}

/// PostgreSQL's default constraint name for `table` and `columns` (untruncated: a longer name
/// than 63 bytes is never taken for a default).
fn default_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut name = table.to_string();
    for column in columns {
        name.push('_');
        name.push_str(column);
    }
    name.push('_');
    name.push_str(suffix);
    name
}

fn is_default_name(name: Option<&str>, table: &str, columns: &[String], suffix: &str) -> bool {
    let expected = default_name(table, columns, suffix);
    expected.len() <= 63 && name == Some(expected.as_str())
}

/// `serial` / `bigserial` / `smallserial` when the column is what that shorthand creates.
fn serial_type(table: &Table, column: &Column) -> Option<&'static str> {
    let shorthand = match column.data_type.as_str() {
        "integer" => "serial",
        "bigint" => "bigserial",
        "smallint" => "smallserial",
        _ => return None,
    };
    let sequence = format!("{}_{}_seq", table.name.name, column.name);
    let plain = crate::model::quote_ident(&sequence) == sequence && sequence.len() <= 63;
    let qualified = if table.name.schema == "public" {
        sequence.clone()
    } else {
        format!(
            "{}.{}",
            crate::model::quote_ident(&table.name.schema),
            sequence
        )
    };
    let expected = format!("nextval('{qualified}'::regclass)");
    (plain
        && !column.nullable
        && column.identity.is_none()
        && column.default.as_deref() == Some(expected.as_str()))
    .then_some(shorthand)
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "no action",
        FkAction::Restrict => "restrict",
        FkAction::Cascade => "cascade",
        FkAction::SetNull => "set null",
        FkAction::SetDefault => "set default",
    }
}

/// `table.column` (or `schema.table.column`) for an inline `references:`.
fn reference(fk: &ForeignKey, default_schema: &str) -> String {
    format!(
        "{}.{}",
        table_key(&fk.ref_table, default_schema),
        name_part(&fk.ref_columns[0])
    )
}

/// `written` tells whether a table is part of the file: a foreign key to any other table (in a
/// schema that was not pulled) cannot be declared, and is left as a comment.
fn write_table(
    y: &mut String,
    table: &Table,
    default_schema: &str,
    written: &dyn Fn(&QualifiedName) -> bool,
) {
    let _ = writeln!(y, "  {}:", scalar(&table_key(&table.name, default_schema)));
    for fk in table
        .foreign_keys
        .iter()
        .filter(|fk| !written(&fk.ref_table))
    {
        let _ = writeln!(
            y,
            "    # not written: foreign key {} ({}) to {}, which was not pulled",
            fk.name.as_deref().unwrap_or("(unnamed)"),
            fk.columns.join(", "),
            fk.ref_table
        );
    }
    if let Some(comment) = table.comment.as_deref() {
        let _ = writeln!(y, "    comment: {}", scalar(comment));
    }
    let inline = Inline::of(table, written);
    write_columns(y, table, &inline, default_schema);
    write_primary_key(y, table, &inline);
    write_indexes(y, table);
    write_foreign_keys(y, table, &inline, default_schema, written);
    write_uniques(y, table, &inline);
    write_checks(y, table);
    write_exclusions(y, table);
}

/// The constraints of a table written inline on their column: a one-column primary key or
/// unique constraint with PostgreSQL's default name, and a one-column foreign key with the
/// default name that is not deferrable and refers to a table of the file.
struct Inline<'t> {
    primary_key: Option<&'t PrimaryKey>,
    /// Per column (in table order), its position in `table.uniques`.
    uniques: Vec<Option<usize>>,
    /// Per column, its position in `table.foreign_keys`.
    foreign_keys: Vec<Option<usize>>,
}

impl<'t> Inline<'t> {
    fn of(table: &'t Table, written: &dyn Fn(&QualifiedName) -> bool) -> Self {
        let table_name = &table.name.name;
        let primary_key = table.primary_key.as_ref().filter(|pk| {
            pk.columns.len() == 1 && is_default_name(pk.name.as_deref(), table_name, &[], "pkey")
        });
        let unique = |column: &str| {
            table.uniques.iter().position(|u| {
                u.columns.len() == 1
                    && u.columns[0] == column
                    && !u.nulls_not_distinct
                    && !u.deferrable
                    && is_default_name(u.name.as_deref(), table_name, &u.columns, "key")
            })
        };
        let foreign_key = |column: &str| {
            table.foreign_keys.iter().position(|fk| {
                fk.columns.len() == 1
                    && fk.columns[0] == column
                    && written(&fk.ref_table)
                    && !fk.deferrable
                    && is_default_name(fk.name.as_deref(), table_name, &fk.columns, "fkey")
            })
        };
        Inline {
            primary_key,
            uniques: table.columns.iter().map(|c| unique(&c.name)).collect(),
            foreign_keys: table.columns.iter().map(|c| foreign_key(&c.name)).collect(),
        }
    }

    fn has_unique(&self, i: usize) -> bool {
        self.uniques.contains(&Some(i))
    }

    fn has_foreign_key(&self, i: usize) -> bool {
        self.foreign_keys.contains(&Some(i))
    }
}

/// `columns:`, one flow-style line per column, the keys padded to one width.
fn write_columns(y: &mut String, table: &Table, inline: &Inline<'_>, default_schema: &str) {
    y.push_str("    columns:\n");
    let keys: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{}:", scalar(&c.name)))
        .collect();
    let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    for (i, (column, key)) in table.columns.iter().zip(&keys).enumerate() {
        let fields = column_fields(table, i, column, inline, default_schema);
        let _ = writeln!(y, "      {key:width$} {}", flow(&fields));
    }
}

/// The fields of column `i` of `table`, with the constraints written inline on it.
fn column_fields(
    table: &Table,
    i: usize,
    column: &Column,
    inline: &Inline<'_>,
    default_schema: &str,
) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    let serial = serial_type(table, column);
    fields.push(format!(
        "type: {}",
        scalar(serial.unwrap_or(&column.data_type))
    ));
    if inline
        .primary_key
        .is_some_and(|pk| pk.columns[0] == column.name)
    {
        fields.push("primary_key: true".into());
    } else if !column.nullable {
        fields.push("nullable: false".into());
    }
    if inline.uniques[i].is_some() {
        fields.push("unique: true".into());
    }
    if let (Some(default), None) = (&column.default, serial) {
        fields.push(format!("default: {}", scalar(default)));
    }
    match column.identity {
        Some(Identity::Always) => fields.push("identity: always".into()),
        Some(Identity::ByDefault) => fields.push("identity: by_default".into()),
        None => {}
    }
    if let (Some(_), Some(options)) = (column.identity, &column.identity_options) {
        let written = sequence_fields(&options.without_defaults(&column.data_type));
        if !written.is_empty() {
            fields.push(format!("sequence: {}", flow(&written)));
        }
    }
    if let Some(generated) = &column.generated {
        fields.push(format!("generated: {}", scalar(generated)));
    }
    if let Some(collation) = &column.collation {
        fields.push(format!("collation: {}", scalar(collation)));
    }
    if let Some(comment) = &column.comment {
        fields.push(format!("comment: {}", scalar(comment)));
    }
    if let Some(fk) = inline.foreign_keys[i].map(|f| &table.foreign_keys[f]) {
        fields.push(format!(
            "references: {}",
            scalar(&reference(fk, default_schema))
        ));
        push_actions(&mut fields, fk);
    }
    fields
}

/// The options set in `options` as `start: 10`, `cycle: true`, ... (the type aside).
fn sequence_fields(options: &SequenceOptions) -> Vec<String> {
    let mut fields = Vec::new();
    for (key, value) in [
        ("start", options.start),
        ("increment", options.increment),
        ("min_value", options.min_value),
        ("max_value", options.max_value),
        ("cache", options.cache),
    ] {
        if let Some(value) = value {
            fields.push(format!("{key}: {value}"));
        }
    }
    if let Some(cycle) = options.cycle {
        fields.push(format!("cycle: {cycle}"));
    }
    fields
}

/// `on_delete:` / `on_update:` of a foreign key, when not `no action`.
fn push_actions(fields: &mut Vec<String>, fk: &ForeignKey) {
    if fk.on_delete != FkAction::NoAction {
        fields.push(format!("on_delete: {}", action(fk.on_delete)));
    }
    if fk.on_update != FkAction::NoAction {
        fields.push(format!("on_update: {}", action(fk.on_update)));
    }
}

/// `name:` of a constraint, unless it has none or PostgreSQL's default name.
fn push_name(fields: &mut Vec<String>, name: Option<&str>, is_default: bool) {
    if let Some(name) = name.filter(|_| !is_default) {
        fields.push(format!("name: {}", scalar(name)));
    }
}

/// `primary_key:`, unless written inline on its column.
fn write_primary_key(y: &mut String, table: &Table, inline: &Inline<'_>) {
    let Some(pk) = table
        .primary_key
        .as_ref()
        .filter(|_| inline.primary_key.is_none())
    else {
        return;
    };
    let columns = list(&pk.columns);
    if is_default_name(pk.name.as_deref(), &table.name.name, &[], "pkey") {
        let _ = writeln!(y, "    primary_key: {columns}");
    } else {
        let _ = writeln!(
            y,
            "    primary_key: {{ name: {}, columns: {columns} }}",
            scalar(pk.name.as_deref().unwrap_or_default())
        );
    }
}

/// `indexes:`, by name.
fn write_indexes(y: &mut String, table: &Table) {
    let mut indexes: Vec<&Index> = table.indexes.iter().collect();
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    write_entries(y, "indexes", indexes.into_iter().map(index_fields));
}

/// `foreign_keys:`: those not written inline, to tables of the file.
fn write_foreign_keys(
    y: &mut String,
    table: &Table,
    inline: &Inline<'_>,
    default_schema: &str,
    written: &dyn Fn(&QualifiedName) -> bool,
) {
    let fks = (table.foreign_keys.iter().enumerate())
        .filter(|(i, fk)| !inline.has_foreign_key(*i) && written(&fk.ref_table))
        .map(|(_, fk)| foreign_key_fields(fk, &table.name.name, default_schema));
    write_entries(y, "foreign_keys", fks);
}

fn foreign_key_fields(fk: &ForeignKey, table_name: &str, default_schema: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let default = is_default_name(fk.name.as_deref(), table_name, &fk.columns, "fkey");
    push_name(&mut fields, fk.name.as_deref(), default);
    fields.push(format!("columns: {}", list(&fk.columns)));
    fields.push(format!(
        "references: {{ table: {}, columns: {} }}",
        scalar(&table_key(&fk.ref_table, default_schema)),
        list(&fk.ref_columns)
    ));
    push_actions(&mut fields, fk);
    if fk.deferrable {
        fields.push("deferrable: true".into());
    }
    if fk.initially_deferred {
        fields.push("initially_deferred: true".into());
    }
    fields
}

/// `unique:`: the unique constraints not written inline.
fn write_uniques(y: &mut String, table: &Table, inline: &Inline<'_>) {
    let table_name = &table.name.name;
    let uniques = (table.uniques.iter().enumerate())
        .filter(|(i, _)| !inline.has_unique(*i))
        .map(|(_, unique)| {
            let mut fields = Vec::new();
            let default =
                is_default_name(unique.name.as_deref(), table_name, &unique.columns, "key");
            push_name(&mut fields, unique.name.as_deref(), default);
            fields.push(format!("columns: {}", list(&unique.columns)));
            if unique.nulls_not_distinct {
                fields.push("nulls_not_distinct: true".into());
            }
            if unique.deferrable {
                fields.push("deferrable: true".into());
            }
            if unique.initially_deferred {
                fields.push("initially_deferred: true".into());
            }
            fields
        });
    write_entries(y, "unique", uniques);
}

/// `checks:`; a name like PostgreSQL's default (`<table>_..._check`) is left out.
fn write_checks(y: &mut String, table: &Table) {
    let table_name = &table.name.name;
    let checks = table.checks.iter().map(|check| {
        let name = check.name.as_deref().unwrap_or_default();
        let default_like = name.starts_with(&format!("{table_name}_")) && name.ends_with("_check");
        let mut fields = Vec::new();
        push_name(
            &mut fields,
            Some(name).filter(|n| !n.is_empty()),
            default_like,
        );
        fields.push(format!("expression: {}", scalar(&check.expression)));
        fields
    });
    write_entries(y, "checks", checks);
}

/// `    key:` and one flow-style `- { ... }` line per entry; nothing without entries.
fn write_entries(y: &mut String, key: &str, entries: impl Iterator<Item = Vec<String>>) {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        return;
    }
    let _ = writeln!(y, "    {key}:");
    for fields in entries {
        let _ = writeln!(y, "      - {}", flow(&fields));
    }
}

/// `{ a, b }`.
fn flow(fields: &[String]) -> String {
    format!("{{ {} }}", fields.join(", "))
}

fn index_fields(index: &Index) -> Vec<String> {
    let mut fields = Vec::new();
    if let Some(name) = &index.name {
        fields.push(format!("name: {}", scalar(name)));
    }
    let single_expression = index.keys.len() == 1 && is_bare_expression(&index.keys[0]);
    if single_expression {
        fields.push(format!("expression: {}", scalar(&index.keys[0].expr)));
    } else {
        let keys: Vec<String> = index.keys.iter().map(key_item).collect();
        fields.push(format!("columns: [{}]", keys.join(", ")));
    }
    if index.unique {
        fields.push("unique: true".into());
    }
    if let Some(predicate) = &index.predicate {
        fields.push(format!("where: {}", scalar(predicate)));
    }
    if index.method != "btree" {
        fields.push(format!("using: {}", scalar(&index.method)));
    }
    if !index.include.is_empty() {
        fields.push(format!("include: {}", list(&index.include)));
    }
    if index.nulls_not_distinct {
        fields.push("nulls_not_distinct: true".into());
    }
    fields
}

fn is_bare_expression(key: &IndexKey) -> bool {
    key.expression && is_plain_key(key)
}

/// A key with nothing but its column or expression: no operator class, order or collation.
fn is_plain_key(key: &IndexKey) -> bool {
    key.opclass.is_none() && !key.descending && key.nulls_first.is_none() && key.collation.is_none()
}

/// One entry of an index's `columns:` list: a plain column name, or the structured form.
fn key_item(key: &IndexKey) -> String {
    let simple_name = !key.expression
        && key
            .expr
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .expr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if simple_name && is_plain_key(key) {
        return scalar(&key.expr);
    }
    flow(&key_fields(key))
}

/// An index key's structured form: `column:` or `expression:`, then its options.
fn key_fields(key: &IndexKey) -> Vec<String> {
    let mut fields = Vec::new();
    if key.expression {
        fields.push(format!("expression: {}", scalar(&key.expr)));
    } else {
        fields.push(format!("column: {}", scalar(&key.expr)));
    }
    if key.descending {
        fields.push("order: desc".into());
    }
    match key.nulls_first {
        Some(true) => fields.push("nulls: first".into()),
        Some(false) => fields.push("nulls: last".into()),
        None => {}
    }
    if let Some(opclass) = &key.opclass {
        fields.push(format!("opclass: {}", scalar(opclass)));
    }
    if let Some(collation) = &key.collation {
        fields.push(format!("collation: {}", scalar(collation)));
    }
    fields
}

/// `exclude:`, by name.
fn write_exclusions(y: &mut String, table: &Table) {
    let mut exclusions: Vec<&Exclusion> = table.exclusions.iter().collect();
    exclusions.sort_by(|a, b| a.name.cmp(&b.name));
    let entries = exclusions.into_iter().map(|exclusion| {
        let mut fields = Vec::new();
        if let Some(name) = &exclusion.name {
            fields.push(format!("name: {}", scalar(name)));
        }
        if exclusion.method != "gist" {
            fields.push(format!("using: {}", scalar(&exclusion.method)));
        }
        let elements: Vec<String> = exclusion
            .elements
            .iter()
            .map(|element| {
                let mut fields = key_fields(&element.key);
                fields.push(format!("with: {}", scalar(&element.operator)));
                flow(&fields)
            })
            .collect();
        fields.push(format!("elements: [{}]", elements.join(", ")));
        if let Some(predicate) = &exclusion.predicate {
            fields.push(format!("where: {}", scalar(predicate)));
        }
        if exclusion.deferrable {
            fields.push("deferrable: true".into());
        }
        if exclusion.initially_deferred {
            fields.push("initially_deferred: true".into());
        }
        fields
    });
    write_entries(y, "exclude", entries);
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    format!("[{}]", items.join(", "))
}

/// A YAML scalar usable inside flow collections: plain when that is unambiguous text, else
/// double-quoted.
pub fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                '\r' => quoted.push_str("\\r"),
                // Controls, line and paragraph separators (YAML readers may fold them as line
                // breaks), the byte order mark and the non-characters YAML does not allow.
                c if c.is_control()
                    || matches!(
                        c,
                        '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                    ) =>
                {
                    let _ = write!(quoted, "\\u{:04x}", c as u32);
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

fn is_plain_safe(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "nan", "inf", "infinity",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '(') {
        return false;
    }
    if WORDS.contains(&text.to_ascii_lowercase().as_str()) || text.ends_with(' ') {
        return false;
    }
    text.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '(' | ')' | ' ' | '.' | '$' | '<' | '=' | '+' | '-' | '*' | '/'
            )
    }) && !text.contains(" #")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        assert_eq!(scalar("prospects"), "prospects");
        assert_eq!(scalar("now()"), "now()");
        assert_eq!(scalar("character varying(255)"), "character varying(255)");
        assert_eq!(
            scalar("'pending'::outreach_status"),
            "\"'pending'::outreach_status\""
        );
        assert_eq!(scalar("integer[]"), "\"integer[]\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("Yes"), "\"Yes\"");
        assert_eq!(scalar("1abc"), "\"1abc\"");
        assert_eq!(scalar("a\"b"), "\"a\\\"b\"");
        assert_eq!(scalar("numeric(12,2)"), "\"numeric(12,2)\"");
        assert_eq!(scalar(""), "\"\"");
    }

    #[test]
    fn table_keys_quote_dotted_parts() {
        let key = |s: &str, n: &str| table_key(&QualifiedName::new(s, n), "public");
        assert_eq!(key("public", "Order"), "Order");
        assert_eq!(key("billing", "a b"), "billing.a b");
        assert_eq!(key("public", "a.b"), "\"a.b\"");
        assert_eq!(key("x.y", "t"), "\"x.y\".t");
    }
}
