//! `lint --database-url`: read what the lint engine needs to know about the tables — each
//! table's estimated rows and size, each column's type — with one bulk catalog query in a
//! `READ ONLY` transaction with a `statement_timeout`, whatever the number of tables. Nothing is
//! written. What the engine does with the figures is [`crate::lint::tables`]'s.

use std::time::Duration;

use crate::introspect::{connect, ConnectOptions, DbError};
use crate::lint::tables::{TableInfo, Tables};

const QUERY: &str = include_str!("lint_tables.sql");

/// Read the tables of the database at `url`.
pub fn read(url: &str, small_rows: u64, timeout: Duration) -> Result<Tables, DbError> {
    let mut client = connect(url, &ConnectOptions { timeout })?;
    let query_error =
        |e: postgres::Error| crate::introspect::connect::query_error(&e, "table sizes");
    let mut transaction = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(query_error)?;
    transaction
        .batch_execute(&format!(
            "SET LOCAL statement_timeout = {}",
            timeout.as_millis()
        ))
        .map_err(query_error)?;
    let rows = transaction.query(QUERY, &[]).map_err(query_error)?;
    transaction.commit().map_err(query_error)?;
    let mut tables = Tables::new(small_rows);
    let mut current: Option<((String, String), TableInfo)> = None;
    for row in rows {
        let schema: String = row.try_get("nspname").map_err(query_error)?;
        let name: String = row.try_get("relname").map_err(query_error)?;
        let key = (schema, name);
        if current.as_ref().is_none_or(|(k, _)| *k != key) {
            if let Some(((schema, name), info)) = current.take() {
                tables.insert(schema, name, info);
            }
            let rows: f64 = row.try_get("reltuples").map_err(query_error)?;
            let bytes: i64 = row.try_get("bytes").map_err(query_error)?;
            let info = TableInfo {
                rows,
                bytes: u64::try_from(bytes).unwrap_or(0),
                columns: Default::default(),
            };
            current = Some((key, info));
        }
        let column: Option<String> = row.try_get("attname").map_err(query_error)?;
        let kind: Option<String> = row.try_get("type").map_err(query_error)?;
        if let (Some((_, info)), Some(column), Some(kind)) = (current.as_mut(), column, kind) {
            info.columns.insert(column, kind);
        }
    }
    if let Some(((schema, name), info)) = current {
        tables.insert(schema, name, info);
    }
    Ok(tables)
}
