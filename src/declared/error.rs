//! The errors of reading a `schema.yaml`: a file that cannot be read, or an invalid one, as a
//! miette diagnostic whose code says what kind of problem it is and whose label points at the
//! offending line and column. Nothing here finds problems; the readers and converters do.

use std::fmt;
use std::path::PathBuf;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use thiserror::Error;

use crate::model::Pos;

#[derive(Debug, Error)]
pub enum DeclaredError {
    #[error("could not read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is larger than {} bytes", path.display(), limit)]
    TooLarge { path: PathBuf, limit: u64 },

    #[error("{}", .0.message)]
    Invalid(Box<Invalid>),
}

/// What is wrong with a `schema.yaml`; each kind has its own diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// YAML syntax, an unknown key, a value of the wrong shape.
    Yaml,
    /// The same key or name twice.
    Duplicate,
    /// A reference to a table or column that is not declared.
    Reference,
    /// A malformed type.
    Type,
    /// A default, check, index expression or predicate that is not SQL.
    Expression,
    /// Any other bad value (version, identity kind, action, glob).
    Value,
}

impl InvalidKind {
    fn code(self) -> &'static str {
        match self {
            InvalidKind::Yaml => "driftlint::schema::yaml",
            InvalidKind::Duplicate => "driftlint::schema::duplicate",
            InvalidKind::Reference => "driftlint::schema::reference",
            InvalidKind::Type => "driftlint::schema::type",
            InvalidKind::Expression => "driftlint::schema::expression",
            InvalidKind::Value => "driftlint::schema::value",
        }
    }

    fn label(self) -> &'static str {
        match self {
            InvalidKind::Yaml | InvalidKind::Value => "here",
            InvalidKind::Duplicate => "declared again here",
            InvalidKind::Reference => "not declared",
            InvalidKind::Type => "not a PostgreSQL type",
            InvalidKind::Expression => "not a SQL expression",
        }
    }
}

/// The details of an invalid `schema.yaml`.
#[derive(Debug)]
pub struct Invalid {
    pub kind: InvalidKind,
    pub message: String,
    pub help: Option<String>,
    src: NamedSource<String>,
    span: SourceSpan,
}

impl Diagnostic for DeclaredError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            DeclaredError::Read { .. } | DeclaredError::TooLarge { .. } => {
                "driftlint::schema::read"
            }
            DeclaredError::Invalid(invalid) => invalid.kind.code(),
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            DeclaredError::Read { .. } => Some(Box::new(
                "pass the declared schema with --schema FILE (default: schema.yaml)",
            )),
            DeclaredError::TooLarge { .. } => Some(Box::new(
                "--schema takes a schema.yaml file; is this the right path?",
            )),
            DeclaredError::Invalid(invalid) => invalid
                .help
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn fmt::Display>),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            DeclaredError::Read { .. } | DeclaredError::TooLarge { .. } => None,
            DeclaredError::Invalid(invalid) => Some(&invalid.src),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            DeclaredError::Read { .. } | DeclaredError::TooLarge { .. } => None,
            DeclaredError::Invalid(invalid) => Some(Box::new(std::iter::once(
                LabeledSpan::new_with_span(Some(invalid.kind.label().to_string()), invalid.span),
            ))),
        }
    }
}

impl DeclaredError {
    pub(super) fn invalid(
        kind: InvalidKind,
        message: String,
        help: Option<String>,
        src: NamedSource<String>,
        span: SourceSpan,
    ) -> DeclaredError {
        DeclaredError::Invalid(Box::new(Invalid {
            kind,
            message,
            help,
            src,
            span,
        }))
    }

    /// The kind of problem (`None` for a read error).
    pub fn kind(&self) -> Option<InvalidKind> {
        match self {
            DeclaredError::Read { .. } | DeclaredError::TooLarge { .. } => None,
            DeclaredError::Invalid(invalid) => Some(invalid.kind),
        }
    }

    /// The 1-based line and column the error points at (`None` for a read error).
    pub fn pos(&self) -> Option<Pos> {
        let DeclaredError::Invalid(invalid) = self else {
            return None;
        };
        let text = invalid.src.inner();
        let offset = invalid.span.offset().min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        Some(Pos { line, column })
    }
}
