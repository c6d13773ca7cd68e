//! Enum types (enums.sql) of the schemas read, with their labels in sort order.

use super::reader::Reader;
use super::row::CatalogRow;
use super::{queries, DbError};
use crate::model::{Enum, QualifiedName, Schema};

const WHAT: &str = "enums";

/// One row of enums.sql.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EnumRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) labels: Vec<String>,
}

impl EnumRow {
    fn read(row: &postgres::Row) -> Result<Self, DbError> {
        let row = CatalogRow::new(row, WHAT);
        Ok(Self {
            schema: row.get("nspname")?,
            name: row.get("typname")?,
            labels: row.get("labels")?,
        })
    }
}

/// Runs enums.sql, adding the enums to `schema`.
pub(super) fn read(
    reader: &mut Reader<'_>,
    schema: &mut Schema,
    schemas: &[String],
) -> Result<(), DbError> {
    for row in &reader.rows(queries::ENUMS, &[&schemas], WHAT)? {
        let e = enum_from_row(EnumRow::read(row)?);
        schema.enums.insert(e.name.clone(), e);
    }
    Ok(())
}

/// A row of enums.sql as an [`Enum`].
pub(super) fn enum_from_row(row: EnumRow) -> Enum {
    Enum {
        name: QualifiedName::new(row.schema, row.name),
        values: row.labels,
        pos: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enum_row_keeps_its_labels_in_order() {
        let e = enum_from_row(EnumRow {
            schema: "billing".into(),
            name: "Mood".into(),
            labels: vec!["ok".into(), "bad".into()],
        });
        assert_eq!(e.name, QualifiedName::new("billing", "Mood"));
        assert_eq!(e.values, ["ok", "bad"]);
    }
}
