//! The errors of finding and applying migrations, and [`Failure`]: where PostgreSQL rejected a
//! file (`file:line:column`, the statement, the server's message), as a diagnostic with the
//! file's source attached.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;
use thiserror::Error;

use super::*;

/// Errors finding or applying migration files.
#[derive(Debug, Error, Diagnostic)]
pub enum MigrationError {
    #[error("no migration files found in {}", path.display())]
    #[diagnostic(
        code(driftlint::migrations::no_files),
        help("{looked_for}; pass --glob to choose the files, e.g. --glob '*.sql'")
    )]
    NoFiles { path: PathBuf, looked_for: String },

    #[error("{} does not exist", path.display())]
    #[diagnostic(
        code(driftlint::migrations::not_found),
        help("pass the directory that holds the migration files")
    )]
    NotFound { path: PathBuf },

    #[error("could not read {}", path.display())]
    #[diagnostic(
        code(driftlint::migrations::read),
        help("check that the path exists and is readable")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is larger than {limit_mib} MiB", path.display())]
    #[diagnostic(
        code(driftlint::migrations::too_large),
        help("split the migration, or load large data outside the migration directory")
    )]
    TooLarge { path: PathBuf, limit_mib: u64 },

    #[error("{} is not UTF-8 text", path.display())]
    #[diagnostic(
        code(driftlint::migrations::encoding),
        help("save the migration as UTF-8; PostgreSQL receives it as UTF-8 text")
    )]
    NotUtf8 { path: PathBuf },

    #[error("invalid --glob pattern `{glob}`: {message}")]
    #[diagnostic(
        code(driftlint::migrations::glob),
        help("use shell glob syntax, e.g. '*.up.sql' or '**/up.sql'")
    )]
    Glob { glob: String, message: String },

    #[error("{file}:{line}:{column}: {what} is not supported by replay")]
    #[diagnostic(
        code(driftlint::migrations::psql_only),
        help("replay sends each file to PostgreSQL as SQL; psql meta-commands and COPY ... FROM stdin data only work in psql. Load data with INSERT or COPY from a server-side file, and run meta-commands outside the migration")
    )]
    PsqlOnly {
        file: String,
        line: usize,
        column: usize,
        what: String,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(Box<ApplyError>),

    #[error("{action} on the scratch database failed: {message}")]
    #[diagnostic(
        code(driftlint::migrations::server),
        help("the server ran the migrations until then; check that it is still reachable and that the user may create databases")
    )]
    Server { action: String, message: String },

    #[error("could not create a temporary database on the --dev-url server: {message}")]
    #[diagnostic(
        code(driftlint::migrations::dev_database),
        help("the --dev-url user needs the CREATEDB privilege (ALTER ROLE ... CREATEDB); the database is dropped again afterwards")
    )]
    DevDatabase { message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Scratch(#[from] crate::scratch::ScratchError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] crate::introspect::DbError),
}

impl MigrationError {
    pub(super) fn server(action: impl Into<String>, error: &postgres::Error) -> Self {
        MigrationError::Server {
            action: action.into(),
            message: error_text(error),
        }
    }
}

/// A migration file that PostgreSQL rejected, as a diagnostic with the file's source attached.
#[derive(Debug, Error)]
#[error("{}", self.headline())]
pub struct ApplyError {
    pub failure: Failure,
    source_code: NamedSource<String>,
    help: Option<String>,
    code: &'static str,
    what: &'static str,
}

impl ApplyError {
    /// Builds the diagnostic for `failure` in `file`; `code` names the situation
    /// (`driftlint::migrations::apply`, `driftlint::verify::not_rerunnable`, ...) and `what`
    /// prefixes PostgreSQL's message (e.g. "the second run fails: ").
    pub fn new(
        file: &MigrationFile,
        failure: Failure,
        code: &'static str,
        what: &'static str,
    ) -> Self {
        let help = failure.help_text();
        ApplyError {
            source_code: NamedSource::new(file.name.clone(), file.text.clone())
                .with_language("SQL"),
            failure,
            help,
            code,
            what,
        }
    }

    fn headline(&self) -> String {
        let failure = &self.failure;
        let mut text = format!("{}: {}{}", failure.location(), self.what, failure.message);
        if let Some(state) = &failure.sqlstate {
            text.push_str(&format!(" (SQLSTATE {state})"));
        }
        text
    }
}

impl Diagnostic for ApplyError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.failure.span.as_ref().map(|_| &self.source_code as _)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.failure.span.clone()?;
        let label = "fails here".to_string();
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(label), SourceSpan::from(span)),
        )))
    }
}

/// What went wrong applying one file: PostgreSQL's error and where in the file it points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The file as named in reports (its path as given on the command line).
    pub file: String,
    /// 1-based position of the error (or of the failing statement) in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The failing statement's text, when it could be determined.
    pub statement: Option<String>,
    pub message: String,
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// PostgreSQL's CONTEXT line (e.g. the PL/pgSQL function and line), if any.
    pub context: Option<String>,
    /// The file was stopped by `--timeout`.
    pub timed_out: bool,
    /// Byte range in the file the error points at (the error position or the statement).
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl Failure {
    /// The connection was lost or the server ended the session while the file ran: not the
    /// file's doing, so not a verdict on it but the error to report (exit 2).
    pub fn server_event(&self) -> Option<crate::introspect::DbError> {
        use crate::introspect::DbError;
        let what = format!("applying {}", self.file);
        match self.sqlstate.as_deref() {
            None if !self.timed_out => Some(DbError::ConnectionLost {
                what,
                reason: self.message.clone(),
            }),
            Some(code) if code != "57014" && (code.starts_with("57") || code.starts_with("08")) => {
                Some(DbError::SessionEnded {
                    what,
                    code: code.to_string(),
                    message: self.message.clone(),
                })
            }
            _ => None,
        }
    }
}

impl Failure {
    /// `file:line:col: message (SQLSTATE x)`.
    pub fn headline(&self) -> String {
        let mut text = self.location();
        text.push_str(": ");
        text.push_str(&self.message);
        if let Some(state) = &self.sqlstate {
            text.push_str(&format!(" (SQLSTATE {state})"));
        }
        text
    }

    /// `file:line:col`, or just the file when no position is known.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            _ => self.file.clone(),
        }
    }

    fn help_text(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(detail) = &self.detail {
            parts.push(format!("detail: {detail}"));
        }
        if let Some(hint) = &self.hint {
            parts.push(format!("hint: {hint}"));
        }
        if let Some(context) = &self.context {
            parts.push(format!("context: {context}"));
        }
        if self.timed_out {
            parts.push(
                "the file ran longer than --timeout; raise it if the migration is just slow".into(),
            );
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

pub(super) fn error_text(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => error.to_string(),
    }
}
