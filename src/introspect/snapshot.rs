//! The indexes read on a second connection in the snapshot of the first (see
//! [`super::read_alongside`]): the first exports its snapshot (`pg_export_snapshot`), a thread
//! joins it on the helper connection and runs indexes.sql while the first reads the rest.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::Row;

use super::reader::read_settings;
use super::row::CatalogRow;
use super::{connect, queries, DbError};

/// The snapshot of `tx` exported for another connection; `None` when the server refuses
/// (the transaction is then aborted and must be dropped).
pub(super) fn export(tx: &mut postgres::Transaction<'_>) -> Result<Option<String>, DbError> {
    match tx.query_one("SELECT pg_catalog.pg_export_snapshot() AS snapshot", &[]) {
        Ok(row) => CatalogRow::new(&row, "the catalog (shared snapshot)")
            .get("snapshot")
            .map(Some),
        Err(_) => Ok(None),
    }
}

/// A helper thread waiting for the server version to read the indexes in a shared snapshot.
pub(super) struct Sharing {
    version: Sender<i32>,
    reading: JoinHandle<Result<Vec<Row>, DbError>>,
}

/// A helper thread reading the indexes.
pub(super) struct Reading(JoinHandle<Result<Vec<Row>, DbError>>);

impl Sharing {
    /// Starts the helper thread on `helper`; `None` when no thread could be started.
    pub(super) fn spawn(
        helper: postgres::Client,
        snapshot: String,
        schemas: &[String],
        timeout: Duration,
    ) -> Option<Sharing> {
        let (sender, receiver) = mpsc::channel();
        let schemas = schemas.to_vec();
        let reading = std::thread::Builder::new()
            .name("driftlint-indexes".into())
            .spawn(move || read_indexes_in_snapshot(helper, snapshot, receiver, schemas, timeout))
            .ok()?;
        Some(Sharing {
            version: sender,
            reading,
        })
    }

    /// Lets the helper read the indexes of a server of `version`.
    pub(super) fn start(self, version: i32) -> Option<Reading> {
        self.version.send(version).ok()?;
        Some(Reading(self.reading))
    }
}

impl Reading {
    /// The helper's rows, `None` when it failed.
    pub(super) fn rows(self) -> Option<Vec<Row>> {
        self.0.join().ok()?.ok()
    }
}

/// The helper's side: waits for the server version, then reads the index rows in `snapshot`.
fn read_indexes_in_snapshot(
    mut helper: postgres::Client,
    snapshot: String,
    version: Receiver<i32>,
    schemas: Vec<String>,
    timeout: Duration,
) -> Result<Vec<Row>, DbError> {
    let failed = |what: &'static str| move |e: postgres::Error| connect::query_error(&e, what);
    let version = version.recv().map_err(|_| DbError::Catalog {
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
        .query(&queries::indexes(version), &[&schemas])
        .map_err(failed("indexes"))?;
    tx.commit().map_err(failed("the catalog (COMMIT)"))?;
    Ok(rows)
}
