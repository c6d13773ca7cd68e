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
    Models(#[from] ModelsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Alembic(#[from] crate::migrations::alembic::AlembicError),

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

/// `--models module:Base`: running the SQLAlchemy exporter (driftlint-sqlalchemy) with the
/// project's Python failed. `output` is the end of what Python wrote on standard error.
#[derive(Debug, Error, Diagnostic)]
pub enum ModelsError {
    #[error("`{spec}` is not of the form module:attribute")]
    #[diagnostic(
        code(driftlint::models::spec),
        help("name the module and its declarative base or MetaData: --models app.models:Base")
    )]
    Spec { spec: String },

    #[error("could not run {}", python.display())]
    #[diagnostic(
        code(driftlint::models::python),
        help("pass --python PATH (the project's virtualenv: .venv/bin/python), or set `python` in [check] of driftlint.toml")
    )]
    Python {
        python: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("driftlint-sqlalchemy is not installed for {}{}", python.display(), tail(output))]
    #[diagnostic(
        code(driftlint::models::not_installed),
        help("install it into the environment that imports your models: `{} -m pip install driftlint-sqlalchemy` (or pass --python)", python.display())
    )]
    NotInstalled { python: PathBuf, output: String },

    #[error("the models {spec} could not be exported: {reason}{}", tail(output))]
    #[diagnostic(code(driftlint::models::export), help("{help}"))]
    Failed {
        spec: String,
        reason: String,
        help: String,
        output: String,
    },

    #[error(
        "exporting the models {spec} took longer than {seconds} s and was stopped{}",
        tail(output)
    )]
    #[diagnostic(
        code(driftlint::models::timeout),
        help("importing the models should not connect to anything; raise --timeout if it really takes this long")
    )]
    Timeout {
        spec: String,
        seconds: u64,
        output: String,
    },
}

/// Python's last lines, indented under the message (nothing when it wrote nothing).
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(12);
    let mut text = String::from("\n\nPython said:");
    if start > 0 {
        text.push_str("\n  ...");
    }
    for line in &lines[start..] {
        text.push_str("\n  ");
        text.push_str(line);
    }
    text
}
