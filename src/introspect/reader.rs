//! The catalog read itself: one READ ONLY transaction running the bulk queries in a fixed order,
//! and their rows put together into a [`Schema`]. Each object kind has its own module (its
//! query, its row, the pure conversion of the row to the model); sharing the snapshot with a
//! second connection is [`super::snapshot`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::Row;

use super::columns::{Collations, ColumnNames};
use super::{
    columns, connect, constraints, enums, indexes, lookups, sequences, snapshot, tables, version,
    DbError, ReadStats,
};
use crate::deadline;
use crate::model::{QualifiedName, Schema, Table};

/// The transaction of a catalog read, counting the catalog queries it runs.
pub(super) struct Reader<'c> {
    tx: postgres::Transaction<'c>,
    /// `server_version_num`.
    pub(super) version: i32,
    /// Catalog queries run, `SET`/`BEGIN`/`COMMIT` excluded.
    pub(super) queries: usize,
    /// Each query's bound (`statement_timeout`; the watchdog allows a little more).
    pub(super) timeout: Duration,
}

impl Reader<'_> {
    /// Runs one catalog query.
    pub(super) fn rows(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        what: &str,
    ) -> Result<Vec<Row>, DbError> {
        self.queries += 1;
        let _step = deadline::step(format!("reading {what}"), self.timeout);
        self.tx
            .query(sql, params)
            .map_err(|e| connect::query_error(&e, what))
    }

    /// Runs one catalog query on `schemas` and hands its rows to `each` as they arrive, so that
    /// a large result is never held whole.
    pub(super) fn each_row(
        &mut self,
        sql: &str,
        schemas: &[String],
        what: &str,
        mut each: impl FnMut(&Row) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.queries += 1;
        let _step = deadline::step(format!("reading {what}"), self.timeout);
        let mut rows = self
            .tx
            .query_raw(sql, [schemas])
            .map_err(|e| connect::query_error(&e, what))?;
        while let Some(row) = rows.next().map_err(|e| connect::query_error(&e, what))? {
            each(&row)?;
        }
        Ok(())
    }

    fn commit(self) -> Result<(), DbError> {
        let _step = deadline::step("ending the catalog read", self.timeout);
        self.tx
            .commit()
            .map_err(|e| connect::query_error(&e, "the catalog (COMMIT)"))
    }
}

/// What the read has put together so far: the schema, and what later rows are matched by.
pub(super) struct Catalog {
    pub(super) schema: Schema,
    /// Table name by oid.
    pub(super) by_oid: HashMap<u32, QualifiedName>,
    pub(super) names: ColumnNames,
    pub(super) collations: Collations,
    pub(super) stats: ReadStats,
}

/// The table of oid `oid`, when it is one the read keeps.
pub(super) fn table_for<'a>(
    schema: &'a mut Schema,
    by_oid: &HashMap<u32, QualifiedName>,
    oid: u32,
) -> Option<&'a mut Table> {
    schema.tables.get_mut(by_oid.get(&oid)?)
}

/// `SET LOCAL`s of a catalog read transaction.
pub(super) fn read_settings(timeout: Duration) -> String {
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
    format!(
        "SET LOCAL statement_timeout = {millis}; SET LOCAL lock_timeout = {millis}; \
         SET LOCAL search_path = public; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"
    )
}

/// `BEGIN READ ONLY`, `REPEATABLE READ` when the snapshot is to be shared.
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

/// The whole read: see [`super::read_with_timeout`] and [`super::read_alongside`].
pub(super) fn read_on(
    client: &mut postgres::Client,
    helper: Option<postgres::Client>,
    schemas: &[String],
    timeout: Duration,
) -> Result<(Schema, ReadStats), DbError> {
    let started = Instant::now();
    let start = deadline::step("starting the catalog read", timeout);
    // With a helper, the transaction exports its snapshot first; a server that refuses gets the
    // plain read.
    let (mut tx, sharing) = match helper {
        Some(helper) => {
            let mut tx = begin(client, true)?;
            match snapshot::export(&mut tx)? {
                Some(id) => (tx, snapshot::Sharing::spawn(helper, id, schemas, timeout)),
                None => {
                    drop(tx);
                    (begin(client, false)?, None)
                }
            }
        }
        None => (begin(client, false)?, None),
    };
    tx.batch_execute(&read_settings(timeout))
        .map_err(|e| connect::query_error(&e, "the catalog (settings)"))?;
    let version =
        version::server_version(&mut tx, |e| connect::query_error(e, "the server version"))?;
    // The helper starts on the indexes now.
    let helper_rows = sharing.and_then(|sharing| sharing.start(version));
    drop(start);
    let mut reader = Reader {
        tx,
        version,
        queries: 0,
        timeout,
    };
    let mut catalog = tables::read(&mut reader, schemas)?;
    let constraint_rows = constraints::read(&mut reader, schemas)?;
    enums::read(&mut reader, &mut catalog.schema, schemas)?;
    sequences::read(&mut reader, &mut catalog.schema, schemas)?;
    let lookups = lookups::read(&mut reader)?;
    columns::read(&mut reader, &mut catalog, schemas)?;
    let outside = constraints::referenced_outside(&constraint_rows, &catalog.by_oid)?;
    columns::read_referenced(&mut reader, &mut catalog.names, &outside)?;
    // The helper's rows when it read them; else read here (also when the helper failed: it
    // only ever reads, so its error is not the user's).
    let shared_rows = {
        let _step = deadline::step("reading the indexes on a second connection", timeout);
        helper_rows.and_then(snapshot::Reading::rows)
    };
    catalog.stats.shared_snapshot = shared_rows.is_some();
    indexes::read(&mut reader, &mut catalog, schemas, shared_rows, &lookups)?;
    let queries = reader.queries;
    reader.commit()?;
    constraints::add(&mut catalog, &constraint_rows)?;

    let Catalog {
        mut schema,
        mut stats,
        ..
    } = catalog;
    stats.queries = queries;
    stats.server_version = version;
    stats.enums = schema.enums.len();
    schema.tables.values_mut().for_each(Table::shrink_to_fit);
    stats.elapsed = started.elapsed();
    Ok((schema, stats))
}
