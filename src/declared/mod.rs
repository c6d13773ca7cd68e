//! `schema.yaml` (version 1) into a [`crate::model::Schema`], with validation errors that point at
//! the YAML line and column.
//!
//! One pass over the YAML events (yaml-rust2): `read.rs` drives it, growing each table into a
//! small tree of nodes that carry their line and column (`node.rs`), which serde reads into the
//! document types (`de.rs` over `doc.rs`, every struct `deny_unknown_fields`). `convert.rs` and
//! `table.rs` turn one table's document into the model while its tree is alive, looking up
//! where each key and value is written in it, so every object has its position and every error
//! (a foreign key to an undeclared table, a duplicate index name, a malformed type, an
//! expression that is not SQL) points at the right line and column. `validate.rs` holds the
//! checks PostgreSQL would make, `error.rs` the diagnostics, `guess.rs` the schemas guessed from
//! the text. This module validates and converts; it never talks to a database and never
//! compares (see `diff`).
//!
//! Conventions beyond DESIGN:
//! - A table key is `name` (in the default `schema:`), `schema.name`, or double-quoted SQL parts
//!   when a name itself holds a dot (`'"my.schema"."a.b"'`). Otherwise keys are the raw names:
//!   `Order`, `user`, `a b`, `a"b`.
//! - An index key is a column name, `"col [opclass] [ASC|DESC] [NULLS FIRST|LAST]"`, an expression
//!   containing a parenthesis (`"lower(email)"`), or the structured form
//!   `{ column: c, order: desc, nulls: first, opclass: text_pattern_ops }` /
//!   `{ expression: "lower(email)" }`. `expression: lower(domain)` on the index is shorthand for a
//!   single expression key.
//! - `serial`, `bigserial` and `smallserial` stay as the column type; `diff` knows they mean an
//!   integer column with a `nextval` default.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::model::{QualifiedName, Schema};

mod convert;
mod de;
mod doc;
mod error;
mod guess;
mod node;
mod read;
mod table;
mod validate;

#[cfg(test)]
mod tests;

pub use convert::split_name;
pub use error::{DeclaredError, Invalid, InvalidKind};
pub use guess::guess_schemas;
pub use table::normalize_key;
pub use validate::{check_expression, is_unique_key};

/// Tables that migration tools keep for themselves; never reported as extra.
pub const MIGRATION_TOOL_TABLES: &[&str] = &[
    "alembic_version",            // Alembic
    "schema_migrations",          // Rails, golang-migrate, dbmate, sqitch-less setups
    "ar_internal_metadata",       // Rails
    "__diesel_schema_migrations", // Diesel
    "_prisma_migrations",         // Prisma
    "flyway_schema_history",      // Flyway
    "schema_version",             // Flyway before 5
    "goose_db_version",           // goose
    "knex_migrations",            // Knex
    "knex_migrations_lock",       // Knex
    "_sqlx_migrations",           // SQLx
    "refinery_schema_history",    // refinery
    "pgmigrations",               // node-pg-migrate
    "django_migrations",          // Django
    "databasechangelog",          // Liquibase
    "databasechangeloglock",      // Liquibase
    "SequelizeMeta",              // Sequelize
    "seaql_migrations",           // SeaORM
    "mikro_orm_migrations",       // MikroORM
    "__EFMigrationsHistory",      // Entity Framework Core
    "gorp_migrations",            // sql-migrate
    "atlas_schema_revisions",     // Atlas
];

/// The declared schema with everything `check` needs besides the model.
#[derive(Debug, Clone)]
pub struct Declared {
    pub schema: Schema,
    pub ignore: Ignore,
    /// `schema:` (default `public`): where unqualified table and type names live.
    pub default_schema: String,
    pub path: PathBuf,
    /// The YAML text, for diagnostics.
    pub source: String,
}

impl Declared {
    /// The schemas the file declares anything in (always including the default schema), sorted.
    pub fn schemas(&self) -> Vec<String> {
        let mut schemas: BTreeSet<String> = BTreeSet::new();
        schemas.insert(self.default_schema.clone());
        schemas.extend(self.schema.tables.keys().map(|name| name.schema.clone()));
        schemas.extend(self.schema.enums.keys().map(|name| name.schema.clone()));
        schemas.extend(self.schema.sequences.keys().map(|name| name.schema.clone()));
        schemas.into_iter().collect()
    }
}

/// Which live tables are never reported: the `ignore:` list (names or globs, matched against
/// `name` and `schema.name`) and, unless declared, the migration tools' own tables.
#[derive(Debug, Clone)]
pub struct Ignore {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Default for Ignore {
    fn default() -> Self {
        Ignore {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        }
    }
}

impl Ignore {
    pub fn new(patterns: &[String]) -> Result<Ignore, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(Glob::new(pattern)?);
        }
        Ok(Ignore {
            patterns: patterns.to_vec(),
            set: builder.build()?,
        })
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Listed in `ignore:`: skipped on both sides.
    pub fn is_listed(&self, table: &QualifiedName) -> bool {
        self.set.is_match(&table.name) || self.set.is_match(table.to_string())
    }

    /// Skipped when found live but not declared: listed, or a migration tool's table.
    pub fn skips_undeclared(&self, table: &QualifiedName) -> bool {
        self.is_listed(table) || MIGRATION_TOOL_TABLES.contains(&table.name.as_str())
    }
}

/// The largest schema.yaml read: far beyond any schema (a 10,000-table file is about 20 MiB),
/// and a bound on what `--schema /dev/zero` or a wrong path can make it hold.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and validates a `schema.yaml`.
pub fn load(path: &Path) -> Result<Declared, DeclaredError> {
    from_text(path, read(path)?)
}

/// The text of a `schema.yaml` (for [`from_text`]), read up to [`MAX_FILE_BYTES`].
pub fn read(path: &Path) -> Result<String, DeclaredError> {
    read_at_most(path, MAX_FILE_BYTES)
}

/// [`read`] with a bound of `limit` bytes.
fn read_at_most(path: &Path, limit: u64) -> Result<String, DeclaredError> {
    let bytes = crate::input::read_file(path, limit).map_err(|unread| match unread {
        crate::input::Unread::Io(source) => DeclaredError::Read {
            path: path.to_path_buf(),
            source,
        },
        crate::input::Unread::TooLarge => DeclaredError::TooLarge {
            path: path.to_path_buf(),
            limit,
        },
    })?;
    String::from_utf8(bytes).map_err(|_| DeclaredError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ),
    })
}

/// Validates the text [`read`] from `path`, keeping it for diagnostics.
pub fn from_text(path: &Path, source: String) -> Result<Declared, DeclaredError> {
    let source = without_bom(source);
    let mut declared = read::validate(&path.display().to_string(), &source)?;
    declared.path = path.to_path_buf();
    declared.source = source;
    Ok(declared)
}

/// Validates YAML text; `name` is how diagnostics call the file.
pub fn parse(name: &str, source: &str) -> Result<Declared, DeclaredError> {
    let source = without_bom(source.to_string());
    let mut declared = read::validate(name, &source)?;
    declared.source = source;
    Ok(declared)
}

/// The text without the UTF-8 byte order mark some editors write first (YAML allows it).
fn without_bom(mut source: String) -> String {
    if source.starts_with('\u{feff}') {
        source.drain(..'\u{feff}'.len_utf8());
    }
    source
}
