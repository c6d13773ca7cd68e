//! `--models module:Base`: the declared schema taken from SQLAlchemy models. The exporter is the
//! Python package `driftlint-sqlalchemy` (python/driftlint-sqlalchemy in this repository), run
//! as `PYTHON -m driftlint_sqlalchemy module:Base --output FILE` with the project's own Python,
//! since only that one imports the project's models and their dependencies. Its output is a
//! schema.yaml, read by the same reader as a file on disk ([`crate::declared`]).
//!
//! This module finds the Python, runs it in the working directory (where `import app.models`
//! works) with a bound on its time, and turns every way it can fail into a [`ModelsError`] that
//! ends with what Python said. It knows nothing of what the exported file contains.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use crate::error::ModelsError;
use crate::migrations::python::{self, NotRun};

/// The models to export and the Python to run the exporter with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    /// `module:attribute`, a declarative base or a `MetaData`.
    pub spec: String,
    /// The project's Python; `None`: see [`python::default_pythons`].
    pub python: Option<PathBuf>,
}

/// Exports `models` and returns the schema.yaml text.
pub fn export(models: &Models, timeout: Duration) -> Result<String, ModelsError> {
    check_spec(&models.spec)?;
    let dir = tempfile::Builder::new()
        .prefix("driftlint-models")
        .tempdir()
        .map_err(|source| ModelsError::Python {
            python: PathBuf::from("(a temporary directory for the export)"),
            source,
        })?;
    let output = dir.path().join("schema.yaml");
    let args = [
        OsStr::new("-m"),
        OsStr::new("driftlint_sqlalchemy"),
        OsStr::new(models.spec.trim()),
        OsStr::new("--output"),
        output.as_os_str(),
    ];
    let (python, ran) =
        python::run(models.python.as_deref(), &args, None, timeout).map_err(|e| match e {
            NotRun::Start(python, source) => ModelsError::Python { python, source },
            NotRun::TimedOut(output) => ModelsError::Timeout {
                spec: models.spec.clone(),
                seconds: timeout.as_secs(),
                output,
            },
        })?;
    if !ran.status.success() {
        return Err(failure(models, &python, ran.status, ran.stderr));
    }
    std::fs::read_to_string(&output).map_err(|source| ModelsError::Failed {
        spec: models.spec.clone(),
        reason: format!("the exporter wrote no readable file ({source})"),
        help: "run `python -m driftlint_sqlalchemy MODULE:ATTRIBUTE` by hand to see what it does"
            .to_string(),
        output: ran.stderr,
    })
}

/// `module:attribute`, both parts present.
fn check_spec(spec: &str) -> Result<(), ModelsError> {
    match spec.split_once(':') {
        Some((module, attribute)) if !module.trim().is_empty() && !attribute.trim().is_empty() => {
            Ok(())
        }
        _ => Err(ModelsError::Spec {
            spec: spec.to_string(),
        }),
    }
}

/// The error for an exporter that exited with `status`: the package missing, or the
/// exporter's own `error:` and `hint:` lines (an import error of the user's module, a wrong
/// attribute, models without tables), or whatever Python printed last.
fn failure(models: &Models, python: &Path, status: ExitStatus, stderr: String) -> ModelsError {
    let missing = stderr.lines().any(|line| {
        line.contains("No module named driftlint_sqlalchemy")
            || line.contains("No module named 'driftlint_sqlalchemy'")
    });
    if missing {
        return ModelsError::NotInstalled {
            python: python.to_path_buf(),
            output: String::new(),
        };
    }
    let said = |prefix: &str| {
        stderr
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix(prefix).map(str::to_string))
    };
    let reason = said("driftlint-sqlalchemy: error: ").unwrap_or_else(|| match status.code() {
        Some(code) => format!("{} exited with status {code}", python.display()),
        None => format!("{} was stopped by a signal", python.display()),
    });
    let help = said("hint: ").unwrap_or_else(|| {
        "run `python -m driftlint_sqlalchemy MODULE:ATTRIBUTE` with the project's Python to see the whole error".to_string()
    });
    // The exporter's own last lines are already the reason and the help.
    let output: String = stderr
        .lines()
        .filter(|line| {
            !line.starts_with("driftlint-sqlalchemy: error: ") && !line.starts_with("hint: ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    ModelsError::Failed {
        spec: models.spec.clone(),
        reason,
        help,
        output,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_without_an_attribute_is_refused_before_python_runs() {
        for spec in ["app.models", "app.models:", ":Base", ""] {
            let models = Models {
                spec: spec.to_string(),
                python: Some(PathBuf::from("/nonexistent/python")),
            };
            assert!(
                matches!(
                    export(&models, Duration::from_secs(5)),
                    Err(ModelsError::Spec { .. })
                ),
                "{spec}"
            );
        }
    }

    #[test]
    fn a_python_that_does_not_exist_is_named() {
        let models = Models {
            spec: "app.models:Base".to_string(),
            python: Some(PathBuf::from("/nonexistent/bin/python")),
        };
        match export(&models, Duration::from_secs(5)) {
            Err(ModelsError::Python { python, .. }) => {
                assert_eq!(python, PathBuf::from("/nonexistent/bin/python"))
            }
            other => panic!("{other:?}"),
        }
    }
}
