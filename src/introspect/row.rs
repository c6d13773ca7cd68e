//! One value of a catalog row, read without panicking: a column that is missing, NULL where a
//! value is required, or of another type than expected is a [`DbError::CatalogColumn`] naming
//! the query and the column. Every catalog value introspection reads goes through here.

use postgres::types::FromSql;
use postgres::Row;

use super::DbError;

/// A row of the catalog query named `query` (as in "reading {query}").
#[derive(Clone, Copy)]
pub(super) struct CatalogRow<'r> {
    row: &'r Row,
    query: &'static str,
}

impl<'r> CatalogRow<'r> {
    pub(super) fn new(row: &'r Row, query: &'static str) -> Self {
        Self { row, query }
    }

    /// The value of `column`: `Option<T>` for a column that may be NULL.
    pub(super) fn get<T: FromSql<'r>>(&self, column: &'static str) -> Result<T, DbError> {
        self.row
            .try_get(column)
            .map_err(|error| column_error(self.query, column, &error))
    }
}

/// The error of reading `column` of `query`, with the causes of `error` (the type or the NULL).
fn column_error(query: &str, column: &str, error: &postgres::Error) -> DbError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    DbError::CatalogColumn {
        query: query.to_string(),
        column: column.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch::Cluster;

    #[test]
    fn a_mismatched_missing_or_null_column_is_an_error_not_a_panic() {
        let cluster = Cluster::start().expect("scratch cluster");
        let url = cluster.create_database("catalog_row").unwrap();
        let mut client = super::super::connect(&url, &Default::default()).unwrap();
        let row = client
            .query_one("SELECT 'x'::text AS word, NULL::int4 AS nothing", &[])
            .unwrap();
        let row = CatalogRow::new(&row, "tables");
        let expect_error = |result: Result<i32, DbError>, column: &str, says: &str| match result
            .expect_err(column)
        {
            DbError::CatalogColumn {
                query,
                column: named,
                reason,
            } => {
                assert_eq!((query.as_str(), named.as_str()), ("tables", column));
                assert!(reason.contains(says), "{reason}");
            }
            other => panic!("{column}: {other:?}"),
        };
        expect_error(row.get("word"), "word", "cannot convert");
        expect_error(row.get("nothing"), "nothing", "NULL");
        expect_error(row.get("absent"), "absent", "invalid column");
        assert_eq!(row.get::<String>("word").unwrap(), "x");
        assert_eq!(row.get::<Option<i32>>("nothing").unwrap(), None);
        let shown = format!(
            "{:?}",
            miette::Report::new(row.get::<i32>("word").unwrap_err())
        );
        assert!(shown.contains("driftlint::db::catalog_column"), "{shown}");
    }
}
