//! The library's top-level error: one variant per module error, each a miette diagnostic with a
//! code and a help line. Every error a user can cause ends here and becomes exit code 2.
//!
//! It sits above the modules whose errors it wraps (sources, lint, repair) and below the pipeline
//! and the commands, which return it; nothing it wraps may import it.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(#[from] crate::lint::LintError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Declared(#[from] crate::declared::DeclaredError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] crate::introspect::DbError),

    #[error("no database to compare with")]
    #[diagnostic(
        code(driftlint::check::no_source),
        help("pass --database-url URL (or set DATABASE_URL), or --migrations DIR to replay a migration directory")
    )]
    NoSource,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Scratch(#[from] crate::scratch::ScratchError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Repair(#[from] crate::repair::RepairError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Migrations(#[from] crate::migrations::MigrationError),

    #[error("could not read {}", path.display())]
    #[diagnostic(
        code(driftlint::io::read),
        help("check that the path exists and is readable")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not write {}", path.display())]
    #[diagnostic(
        code(driftlint::io::write),
        help("check that the directory exists and is writable")
    )]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not write the report")]
    #[diagnostic(code(driftlint::io::output))]
    Output(#[source] std::io::Error),
}
