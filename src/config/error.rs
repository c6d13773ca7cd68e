//! What can be wrong with a configuration file. An invalid file is shown with its text and the
//! span of the offending key or value, so the user sees the line to fix.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A key or value of the file that is wrong, shown in the file's text.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(driftlint::config::invalid))]
pub struct Invalid {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    /// Boxed: it carries the file's text.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<Invalid>),

    #[error("config file {} not found", path.display())]
    #[diagnostic(
        code(driftlint::config::not_found),
        help("check the path given to --config, or pass --no-config")
    )]
    NotFound { path: PathBuf },

    #[error("{} has no [tool.driftlint] table", path.display())]
    #[diagnostic(
        code(driftlint::config::no_table),
        help("add a [tool.driftlint] table (driftlint init writes one), or name a driftlint.toml")
    )]
    NoTable { path: PathBuf },

    #[error("config file {} is larger than {limit_mib} MiB", path.display())]
    #[diagnostic(
        code(driftlint::config::too_large),
        help("pass the project's driftlint.toml or pyproject.toml")
    )]
    TooLarge { path: PathBuf, limit_mib: u64 },

    #[error("could not read config file {}", path.display())]
    #[diagnostic(
        code(driftlint::config::read),
        help("check that the file exists, is readable and is UTF-8")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where in the file, and what to say about it.
pub(crate) struct At<'a> {
    pub path: &'a std::path::Path,
    pub text: &'a str,
}

impl At<'_> {
    /// A [`ConfigError::Invalid`] at `span` of the file.
    pub fn error(
        &self,
        span: std::ops::Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        let name = super::relative_to_cwd(self.path).display().to_string();
        ConfigError::Invalid(Box::new(Invalid {
            message,
            src: NamedSource::new(name, self.text.to_string()),
            span: (span.start, span.end.saturating_sub(span.start)).into(),
            label: label.to_string(),
            help,
        }))
    }
}
