//! Tables (tables.sql): one row per table or partitioned table of the schemas read. They are
//! the skeleton of the read: later rows find their table by its oid.

use std::collections::HashMap;

use super::columns::{Collations, ColumnNames};
use super::reader::{Catalog, Reader};
use super::row::CatalogRow;
use super::version::PG_14;
use super::{queries, DbError, ReadStats};
use crate::model::{QualifiedName, Schema, Table};

const WHAT: &str = "tables";

/// One row of tables.sql.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TableRow {
    pub(super) oid: u32,
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) partitioned: bool,
    pub(super) reltuples: f64,
    pub(super) relpages: i32,
    pub(super) comment: Option<String>,
}

impl TableRow {
    fn read(row: &postgres::Row) -> Result<Self, DbError> {
        let row = CatalogRow::new(row, WHAT);
        Ok(Self {
            oid: row.get("oid")?,
            schema: row.get("nspname")?,
            name: row.get("relname")?,
            partitioned: row.get("partitioned")?,
            reltuples: row.get("reltuples")?,
            relpages: row.get("relpages")?,
            comment: row.get("comment")?,
        })
    }
}

/// Runs tables.sql: a catalog of the tables of `schemas`, without columns yet.
pub(super) fn read(reader: &mut Reader<'_>, schemas: &[String]) -> Result<Catalog, DbError> {
    let rows = reader.rows(queries::TABLES, &[&schemas], WHAT)?;
    let mut schema = Schema::default();
    let mut by_oid = HashMap::with_capacity(rows.len());
    for row in &rows {
        let (oid, table) = table_from_row(TableRow::read(row)?, reader.version);
        by_oid.insert(oid, table.name.clone());
        schema.tables.insert(table.name.clone(), table);
    }
    let tables = schema.tables.len();
    // Sized for a typical table (about ten columns) so that large schemas do not grow the maps
    // step by step.
    Ok(Catalog {
        schema,
        by_oid,
        names: ColumnNames::with_capacity(tables * 10),
        collations: Collations::with_capacity(tables * 10),
        stats: ReadStats {
            tables,
            ..ReadStats::default()
        },
    })
}

/// A row of tables.sql, from a server of `version`, as its oid and a [`Table`] without columns.
pub(super) fn table_from_row(row: TableRow, version: i32) -> (u32, Table) {
    let table = Table {
        name: QualifiedName::new(row.schema, row.name),
        partitioned: row.partitioned,
        row_estimate: row_estimate(row.reltuples, row.relpages, version),
        comment: row.comment,
        ..Table::default()
    };
    (row.oid, table)
}

/// The planner's row count, `None` for a table never vacuumed or analyzed (before PostgreSQL 14
/// such a table shows 0 tuples on 0 pages, from 14 on -1 tuples).
fn row_estimate(reltuples: f64, relpages: i32, version: i32) -> Option<i64> {
    if reltuples < 0.0 || (version < PG_14 && reltuples == 0.0 && relpages == 0) {
        None
    } else {
        Some(reltuples.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::version::{PG_12, PG_15};
    use super::*;

    fn row(reltuples: f64, relpages: i32) -> TableRow {
        TableRow {
            oid: 16384,
            schema: "billing".into(),
            name: "Order".into(),
            partitioned: true,
            reltuples,
            relpages,
            comment: None,
        }
    }

    #[test]
    fn a_table_row_becomes_a_table_with_its_row_estimate() {
        let (oid, table) = table_from_row(row(1234.4, 10), PG_15);
        assert_eq!(oid, 16384);
        assert_eq!(table.name, QualifiedName::new("billing", "Order"));
        assert!(table.partitioned);
        assert_eq!(table.row_estimate, Some(1234));
        assert!(table.columns.is_empty());
    }

    #[test]
    fn a_table_never_analyzed_has_no_row_estimate() {
        assert_eq!(table_from_row(row(-1.0, 0), PG_15).1.row_estimate, None);
        assert_eq!(table_from_row(row(0.0, 0), PG_12).1.row_estimate, None);
        assert_eq!(table_from_row(row(0.0, 0), PG_15).1.row_estimate, Some(0));
        assert_eq!(table_from_row(row(0.0, 3), PG_12).1.row_estimate, Some(0));
    }
}
