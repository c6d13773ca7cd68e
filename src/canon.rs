//! Canonicalization of declared expressions (defaults, checks, index expressions and predicates,
//! generated columns) and types by PostgreSQL itself, inside a transaction that is always
//! rolled back.
//!
//! A person writes `status IN ('a','b')`, `'pending'`, `lower(domain)`; PostgreSQL stores
//! `((status)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))`,
//! `'pending'::outreach_status`, `lower(domain::text)`. Rather than re-implement PostgreSQL's
//! rewriting, each declared item that differs from the live text is applied to a temporary copy
//! of the live table (`CREATE TEMP TABLE .. (LIKE live)`) and read back with the same catalog
//! functions that introspection uses, so both sides come out in one form.
//!
//! Round trips are few: per batch (up to 200 table copies and 1,000 defaults or types), the
//! items go into a temporary table in one statement, one `DO` block applies them (each in its
//! own exception block, so a bad item only keeps its declared text), one query reads the
//! results; then the transaction is rolled back. The target is never changed. When the transaction cannot create temporary tables (a read-only replica,
//! `default_transaction_read_only`, no TEMP privilege) nothing is rewritten and
//! [`CanonReport::fallback`] says why; the comparison then falls back to normalized text.
//!
//! Nothing written in schema.yaml can make PostgreSQL run code that is not built in. Creating
//! a column default or an index makes PostgreSQL fold calls to `IMMUTABLE`/`STABLE` functions
//! with constant arguments, and a function can lie about its volatility. So every item first
//! passes [`contained`] (one parenthesized expression, no statement separator, comment or dollar
//! quote that could escape the DDL it is put in), then PostgreSQL only *parses* it into a
//! temporary view, which runs nothing, and the view's dependencies are read from `pg_depend`:
//! an item that reaches a function or operator outside `pg_catalog` (directly, through a cast, or
//! through the check of a domain) is never applied and is compared as normalized text
//! ([`CanonReport::as_text`]). A database with enabled event triggers (which any DDL would fire)
//! is not asked at all, and where a domain's check calls such a function, items with a string
//! literal (whose input could reach that check while being parsed) stay text as well.
//!
//! This module rewrites the declared side only; it does not compare.

use std::time::Duration;

use crate::deadline;
use crate::introspect::{self, DbError};
use crate::model::{
    quote_ident, quote_literal, Column, Index, IndexKey, QualifiedName, Schema, Table,
};

/// What [`canonicalize`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanonReport {
    /// `Some(reason)` when PostgreSQL could not be asked (nothing was rewritten).
    pub fallback: Option<String>,
    /// Items sent to PostgreSQL.
    pub items: usize,
    /// Declared texts that were rewritten (their canonical form differed).
    pub rewritten: usize,
    /// Items PostgreSQL rejected, as `(what, error)`: they keep their declared text (and will
    /// most likely show as drift).
    pub failed: Vec<(String, String)>,
    /// Items never applied on the database because they reach code outside `pg_catalog`, as
    /// `(what, why)`: they are compared as normalized text.
    pub as_text: Vec<(String, String)>,
}

impl CanonReport {
    /// A line for the report when the comparison fell back to text.
    pub fn note(&self) -> Option<String> {
        self.fallback.as_ref().map(|reason| {
            format!(
                "expressions compared as normalized text, not in PostgreSQL's canonical form: {reason}"
            )
        })
    }
}

/// Where a result goes back into the declared schema.
#[derive(Debug, Clone)]
enum Target {
    Default {
        table: QualifiedName,
        column: usize,
    },
    Generated {
        table: QualifiedName,
        column: usize,
    },
    Type {
        table: QualifiedName,
        column: usize,
    },
    Check {
        table: QualifiedName,
        check: usize,
    },
    Index {
        table: QualifiedName,
        index: usize,
    },
    /// Creating the temporary copy of a table; no result.
    Setup,
}

struct Item {
    ddl: String,
    probe: String,
    /// The item's expressions as a `SELECT` that PostgreSQL parses into a temporary view (which
    /// executes nothing) to learn what they call before `ddl` runs; `None` for the setup items.
    guard: Option<String>,
    /// Every declared piece of the item passed [`contained`] (or [`plain_name`]).
    sendable: bool,
    target: Target,
    what: String,
}

/// `true` when `text` can only be one parenthesized expression (or type name) where it is put:
/// outside quotes no `;`, `$` (dollar quotes, parameters), comment opener or backslash, and
/// every parenthesis closes one it opened. Inside `'...'` and `"..."` anything goes (the session
/// pins `standard_conforming_strings`, and an `E'...'` string with a backslash is refused).
pub(crate) fn contained(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                let escaped = quote == b'\'' && i > 0 && matches!(bytes[i - 1], b'e' | b'E');
                let Some(len) = bytes[i + 1..].iter().position(|&b| b == quote) else {
                    return false;
                };
                if escaped && bytes[i + 1..i + 1 + len].contains(&b'\\') {
                    return false;
                }
                i += len + 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            b';' | b'$' | b'\\' => return false,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return false,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return false,
            _ => {}
        }
        i += 1;
    }
    depth == 0
}

/// `true` for a collation or operator class name: identifiers, dots and quoted names only.
fn plain_name(text: &str) -> bool {
    contained(text)
        && text.split('"').step_by(2).all(|part| {
            part.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        })
}

/// Collapses whitespace runs: the cheap normalization that spares PostgreSQL identical texts.
/// Equal texts, or equal after [`normalize_text`] (the common case needs no allocation).
fn same(a: &str, b: &str) -> bool {
    a == b || normalize_text(a) == normalize_text(b)
}

fn same_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

pub fn normalize_text(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rewrites the declared defaults, checks, index keys and predicates, generated expressions and
/// types of tables that exist in `live` into PostgreSQL's canonical form.
pub fn canonicalize(
    client: &mut postgres::Client,
    declared: &mut Schema,
    live: &Schema,
) -> Result<CanonReport, DbError> {
    canonicalize_with_timeout(client, declared, live, introspect::DEFAULT_READ_TIMEOUT)
}

/// [`canonicalize`] with an explicit `statement_timeout` / `lock_timeout`.
pub fn canonicalize_with_timeout(
    client: &mut postgres::Client,
    declared: &mut Schema,
    live: &Schema,
    timeout: Duration,
) -> Result<CanonReport, DbError> {
    let mut report = CanonReport::default();
    let mut batches = plan(declared, live, &mut report.as_text);
    if batches.is_empty() {
        return Ok(report);
    }
    let gate = {
        let _step = deadline::step("reading event triggers and domains", timeout);
        gate(client)?
    };
    if gate.event_triggers {
        report.fallback = Some(
            "the database has event triggers, which creating the temporary tables would fire"
                .into(),
        );
        return Ok(report);
    }
    if let Some(domains) = &gate.domains {
        keep_literals_as_text(&mut batches, domains, &mut report.as_text);
    }
    report.items = batches
        .iter()
        .flatten()
        .filter(|i| !matches!(i.target, Target::Setup))
        .count();
    for items in &batches {
        let step = deadline::step(
            "putting declared expressions in PostgreSQL's form",
            timeout.saturating_mul(2),
        );
        let results = match run(client, items, timeout)? {
            Ok(results) => results,
            Err(reason) => {
                // Only the first batch can meet a read-only or unprivileged session.
                report.fallback = Some(reason);
                report.items = 0;
                return Ok(report);
            }
        };
        drop(step);
        for (item, (output, error, outside)) in items.iter().zip(results) {
            if let Some(outside) = outside {
                report
                    .as_text
                    .push((item.what.clone(), format!("it calls {outside}")));
                continue;
            }
            if let Some(error) = error {
                if !matches!(item.target, Target::Setup) {
                    report.failed.push((item.what.clone(), error));
                }
                continue;
            }
            let Some(output) = output else { continue };
            if apply(declared, &item.target, output) {
                report.rewritten += 1;
            }
        }
    }
    Ok(report)
}

/// What the catalog says before anything is sent (read-only queries).
struct Gate {
    /// Enabled event triggers exist: any DDL, even on a temporary table, would fire them.
    event_triggers: bool,
    /// Domains whose checks call functions or operators outside `pg_catalog`.
    domains: Option<String>,
}

/// Reads [`Gate`] in one query.
fn gate(client: &mut postgres::Client) -> Result<Gate, DbError> {
    let row = client
        .query_one(GATE_QUERY, &[])
        .map_err(|e| introspect::connect::query_error(&e, "canonical forms (event triggers)"))?;
    Ok(Gate {
        event_triggers: row.get(0),
        domains: row.get(1),
    })
}

const GATE_QUERY: &str = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger \
         WHERE evtenabled <> 'D'), \
     (SELECT string_agg(DISTINCT c.contypid::regtype::text, ', ') \
         FROM pg_catalog.pg_constraint c \
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::regclass \
              AND d.objid = c.oid \
         LEFT JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::regclass \
              AND p.oid = d.refobjid \
         LEFT JOIN pg_catalog.pg_operator o ON d.refclassid = 'pg_catalog.pg_operator'::regclass \
              AND o.oid = d.refobjid \
         WHERE c.contypid <> 0 \
           AND (p.pronamespace <> 'pg_catalog'::regnamespace \
                OR o.oprnamespace <> 'pg_catalog'::regnamespace))";

/// Where a domain's check calls code outside `pg_catalog`, a string literal's input could run
/// that check while PostgreSQL parses it (an array or row literal of the domain): the items
/// with a literal are not sent.
fn keep_literals_as_text(
    batches: &mut [Vec<Item>],
    domains: &str,
    as_text: &mut Vec<(String, String)>,
) {
    for batch in batches.iter_mut() {
        batch.retain(|item| {
            let literal = item.guard.as_ref().is_some_and(|g| g.contains('\''));
            if literal {
                as_text.push((
                    item.what.clone(),
                    format!("it has a literal, and the checks of {domains} call functions outside pg_catalog"),
                ));
            }
            !literal
        });
    }
}

/// One item's answer: the probe's output, PostgreSQL's error, or what outside `pg_catalog` the
/// item reaches (then it was not applied).
type Answer = (Option<String>, Option<String>, Option<String>);

/// Runs the items; `Ok(Err(reason))` when canonicalization is impossible on this connection.
fn run(
    client: &mut postgres::Client,
    items: &[Item],
    timeout: Duration,
) -> Result<Result<Vec<Answer>, String>, DbError> {
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
    let mut tx = client
        .transaction()
        .map_err(|e| introspect::connect::query_error(&e, "canonical forms (BEGIN)"))?;
    let setup = format!(
        "SET LOCAL statement_timeout = {millis}; SET LOCAL lock_timeout = {millis}; \
         SET LOCAL search_path = public; SET LOCAL standard_conforming_strings = on; \
         CREATE TEMP TABLE driftlint_canon (id int4 PRIMARY KEY, ddl text NOT NULL, \
         probe text NOT NULL, guard text, output text, error text, outside text) ON COMMIT DROP"
    );
    if let Err(error) = tx.batch_execute(&setup) {
        let _ = tx.rollback();
        return match error.as_db_error() {
            Some(db) if matches!(db.code().code(), "25006" | "42501" | "0A000" | "25P02") => {
                Ok(Err(format!(
                    "cannot create temporary tables here ({})",
                    db.message()
                )))
            }
            _ => Err(introspect::connect::query_error(
                &error,
                "canonical forms (setup)",
            )),
        };
    }
    let ids: Vec<i32> = (0..items.len() as i32).collect();
    let ddls: Vec<&str> = items.iter().map(|i| i.ddl.as_str()).collect();
    let probes: Vec<&str> = items.iter().map(|i| i.probe.as_str()).collect();
    let guards: Vec<Option<&str>> = items.iter().map(|i| i.guard.as_deref()).collect();
    let mut steps = || -> Result<Vec<postgres::Row>, postgres::Error> {
        tx.execute(
            "INSERT INTO driftlint_canon (id, ddl, probe, guard) \
             SELECT * FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[])",
            &[&ids, &ddls, &probes, &guards],
        )?;
        tx.batch_execute(APPLY_BLOCK)?;
        tx.query(
            "SELECT output, error, outside FROM driftlint_canon ORDER BY id",
            &[],
        )
    };
    let rows = steps();
    // Always rolled back: the temporary tables, indexes and constraints vanish.
    let rollback = tx.rollback();
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => {
            return match error.as_db_error() {
                Some(db) if db.code().code() == "42883" || db.code().code() == "42704" => {
                    Ok(Err(format!("PL/pgSQL is not available ({})", db.message())))
                }
                _ => Err(introspect::connect::query_error(&error, "canonical forms")),
            }
        }
    };
    rollback.map_err(|e| introspect::connect::query_error(&e, "canonical forms (ROLLBACK)"))?;
    Ok(Ok(rows
        .iter()
        .map(|row| {
            (
                row.get::<_, Option<String>>(0),
                row.get::<_, Option<String>>(1),
                row.get::<_, Option<String>>(2),
            )
        })
        .collect()))
}

/// Three passes over the items. First the setup items (the table copies) run and every other
/// item's guard is parsed into a view `driftlint_guard_<id>`, which executes nothing. Then one
/// query names, per view, what it depends on outside `pg_catalog`: a function, an operator, or
/// a domain whose check calls one (through arrays, ranges, rows and domains of it). Last, the
/// items that reach nothing outside are applied, each in its own subtransaction, and the
/// probe's answer or the error is stored.
const APPLY_BLOCK: &str = r#"
DO $driftlint$
DECLARE
    item record;
    answer text;
BEGIN
    FOR item IN SELECT id, ddl, guard FROM driftlint_canon ORDER BY id LOOP
        BEGIN
            IF item.guard IS NULL THEN
                EXECUTE item.ddl;
            ELSE
                EXECUTE 'CREATE TEMP VIEW driftlint_guard_' || item.id || ' AS ' || item.guard;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            UPDATE driftlint_canon SET error = SQLERRM WHERE id = item.id;
        END;
    END LOOP;
    WITH RECURSIVE deps AS (
        SELECT substr(v.relname, 17)::int4 AS id, d.refclassid, d.refobjid
        FROM pg_catalog.pg_class v
        JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
        JOIN pg_catalog.pg_depend d
          ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
        WHERE v.relnamespace = pg_catalog.pg_my_temp_schema()
          AND v.relname LIKE 'driftlint\_guard\_%'
    ), types AS (
        SELECT id, refobjid AS oid FROM deps WHERE refclassid = 'pg_catalog.pg_type'::regclass
        UNION
        SELECT t.id, x.oid FROM types t
        JOIN pg_catalog.pg_type ty ON ty.oid = t.oid
        CROSS JOIN LATERAL (
            SELECT ty.typbasetype UNION ALL SELECT ty.typelem
            UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = ty.typrelid AND a.attnum > 0
            UNION ALL SELECT rg.rngsubtype FROM pg_catalog.pg_range rg WHERE rg.rngtypid = ty.oid
        ) x(oid)
        WHERE x.oid <> 0
    ), reached AS (
        SELECT deps.id, p.oid::pg_catalog.regprocedure::text AS name FROM deps
        JOIN pg_catalog.pg_proc p
          ON deps.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = deps.refobjid
        WHERE p.pronamespace <> 'pg_catalog'::regnamespace
        UNION ALL
        SELECT deps.id, 'operator ' || o.oid::pg_catalog.regoperator::text FROM deps
        JOIN pg_catalog.pg_operator o
          ON deps.refclassid = 'pg_catalog.pg_operator'::regclass AND o.oid = deps.refobjid
        WHERE o.oprnamespace <> 'pg_catalog'::regnamespace
        UNION ALL
        SELECT types.id, 'the check of ' || c.contypid::pg_catalog.regtype::text FROM types
        JOIN pg_catalog.pg_constraint c ON c.contypid = types.oid
        JOIN pg_catalog.pg_depend cd
          ON cd.classid = 'pg_catalog.pg_constraint'::regclass AND cd.objid = c.oid
        LEFT JOIN pg_catalog.pg_proc p
          ON cd.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = cd.refobjid
        LEFT JOIN pg_catalog.pg_operator o
          ON cd.refclassid = 'pg_catalog.pg_operator'::regclass AND o.oid = cd.refobjid
        WHERE p.pronamespace <> 'pg_catalog'::regnamespace
           OR o.oprnamespace <> 'pg_catalog'::regnamespace
    )
    UPDATE driftlint_canon c SET outside = r.names
    FROM (SELECT id, string_agg(DISTINCT name, ', ') AS names FROM reached GROUP BY id) r
    WHERE c.id = r.id;
    FOR item IN SELECT id, ddl, probe FROM driftlint_canon
                WHERE guard IS NOT NULL AND error IS NULL AND outside IS NULL ORDER BY id LOOP
        BEGIN
            EXECUTE item.ddl;
            EXECUTE item.probe INTO answer;
            UPDATE driftlint_canon SET output = answer WHERE id = item.id;
        EXCEPTION WHEN OTHERS THEN
            UPDATE driftlint_canon SET error = SQLERRM WHERE id = item.id;
        END;
    END LOOP;
END
$driftlint$
"#;

/// The temporary copy of table number `n`.
fn temp_name(n: usize) -> String {
    format!("pg_temp.driftlint_canon_{n}")
}

fn attribute_probe(temp: &str, column: &str, select: &str) -> String {
    format!(
        "SELECT {select} FROM pg_catalog.pg_attribute a \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = {}::regclass AND a.attname = {}",
        quote_literal(temp),
        quote_literal(column)
    )
}

/// The temporary table whose columns carry declared defaults and types.
const SHARED: &str = "pg_temp.driftlint_columns";

/// Per transaction: at most this many temporary table copies (each takes a few locks) and
/// this many columns of [`SHARED`] (PostgreSQL allows 1,600).
const TABLES_PER_BATCH: usize = 200;
const COLUMNS_PER_BATCH: usize = 1000;

/// The items, cut into batches that each run in one (rolled back) transaction. An item whose
/// declared text is not [`contained`] is never sent: it goes to `as_text`.
fn plan(declared: &Schema, live: &Schema, as_text: &mut Vec<(String, String)>) -> Vec<Vec<Item>> {
    let mut shared = Vec::new();
    let mut groups = Vec::new();
    for (n, (name, table)) in declared.tables.iter().enumerate() {
        let Some(live_table) = live.tables.get(name) else {
            continue;
        };
        let temp = temp_name(n);
        let mut table_items = Vec::new();
        plan_table(&mut table_items, &mut shared, &temp, n, table, live_table);
        for items in [&mut table_items, &mut shared] {
            items.retain(|item| {
                if !item.sendable {
                    as_text.push((
                        item.what.clone(),
                        "it is not one self-contained expression".into(),
                    ));
                }
                item.sendable
            });
        }
        if !table_items.is_empty() {
            let mut group = vec![Item {
                ddl: format!("CREATE TEMP TABLE {temp} (LIKE {})", name.to_sql()),
                probe: "SELECT 'ok'".into(),
                guard: None,
                sendable: true,
                target: Target::Setup,
                what: format!("a copy of {name}"),
            }];
            group.append(&mut table_items);
            groups.push(group);
        }
    }
    let mut batches = Vec::new();
    let mut shared = shared.into_iter().peekable();
    let mut groups = groups.into_iter().peekable();
    while shared.peek().is_some() || groups.peek().is_some() {
        let mut batch = Vec::new();
        if shared.peek().is_some() {
            batch.push(Item {
                ddl: format!("CREATE TEMP TABLE {SHARED} ()"),
                probe: "SELECT 'ok'".into(),
                guard: None,
                sendable: true,
                target: Target::Setup,
                what: "a table for defaults and types".into(),
            });
            batch.extend(shared.by_ref().take(COLUMNS_PER_BATCH));
        }
        for group in groups.by_ref().take(TABLES_PER_BATCH) {
            batch.extend(group);
        }
        batches.push(batch);
    }
    batches
}

/// Plans one table: defaults and types go to `shared` (columns of one temporary table, since
/// their canonical form depends on the column type only); checks, index expressions and
/// predicates and generated expressions, which name the table's columns, go to `items` (a
/// temporary copy of the table).
fn plan_table(
    items: &mut Vec<Item>,
    shared: &mut Vec<Item>,
    temp: &str,
    n: usize,
    table: &Table,
    live: &Table,
) {
    for (c, column) in table.columns.iter().enumerate() {
        let Some(live_column) = live.column(&column.name) else {
            continue;
        };
        let probe = ColumnProbe {
            temp,
            n,
            c,
            table: &table.name,
            column,
            live: live_column,
        };
        shared.extend(probe.default());
        items.extend(probe.generated());
        shared.extend(probe.data_type());
    }
    items.extend(check_items(temp, n, table, live));
    items.extend(index_items(temp, n, table, live));
}

/// The declared column `c` of table number `n` and its live twin, to plan the column's items.
struct ColumnProbe<'a> {
    /// The table's temporary copy.
    temp: &'a str,
    n: usize,
    c: usize,
    table: &'a QualifiedName,
    column: &'a Column,
    live: &'a Column,
}

impl ColumnProbe<'_> {
    /// The declared default, when it differs from the live one: a column of the shared table.
    fn default(&self) -> Option<Item> {
        let (name, n, c) = (self.table, self.n, self.c);
        let default = self.column.default.as_ref()?;
        if same_opt(self.live.default.as_deref(), Some(default)) {
            return None;
        }
        let probe_column = format!("d{n}_{c}");
        let live_type = &self.live.data_type;
        Some(Item {
            ddl: format!(
                "ALTER TABLE {SHARED} ADD COLUMN {probe_column} {live_type} DEFAULT ({default})"
            ),
            probe: attribute_probe(SHARED, &probe_column, "pg_catalog.pg_get_expr(d.adbin, 0)"),
            guard: Some(format!("SELECT CAST(({default}) AS {live_type})")),
            sendable: contained(default),
            target: Target::Default {
                table: name.clone(),
                column: c,
            },
            what: format!("default of {name}.{}", self.column.name),
        })
    }

    /// The declared generation expression, when it differs from the live one: a column of the
    /// table's copy (it names the table's columns).
    fn generated(&self) -> Option<Item> {
        let (name, n, c, temp) = (self.table, self.n, self.c, self.temp);
        let generated = self.column.generated.as_ref()?;
        if same_opt(self.live.generated.as_deref(), Some(generated)) {
            return None;
        }
        let probe_column = format!("driftlint_g{n}_{c}");
        let live_type = &self.live.data_type;
        Some(Item {
            ddl: format!(
                "ALTER TABLE {temp} ADD COLUMN {} {} GENERATED ALWAYS AS ({generated}) STORED",
                quote_ident(&probe_column),
                self.live.data_type
            ),
            probe: attribute_probe(
                temp,
                &probe_column,
                "pg_catalog.pg_get_expr(d.adbin, d.adrelid)",
            ),
            guard: Some(format!(
                "SELECT CAST(({generated}) AS {live_type}) FROM {temp}"
            )),
            sendable: contained(generated),
            target: Target::Generated {
                table: name.clone(),
                column: c,
            },
            what: format!("generated expression of {name}.{}", self.column.name),
        })
    }

    /// The declared type, when it differs from the live one (a serial type never is asked
    /// about): a column of the shared table.
    fn data_type(&self) -> Option<Item> {
        let (name, n, c) = (self.table, self.n, self.c);
        let serial = crate::types::serial_base(&self.column.data_type).is_some();
        if serial || same(&self.column.data_type, &self.live.data_type) {
            return None;
        }
        let probe_column = format!("t{n}_{c}");
        Some(Item {
            ddl: format!(
                "ALTER TABLE {SHARED} ADD COLUMN {probe_column} {}",
                self.column.data_type
            ),
            probe: attribute_probe(
                SHARED,
                &probe_column,
                "pg_catalog.format_type(a.atttypid, a.atttypmod)",
            ),
            guard: Some(format!("SELECT CAST(NULL AS {})", self.column.data_type)),
            sendable: contained(&self.column.data_type),
            target: Target::Type {
                table: name.clone(),
                column: c,
            },
            what: format!("type of {name}.{}", self.column.name),
        })
    }
}

/// The declared checks of table number `n` whose expression the live table does not have, each
/// added `NOT VALID` to the table's copy.
fn check_items(temp: &str, n: usize, table: &Table, live: &Table) -> Vec<Item> {
    let name = &table.name;
    let mut items = Vec::new();
    for (k, check) in table.checks.iter().enumerate() {
        let known = live
            .checks
            .iter()
            .any(|l| same(&l.expression, &check.expression));
        if known {
            continue;
        }
        let constraint = format!("driftlint_c{n}_{k}");
        items.push(Item {
            ddl: format!(
                "ALTER TABLE {temp} ADD CONSTRAINT {constraint} CHECK ({}) NOT VALID",
                check.expression
            ),
            probe: format!(
                "SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint \
                 WHERE conrelid = {}::regclass AND conname = '{constraint}'",
                quote_literal(temp)
            ),
            guard: Some(format!("SELECT ({}) FROM {temp}", check.expression)),
            sendable: contained(&check.expression),
            target: Target::Check {
                table: name.clone(),
                check: k,
            },
            what: format!(
                "check {} on {name}",
                check.name.as_deref().unwrap_or(&check.expression)
            ),
        });
    }
    items
}

/// The declared indexes of table number `n` with an expression or a predicate that no live
/// index has as written, each built on the table's copy.
fn index_items(temp: &str, n: usize, table: &Table, live: &Table) -> Vec<Item> {
    let name = &table.name;
    let mut items = Vec::new();
    for (i, index) in table.indexes.iter().enumerate() {
        let needs = index.predicate.is_some() || index.keys.iter().any(|k| k.expression);
        if !needs || live.indexes.iter().any(|l| same_text(index, l)) {
            continue;
        }
        let index_name = format!("driftlint_i{n}_{i}");
        items.push(Item {
            ddl: index_ddl(temp, &index_name, index),
            probe: format!(
                "{} WHERE i.indexrelid = {}::regclass",
                INDEX_PROBE,
                quote_literal(&format!("pg_temp.{index_name}"))
            ),
            guard: Some(index_guard(temp, index)),
            sendable: index_sendable(index),
            target: Target::Index {
                table: name.clone(),
                index: i,
            },
            what: format!(
                "index {} on {name}",
                index.name.as_deref().unwrap_or("(unnamed)")
            ),
        });
    }
    items
}

/// The same structure as `introspect/indexes.sql` reads, as one JSON text.
const INDEX_PROBE: &str = "SELECT json_build_object(\
    'keys', ARRAY(SELECT CASE WHEN k.attnum <> 0 THEN a.attname::text \
                  ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int4, true) END \
                  FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                  ORDER BY k.ord), \
    'is_column', ARRAY(SELECT k.attnum <> 0 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ORDER BY k.ord), \
    'opclasses', ARRAY(SELECT CASE WHEN opc.opcdefault THEN NULL ELSE opc.opcname::text END \
                  FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opcoid, ord) \
                  JOIN pg_catalog.pg_opclass opc ON opc.oid = k.opcoid ORDER BY k.ord), \
    'predicate', pg_catalog.pg_get_expr(i.indpred, i.indrelid))::text \
    FROM pg_catalog.pg_index i";

fn same_text(declared: &Index, live: &Index) -> bool {
    declared.keys.len() == live.keys.len()
        && declared
            .keys
            .iter()
            .zip(&live.keys)
            .all(|(d, l)| d.expression == l.expression && same(&d.expr, &l.expr))
        && same_opt(declared.predicate.as_deref(), live.predicate.as_deref())
}

/// The index's expressions and predicate as one `SELECT` over the table's copy.
fn index_guard(temp: &str, index: &Index) -> String {
    let mut columns: Vec<String> = index
        .keys
        .iter()
        .filter(|k| k.expression)
        .map(|k| format!("({})", k.expr))
        .collect();
    columns.extend(index.predicate.iter().map(|p| format!("({p})")));
    format!("SELECT {} FROM {temp}", columns.join(", "))
}

/// Every expression and predicate [`contained`], every collation and operator class a plain name.
fn index_sendable(index: &Index) -> bool {
    index.predicate.as_deref().is_none_or(contained)
        && index.keys.iter().all(|k| {
            (!k.expression || contained(&k.expr))
                && [&k.collation, &k.opclass]
                    .into_iter()
                    .flatten()
                    .all(|name| plain_name(name))
        })
}

fn index_ddl(temp: &str, name: &str, index: &Index) -> String {
    let keys: Vec<String> = index.keys.iter().map(IndexKey::to_sql).collect();
    let mut ddl = format!(
        "CREATE INDEX {name} ON {temp} USING {} ({})",
        quote_ident(&index.method),
        keys.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        ddl.push_str(&format!(" WHERE ({predicate})"));
    }
    ddl
}

#[derive(serde::Deserialize)]
struct IndexProbe {
    keys: Vec<Option<String>>,
    is_column: Vec<bool>,
    opclasses: Vec<Option<String>>,
    predicate: Option<String>,
}

/// Writes one result back; `true` when the declared text changed.
fn apply(declared: &mut Schema, target: &Target, output: String) -> bool {
    let replace = |slot: &mut String, value: String| {
        let changed = *slot != value;
        *slot = value;
        changed
    };
    match target {
        Target::Setup => false,
        Target::Default { table, column } => declared
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(*column))
            .and_then(|c| c.default.as_mut())
            .is_some_and(|slot| replace(slot, output)),
        Target::Generated { table, column } => declared
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(*column))
            .and_then(|c| c.generated.as_mut())
            .is_some_and(|slot| replace(slot, output)),
        Target::Type { table, column } => declared
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(*column))
            .is_some_and(|c| replace(&mut c.data_type, output)),
        Target::Check { table, check } => declared
            .tables
            .get_mut(table)
            .and_then(|t| t.checks.get_mut(*check))
            .is_some_and(|c| replace(&mut c.expression, introspect::check_expression(&output))),
        Target::Index { table, index } => {
            let Some(index) = declared
                .tables
                .get_mut(table)
                .and_then(|t| t.indexes.get_mut(*index))
            else {
                return false;
            };
            let Ok(probe) = serde_json::from_str::<IndexProbe>(&output) else {
                return false;
            };
            let before = index.clone();
            for (k, key) in index.keys.iter_mut().enumerate() {
                if let Some(Some(text)) = probe.keys.get(k) {
                    key.expr = text.clone();
                }
                if let Some(is_column) = probe.is_column.get(k) {
                    key.expression = !is_column;
                }
                if let Some(opclass) = probe.opclasses.get(k) {
                    key.opclass = opclass.clone();
                }
            }
            index.predicate = probe.predicate;
            *index != before
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::model::{Check, Column, IndexKey};
    use crate::scratch::Cluster;

    fn cluster() -> &'static Cluster {
        static CLUSTER: OnceLock<Cluster> = OnceLock::new();
        CLUSTER.get_or_init(|| Cluster::start().expect("scratch cluster"))
    }

    fn database(name: &str, sql: &str) -> postgres::Client {
        let url = cluster().create_database(name).unwrap();
        let mut client = introspect::connect(&url, &Default::default()).unwrap();
        client.batch_execute(sql).unwrap();
        client
    }

    fn live(client: &mut postgres::Client) -> Schema {
        introspect::read(client, &["public".to_string()]).unwrap().0
    }

    fn column(name: &str, data_type: &str, default: Option<&str>) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable: true,
            default: default.map(str::to_string),
            identity: None,
            identity_options: None,
            generated: None,
            collation: None,
            comment: None,
            pos: None,
        }
    }

    const PROSPECTS: &str = "
        CREATE TYPE outreach_status AS ENUM ('pending', 'contacted', 'replied');
        CREATE TABLE prospects (
            id uuid, domain varchar(255), code varchar(10),
            status outreach_status NOT NULL DEFAULT 'pending',
            created_at timestamptz DEFAULT now(),
            CONSTRAINT ck_code CHECK (code IN ('a', 'b'))
        );
        CREATE UNIQUE INDEX ux_domain ON prospects (lower(domain)) WHERE status <> 'replied';";

    fn declared_prospects() -> Schema {
        let name = QualifiedName::new("public", "prospects");
        let table = Table {
            name: name.clone(),
            columns: vec![
                column("id", "uuid", None),
                column("domain", "varchar(255)", None),
                column("code", "character varying(10)", None),
                column("status", "outreach_status", Some("'pending'")),
                column("created_at", "timestamp with time zone", Some("now()")),
            ],
            checks: vec![Check {
                name: Some("ck_code".into()),
                expression: "code IN ('a','b')".into(),
                valid: true,
                pos: None,
            }],
            indexes: vec![Index {
                name: None,
                unique: true,
                method: "btree".into(),
                keys: vec![IndexKey {
                    expr: "lower(domain)".into(),
                    expression: true,
                    opclass: None,
                    descending: false,
                    nulls_first: None,
                    collation: None,
                }],
                include: vec![],
                predicate: Some("status <> 'replied'".into()),
                nulls_not_distinct: false,
                valid: true,
                definition: None,
                pos: None,
            }],
            ..Table::default()
        };
        let mut schema = Schema::default();
        schema.tables.insert(name, table);
        schema
    }

    #[test]
    fn only_self_contained_expressions_are_sent() {
        for ok in [
            "lower(domain)",
            "email ~ '^[a-z]+$'",
            "x <> ';' AND y <> ')'",
            "\"we;ird\" > 0",
            "'it''s'",
            "E'tab'",
        ] {
            assert!(contained(ok), "{ok}");
        }
        for bad in [
            "1) AS int), (f(1)), CAST((1",
            "1; SELECT f()",
            "1 -- x",
            "1 /* x */",
            "$$x$$",
            "E'\\' || f()",
            "'open",
            "(1",
        ] {
            assert!(!contained(bad), "{bad}");
        }
        assert!(plain_name("pg_catalog.\"C\""));
        assert!(!plain_name("text_ops, (f(1))"));
    }

    #[test]
    fn declared_text_becomes_postgresql_canonical_form() {
        let mut client = database("canon_forms", PROSPECTS);
        let live = live(&mut client);
        let mut declared = declared_prospects();
        let report = canonicalize(&mut client, &mut declared, &live).unwrap();
        assert_eq!(report.fallback, None);
        assert!(report.failed.is_empty(), "{:?}", report.failed);

        let table = &declared.tables[&QualifiedName::new("public", "prospects")];
        assert_eq!(
            table.checks[0].expression,
            "((code)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"
        );
        assert_eq!(
            table.column("status").unwrap().default.as_deref(),
            Some("'pending'::outreach_status")
        );
        assert_eq!(
            table.column("created_at").unwrap().default.as_deref(),
            Some("now()")
        );
        assert_eq!(
            table.column("domain").unwrap().data_type,
            "character varying(255)"
        );
        assert_eq!(table.indexes[0].keys[0].expr, "lower(domain::text)");
        assert_eq!(
            table.indexes[0].predicate.as_deref(),
            Some("(status <> 'replied'::outreach_status)")
        );
        // The declared side now equals the live text.
        let live_table = &live.tables[&QualifiedName::new("public", "prospects")];
        assert_eq!(table.checks[0].expression, live_table.checks[0].expression);
        assert_eq!(table.indexes[0].keys, live_table.indexes[0].keys);
        assert_eq!(table.indexes[0].predicate, live_table.indexes[0].predicate);
        // now() and the varchar(10) type already matched the live text: not sent.
        assert_eq!(report.items, 4);
    }

    #[test]
    fn the_target_database_is_never_changed() {
        let mut client = database("canon_untouched", PROSPECTS);
        let before = live(&mut client);
        let mut declared = declared_prospects();
        canonicalize(&mut client, &mut declared, &before).unwrap();
        assert_eq!(live(&mut client), before);
        let temp: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'driftlint_%'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(temp, 0);
    }

    #[test]
    fn a_bad_item_keeps_its_text_and_the_others_still_canonicalize() {
        let mut client = database("canon_bad_item", PROSPECTS);
        let live = live(&mut client);
        let mut declared = declared_prospects();
        let table = declared.tables.values_mut().next().unwrap();
        table.columns[1].default = Some("no_such_function()".into());
        let report = canonicalize(&mut client, &mut declared, &live).unwrap();
        assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
        assert!(report.failed[0].1.contains("no_such_function"));
        let table = declared.tables.values().next().unwrap();
        assert_eq!(
            table.columns[1].default.as_deref(),
            Some("no_such_function()")
        );
        assert_eq!(
            table.column("status").unwrap().default.as_deref(),
            Some("'pending'::outreach_status")
        );
    }

    #[test]
    fn read_only_sessions_fall_back_with_a_reason() {
        let mut client = database("canon_read_only", PROSPECTS);
        client
            .batch_execute("SET default_transaction_read_only = on")
            .unwrap();
        let live = live(&mut client);
        let mut declared = declared_prospects();
        let untouched = declared.clone();
        let report = canonicalize(&mut client, &mut declared, &live).unwrap();
        assert!(
            report.fallback.as_deref().unwrap().contains("read-only"),
            "{report:?}"
        );
        assert!(report.note().is_some());
        assert_eq!(declared, untouched);
    }

    #[test]
    fn many_tables_are_canonicalized_in_several_rolled_back_batches() {
        let mut client = database(
            "canon_many",
            "CREATE TYPE mood AS ENUM ('ok', 'bad');
             DO $$ BEGIN FOR i IN 1..450 LOOP
               EXECUTE format('CREATE TABLE t%s (n int CHECK (n > 0), m mood DEFAULT ''ok'')', i);
             END LOOP; END $$;",
        );
        let live = live(&mut client);
        let mut declared = live.clone();
        for table in declared.tables.values_mut() {
            table.checks[0].expression = "n>0".into();
            table.columns[1].default = Some("'ok'".into());
        }
        let report = canonicalize(&mut client, &mut declared, &live).unwrap();
        assert!(
            report.failed.is_empty(),
            "{:?}",
            &report.failed[..3.min(report.failed.len())]
        );
        assert_eq!(report.items, 900);
        assert_eq!(report.rewritten, 900);
        assert_eq!(declared, live);
        assert_eq!(
            plan(&live, &live, &mut Vec::new()).len(),
            0,
            "nothing to ask when the texts already match"
        );
    }
}
