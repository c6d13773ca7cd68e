//! The configuration file: `driftlint.toml`, `.driftlint.toml` or the `[tool.driftlint]` table of
//! a `pyproject.toml`, found upward from the working directory ([`discover`]) or named with
//! `--config` ([`load`]). Every key is checked against one table ([`keys`]): an unknown key, a
//! wrong type or an unknown rule is an error pointing at its line, never silently ignored.
//!
//! This module only reads and validates the file and hands out its values with the line they
//! came from; which value wins over which (flag > file > default) is decided by the commands
//! (`commands::config`). Paths in the file are relative to the file's directory.

pub mod detect;
mod error;
mod keys;
pub mod lint;
mod read;

use std::path::{Path, PathBuf};

pub use error::ConfigError;
pub use keys::{Key, Kind, KEYS, RUNNERS, SECTIONS};

/// The file names looked for in each directory, in order of preference.
pub const FILE_NAMES: [&str; 3] = ["driftlint.toml", ".driftlint.toml", "pyproject.toml"];

/// A validated value of the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Flag(bool),
    Number(i64),
    /// Texts, rule names, globs or paths (paths already made relative to the working directory).
    Texts(Vec<String>),
    /// `[lint.severity]`: rule name to `error`, `warning`, `info` or `off`.
    Severities(Vec<(String, String)>),
    /// `[lint.per-file-ignores]`: glob to the rules (or categories) it ignores.
    FileIgnores(Vec<(String, Vec<String>)>),
}

/// One key of the file: its value and its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub section: &'static str,
    pub key: &'static str,
    pub value: Value,
    pub line: usize,
}

/// A configuration file, read and validated.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// The file as found or named.
    pub path: PathBuf,
    /// The directory its relative paths are relative to.
    pub dir: PathBuf,
    /// Whether the settings are the `[tool.driftlint]` table of a `pyproject.toml`.
    pub pyproject: bool,
    pub entries: Vec<Entry>,
}

impl ConfigFile {
    /// The entry for `key` in `section`, if the file sets it.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.section == section && e.key == key)
    }

    /// Where an entry came from, as shown to the user: `driftlint.toml:12`.
    pub fn origin(&self, entry: &Entry) -> String {
        format!("{}:{}", self.shown_path().display(), entry.line)
    }

    /// The file's path relative to the working directory where it is below it.
    pub fn shown_path(&self) -> PathBuf {
        relative_to_cwd(&self.path)
    }

    /// `path` (as written in the file) relative to the file's directory, shown relative to the
    /// working directory where possible.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let joined = self.dir.join(path);
        relative_to_cwd(&joined)
    }
}

/// `path` without the working directory's prefix, or as it is.
fn relative_to_cwd(path: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    match path.strip_prefix(&cwd) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// Looks for a configuration file in `start` and each directory above it, up to the
/// filesystem root; in each directory `driftlint.toml`, then `.driftlint.toml`, then a
/// `pyproject.toml` that has a `[tool.driftlint]` table.
pub fn discover(start: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        for name in FILE_NAMES {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            if name == "pyproject.toml" {
                let text = read::text(&candidate)?;
                if !read::mentions_table(&text) {
                    continue;
                }
            }
            return load(&candidate).map(Some);
        }
    }
    Ok(None)
}

/// Reads and validates the file at `path` (`--config FILE`). A file named `pyproject.toml`
/// must have a `[tool.driftlint]` table; any other name holds the settings at its top level.
pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let text = read::text(path)?;
    let pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let entries = read::entries(path, &text, pyproject)?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut file = ConfigFile {
        path: absolute,
        dir,
        pyproject,
        entries,
    };
    resolve_paths(&mut file);
    Ok(file)
}

/// Path values become paths relative to the working directory (they are written relative to
/// the file's directory).
fn resolve_paths(file: &mut ConfigFile) {
    let resolved: Vec<Option<Value>> = file
        .entries
        .iter()
        .map(|entry| {
            let key = keys::find(entry.section, entry.key)?;
            match (&key.kind, &entry.value) {
                (Kind::Path, Value::Text(p)) => {
                    Some(Value::Text(file.resolve(p).display().to_string()))
                }
                (Kind::Program, Value::Text(p)) if p.contains('/') || p.contains('\\') => {
                    Some(Value::Text(file.resolve(p).display().to_string()))
                }
                (Kind::Paths, Value::Texts(ps)) => Some(Value::Texts(
                    ps.iter()
                        .map(|p| file.resolve(p).display().to_string())
                        .collect(),
                )),
                _ => None,
            }
        })
        .collect();
    for (entry, value) in file.entries.iter_mut().zip(resolved) {
        if let Some(value) = value {
            entry.value = value;
        }
    }
}

/// The configuration for this run: the file named with `--config`, none with `--no-config`,
/// else the one found upward from the working directory.
pub fn for_run(named: Option<&Path>, none: bool) -> Result<Option<ConfigFile>, ConfigError> {
    if none {
        return Ok(None);
    }
    match named {
        Some(path) => load(path).map(Some),
        None => match std::env::current_dir() {
            Ok(cwd) => discover(&cwd),
            Err(_) => Ok(None),
        },
    }
}
