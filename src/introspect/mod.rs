//! The live database read into a [`crate::model::Schema`] with a fixed number of bulk catalog
//! queries, in one READ ONLY transaction. Connecting (URLs, TLS) lives in [`connect`]; this
//! module only reads, it never writes.
//!
//! # What the live side looks like (for the comparison)
//!
//! Everything is read with `search_path = public` pinned for the transaction, so the text does
//! not depend on the role's settings:
//! - **types** are exactly what `format_type(atttypid, atttypmod)` prints: `integer`,
//!   `character varying(255)`, `timestamp with time zone`, `numeric(12,2)`, `integer[]`; a user
//!   type (enum, domain) is unqualified when it lives in `public` (`outreach_status`) and
//!   schema-qualified otherwise (`billing.mood`, `billing."Mood"`). `serial` columns appear as
//!   `integer` with the default `nextval('t_id_seq'::regclass)`; identity columns have no default
//!   and `Column::identity` set.
//! - **defaults** and **generated expressions**: `pg_get_expr(adbin, adrelid)` (not pretty), e.g.
//!   `now()`, `'pending'::outreach_status`, `gen_random_uuid()`, `(price * qty)`.
//! - **check expressions**: `pg_get_constraintdef(oid)` without the outer `CHECK (` `)` and
//!   without a trailing `NOT VALID` / `NO INHERIT`, e.g. `(truck_count > 0)` or
//!   `((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`.
//! - **index keys**: a column name, or for an expression `pg_get_indexdef(index, k, true)`
//!   (pretty), e.g. `lower(domain::text)`; **predicates**: `pg_get_expr(indpred, indrelid)`
//!   (not pretty), e.g. `(status <> 'replied'::outreach_status)`.
//!
//! [`crate::canon::canonicalize`] rewrites the declared side into these same forms.
//!
//! Left out: partition children (and their cloned indexes and constraints), objects owned by an
//! extension, indexes that back a PRIMARY KEY / UNIQUE / EXCLUDE constraint (they are the
//! constraint), exclusion constraints.

pub mod connect;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use miette::Diagnostic;
use postgres::fallible_iterator::FallibleIterator;
use thiserror::Error;

pub use connect::{connect, ConnectOptions};

use crate::model::{
    Check, Column, Enum, FkAction, ForeignKey, Identity, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique,
};

/// Errors connecting to or reading a database. None of them ever contains a password.
#[derive(Debug, Error, Diagnostic)]
pub enum DbError {
    #[error("no database URL given")]
    #[diagnostic(
        code(driftlint::db::no_url),
        help("pass --database-url postgres://user@host:5432/dbname or set DATABASE_URL")
    )]
    NoDatabaseUrl,

    #[error("invalid database URL: {reason}")]
    #[diagnostic(
        code(driftlint::db::url),
        help("use postgres://user:password@host:5432/dbname?sslmode=require, a SQLAlchemy URL (postgresql+asyncpg://...) or a libpq string (host=... dbname=...)")
    )]
    InvalidUrl { reason: String },

    #[error("connection refused by {endpoint}")]
    #[diagnostic(
        code(driftlint::db::refused),
        help("is PostgreSQL running and listening on that host and port? check the host and port in the URL")
    )]
    Refused { endpoint: String },

    #[error("cannot reach {endpoint}: {reason}")]
    #[diagnostic(
        code(driftlint::db::unreachable),
        help("check the host name in the URL and the network path to the server")
    )]
    Unreachable { endpoint: String, reason: String },

    #[error("timed out after {seconds}s connecting to {endpoint}")]
    #[diagnostic(
        code(driftlint::db::timeout),
        help("check that the server is reachable (firewall, VPN); raise the timeout with --timeout if it is just slow")
    )]
    Timeout { endpoint: String, seconds: u64 },

    #[error("authentication failed for user \"{user}\" at {endpoint}: {reason}")]
    #[diagnostic(
        code(driftlint::db::auth),
        help("check the user name and password in the URL (or PGPASSWORD) and the server's pg_hba.conf")
    )]
    Auth {
        user: String,
        endpoint: String,
        reason: String,
    },

    #[error("the server at {endpoint} asks for a password for user \"{user}\" and none was given")]
    #[diagnostic(
        code(driftlint::db::password_required),
        help("put it in the URL (postgres://user:password@host/db) or in PGPASSWORD")
    )]
    PasswordRequired { user: String, endpoint: String },

    #[error("database \"{database}\" does not exist on {endpoint}")]
    #[diagnostic(
        code(driftlint::db::unknown_database),
        help("check the database name at the end of the URL (`psql -l` lists them)")
    )]
    UnknownDatabase { database: String, endpoint: String },

    #[error("permission denied reading the catalog: {reason}")]
    #[diagnostic(
        code(driftlint::db::permission),
        help("connect as a role that can read pg_catalog (any role that can log in normally can); check the role's privileges and row-level policies")
    )]
    Permission { reason: String },

    #[error("PostgreSQL {version} is too old")]
    #[diagnostic(
        code(driftlint::db::server_too_old),
        help("driftlint reads PostgreSQL 11 and newer")
    )]
    ServerTooOld { version: String },

    #[error("TLS failure with {endpoint}: {reason}")]
    #[diagnostic(
        code(driftlint::db::tls),
        help("check sslmode (disable, prefer, require, verify-ca, verify-full) and sslrootcert (a PEM file with the server's CA); verify-full also checks the host name")
    )]
    Tls { endpoint: String, reason: String },

    #[error("the server at {endpoint} is not accepting connections: {reason}")]
    #[diagnostic(
        code(driftlint::db::unavailable),
        help("the server is starting up, shutting down or in recovery; retry in a moment")
    )]
    Unavailable { endpoint: String, reason: String },

    #[error("cannot connect to {endpoint}: {reason}")]
    #[diagnostic(code(driftlint::db::connection), help("check the database URL"))]
    Connection { endpoint: String, reason: String },

    #[error("the server refused the connection ({code}): {message}")]
    #[diagnostic(
        code(driftlint::db::server),
        help("check the database URL and the server log")
    )]
    Server { code: String, message: String },

    #[error("reading {what} hit the statement timeout")]
    #[diagnostic(
        code(driftlint::db::query_timeout),
        help("the catalog read took longer than --timeout; raise it, or retry when the server is less busy")
    )]
    QueryTimeout { what: String },

    #[error("reading {what} waited too long for a lock")]
    #[diagnostic(
        code(driftlint::db::lock_timeout),
        help("a long DDL statement holds a catalog lock; retry when it is done")
    )]
    LockTimeout { what: String },

    #[error("reading {what} failed: {message}")]
    #[diagnostic(code(driftlint::db::query), help("SQLSTATE {code}; this is likely a bug in driftlint, please report it with the server version"))]
    Query {
        what: String,
        code: String,
        message: String,
    },

    #[error("unexpected catalog value while reading {what}: {detail}")]
    #[diagnostic(
        code(driftlint::db::catalog),
        help("this is likely a bug in driftlint, please report it with the server version")
    )]
    Catalog { what: String, detail: String },
}

/// Figures about one [`read`]: how many catalog queries it took (constant, whatever the number
/// of tables) and how much it found. `check` can print `queries` (e.g. a `catalog_queries`
/// field of its JSON summary) so that the benchmark can show it stays constant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Catalog queries run, `SET`/`BEGIN`/`COMMIT` excluded.
    pub queries: usize,
    pub tables: usize,
    pub columns: usize,
    pub indexes: usize,
    pub constraints: usize,
    pub enums: usize,
    /// Wall time of the whole read.
    pub elapsed: Duration,
    /// `server_version_num`.
    pub server_version: i32,
    /// Whether a second connection read the indexes (see [`read_alongside`]).
    pub shared_snapshot: bool,
}

const TABLES_SQL: &str = include_str!("tables.sql");
const COLUMNS_SQL: &str = include_str!("columns.sql");
const CONSTRAINTS_SQL: &str = include_str!("constraints.sql");
const INDEXES_SQL: &str = include_str!("indexes.sql");
const ENUMS_SQL: &str = include_str!("enums.sql");
const LOOKUPS_SQL: &str = include_str!("lookups.sql");
const INDEX_DEFINITIONS_SQL: &str = include_str!("index_definitions.sql");
const INDEX_DEFINITIONS_BY_NAME_SQL: &str = include_str!("index_definitions_by_name.sql");
const COLUMN_NAMES_SQL: &str = include_str!("column_names.sql");
const SCHEMAS_SQL: &str = include_str!("schemas.sql");

/// The `statement_timeout` / `lock_timeout` of [`read`] unless the caller sets its own
/// (see [`read_with_timeout`]).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Every non-system schema of the database (not `pg_*`, not `information_schema`, not owned
/// by an extension), sorted.
pub fn user_schemas(client: &mut postgres::Client) -> Result<Vec<String>, DbError> {
    let rows = client
        .query(SCHEMAS_SQL, &[])
        .map_err(|e| connect::query_error(&e, "schemas"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Reads the tables, columns, constraints, indexes and enums of `schemas`.
pub fn read(
    client: &mut postgres::Client,
    schemas: &[String],
) -> Result<(Schema, ReadStats), DbError> {
    read_with_timeout(client, schemas, DEFAULT_READ_TIMEOUT)
}

/// `pg_get_indexdef` of the indexes named by `(schema, index name)`, in one query: for the
/// indexes [`read`] leaves without a `definition` (those with expressions, a predicate or
/// storage options) when a caller needs it. Indexes that no longer exist are left out.
pub fn index_definitions(
    client: &mut postgres::Client,
    indexes: &[(String, String)],
) -> Result<HashMap<(String, String), String>, DbError> {
    let (schemas, names): (Vec<&str>, Vec<&str>) = indexes
        .iter()
        .map(|(schema, name)| (schema.as_str(), name.as_str()))
        .unzip();
    let rows = client
        .query(INDEX_DEFINITIONS_BY_NAME_SQL, &[&schemas, &names])
        .map_err(|e| connect::query_error(&e, "index definitions"))?;
    Ok(rows
        .iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect())
}

/// Adapts a query to the server version: features a version lacks read as constants.
fn for_version(sql: &str, version: i32) -> String {
    let mut sql = sql.to_string();
    if version >= 150000 {
        sql = sql.replace(
            "/*NULLS_NOT_DISTINCT*/false",
            "coalesce(i.indnullsnotdistinct, false)",
        );
    }
    if version < 120000 {
        sql = sql.replace("a.attgenerated", "''::\"char\"");
    }
    sql
}

/// Runs one catalog query (adapted to the server version) and counts it.
fn run_query(
    tx: &mut postgres::Transaction<'_>,
    queries: &mut usize,
    version: i32,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    what: &str,
) -> Result<Vec<postgres::Row>, DbError> {
    *queries += 1;
    tx.query(&for_version(sql, version), params)
        .map_err(|e| connect::query_error(&e, what))
}

/// Column names by (table oid, attribute number).
type ColumnNames = HashMap<(u32, i16), String>;

/// [`read`] with an explicit `statement_timeout` and `lock_timeout`.
///
/// Queries: tables, columns, constraints, indexes, enums, lookups (keywords and operator
/// classes); plus, only when needed, the column names of tables outside `schemas` that foreign
/// keys refer to, and the definitions of plain indexes with a non-default collation. At most 8,
/// whatever the number of tables.
pub fn read_with_timeout(
    client: &mut postgres::Client,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    read_on(client, None, schemas, timeout)
}

/// [`read_with_timeout`] on two connections to the same database (see [`connect_pair`]), in one
/// snapshot (`pg_export_snapshot`): `helper` reads the indexes, whose deparsed expressions and
/// predicates make theirs the longest query on a large schema, while `client` reads the rest.
/// Without a helper, or when it cannot join the snapshot (a server or pooler that refuses it),
/// `client` reads everything, as [`read_with_timeout`] does.
pub fn read_alongside(
    client: &mut postgres::Client,
    helper: Option<postgres::Client>,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    read_on(client, helper, schemas, timeout)
}

/// Two connections to `url`, opened side by side, for [`read_alongside`]: the second is `None`
/// when only one could be opened (a connection limit, say); an error of the first is the
/// caller's.
pub fn connect_pair(
    url: &str,
    options: &ConnectOptions,
) -> Result<(postgres::Client, Option<postgres::Client>), DbError> {
    let opening = {
        let (url, options) = (url.to_string(), options.clone());
        std::thread::Builder::new()
            .name("driftlint-connect-helper".into())
            .spawn(move || connect(&url, &options))
            .ok()
    };
    let client = connect(url, options)?;
    let helper = opening.and_then(|opening| opening.join().ok()?.ok());
    Ok((client, helper))
}

/// `SET LOCAL`s of a catalog read transaction.
fn read_settings(timeout: Duration) -> String {
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
    format!(
        "SET LOCAL statement_timeout = {millis}; SET LOCAL lock_timeout = {millis}; \
         SET LOCAL search_path = public; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"
    )
}

/// The helper's side of [`read_alongside`]: waits for the snapshot and server version, then
/// reads the index rows in that snapshot.
fn read_indexes_in_snapshot(
    mut helper: postgres::Client,
    snapshot: std::sync::mpsc::Receiver<(String, i32)>,
    schemas: Vec<String>,
    timeout: Duration,
) -> Result<Vec<postgres::Row>, DbError> {
    let failed = |what: &'static str| move |e: postgres::Error| connect::query_error(&e, what);
    let (snapshot, version) = snapshot.recv().map_err(|_| DbError::Catalog {
        what: "the catalog".into(),
        detail: "no snapshot to share".into(),
    })?;
    let mut tx = helper
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(failed("the catalog (BEGIN READ ONLY)"))?;
    tx.batch_execute(&format!(
        "SET TRANSACTION SNAPSHOT {}; {}",
        crate::model::quote_literal(&snapshot),
        read_settings(timeout)
    ))
    .map_err(failed("the catalog (shared snapshot)"))?;
    let rows = tx
        .query(&for_version(INDEXES_SQL, version), &[&schemas])
        .map_err(failed("indexes"))?;
    tx.commit().map_err(failed("the catalog (COMMIT)"))?;
    Ok(rows)
}

fn read_on(
    client: &mut postgres::Client,
    helper: Option<postgres::Client>,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    let started = Instant::now();
    let mut stats = ReadStats::default();
    fn begin(
        client: &mut postgres::Client,
        shared: bool,
    ) -> Result<postgres::Transaction<'_>, DbError> {
        let mut builder = client.build_transaction().read_only(true);
        if shared {
            builder = builder.isolation_level(postgres::IsolationLevel::RepeatableRead);
        }
        builder
            .start()
            .map_err(|e| connect::query_error(&e, "the catalog (BEGIN READ ONLY)"))
    }
    // With a helper, the transaction exports its snapshot first; a server that refuses gets the
    // plain read.
    let (mut tx, mut snapshot) = match helper {
        Some(helper) => {
            let mut tx = begin(client, true)?;
            match tx.query_one("SELECT pg_catalog.pg_export_snapshot()", &[]) {
                Ok(row) => {
                    let (sender, receiver) = std::sync::mpsc::channel();
                    let schemas = schemas.to_vec();
                    let reading = std::thread::Builder::new()
                        .name("driftlint-indexes".into())
                        .spawn(move || read_indexes_in_snapshot(helper, receiver, schemas, timeout))
                        .ok();
                    let id: String = row.get(0);
                    (tx, reading.map(|reading| (sender, id, reading)))
                }
                Err(_) => {
                    drop(tx);
                    (begin(client, false)?, None)
                }
            }
        }
        None => (begin(client, false)?, None),
    };
    tx.batch_execute(&read_settings(timeout))
        .map_err(|e| connect::query_error(&e, "the catalog (settings)"))?;
    let version: i32 = tx
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .map_err(|e| connect::query_error(&e, "the server version"))?
        .get(0);
    stats.server_version = version;
    // The helper starts on the indexes now.
    let helper_rows = snapshot.take().and_then(|(sender, id, reading)| {
        sender.send((id, version)).ok()?;
        Some(reading)
    });

    let table_rows = run_query(
        &mut tx,
        &mut stats.queries,
        version,
        TABLES_SQL,
        &[&schemas],
        "tables",
    )?;
    let constraint_rows = run_query(
        &mut tx,
        &mut stats.queries,
        version,
        CONSTRAINTS_SQL,
        &[&schemas],
        "constraints",
    )?;
    let enum_rows = run_query(
        &mut tx,
        &mut stats.queries,
        version,
        ENUMS_SQL,
        &[&schemas],
        "enums",
    )?;
    let lookup_rows = run_query(
        &mut tx,
        &mut stats.queries,
        version,
        LOOKUPS_SQL,
        &[],
        "keywords and operator classes",
    )?;
    let mut schema = Schema::default();
    let mut by_oid: HashMap<u32, QualifiedName> = HashMap::with_capacity(table_rows.len());
    for row in &table_rows {
        let oid: u32 = row.get("oid");
        let name = QualifiedName::new(
            row.get::<_, String>("nspname"),
            row.get::<_, String>("relname"),
        );
        let reltuples: f64 = row.get("reltuples");
        let relpages: i32 = row.get("relpages");
        let row_estimate =
            if reltuples < 0.0 || (version < 140000 && reltuples == 0.0 && relpages == 0) {
                None // never vacuumed or analyzed: unknown
            } else {
                Some(reltuples.round() as i64)
            };
        by_oid.insert(oid, name.clone());
        schema.tables.insert(
            name.clone(),
            Table {
                name,
                partitioned: row.get("partitioned"),
                row_estimate,
                ..Table::default()
            },
        );
    }
    stats.tables = schema.tables.len();
    drop(table_rows);

    // Sized for a typical table (about ten columns) so that large schemas do not grow the maps
    // step by step.
    let mut names: ColumnNames = HashMap::with_capacity(stats.tables * 10);
    let mut collations: HashMap<(u32, i16), u32> = HashMap::with_capacity(stats.tables * 10);
    stats.queries += 1;
    let mut column_rows = tx
        .query_raw(&for_version(COLUMNS_SQL, version), [schemas])
        .map_err(|e| connect::query_error(&e, "columns"))?;
    while let Some(row) = column_rows
        .next()
        .map_err(|e| connect::query_error(&e, "columns"))?
    {
        let row = &row;
        let oid: u32 = row.get("attrelid");
        let Some(table) = table_for(&mut schema, &by_oid, oid) else {
            continue;
        };
        let attnum: i16 = row.get("attnum");
        let name: String = row.get("attname");
        names.insert((oid, attnum), name.clone());
        collations.insert((oid, attnum), row.get("attcollation"));
        let identity: String = row.get("identity");
        let generated: String = row.get("generated");
        let default: Option<String> = row.get("default_expr");
        let (default, generated) = if generated == "s" {
            (None, default)
        } else {
            (default, None)
        };
        table.columns.push(Column {
            name,
            data_type: row.get("data_type"),
            nullable: !row.get::<_, bool>("attnotnull"),
            default,
            identity: match identity.as_str() {
                "a" => Some(Identity::Always),
                "d" => Some(Identity::ByDefault),
                _ => None,
            },
            generated,
            pos: None,
        });
        stats.columns += 1;
    }

    drop(column_rows);

    // Foreign keys to tables outside `schemas`: their column names, in one more query.
    let outside: Vec<u32> = {
        let mut oids: Vec<u32> = constraint_rows
            .iter()
            .filter_map(|row| row.get::<_, Option<u32>>("confrelid"))
            .filter(|oid| *oid != 0 && !by_oid.contains_key(oid))
            .collect();
        oids.sort_unstable();
        oids.dedup();
        oids
    };
    if !outside.is_empty() {
        for row in run_query(
            &mut tx,
            &mut stats.queries,
            version,
            COLUMN_NAMES_SQL,
            &[&outside],
            "referenced columns",
        )? {
            names.insert((row.get("attrelid"), row.get("attnum")), row.get("attname"));
        }
    }

    let lookups = Lookups::new(&lookup_rows);
    let mut missing_definitions: Vec<u32> = Vec::new();
    let mut index_oids: HashMap<u32, (QualifiedName, usize)> = HashMap::new();
    stats.queries += 1;
    // The helper's rows when it read them; else read here (also when the helper failed: it
    // only ever reads, so its error is not the user's).
    let shared_rows = helper_rows.and_then(|reading| reading.join().ok()?.ok());
    stats.shared_snapshot = shared_rows.is_some();
    let mut index_rows: Box<dyn Iterator<Item = Result<postgres::Row, DbError>>> = match shared_rows
    {
        Some(rows) => Box::new(rows.into_iter().map(Ok)),
        None => {
            let rows = tx
                .query_raw(&for_version(INDEXES_SQL, version), [schemas])
                .map_err(|e| connect::query_error(&e, "indexes"))?;
            Box::new(
                rows.iterator()
                    .map(|row| row.map_err(|e| connect::query_error(&e, "indexes"))),
            )
        }
    };
    while let Some(row) = index_rows.next().transpose()? {
        let row = &row;
        let table_oid: u32 = row.get("indrelid");
        let Some(table) = table_for(&mut schema, &by_oid, table_oid) else {
            continue;
        };
        stats.indexes += 1;
        let (index, needs_definition) =
            index_from_row(row, table_oid, &table.name, &names, &collations, &lookups)?;
        if needs_definition {
            let oid: u32 = row.get("indexrelid");
            missing_definitions.push(oid);
            index_oids.insert(oid, (table.name.clone(), table.indexes.len()));
        }
        table.indexes.push(index);
    }
    drop(index_rows);
    if !missing_definitions.is_empty() {
        for row in run_query(
            &mut tx,
            &mut stats.queries,
            version,
            INDEX_DEFINITIONS_SQL,
            &[&missing_definitions],
            "index definitions",
        )? {
            let oid: u32 = row.get("indexrelid");
            if let Some((table, i)) = index_oids.get(&oid) {
                if let Some(index) = schema
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.indexes.get_mut(*i))
                {
                    index.definition = Some(row.get("definition"));
                }
            }
        }
    }
    tx.commit()
        .map_err(|e| connect::query_error(&e, "the catalog (COMMIT)"))?;

    for row in &constraint_rows {
        let table_oid: u32 = row.get("conrelid");
        let Some(table) = table_for(&mut schema, &by_oid, table_oid) else {
            continue;
        };
        stats.constraints += 1;
        let name: String = row.get("conname");
        let column_names = |keys: Option<Vec<i16>>, oid: u32| -> Result<Vec<String>, DbError> {
            keys.unwrap_or_default()
                .iter()
                .map(|attnum| {
                    names
                        .get(&(oid, *attnum))
                        .cloned()
                        .ok_or_else(|| DbError::Catalog {
                            what: format!("constraint {name}"),
                            detail: format!("no column number {attnum} in table oid {oid}"),
                        })
                })
                .collect()
        };
        let contype: String = row.get("contype");
        // A check's `conkey` lists the columns its expression reads, a whole-row reference
        // (`CHECK (t IS NOT NULL)`) as 0; the model keeps only the expression.
        let columns = if contype == "c" {
            Vec::new()
        } else {
            column_names(row.get("conkey"), table_oid)?
        };
        match contype.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(name),
                    columns,
                    pos: None,
                })
            }
            "u" => table.uniques.push(Unique {
                name: Some(name),
                columns,
                nulls_not_distinct: row.get("nulls_not_distinct"),
                pos: None,
            }),
            "c" => {
                let definition: String = row
                    .get::<_, Option<String>>("definition")
                    .unwrap_or_default();
                table.checks.push(Check {
                    name: Some(name),
                    expression: check_expression(&definition),
                    valid: row.get("convalidated"),
                    pos: None,
                })
            }
            "f" => {
                let fk_action = |column: &str| -> Result<FkAction, DbError> {
                    let code: String = row.get(column);
                    fk_action(&code).ok_or_else(|| DbError::Catalog {
                        what: format!("foreign key {name}"),
                        detail: format!("unknown {column} action `{code}`"),
                    })
                };
                let ref_oid: u32 = row.get::<_, Option<u32>>("confrelid").unwrap_or(0);
                table.foreign_keys.push(ForeignKey {
                    columns,
                    ref_table: QualifiedName::new(
                        row.get::<_, Option<String>>("ref_schema")
                            .unwrap_or_default(),
                        row.get::<_, Option<String>>("ref_table")
                            .unwrap_or_default(),
                    ),
                    ref_columns: column_names(row.get("confkey"), ref_oid)?,
                    on_delete: fk_action("on_delete")?,
                    on_update: fk_action("on_update")?,
                    deferrable: row.get("condeferrable"),
                    initially_deferred: row.get("condeferred"),
                    valid: row.get("convalidated"),
                    name: Some(name),
                    pos: None,
                })
            }
            other => {
                return Err(DbError::Catalog {
                    what: format!("constraint {name}"),
                    detail: format!("unexpected contype `{other}`"),
                })
            }
        }
    }

    for row in &enum_rows {
        let name = QualifiedName::new(
            row.get::<_, String>("nspname"),
            row.get::<_, String>("typname"),
        );
        schema.enums.insert(
            name.clone(),
            Enum {
                name,
                values: row.get("labels"),
                pos: None,
            },
        );
    }
    stats.enums = schema.enums.len();
    schema.tables.values_mut().for_each(Table::shrink_to_fit);
    stats.elapsed = started.elapsed();
    Ok((schema, stats))
}

/// Keywords and operator classes, to write index definitions as `pg_get_indexdef` does.
struct Lookups {
    keywords: std::collections::HashSet<String>,
    /// Operator class oid -> (name as SQL, is the default for its type).
    opclasses: HashMap<u32, (String, bool)>,
}

impl Lookups {
    fn new(rows: &[postgres::Row]) -> Self {
        let mut lookups = Lookups {
            keywords: Default::default(),
            opclasses: HashMap::new(),
        };
        for row in rows {
            let kind: String = row.get("kind");
            let name: String = row.get("name");
            if kind == "k" {
                lookups.keywords.insert(name);
            } else {
                lookups
                    .opclasses
                    .insert(row.get("oid"), (name, row.get("is_default")));
            }
        }
        lookups
    }

    /// PostgreSQL's `quote_identifier`: quoted unless lower-case letters, digits and `_` (not
    /// starting with a digit) and not a keyword that needs quoting.
    fn quote(&self, ident: &str) -> String {
        let safe = ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && ident
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !self.keywords.contains(ident);
        if safe {
            ident.to_string()
        } else {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
    }
}

/// One row of indexes.sql as an [`Index`]; `true` when its definition must still be fetched.
fn index_from_row(
    row: &postgres::Row,
    table_oid: u32,
    table: &QualifiedName,
    names: &ColumnNames,
    collations: &HashMap<(u32, i16), u32>,
    lookups: &Lookups,
) -> Result<(Index, bool), DbError> {
    let index_name: String = row.get("index_name");
    let attnums: Vec<i16> = row.get("attnums");
    let opclasses: Vec<u32> = row.get("opclasses");
    let options: Vec<i16> = row.get("options");
    let index_collations: Vec<u32> = row.get("collations");
    let mut expressions = row
        .get::<_, Option<Vec<String>>>("expressions")
        .unwrap_or_default()
        .into_iter();
    let key_count = usize::try_from(row.get::<_, i32>("key_count")).unwrap_or(0);
    let column_name = |attnum: i16| {
        names
            .get(&(table_oid, attnum))
            .cloned()
            .ok_or_else(|| DbError::Catalog {
                what: format!("index {index_name}"),
                detail: format!("no column number {attnum} in {table}"),
            })
    };
    let mut index = Index {
        name: Some(index_name.clone()),
        unique: row.get("indisunique"),
        method: row.get("method"),
        keys: Vec::with_capacity(key_count),
        include: Vec::new(),
        predicate: row.get("predicate"),
        nulls_not_distinct: row.get("nulls_not_distinct"),
        valid: row.get("indisvalid"),
        definition: None,
        pos: None,
    };
    let mut odd_collation = false;
    let mut written_keys = Vec::with_capacity(attnums.len());
    for (k, attnum) in attnums.iter().copied().enumerate() {
        if k >= key_count {
            let name = column_name(attnum)?;
            written_keys.push(lookups.quote(&name));
            index.include.push(name);
            continue;
        }
        let option = options.get(k).copied().unwrap_or(0);
        let descending = option & 1 != 0;
        let nulls_first = option & 2 != 0;
        let opclass = opclasses
            .get(k)
            .and_then(|oid| lookups.opclasses.get(oid))
            .filter(|(_, is_default)| !is_default)
            .map(|(name, _)| name.clone());
        let (expr, expression) = if attnum == 0 {
            let text = expressions.next().ok_or_else(|| DbError::Catalog {
                what: format!("index {index_name}"),
                detail: "fewer expressions than expression keys".into(),
            })?;
            (text, true)
        } else {
            let name = column_name(attnum)?;
            let collation = index_collations.get(k).copied().unwrap_or(0);
            if collation != 0 && Some(&collation) != collations.get(&(table_oid, attnum)) {
                odd_collation = true;
            }
            let mut written = lookups.quote(&name);
            if let Some(opclass) = &opclass {
                written.push(' ');
                written.push_str(opclass);
            }
            if index.method == "btree" {
                match (descending, nulls_first) {
                    (true, true) => written.push_str(" DESC"),
                    (true, false) => written.push_str(" DESC NULLS LAST"),
                    (false, true) => written.push_str(" NULLS FIRST"),
                    (false, false) => {}
                }
            }
            written_keys.push(written);
            (name, false)
        };
        index.keys.push(IndexKey {
            expr,
            expression,
            opclass,
            descending,
            nulls_first: (nulls_first != descending).then_some(nulls_first),
        });
    }
    if index.keys.iter().any(|k| k.expression)
        || index.predicate.is_some()
        || row.get::<_, bool>("has_options")
    {
        // Deparsed in full only when needed: see `index_definitions`.
        return Ok((index, false));
    }
    if odd_collation {
        return Ok((index, true));
    }
    // What pg_get_indexdef prints for an index without expressions, predicate or options.
    let key_count = index.keys.len();
    let mut definition = format!(
        "CREATE {}INDEX {} ON {}{}.{} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        lookups.quote(&index_name),
        if row.get::<_, bool>("on_partitioned") {
            "ONLY "
        } else {
            ""
        },
        lookups.quote(&table.schema),
        lookups.quote(&table.name),
        lookups.quote(&index.method),
        written_keys[..key_count].join(", ")
    );
    if written_keys.len() > key_count {
        definition.push_str(&format!(
            " INCLUDE ({})",
            written_keys[key_count..].join(", ")
        ));
    }
    if index.nulls_not_distinct {
        definition.push_str(" NULLS NOT DISTINCT");
    }
    index.definition = Some(definition);
    Ok((index, false))
}

fn table_for<'a>(
    schema: &'a mut Schema,
    by_oid: &HashMap<u32, QualifiedName>,
    oid: u32,
) -> Option<&'a mut Table> {
    schema.tables.get_mut(by_oid.get(&oid)?)
}

fn fk_action(code: &str) -> Option<FkAction> {
    Some(match code {
        "a" => FkAction::NoAction,
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => return None,
    })
}

/// `CHECK ((a > 0)) NOT VALID` -> `(a > 0)`: the expression of a `pg_get_constraintdef`.
pub fn check_expression(definition: &str) -> String {
    let mut text = definition.trim();
    loop {
        if let Some(rest) = text.strip_suffix("NOT VALID") {
            text = rest.trim_end();
        } else if let Some(rest) = text.strip_suffix("NO INHERIT") {
            text = rest.trim_end();
        } else {
            break;
        }
    }
    match text
        .strip_prefix("CHECK (")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(inner) => inner.to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_expression_strips_the_wrapper() {
        assert_eq!(check_expression("CHECK ((a > 0))"), "(a > 0)");
        assert_eq!(check_expression("CHECK ((a > 0)) NOT VALID"), "(a > 0)");
        assert_eq!(check_expression("CHECK ((a > 0)) NO INHERIT"), "(a > 0)");
        assert_eq!(
            check_expression("CHECK ((note <> 'NOT VALID'::text))"),
            "(note <> 'NOT VALID'::text)"
        );
    }
}
