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
}

const TABLES_SQL: &str = include_str!("tables.sql");
const COLUMNS_SQL: &str = include_str!("columns.sql");
const CONSTRAINTS_SQL: &str = include_str!("constraints.sql");
const INDEXES_SQL: &str = include_str!("indexes.sql");
const ENUMS_SQL: &str = include_str!("enums.sql");
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

/// [`read`] with an explicit `statement_timeout` and `lock_timeout`.
pub fn read_with_timeout(
    client: &mut postgres::Client,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    let started = Instant::now();
    let mut stats = ReadStats::default();
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| connect::query_error(&e, "the catalog (BEGIN READ ONLY)"))?;
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
    tx.batch_execute(&format!(
        "SET LOCAL statement_timeout = {millis}; SET LOCAL lock_timeout = {millis}; \
         SET LOCAL search_path = public"
    ))
    .map_err(|e| connect::query_error(&e, "the catalog (settings)"))?;
    let version: i32 = tx
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .map_err(|e| connect::query_error(&e, "the server version"))?
        .get(0);
    stats.server_version = version;
    let nulls_not_distinct = |sql: &str, column: &str| {
        if version >= 150000 {
            sql.replace("/*NULLS_NOT_DISTINCT*/false", column)
        } else {
            sql.to_string()
        }
    };

    let mut query = |sql: &str, what: &str| {
        stats.queries += 1;
        tx.query(sql, &[&schemas])
            .map_err(|e| connect::query_error(&e, what))
    };
    let table_rows = query(TABLES_SQL, "tables")?;
    let column_rows = query(COLUMNS_SQL, "columns")?;
    let constraint_rows = query(
        &nulls_not_distinct(CONSTRAINTS_SQL, "coalesce(i.indnullsnotdistinct, false)"),
        "constraints",
    )?;
    let index_rows = query(
        &nulls_not_distinct(INDEXES_SQL, "i.indnullsnotdistinct"),
        "indexes",
    )?;
    let enum_rows = query(ENUMS_SQL, "enums")?;
    tx.commit()
        .map_err(|e| connect::query_error(&e, "the catalog (COMMIT)"))?;

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

    for row in &column_rows {
        let Some(table) = table_for(&mut schema, &by_oid, row.get("attrelid")) else {
            continue;
        };
        let identity: String = row.get("identity");
        let generated: String = row.get("generated");
        let default: Option<String> = row.get("default_expr");
        let (default, generated) = if generated == "s" {
            (None, default)
        } else {
            (default, None)
        };
        table.columns.push(Column {
            name: row.get("attname"),
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

    for row in &constraint_rows {
        let Some(table) = table_for(&mut schema, &by_oid, row.get("conrelid")) else {
            continue;
        };
        stats.constraints += 1;
        let name: String = row.get("conname");
        let columns: Vec<String> = row.get("columns");
        let contype: String = row.get("contype");
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
                table.foreign_keys.push(ForeignKey {
                    columns,
                    ref_table: QualifiedName::new(
                        row.get::<_, Option<String>>("ref_schema")
                            .unwrap_or_default(),
                        row.get::<_, Option<String>>("ref_table")
                            .unwrap_or_default(),
                    ),
                    ref_columns: row.get("ref_columns"),
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

    for row in &index_rows {
        let Some(table) = table_for(&mut schema, &by_oid, row.get("indrelid")) else {
            continue;
        };
        stats.indexes += 1;
        let keys: Vec<Option<String>> = row.get("keys");
        let is_column: Vec<bool> = row.get("key_is_column");
        let opclasses: Vec<Option<String>> = row.get("opclasses");
        let options: Vec<i16> = row.get("options");
        let key_count = usize::try_from(row.get::<_, i32>("key_count")).unwrap_or(0);
        let mut index = Index {
            name: Some(row.get("index_name")),
            unique: row.get("indisunique"),
            method: row.get("method"),
            keys: Vec::with_capacity(key_count),
            include: Vec::new(),
            predicate: row.get("predicate"),
            nulls_not_distinct: row.get("nulls_not_distinct"),
            valid: row.get("indisvalid"),
            definition: Some(row.get("definition")),
            pos: None,
        };
        for (k, key) in keys.into_iter().enumerate() {
            let key = key.unwrap_or_default();
            if k >= key_count {
                index.include.push(key);
                continue;
            }
            let option = options.get(k).copied().unwrap_or(0);
            let descending = option & 1 != 0;
            let nulls_first = option & 2 != 0;
            index.keys.push(IndexKey {
                expr: key,
                expression: !is_column.get(k).copied().unwrap_or(true),
                opclass: opclasses.get(k).cloned().flatten(),
                descending,
                nulls_first: (nulls_first != descending).then_some(nulls_first),
            });
        }
        table.indexes.push(index);
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
    stats.elapsed = started.elapsed();
    Ok((schema, stats))
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
