//! `verify --rows N`: fills every table that exists before a file with generated rows, so that
//! the file's validations, rewrites and scans really happen (and an `ADD COLUMN ... NOT NULL`
//! without a default really fails).
//!
//! Rows are generated server-side, one `INSERT ... SELECT ... FROM generate_series` per table,
//! parents before children. Each value follows its column: the base type of a domain, the
//! declared length (an explicit cast truncates), an enum's labels, the values a single-column
//! `CHECK (c IN (...))` allows, and row numbers for numbers, text, uuids and times, so that a
//! unique or primary key column gets distinct values. Columns with a default (serials,
//! identities, generated columns) get it. A foreign key column takes the values of existing
//! rows of the parent table. PostgreSQL itself enforces every constraint on the insert: a table
//! whose generated rows break one (a check the generator does not read, a unique boolean, an
//! empty parent for a `NOT NULL` foreign key) is tried once more with its nullable columns left
//! empty (and a one-to-one table with as many rows as its smallest parent), then left without
//! rows, and the run says so. Filling never fails the run.
//!
//! Each table is filled once, up to N rows, the first time a file sees it; after the database
//! is rebuilt from the history, tables are filled again.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::Session;
use crate::Error;

/// Fills the tables of the session's database that were not filled yet with up to `rows` rows;
/// returns a note naming the tables left without rows, if any.
pub(super) fn fill(
    session: &mut Session,
    rows: usize,
    timeout: Duration,
) -> Result<Option<String>, Error> {
    let client = &mut session.client;
    let tables = read_tables(client).map_err(|e| fill_error(&e))?;
    let todo: Vec<&Table> = order(&tables)
        .into_iter()
        .filter(|t| !session.filled.contains(&t.oid))
        .collect();
    if todo.is_empty() {
        return Ok(None);
    }
    client
        .batch_execute(&format!(
            "SET statement_timeout = {}",
            timeout.as_millis().max(1)
        ))
        .map_err(|e| fill_error(&e))?;
    let mut skipped = Vec::new();
    let mut analyze = Vec::new();
    for table in todo {
        session.filled.insert(table.oid);
        match fill_table(client, table, &tables, rows) {
            Ok(true) => analyze.push(format!("ANALYZE {}", table.qualified)),
            Ok(false) => {}
            Err(reason) => skipped.push(format!("{} ({reason})", table.shown)),
        }
    }
    if !analyze.is_empty() {
        // Planner statistics, so that the validations the migrations run plan as on real data.
        client
            .batch_execute(&analyze.join("; "))
            .map_err(|e| fill_error(&e))?;
    }
    Ok((!skipped.is_empty()).then(|| {
        format!(
            "--rows: {} table(s) left without generated rows: {}",
            skipped.len(),
            skipped.join("; ")
        )
    }))
}

fn fill_error(error: &postgres::Error) -> Error {
    super::server_error("filling the tables with generated rows", error)
}

/// A table to fill.
#[derive(Debug, Clone, Default)]
struct Table {
    oid: u32,
    /// Quoted, for SQL.
    qualified: String,
    /// `schema.name`, for notes.
    shown: String,
    columns: Vec<Column>,
    foreign_keys: Vec<ForeignKey>,
}

#[derive(Debug, Clone, Default)]
struct Column {
    /// Quoted.
    name: String,
    not_null: bool,
    /// A default, an identity or a generation expression fills it.
    has_default: bool,
    /// `format_type` of the column.
    type_sql: String,
    /// The base type's `typname` (a domain's base type), or the element type of an array.
    base: String,
    array: bool,
    typmod: i32,
    /// The labels of an enum type, or the values a single-column check allows.
    choices: Vec<String>,
}

#[derive(Debug, Clone)]
struct ForeignKey {
    parent: u32,
    /// Quoted column names, child side and parent side.
    columns: Vec<String>,
    parent_columns: Vec<String>,
}

const TABLES_SQL: &str = "\
SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.format('%s.%s', n.nspname, c.relname),
       pg_catalog.quote_ident(a.attname), a.attnotnull, a.atthasdef OR a.attidentity <> '',
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       COALESCE(et.typname, bt.typname)::text, et.oid IS NOT NULL,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
       (SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = COALESCE(et.oid, bt.oid))
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.objid = c.oid AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
ORDER BY c.oid, a.attnum";

const FOREIGN_KEYS_SQL: &str = "\
SELECT k.conrelid, k.confrelid,
       (SELECT pg_catalog.array_agg(pg_catalog.quote_ident(a.attname) ORDER BY x.i)
          FROM unnest(k.conkey) WITH ORDINALITY x(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n),
       (SELECT pg_catalog.array_agg(pg_catalog.quote_ident(a.attname) ORDER BY x.i)
          FROM unnest(k.confkey) WITH ORDINALITY x(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n)
FROM pg_catalog.pg_constraint k
WHERE k.contype = 'f'
ORDER BY k.conrelid, k.conname";

const CHECKS_SQL: &str = "\
SELECT k.conrelid, pg_catalog.quote_ident(a.attname), pg_catalog.pg_get_constraintdef(k.oid)
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
WHERE k.contype = 'c' AND pg_catalog.array_length(k.conkey, 1) = 1
ORDER BY k.conrelid, k.conname";

/// Every user table with its columns, foreign keys and the values its checks allow.
fn read_tables(client: &mut postgres::Client) -> Result<BTreeMap<u32, Table>, postgres::Error> {
    let mut tables: BTreeMap<u32, Table> = BTreeMap::new();
    for row in client.query(TABLES_SQL, &[])? {
        let oid: u32 = row.get(0);
        let table = tables.entry(oid).or_insert_with(|| Table {
            oid,
            qualified: row.get(1),
            shown: row.get(2),
            ..Table::default()
        });
        let labels: Option<Vec<String>> = row.get(10);
        table.columns.push(Column {
            name: row.get(3),
            not_null: row.get(4),
            has_default: row.get(5),
            type_sql: row.get(6),
            base: row.get(7),
            array: row.get(8),
            typmod: row.get(9),
            choices: labels.unwrap_or_default(),
        });
    }
    for row in client.query(FOREIGN_KEYS_SQL, &[])? {
        let child: u32 = row.get(0);
        let columns: Option<Vec<String>> = row.get(2);
        let parent_columns: Option<Vec<String>> = row.get(3);
        if let (Some(table), Some(columns), Some(parent_columns)) =
            (tables.get_mut(&child), columns, parent_columns)
        {
            table.foreign_keys.push(ForeignKey {
                parent: row.get(1),
                columns,
                parent_columns,
            });
        }
    }
    for row in client.query(CHECKS_SQL, &[])? {
        let oid: u32 = row.get(0);
        let column: String = row.get(1);
        let definition: String = row.get(2);
        let allowed = allowed_values(&definition);
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        if let (Some(allowed), Some(column)) =
            (allowed, table.columns.iter_mut().find(|c| c.name == column))
        {
            column.choices = allowed;
        }
    }
    Ok(tables)
}

/// The values a check of the form `c = ANY (ARRAY['a', 'b'])` (PostgreSQL's form of
/// `c IN ('a', 'b')`) allows, unquoted; `None` for any other check.
fn allowed_values(definition: &str) -> Option<Vec<String>> {
    let (_, rest) = definition.split_once("= ANY (")?;
    let (_, rest) = rest.split_once("ARRAY[")?;
    let mut values = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        other => value.push(other),
                    }
                }
                values.push(value);
            }
            ']' => break,
            _ => {}
        }
    }
    // Any other condition beside the list (`AND c <> 'x'`) is not read: leave it to the retry.
    let tail = rest.split_once(']').map_or("", |(_, tail)| tail);
    let simple = !tail.contains(" AND ") && !tail.contains(" OR ");
    (simple && !values.is_empty() && !definition.contains(" AND ")).then_some(values)
}

/// The tables, parents before children (a cycle is broken where it closes).
fn order(tables: &BTreeMap<u32, Table>) -> Vec<&Table> {
    fn visit<'t>(
        oid: u32,
        tables: &'t BTreeMap<u32, Table>,
        seen: &mut BTreeSet<u32>,
        out: &mut Vec<&'t Table>,
    ) {
        if !seen.insert(oid) {
            return;
        }
        let Some(table) = tables.get(&oid) else {
            return;
        };
        for fk in &table.foreign_keys {
            visit(fk.parent, tables, seen, out);
        }
        out.push(table);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for oid in tables.keys() {
        visit(*oid, tables, &mut seen, &mut out);
    }
    out
}

/// Fills one table up to `rows` rows; `Ok(false)` when it already had them, `Err` with the
/// reason when it is left without generated rows.
fn fill_table(
    client: &mut postgres::Client,
    table: &Table,
    tables: &BTreeMap<u32, Table>,
    rows: usize,
) -> Result<bool, String> {
    let count: i64 = client
        .query_one(&format!("SELECT count(*) FROM {}", table.qualified), &[])
        .map_err(|e| message(&e))?
        .get(0);
    let missing = rows.saturating_sub(usize::try_from(count).unwrap_or(usize::MAX));
    if missing == 0 {
        return Ok(false);
    }
    let first = insert_sql(table, tables, missing, false)?;
    let Err(error) = client.batch_execute(&first) else {
        return Ok(true);
    };
    let second = insert_sql(table, tables, missing, true)?;
    if second != first && client.batch_execute(&second).is_ok() {
        return Ok(true);
    }
    // A key made of foreign key columns (a one-to-one table) repeats parent rows once there
    // are more rows than parents: as many rows as the smallest parent has.
    let unique_violation = error
        .as_db_error()
        .is_some_and(|db| db.code().code() == "23505");
    if unique_violation && !table.foreign_keys.is_empty() {
        let mut fewest = missing;
        for fk in &table.foreign_keys {
            let Some(parent) = tables.get(&fk.parent) else {
                continue;
            };
            let parents: i64 = client
                .query_one(&format!("SELECT count(*) FROM {}", parent.qualified), &[])
                .map_err(|e| message(&e))?
                .get(0);
            fewest = fewest.min(usize::try_from(parents).unwrap_or(0));
        }
        if fewest > 0 && fewest < missing {
            let third = insert_sql(table, tables, fewest, false)?;
            if client.batch_execute(&third).is_ok() {
                return Ok(true);
            }
        }
    }
    Err(message(&error))
}

fn message(error: &postgres::Error) -> String {
    error
        .as_db_error()
        .map_or_else(|| error.to_string(), |db| db.message().to_string())
}

/// The `INSERT` of `rows` generated rows into `table`; `sparse`: nullable columns outside
/// foreign keys are left NULL.
fn insert_sql(
    table: &Table,
    tables: &BTreeMap<u32, Table>,
    rows: usize,
    sparse: bool,
) -> Result<String, String> {
    let ParentRows {
        ctes,
        joins,
        from_parent,
    } = parent_rows(table, tables);
    let mut names = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if let Some(value) = from_parent.get(column.name.as_str()) {
            names.push(column.name.clone());
            values.push(value.clone());
            continue;
        }
        if column.has_default || (sparse && !column.not_null) {
            continue;
        }
        match value(column, &table.shown) {
            Some(value) => {
                names.push(column.name.clone());
                values.push(value);
            }
            None if column.not_null => {
                return Err(format!(
                    "no generator for column {} of type {}",
                    column.name, column.type_sql
                ))
            }
            None => {}
        }
    }
    let with = match ctes.is_empty() {
        true => String::new(),
        false => format!("WITH {} ", ctes.join(", ")),
    };
    let target = match names.is_empty() {
        true => format!("{} ", table.qualified),
        false => format!("{} ({}) ", table.qualified, names.join(", ")),
    };
    let select = match values.is_empty() {
        true => "SELECT FROM".to_string(),
        false => format!("SELECT {} FROM", values.join(", ")),
    };
    let sql = format!(
        "{with}INSERT INTO {target}{select} generate_series(1, {rows}) AS g {}",
        joins.join(" ")
    );
    Ok(match names.is_empty() {
        // A table whose columns all have defaults: one `DEFAULT VALUES` row per number.
        true => format!(
            "DO $fill$ BEGIN FOR i IN 1..{rows} LOOP INSERT INTO {} DEFAULT VALUES; END LOOP; END $fill$",
            table.qualified
        ),
        false => sql,
    })
}

/// The parent rows a table's foreign-key columns take their values from: one CTE per foreign
/// key numbering the parent's rows, the join that picks row `g` modulo their count, and for
/// each child column the expression of its value.
struct ParentRows<'t> {
    ctes: Vec<String>,
    joins: Vec<String>,
    from_parent: BTreeMap<&'t str, String>,
}

/// The [`ParentRows`] of `table`'s foreign keys to the tables of `tables`; a column in two
/// foreign keys takes its value from the first.
fn parent_rows<'t>(table: &'t Table, tables: &BTreeMap<u32, Table>) -> ParentRows<'t> {
    let mut ctes = Vec::new();
    let mut joins = Vec::new();
    // Column -> the expression of its value from a parent row.
    let mut from_parent: BTreeMap<&str, String> = BTreeMap::new();
    for (index, fk) in table.foreign_keys.iter().enumerate() {
        if fk
            .columns
            .iter()
            .any(|c| from_parent.contains_key(c.as_str()))
        {
            continue;
        }
        let Some(parent) = tables.get(&fk.parent) else {
            continue;
        };
        let alias = format!("f{index}");
        let selected: Vec<String> = fk
            .parent_columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("p.{c} AS c{i}"))
            .collect();
        let not_null: Vec<String> = fk
            .parent_columns
            .iter()
            .map(|c| format!("p.{c} IS NOT NULL"))
            .collect();
        ctes.push(format!(
            "{alias} AS (SELECT {}, row_number() OVER () - 1 AS rn FROM {} p WHERE {})",
            selected.join(", "),
            parent.qualified,
            not_null.join(" AND ")
        ));
        joins.push(format!(
            "LEFT JOIN {alias} ON {alias}.rn = (g - 1) % NULLIF((SELECT count(*) FROM {alias}), 0)"
        ));
        for (i, column) in fk.columns.iter().enumerate() {
            from_parent.insert(column, format!("{alias}.c{i}"));
        }
    }
    ParentRows {
        ctes,
        joins,
        from_parent,
    }
}

/// The generated value of `column` for row `g`, cast to the column's type; `None` for a type
/// the generator does not know.
fn value(column: &Column, salt: &str) -> Option<String> {
    let element = match column.choices.is_empty() {
        false => {
            let quoted: Vec<String> = column
                .choices
                .iter()
                .map(|c| format!("'{}'", c.replace('\'', "''")))
                .collect();
            format!("(ARRAY[{}])[1 + g % {}]", quoted.join(", "), quoted.len())
        }
        true => scalar(
            &column.base,
            if column.array { -1 } else { column.typmod },
            salt,
        )?,
    };
    let value = match column.array {
        true => format!("ARRAY[{element}]"),
        false => element,
    };
    Some(format!("({value})::{}", column.type_sql))
}

/// A value of base type `name` for row number `g`, distinct per row where the type allows.
fn scalar(name: &str, typmod: i32, salt: &str) -> Option<String> {
    let salt = salt.replace('\'', "''");
    Some(match name {
        "int2" => "(g % 32767)".into(),
        "int4" | "int8" | "oid" => "g".into(),
        "numeric" => numeric(typmod),
        "float4" | "float8" => "(g * 1.5)".into(),
        "money" => "(g::numeric)".into(),
        "text" | "varchar" | "bpchar" | "name" | "citext" => "('r' || g)".into(),
        "bool" => "(g % 2 = 0)".into(),
        "uuid" => format!("md5('{salt}' || g)::uuid"),
        "date" => "(date '2020-01-01' + (g % 30000)::int)".into(),
        "timestamp" | "timestamptz" => "(timestamp '2020-01-01' + g * interval '1 minute')".into(),
        "time" | "timetz" => "(time '00:00' + (g % 86400) * interval '1 second')".into(),
        "interval" => "(g * interval '1 second')".into(),
        "json" | "jsonb" => "json_build_object('n', g)".into(),
        "bytea" => "convert_to(g::text, 'UTF8')".into(),
        "inet" => "('10.0.0.0'::inet + g)".into(),
        "tsvector" => "to_tsvector('simple', 'w' || g)".into(),
        _ => return None,
    })
}

/// Row numbers that fit a `numeric(p, s)`.
fn numeric(typmod: i32) -> String {
    if typmod < 4 {
        return "g".into();
    }
    let precision = ((typmod - 4) >> 16) & 0xffff;
    let scale = (typmod - 4) & 0xffff;
    match precision - scale {
        digits if digits <= 0 => "0".into(),
        digits => format!("(g % 1e{})", digits.min(15)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_values_read_in_lists() {
        assert_eq!(
            allowed_values(
                "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'it''s'::character varying])::text[])))"
            ),
            Some(vec!["new".to_string(), "it's".to_string()])
        );
        assert_eq!(
            allowed_values("CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text])))"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(allowed_values("CHECK ((price > (0)::numeric))"), None);
        assert_eq!(
            allowed_values("CHECK (((kind = ANY (ARRAY['a'::text])) AND (kind <> 'b'::text)))"),
            None
        );
    }

    #[test]
    fn numeric_values_fit_precision_and_scale() {
        // numeric(5, 2): three digits before the point.
        assert_eq!(numeric(((5 << 16) | 2) + 4), "(g % 1e3)");
        assert_eq!(numeric(((2 << 16) | 2) + 4), "0");
        assert_eq!(numeric(-1), "g");
    }

    #[test]
    fn insert_sql_takes_foreign_key_columns_from_numbered_parent_rows() {
        let column = |name: &str, not_null: bool, has_default: bool| Column {
            name: name.into(),
            not_null,
            has_default,
            type_sql: "integer".into(),
            base: "int4".into(),
            typmod: -1,
            ..Column::default()
        };
        let parent = Table {
            oid: 1,
            qualified: "public.parent".into(),
            shown: "public.parent".into(),
            columns: vec![column("id", true, true)],
            foreign_keys: vec![],
        };
        let child = Table {
            oid: 2,
            qualified: "public.child".into(),
            shown: "public.child".into(),
            columns: vec![
                column("id", true, true),
                column("parent_id", true, false),
                column("note", false, false),
            ],
            foreign_keys: vec![ForeignKey {
                parent: 1,
                columns: vec!["parent_id".into()],
                parent_columns: vec!["id".into()],
            }],
        };
        let tables: BTreeMap<u32, Table> = [(1, parent.clone()), (2, child.clone())].into();
        assert_eq!(
            insert_sql(&child, &tables, 5, true).unwrap(),
            "WITH f0 AS (SELECT p.id AS c0, row_number() OVER () - 1 AS rn FROM public.parent p \
             WHERE p.id IS NOT NULL) INSERT INTO public.child (parent_id) SELECT f0.c0 FROM \
             generate_series(1, 5) AS g LEFT JOIN f0 ON f0.rn = (g - 1) % \
             NULLIF((SELECT count(*) FROM f0), 0)"
        );
        let dense = insert_sql(&child, &tables, 5, false).unwrap();
        assert!(
            dense.contains("INSERT INTO public.child (parent_id, note) SELECT f0.c0, "),
            "{dense}"
        );
        assert_eq!(
            insert_sql(&parent, &tables, 2, false).unwrap(),
            "DO $fill$ BEGIN FOR i IN 1..2 LOOP INSERT INTO public.parent DEFAULT VALUES; \
             END LOOP; END $fill$"
        );
    }

    #[test]
    fn parents_come_before_children() {
        let table = |oid: u32, parents: &[u32]| Table {
            oid,
            foreign_keys: parents
                .iter()
                .map(|p| ForeignKey {
                    parent: *p,
                    columns: vec![],
                    parent_columns: vec![],
                })
                .collect(),
            ..Table::default()
        };
        let tables: BTreeMap<u32, Table> = [table(1, &[3]), table(2, &[1, 2]), table(3, &[])]
            .into_iter()
            .map(|t| (t.oid, t))
            .collect();
        let order: Vec<u32> = order(&tables).iter().map(|t| t.oid).collect();
        assert_eq!(order, vec![3, 1, 2]);
    }
}
