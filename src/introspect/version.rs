//! Server versions: the `server_version_num` of each release whose catalog driftlint reads
//! differently, and the query that tells which release a connection talks to. Which query text
//! a version gets is the business of `introspect::queries`.

use super::row::CatalogRow;
use super::DbError;

/// PostgreSQL 11, the oldest release driftlint reads.
pub const PG_11: i32 = 110_000;
/// PostgreSQL 12: generated columns (`pg_attribute.attgenerated`).
pub const PG_12: i32 = 120_000;
/// PostgreSQL 14: `pg_class.reltuples` is -1, not 0, for a table never vacuumed or analyzed.
pub const PG_14: i32 = 140_000;
/// PostgreSQL 15: `UNIQUE NULLS NOT DISTINCT` (`pg_index.indnullsnotdistinct`).
pub const PG_15: i32 = 150_000;

const SERVER_VERSION_SQL: &str =
    "SELECT current_setting('server_version_num')::int4 AS server_version_num";

/// `server_version_num` of the server `client` talks to; `failed` maps an error of the query.
pub(super) fn server_version(
    client: &mut impl postgres::GenericClient,
    failed: impl FnOnce(&postgres::Error) -> DbError,
) -> Result<i32, DbError> {
    let row = client
        .query_one(SERVER_VERSION_SQL, &[])
        .map_err(|e| failed(&e))?;
    CatalogRow::new(&row, "the server version").get("server_version_num")
}

/// The release of a `server_version_num` as messages name it: `major.minor` in the numbering
/// before PostgreSQL 10 (`90624` -> `9.6`).
pub(super) fn release(version: i32) -> String {
    format!("{}.{}", version / 10_000, version % 10_000 / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_written_major_dot_minor() {
        assert_eq!(release(PG_11), "11.0");
        assert_eq!(release(90_624), "9.6");
    }
}
