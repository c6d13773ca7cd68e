//! The PostgreSQL releases whose features change what driftlint sends, as `server_version_num`
//! values (`SHOW server_version_num`, `PQserverVersion`). Constants only.

/// Generated columns (`pg_attribute.attgenerated`); `ALTER TYPE ... ADD VALUE` inside a
/// transaction block.
pub const PG_12: u32 = 120_000;

/// `DROP DATABASE ... WITH (FORCE)`.
pub const PG_13: u32 = 130_000;
