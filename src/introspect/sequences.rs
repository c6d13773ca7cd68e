//! Standalone sequences (sequences.sql) of the schemas read: their options and the column that
//! owns them. Identity and serial sequences belong to their columns and are not read here.

use super::reader::Reader;
use super::row::CatalogRow;
use super::{queries, DbError};
use crate::model::{QualifiedName, Schema, Sequence, SequenceOptions};

const WHAT: &str = "sequences";

/// One row of sequences.sql.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct SequenceRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) data_type: String,
    pub(super) start: i64,
    pub(super) increment: i64,
    pub(super) min_value: i64,
    pub(super) max_value: i64,
    pub(super) cache: i64,
    pub(super) cycle: bool,
    pub(super) owner_schema: Option<String>,
    pub(super) owner_table: Option<String>,
    pub(super) owner_column: Option<String>,
}

impl SequenceRow {
    fn read(row: &postgres::Row) -> Result<Self, DbError> {
        let row = CatalogRow::new(row, WHAT);
        Ok(Self {
            schema: row.get("nspname")?,
            name: row.get("relname")?,
            data_type: row.get("data_type")?,
            start: row.get("seqstart")?,
            increment: row.get("seqincrement")?,
            min_value: row.get("seqmin")?,
            max_value: row.get("seqmax")?,
            cache: row.get("seqcache")?,
            cycle: row.get("seqcycle")?,
            owner_schema: row.get("owner_schema")?,
            owner_table: row.get("owner_table")?,
            owner_column: row.get("owner_column")?,
        })
    }
}

/// Runs sequences.sql, adding the sequences to `schema`.
pub(super) fn read(
    reader: &mut Reader<'_>,
    schema: &mut Schema,
    schemas: &[String],
) -> Result<(), DbError> {
    for row in &reader.rows(queries::SEQUENCES, &[&schemas], WHAT)? {
        let sequence = sequence_from_row(SequenceRow::read(row)?);
        schema.sequences.insert(sequence.name.clone(), sequence);
    }
    Ok(())
}

/// A row of sequences.sql as a [`Sequence`].
pub(super) fn sequence_from_row(row: SequenceRow) -> Sequence {
    let owned_by = match (row.owner_schema, row.owner_table, row.owner_column) {
        (Some(schema), Some(table), Some(column)) => {
            Some((QualifiedName::new(schema, table), column))
        }
        _ => None,
    };
    Sequence {
        name: QualifiedName::new(row.schema, row.name),
        options: SequenceOptions {
            data_type: Some(row.data_type),
            start: Some(row.start),
            increment: Some(row.increment),
            min_value: Some(row.min_value),
            max_value: Some(row.max_value),
            cache: Some(row.cache),
            cycle: Some(row.cycle),
        },
        owned_by,
        pos: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_row_has_every_option_and_its_owner() {
        let sequence = sequence_from_row(SequenceRow {
            schema: "billing".into(),
            name: "Invoice No".into(),
            data_type: "integer".into(),
            start: 1000,
            increment: 10,
            min_value: 1,
            max_value: 2147483647,
            cache: 1,
            cycle: true,
            owner_schema: Some("billing".into()),
            owner_table: Some("invoices".into()),
            owner_column: Some("no".into()),
        });
        assert_eq!(sequence.name, QualifiedName::new("billing", "Invoice No"));
        assert_eq!(sequence.options.data_type.as_deref(), Some("integer"));
        assert_eq!(
            (sequence.options.start, sequence.options.increment),
            (Some(1000), Some(10))
        );
        assert_eq!(sequence.options.cycle, Some(true));
        assert_eq!(
            sequence.owned_by,
            Some((QualifiedName::new("billing", "invoices"), "no".into()))
        );
        let unowned = sequence_from_row(SequenceRow {
            schema: "public".into(),
            name: "s".into(),
            data_type: "bigint".into(),
            ..SequenceRow::default()
        });
        assert_eq!(unowned.owned_by, None);
    }
}
