//! The live database read into a [`crate::model::Schema`] with a fixed number of bulk catalog
//! queries, in one READ ONLY transaction. Connecting (URLs, TLS) lives in [`mod@connect`]; this
//! module only reads, it never writes.
//!
//! # Layout
//!
//! - `reader`: the transaction and the order of the queries; `snapshot`: the indexes read on a
//!   second connection in the same snapshot;
//! - one module per object kind, `tables`, `columns`, `constraints`, `indexes`, `enums`,
//!   `sequences` and
//!   `lookups` (keywords and operator classes): each runs its bulk query (the `.sql` file of the
//!   same name) and turns a row struct into the model with a pure function, tested without a
//!   database;
//! - `queries`: the query texts and the parts that depend on the server version, named in
//!   [`version`]; `row`: every catalog value is read through it, and a missing, NULL or
//!   mistyped one is a [`DbError::CatalogColumn`], never a panic.
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
//! constraint; an exclusion constraint's elements are read from its index), the sequences of
//! serial and identity columns (they belong to their column).

pub mod connect;
pub mod version;

mod columns;
mod constraints;
mod enums;
mod indexes;
mod lookups;
mod pinned;
mod queries;
mod reader;
mod row;
mod sequences;
mod snapshot;
mod tables;

use std::collections::HashMap;
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

pub use connect::{connect, ConnectOptions};
pub use constraints::check_expression;

use crate::model::Schema;
use row::CatalogRow;

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

    #[error("the database stopped answering while {what}: no reply within {seconds}s")]
    #[diagnostic(
        code(driftlint::db::stalled),
        help("the connection (or a proxy or load balancer on the way) went silent; driftlint gives up rather than hang. Check the network path to the server, or raise --timeout if the server is just that slow")
    )]
    Stalled { what: String, seconds: u64 },

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

    #[error("the connection to the database was lost while {what}: {reason}")]
    #[diagnostic(
        code(driftlint::db::connection_lost),
        help("the server closed the connection or went away (a restart, a failover, a proxy or the network); rerun when it is reachable again")
    )]
    ConnectionLost { what: String, reason: String },

    #[error("the server ended the session while {what}: {message}")]
    #[diagnostic(
        code(driftlint::db::session_ended),
        help("SQLSTATE {code}: an administrator (pg_terminate_backend), a shutdown, a restart or a session timeout ended the connection; rerun when the server is back")
    )]
    SessionEnded {
        what: String,
        code: String,
        message: String,
    },

    #[error("the server ran short of resources while reading {what}: {message}")]
    #[diagnostic(
        code(driftlint::db::resources),
        help("SQLSTATE {code}: the server is short of memory, disk, connections or another limit; retry later, or ask its administrator")
    )]
    Resources {
        what: String,
        code: String,
        message: String,
    },

    #[error("reading {what} failed on a name PostgreSQL cannot store: {message}")]
    #[diagnostic(
        code(driftlint::db::name_too_long),
        help("PostgreSQL names are at most 63 bytes; shorten the name in schema.yaml")
    )]
    NameTooLong { what: String, message: String },

    #[error("reading {what} conflicted with another transaction: {message}")]
    #[diagnostic(
        code(driftlint::db::conflict),
        help("a concurrent transaction got in the way (a serialization failure or a deadlock); rerun")
    )]
    Conflict { what: String, message: String },

    #[error("reading {what} failed: {message}")]
    #[diagnostic(code(driftlint::db::query), help("SQLSTATE {code}; this is likely a bug in driftlint, please report it with the server version"))]
    Query {
        what: String,
        code: String,
        message: String,
    },

    #[error("unexpected value in column `{column}` while reading {query}: {reason}")]
    #[diagnostic(
        code(driftlint::db::catalog_column),
        help("this is likely a bug in driftlint, please report it with the server version")
    )]
    CatalogColumn {
        query: String,
        column: String,
        reason: String,
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

/// The `statement_timeout` / `lock_timeout` of [`read`] unless the caller sets its own
/// (see [`read_with_timeout`]).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Every non-system schema of the database (not `pg_*`, not `information_schema`, not owned
/// by an extension), sorted.
pub fn user_schemas(client: &mut postgres::Client) -> Result<Vec<String>, DbError> {
    let rows = client
        .query(queries::SCHEMAS, &[])
        .map_err(|e| connect::query_error(&e, "schemas"))?;
    rows.iter()
        .map(|row| CatalogRow::new(row, "schemas").get("nspname"))
        .collect()
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
        .query(queries::INDEX_DEFINITIONS_BY_NAME, &[&schemas, &names])
        .map_err(|e| connect::query_error(&e, "index definitions"))?;
    rows.iter()
        .map(|row| {
            let row = CatalogRow::new(row, "index definitions");
            Ok((
                (row.get("nspname")?, row.get("relname")?),
                row.get("definition")?,
            ))
        })
        .collect()
}

/// [`read`] with an explicit `statement_timeout` and `lock_timeout`.
///
/// Queries: tables, columns, constraints, indexes, enums, sequences, lookups (keywords and
/// operator classes); plus, only when needed, the column names of tables outside `schemas` that
/// foreign keys refer to, and the definitions of plain indexes with a non-default collation. At
/// most 9, whatever the number of tables.
pub fn read_with_timeout(
    client: &mut postgres::Client,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    reader::read_on(client, None, schemas, timeout)
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
    reader::read_on(client, helper, schemas, timeout)
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
