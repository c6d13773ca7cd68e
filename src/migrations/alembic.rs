//! Alembic projects as a migration source: their revision history, and Alembic's own commands
//! run against a database of ours, through a small driver (`alembic_driver.py`) run with the
//! project's Python, since only that Python imports the project's `env.py` and its
//! dependencies. The database URL reaches `env.py` both ways such files read it: the
//! `sqlalchemy.url` option and `DATABASE_URL`, in the driver form (`postgresql+asyncpg://`)
//! the project's own URL uses.
//!
//! This module runs the commands and reports what Alembic said; judging the schema between
//! them is `commands::verify_alembic`'s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

use super::python::{self, NotRun};
use crate::introspect::connect::Target;

const DRIVER: &str = include_str!("alembic_driver.py");

/// An Alembic project: its `alembic.ini` and the Python that runs it.
#[derive(Debug, Clone)]
pub struct Project {
    pub ini: PathBuf,
    /// `None`: the active virtualenv's, `./.venv`'s, then `python3`.
    pub python: Option<PathBuf>,
    /// Bound on each Alembic command.
    pub timeout: Duration,
}

/// One revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    /// The revisions it follows: none for the first, several for a merge.
    pub down: Vec<String>,
    pub path: PathBuf,
    /// The first line of its docstring (the message of `alembic revision -m`).
    pub doc: String,
}

/// One revision's upgrade rendered offline, or why it could not be (it inspects the database).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub id: String,
    pub path: PathBuf,
    pub sql: Result<String, String>,
}

/// The JSON document the driver printed after its marker (env.py may print too).
fn driver_document(stdout: &str) -> Option<serde_json::Value> {
    let line = stdout
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("driftlint-alembic-driver:"))?;
    serde_json::from_str(line).ok()
}

/// The revisions, base first, and the scheme of the project's URL (`postgresql+asyncpg`).
#[derive(Debug, Clone)]
pub struct History {
    pub scheme: String,
    pub revisions: Vec<Revision>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum AlembicError {
    #[error("no Alembic configuration at {}", path.display())]
    #[diagnostic(
        code(driftlint::alembic::no_ini),
        help("pass the alembic.ini of the project: --alembic path/to/alembic.ini")
    )]
    NoIni { path: PathBuf },

    #[error("could not run {}", python.display())]
    #[diagnostic(
        code(driftlint::alembic::python),
        help("pass --python PATH: the Python of the project's virtualenv, which has Alembic")
    )]
    Python {
        python: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the Alembic history of {} could not be read:\n{output}", ini.display())]
    #[diagnostic(
        code(driftlint::alembic::history),
        help("`alembic history` must work with this Python (--python) in this directory")
    )]
    History { ini: PathBuf, output: String },

    #[error("`alembic {action} {target}` took longer than {seconds} s and was stopped")]
    #[diagnostic(code(driftlint::alembic::timeout), help("raise --timeout"))]
    Timeout {
        action: String,
        target: String,
        seconds: u64,
    },

    #[error("the first upgrade to revision {revision} ({file}) failed:\n{output}")]
    #[diagnostic(
        code(driftlint::alembic::first_run),
        help("the revision fails on an empty database at its parent: fix it (the revisions after it were not run)")
    )]
    FirstRun {
        revision: String,
        file: String,
        output: String,
    },

    #[error("`alembic {action} {target}` failed:\n{output}")]
    #[diagnostic(code(driftlint::alembic::step))]
    Step {
        action: String,
        target: String,
        output: String,
    },

    #[error("the scratch database's URL cannot be given to Alembic: {reason}")]
    #[diagnostic(code(driftlint::alembic::url))]
    Url { reason: String },
}

impl Project {
    /// The revisions, base first.
    pub fn history(&self) -> Result<History, AlembicError> {
        let doc = self.document("revisions")?;
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let revisions = doc["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Revision {
                id: text(&r["id"]),
                down: r["down"]
                    .as_array()
                    .map(|d| d.iter().map(text).collect())
                    .unwrap_or_default(),
                path: PathBuf::from(text(&r["path"])),
                doc: text(&r["doc"])
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect();
        Ok(History {
            scheme: text(&doc["scheme"]),
            revisions,
        })
    }

    /// Each revision's upgrade as `alembic upgrade PARENT:REVISION --sql` renders it, base
    /// first, without Alembic's own `alembic_version` statements (their lines left blank).
    pub fn render(&self) -> Result<Vec<Rendered>, AlembicError> {
        let doc = self.document("render")?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        Ok(doc["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Rendered {
                id: text(&r["id"]).unwrap_or_default(),
                path: PathBuf::from(text(&r["path"]).unwrap_or_default()),
                sql: match text(&r["sql"]) {
                    Some(sql) => Ok(sql),
                    None => Err(text(&r["error"]).unwrap_or_default()),
                },
            })
            .collect())
    }

    /// The JSON document of a driver action that reads the history (`revisions`, `render`).
    fn document(&self, action: &str) -> Result<serde_json::Value, AlembicError> {
        if !self.ini.is_file() {
            return Err(AlembicError::NoIni {
                path: self.ini.clone(),
            });
        }
        let ran = self.driver(&[action], action, "")?;
        let document = ran
            .status
            .success()
            .then(|| driver_document(&ran.stdout))
            .flatten()
            .filter(|doc| doc["revisions"].is_array());
        document.ok_or_else(|| AlembicError::History {
            ini: self.ini.clone(),
            output: last_lines(&ran.stderr, 12),
        })
    }

    /// `alembic ACTION TARGET` against `url`: `Ok(Err(what Alembic said))` when the command
    /// failed.
    pub fn run(
        &self,
        action: &str,
        url: &str,
        target: &str,
    ) -> Result<Result<(), String>, AlembicError> {
        let ran = self.driver(&[action, url, target], action, target)?;
        if ran.status.success() {
            Ok(Ok(()))
        } else {
            Ok(Err(alembic_error(&ran.stderr)))
        }
    }

    fn driver(
        &self,
        args: &[&str],
        action: &str,
        target: &str,
    ) -> Result<python::Ran, AlembicError> {
        let absolute = std::path::absolute(&self.ini).unwrap_or_else(|_| self.ini.clone());
        let ini = absolute.display().to_string();
        let mut all = vec!["-c", DRIVER, args[0], ini.as_str()];
        all.extend_from_slice(&args[1..]);
        // Run where alembic.ini is: `script_location` and env.py's imports are relative to
        // where `alembic` runs, which is there.
        let dir = absolute.parent().filter(|d| !d.as_os_str().is_empty());
        let (_, ran) =
            python::run(self.python.as_deref(), &all, dir, self.timeout).map_err(|e| match e {
                NotRun::Start(python, source) => AlembicError::Python { python, source },
                NotRun::TimedOut(_) => AlembicError::Timeout {
                    action: action.to_string(),
                    target: target.to_string(),
                    seconds: self.timeout.as_secs(),
                },
            })?;
        Ok(ran)
    }
}

/// `url` (a `postgresql://` URL of a passwordless server, such as a scratch cluster's) in the
/// SQLAlchemy form with the project's driver: `postgresql+asyncpg://user@/db?host=/dir&port=N`.
pub fn sqlalchemy_url(url: &str, scheme: &str) -> Result<String, AlembicError> {
    let target = Target::parse(url).map_err(|e| AlembicError::Url {
        reason: e.to_string(),
    })?;
    let scheme = match scheme {
        s if s.starts_with("postgresql+") => s.to_string(),
        s if s.starts_with("postgres+") => s.replacen("postgres+", "postgresql+", 1),
        _ => "postgresql".to_string(),
    };
    let host = target.hosts.first().cloned().unwrap_or_default();
    let port = target.ports.first().copied().unwrap_or(5432);
    let user = encode(target.user.as_deref().unwrap_or("postgres"));
    let database = encode(target.dbname.as_deref().unwrap_or("postgres"));
    Ok(if host.starts_with('/') {
        format!(
            "{scheme}://{user}@/{database}?host={}&port={port}",
            encode(&host)
        )
    } else {
        format!("{scheme}://{user}@{host}:{port}/{database}")
    })
}

/// Percent-encodes what a URL part cannot hold as is (`/` stays: a socket directory).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What Alembic said: the exception line Python printed last (`sqlalchemy.exc.ProgrammingError:
/// ... column "x" of relation "t" already exists`) and the first line of the SQL it ran; else
/// the last lines.
fn alembic_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let exception = lines.iter().rposition(|line| {
        let head = line.split(": ").next().unwrap_or_default();
        !line.starts_with(char::is_whitespace)
            && line.contains(": ")
            && !head.contains(' ')
            && (head.ends_with("Error") || head.ends_with("Exception") || head.ends_with("Exit"))
    });
    let Some(at) = exception else {
        return last_lines(stderr, 6);
    };
    let mut said = lines[at].trim().to_string();
    let sql_at = lines[at..].iter().position(|l| l.starts_with("[SQL: "));
    if let Some(i) = sql_at.map(|i| at + i) {
        // `[SQL: CREATE ...` or `[SQL: ` with the statement on the lines after it.
        let sql = std::iter::once(&lines[i]["[SQL: ".len()..])
            .chain(lines[i + 1..].iter().copied())
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        let sql = sql.trim_end_matches(']').trim();
        let short: String = sql.chars().take(160).collect();
        said.push_str(&format!(
            "\n[SQL: {short}{}]",
            if short.len() < sql.len() { " ..." } else { "" }
        ));
    }
    said
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// The revision a target names for `alembic stamp` / `downgrade`: `base` for none.
pub fn target_of(down: &[String]) -> String {
    match down {
        [] => "base".to_string(),
        [one] => one.clone(),
        // A merge: each parent is a head after the downgrade.
        several => several.join(","),
    }
}

/// A path as the user would write it: relative to the working directory when below it.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// `alembic.ini` beside the path when the path is a directory.
pub fn ini_path(given: &Path) -> PathBuf {
    if given.is_dir() {
        given.join("alembic.ini")
    } else {
        given.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_url_takes_the_projects_driver() {
        let url = "postgresql://postgres@%2Ftmp%2Fdl%20x:5433/verify_1";
        assert_eq!(
            sqlalchemy_url(url, "postgresql+asyncpg").unwrap(),
            "postgresql+asyncpg://postgres@/verify_1?host=/tmp/dl%20x&port=5433"
        );
        assert_eq!(
            sqlalchemy_url("postgresql://u@db.internal:6543/app", "driver").unwrap(),
            "postgresql://u@db.internal:6543/app"
        );
        assert_eq!(
            sqlalchemy_url("postgresql://u@h/app", "postgres+psycopg").unwrap(),
            "postgresql+psycopg://u@h:5432/app"
        );
    }

    #[test]
    fn alembics_error_is_the_exception_line_and_the_sql() {
        let stderr = "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n    \
            raise translated_error from error\nsqlalchemy.exc.ProgrammingError: (asyncpg.exceptions.\
            DuplicateColumnError) column \"c\" of relation \"t\" already exists\n[SQL: ALTER TABLE t \
            ADD COLUMN c UUID]\n(Background on this error at: https://sqlalche.me/e/21/f405)\n";
        assert_eq!(
            alembic_error(stderr),
            "sqlalchemy.exc.ProgrammingError: (asyncpg.exceptions.DuplicateColumnError) column \"c\" \
             of relation \"t\" already exists\n[SQL: ALTER TABLE t ADD COLUMN c UUID]"
        );
        assert_eq!(
            alembic_error("no traceback\nat all\n"),
            "no traceback\nat all"
        );
    }

    #[test]
    fn a_merge_is_downgraded_to_all_its_parents() {
        assert_eq!(target_of(&[]), "base");
        assert_eq!(target_of(&["a".into()]), "a");
        assert_eq!(target_of(&["a".into(), "b".into()]), "a,b");
    }
}
