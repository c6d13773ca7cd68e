//! The text of the catalog queries: one `.sql` file per bulk query, loaded with `include_str!`,
//! and the parts of that text that depend on the server version.
//!
//! A query reading a catalog column that older releases lack has a named `{placeholder}`
//! (`format!` syntax) where the column goes; the function that builds the query fills it with
//! the column, or with the constant its absence means. The `.sql` files hold no other braces.

use super::version::{PG_12, PG_15};

pub(super) const TABLES: &str = include_str!("tables.sql");
pub(super) const ENUMS: &str = include_str!("enums.sql");
pub(super) const SEQUENCES: &str = include_str!("sequences.sql");
pub(super) const LOOKUPS: &str = include_str!("lookups.sql");
pub(super) const COLUMN_NAMES: &str = include_str!("column_names.sql");
pub(super) const INDEX_DEFINITIONS: &str = include_str!("index_definitions.sql");
pub(super) const INDEX_DEFINITIONS_BY_NAME: &str = include_str!("index_definitions_by_name.sql");
pub(super) const SCHEMAS: &str = include_str!("schemas.sql");

/// columns.sql for a server of `version`.
pub(super) fn columns(version: i32) -> String {
    format!(
        include_str!("columns.sql"),
        attgenerated = attgenerated_column(version)
    )
}

/// constraints.sql for a server of `version`.
pub(super) fn constraints(version: i32) -> String {
    format!(
        include_str!("constraints.sql"),
        nulls_not_distinct = nulls_not_distinct_column(version)
    )
}

/// indexes.sql for a server of `version`.
pub(super) fn indexes(version: i32) -> String {
    format!(
        include_str!("indexes.sql"),
        nulls_not_distinct = nulls_not_distinct_column(version)
    )
}

/// `pg_attribute.attgenerated` of the column `a`; before PostgreSQL 12 no column is generated.
fn attgenerated_column(version: i32) -> &'static str {
    if version >= PG_12 {
        "a.attgenerated"
    } else {
        "''::\"char\""
    }
}

/// `pg_index.indnullsnotdistinct` of the index `i`; before PostgreSQL 15 nulls are distinct.
fn nulls_not_distinct_column(version: i32) -> &'static str {
    if version >= PG_15 {
        "coalesce(i.indnullsnotdistinct, false)"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::super::version::{PG_11, PG_14};
    use super::*;

    #[test]
    fn version_gated_columns_are_read_only_where_the_catalog_has_them() {
        assert!(!columns(PG_11).contains("a.attgenerated"));
        assert!(columns(PG_11).contains("CASE WHEN ''::\"char\" = ''"));
        assert_eq!(columns(PG_12).matches("a.attgenerated").count(), 2);
        for version in [PG_11, PG_14] {
            assert!(!constraints(version).contains("i.indnullsnotdistinct"));
            assert!(!indexes(version).contains("i.indnullsnotdistinct"));
            assert!(indexes(version).contains("false AS nulls_not_distinct"));
        }
        assert!(constraints(PG_15).contains("coalesce(i.indnullsnotdistinct, false)"));
        assert!(indexes(PG_15).contains("coalesce(i.indnullsnotdistinct, false)"));
    }
}
