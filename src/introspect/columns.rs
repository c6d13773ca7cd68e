//! Columns (columns.sql) of the tables read, and the names of the columns of tables outside the
//! schemas read that foreign keys refer to (column_names.sql). Constraints and indexes name
//! their columns by attribute number; [`ColumnNames`] turns those numbers into names.

use std::collections::HashMap;
use std::fmt::Display;

use super::reader::{table_for, Catalog, Reader};
use super::row::CatalogRow;
use super::{queries, DbError};
use crate::model::{Column, Identity, SequenceOptions};

const WHAT: &str = "columns";
const WHAT_REFERENCED: &str = "referenced columns";

/// Column names by (table oid, attribute number).
#[derive(Debug, Default)]
pub(super) struct ColumnNames(HashMap<(u32, i16), String>);

/// Column collation oids by (table oid, attribute number).
pub(super) type Collations = HashMap<(u32, i16), u32>;

impl ColumnNames {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self(HashMap::with_capacity(capacity))
    }

    pub(super) fn insert(&mut self, table_oid: u32, attnum: i16, name: String) {
        self.0.insert((table_oid, attnum), name);
    }

    /// The name of column `attnum` of table `table_oid`, which `what` (`index ix`) refers to;
    /// `table` names the table in the error.
    pub(super) fn get(
        &self,
        table_oid: u32,
        attnum: i16,
        what: &str,
        table: &dyn Display,
    ) -> Result<String, DbError> {
        self.0
            .get(&(table_oid, attnum))
            .cloned()
            .ok_or_else(|| DbError::Catalog {
                what: what.to_string(),
                detail: format!("no column number {attnum} in {table}"),
            })
    }
}

/// One row of columns.sql.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ColumnRow {
    pub(super) table_oid: u32,
    pub(super) attnum: i16,
    pub(super) name: String,
    pub(super) data_type: String,
    pub(super) not_null: bool,
    /// The default, or the generation expression of a generated column.
    pub(super) default: Option<String>,
    /// `pg_attribute.attidentity`: `a` (always), `d` (by default) or empty.
    pub(super) identity: String,
    /// `pg_attribute.attgenerated`: `s` (stored) or empty.
    pub(super) generated: String,
    pub(super) collation: u32,
    /// The collation's name when it is not the type's default.
    pub(super) collation_name: Option<String>,
    pub(super) comment: Option<String>,
    /// An identity column's sequence options; `None` for other columns.
    pub(super) identity_options: Option<SequenceOptions>,
}

impl ColumnRow {
    fn read(row: CatalogRow<'_>, table_oid: u32) -> Result<Self, DbError> {
        Ok(Self {
            table_oid,
            attnum: row.get("attnum")?,
            name: row.get("attname")?,
            data_type: row.get("data_type")?,
            not_null: row.get("attnotnull")?,
            default: row.get("default_expr")?,
            identity: row.get("identity")?,
            generated: row.get("generated")?,
            collation: row.get("attcollation")?,
            collation_name: row.get("collation_name")?,
            comment: row.get("comment")?,
            identity_options: match row.get::<Option<i64>>("identity_start")? {
                None => None,
                Some(start) => Some(SequenceOptions {
                    data_type: None,
                    start: Some(start),
                    increment: row.get("identity_increment")?,
                    min_value: row.get("identity_min")?,
                    max_value: row.get("identity_max")?,
                    cache: row.get("identity_cache")?,
                    cycle: row.get("identity_cycle")?,
                }),
            },
        })
    }
}

/// Runs columns.sql, adding each column to its table and recording its name and collation.
pub(super) fn read(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
    schemas: &[String],
) -> Result<(), DbError> {
    let sql = queries::columns(reader.version);
    reader.each_row(&sql, schemas, WHAT, |row| {
        let row = CatalogRow::new(row, WHAT);
        let oid: u32 = row.get("attrelid")?;
        let Some(table) = table_for(&mut catalog.schema, &catalog.by_oid, oid) else {
            return Ok(());
        };
        let row = ColumnRow::read(row, oid)?;
        catalog.names.insert(oid, row.attnum, row.name.clone());
        catalog.collations.insert((oid, row.attnum), row.collation);
        table.columns.push(column_from_row(row));
        catalog.stats.columns += 1;
        Ok(())
    })
}

/// Runs column_names.sql for the tables `outside` the schemas read (none: no query).
pub(super) fn read_referenced(
    reader: &mut Reader<'_>,
    names: &mut ColumnNames,
    outside: &[u32],
) -> Result<(), DbError> {
    if outside.is_empty() {
        return Ok(());
    }
    for row in reader.rows(queries::COLUMN_NAMES, &[&outside], WHAT_REFERENCED)? {
        let row = CatalogRow::new(&row, WHAT_REFERENCED);
        names.insert(
            row.get("attrelid")?,
            row.get("attnum")?,
            row.get("attname")?,
        );
    }
    Ok(())
}

/// A row of columns.sql as a [`Column`].
pub(super) fn column_from_row(row: ColumnRow) -> Column {
    let (default, generated) = if row.generated == "s" {
        (None, row.default)
    } else {
        (row.default, None)
    };
    Column {
        name: row.name,
        data_type: row.data_type,
        nullable: !row.not_null,
        default,
        identity: match row.identity.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        },
        identity_options: row.identity_options.map(Box::new),
        generated,
        collation: row.collation_name,
        comment: row.comment,
        pos: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(default: Option<&str>, identity: &str, generated: &str) -> ColumnRow {
        ColumnRow {
            table_oid: 16384,
            attnum: 2,
            name: "total".into(),
            data_type: "numeric(12,2)".into(),
            not_null: true,
            default: default.map(str::to_string),
            identity: identity.into(),
            generated: generated.into(),
            collation: 0,
            collation_name: None,
            comment: None,
            identity_options: None,
        }
    }

    #[test]
    fn a_column_row_becomes_a_column() {
        let column = column_from_row(row(Some("0"), "", ""));
        assert_eq!(column.name, "total");
        assert_eq!(column.data_type, "numeric(12,2)");
        assert!(!column.nullable);
        assert_eq!(column.default.as_deref(), Some("0"));
        assert_eq!((column.identity, column.generated), (None, None));
    }

    #[test]
    fn a_generated_column_has_its_expression_and_no_default() {
        let column = column_from_row(row(Some("(price * qty)"), "", "s"));
        assert_eq!(column.default, None);
        assert_eq!(column.generated.as_deref(), Some("(price * qty)"));
    }

    #[test]
    fn identity_columns_say_which_kind() {
        assert_eq!(
            column_from_row(row(None, "a", "")).identity,
            Some(Identity::Always)
        );
        assert_eq!(
            column_from_row(row(None, "d", "")).identity,
            Some(Identity::ByDefault)
        );
    }

    #[test]
    fn an_unknown_column_number_is_a_catalog_error() {
        let mut names = ColumnNames::default();
        names.insert(1, 1, "id".into());
        assert_eq!(names.get(1, 1, "index ix", &"t").unwrap(), "id");
        let error = names.get(1, 2, "index ix", &"public.t").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected catalog value while reading index ix: no column number 2 in public.t"
        );
    }
}
