//! `--models module:Base`: the declared schema taken from SQLAlchemy models. The exporter is the
//! Python package `driftlint-sqlalchemy` (python/driftlint-sqlalchemy in this repository), run
//! as `PYTHON -m driftlint_sqlalchemy module:Base --output FILE` with the project's own Python,
//! since only that one imports the project's models and their dependencies. Its output is a
//! schema.yaml, read by the same reader as a file on disk ([`crate::declared`]).
//!
//! This module finds the Python, runs it in the working directory (where `import app.models`
//! works) with a bound on its time, and turns every way it can fail into a [`ModelsError`] that
//! ends with what Python said. It knows nothing of what the exported file contains.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::ModelsError;

/// The models to export and the Python to run the exporter with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    /// `module:attribute`, a declarative base or a `MetaData`.
    pub spec: String,
    /// The project's Python; `None`: see [`default_python`].
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
    let (python, child) = spawn(models, &output)?;
    let (status, stderr) = wait(child, timeout).map_err(|reason| match reason {
        Waited::TimedOut(output) => ModelsError::Timeout {
            spec: models.spec.clone(),
            seconds: timeout.as_secs(),
            output,
        },
        Waited::Io(source) => ModelsError::Python {
            python: python.clone(),
            source,
        },
    })?;
    if !status.success() {
        return Err(failure(models, &python, status, stderr));
    }
    std::fs::read_to_string(&output).map_err(|source| ModelsError::Failed {
        spec: models.spec.clone(),
        reason: format!("the exporter wrote no readable file ({source})"),
        help: "run `python -m driftlint_sqlalchemy MODULE:ATTRIBUTE` by hand to see what it does"
            .to_string(),
        output: stderr,
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

/// The Python used when none is named: the active virtualenv's (`VIRTUAL_ENV`), else a
/// `.venv` in the working directory, else `python3` (then `python`) on `PATH`.
pub fn default_python() -> Vec<PathBuf> {
    let bin = if cfg!(windows) {
        Path::new("Scripts").join("python.exe")
    } else {
        Path::new("bin").join("python")
    };
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        candidates.push(PathBuf::from(venv).join(&bin));
    }
    let local = Path::new(".venv").join(&bin);
    if local.is_file() {
        candidates.push(local);
    }
    candidates.push(PathBuf::from("python3"));
    candidates.push(PathBuf::from("python"));
    candidates
}

/// Starts the exporter with the named Python, or the first default one that exists.
fn spawn(models: &Models, output: &Path) -> Result<(PathBuf, Child), ModelsError> {
    let candidates = match &models.python {
        Some(python) => vec![python.clone()],
        None => default_python(),
    };
    let mut last = None;
    for python in candidates {
        let started = Command::new(&python)
            .args(["-m", "driftlint_sqlalchemy", models.spec.trim(), "--output"])
            .arg(output)
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match started {
            Ok(child) => return Ok((python, child)),
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                last = Some((python, source));
            }
            Err(source) => return Err(ModelsError::Python { python, source }),
        }
    }
    let (python, source) = last.unwrap_or_else(|| {
        (
            PathBuf::from("python3"),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        )
    });
    Err(ModelsError::Python { python, source })
}

enum Waited {
    TimedOut(String),
    Io(std::io::Error),
}

/// Waits for the exporter, reading its standard error as it goes; stops it after `timeout`.
fn wait(mut child: Child, timeout: Duration) -> Result<(ExitStatus, String), Waited> {
    let reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    });
    let collect = |reader: Option<std::thread::JoinHandle<String>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok((status, collect(reader))),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Waited::TimedOut(collect(reader)));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Waited::Io(error));
            }
        }
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
