//! `driftlint repair`: the drift `check` finds, turned into a hotfix migration that is safe to run
//! twice and safe on a busy table, written as plain SQL or as an Alembic revision.
//!
//! [`plan::plan`] decides the steps (recipes, order, hazards, reverses); [`sql`] and [`alembic`]
//! only render them; this module reads the drift, picks the output file and writes it. It never
//! writes to the database: the only statement it runs there is a read of `alembic_version`.

pub mod alembic;
mod names;
pub mod plan;
pub mod sql;

use std::io::Write;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub use plan::{plan, Hazard, LockLevel, Migration, PlanContext, Step};
pub use sql::RenderOptions;

pub use crate::check::SourceOptions;

use crate::check::drift_for;
use crate::diff::Drift;
use crate::{Error, Outcome};

#[derive(Debug, Error, Diagnostic)]
pub enum RepairError {
    #[error("`{value}` is not a lock_timeout PostgreSQL accepts")]
    #[diagnostic(
        code(driftlint::repair::lock_timeout),
        help("use a number with an optional unit: 5s, 500ms, 2min, 0 (no limit)")
    )]
    LockTimeout { value: String },

    #[error("could not read the Alembic versions directory {}", path.display())]
    #[diagnostic(
        code(driftlint::repair::alembic_dir),
        help("point --alembic-dir at the directory holding env.py and versions/, or at versions/ itself")
    )]
    AlembicDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the repair SQL contains a backslash before a colon, which SQLAlchemy's text() cannot carry")]
    #[diagnostic(
        code(driftlint::repair::alembic_escape),
        help("generate the repair with --format sql and run it with op.get_bind().exec_driver_sql() by hand")
    )]
    AlembicBackslashColon,

    #[error("could not read the output directory {}", path.display())]
    #[diagnostic(
        code(driftlint::repair::out_dir),
        help("--out-dir must be an existing, readable directory")
    )]
    OutDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Output format of the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepairFormat {
    #[default]
    Sql,
    Alembic,
}

/// Options for [`run`], built by the binary from its flags.
pub struct RepairOptions {
    pub schema: PathBuf,
    pub source: SourceOptions,
    /// `None` or `-`: standard output.
    pub output: Option<PathBuf>,
    /// Write the next file of this directory's convention instead.
    pub out_dir: Option<PathBuf>,
    pub format: RepairFormat,
    /// Alembic directory whose head becomes `down_revision`.
    pub alembic_dir: Option<PathBuf>,
    pub destructive: bool,
    pub lock_timeout: String,
}

/// Finds the drift, plans the repair and writes it.
///
/// Exit status, per the command-line contract: `Clean` (0) when there is nothing to repair and
/// nothing was written; `Found` (1) when there was drift and the repair was written.
pub fn run(options: &RepairOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    check_lock_timeout(&options.lock_timeout)?;
    let found = drift_for(&options.schema, &options.source, false)?;
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    let mut live = found.live.clone();
    if options.source.migrations.is_some() {
        // A replayed migration directory is empty; the databases the repair is for are not.
        for table in live.tables.values_mut() {
            table.row_estimate = None;
        }
    }
    let context = PlanContext {
        declared: &found.declared,
        live: &live,
        destructive: options.destructive,
    };
    let migration = plan(&found.drift, &context);
    if found.drift.is_empty() {
        eprintln!(
            "No drift: the database matches {}; nothing written.",
            options.schema.display()
        );
        return Ok(Outcome::Clean);
    }
    if migration.is_empty() && found.drift.iter().all(|d| d.kind.is_extra()) {
        eprintln!(
            "Nothing to repair: {} extra object(s) in the database, which only --destructive drops; nothing written.",
            found.drift.len()
        );
        return Ok(Outcome::Clean);
    }
    let held_back = migration.held_back().filter(|s| !s.sql.is_empty()).count();
    if held_back > 0 {
        eprintln!(
            "note: {held_back} statement(s) are written as comments only (destructive, or waiting for a backfill); see NOT APPLIED in the file."
        );
    }

    let render_options = RenderOptions {
        lock_timeout: options.lock_timeout.clone(),
    };
    let slug = slug(&found.drift);
    let (text, file_name) = match options.format {
        RepairFormat::Sql => {
            let text = sql::render(&migration, &render_options);
            let name = match &options.out_dir {
                Some(dir) => Some(next_sql_name(dir, &slug)?),
                None => None,
            };
            (text, name)
        }
        RepairFormat::Alembic => {
            let id = alembic::new_revision_id();
            let down = down_revision(options, found.alembic_version.as_deref())?;
            if down.is_empty() {
                eprintln!(
                    "note: no Alembic head found (no --alembic-dir, no alembic_version table): down_revision = None"
                );
            }
            let revision = alembic::Revision {
                id: id.clone(),
                down,
                message: format!(
                    "repair schema drift: {}",
                    slug.trim_start_matches("repair_").replace('_', " ")
                ),
            };
            let text = alembic::render(&migration, &render_options, &revision)?;
            (text, Some(format!("{id}_{slug}.py")))
        }
    };

    let path = match (&options.out_dir, &options.output) {
        (Some(dir), _) => file_name.map(|name| dir.join(name)),
        (None, Some(path)) if path != Path::new("-") => Some(path.clone()),
        _ => None,
    };
    match path {
        Some(path) => {
            std::fs::write(&path, &text).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            eprintln!(
                "Wrote {} ({} statement(s) repairing {} drift item(s)).",
                path.display(),
                migration.applied().count(),
                migration.repairs.len()
            );
        }
        None => out.write_all(text.as_bytes()).map_err(Error::Output)?,
    }
    Ok(Outcome::Found)
}

/// Accepts what PostgreSQL accepts for a time setting: a number and an optional unit.
fn check_lock_timeout(value: &str) -> Result<(), RepairError> {
    let v = value.trim();
    let digits = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(digits);
    let ok = !number.is_empty()
        && number.parse::<f64>().is_ok()
        && matches!(unit.trim(), "" | "us" | "ms" | "s" | "min" | "h" | "d");
    if ok {
        Ok(())
    } else {
        Err(RepairError::LockTimeout {
            value: value.to_string(),
        })
    }
}

/// A file-name slug for the drift: `prospects_discovery_query_id`, `prospects`, `schema_drift`.
fn slug(drift: &[Drift]) -> String {
    let tables: std::collections::BTreeSet<&str> =
        drift.iter().map(|d| d.table.name.as_str()).collect();
    let raw = match (tables.len(), drift) {
        (_, [one]) => match &one.object {
            Some(object) => format!("repair_{}_{}", one.table.name, object),
            None => format!("repair_{}", one.table.name),
        },
        (1, _) => format!(
            "repair_{}",
            tables.iter().next().copied().unwrap_or("schema")
        ),
        _ => "repair_schema_drift".to_string(),
    };
    let mut slug = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_matches('_');
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('_').to_string();
    if slug.is_empty() {
        "repair".to_string()
    } else {
        slug
    }
}

/// The next `NNN_<slug>.sql` in `dir`: one above the highest number there, with its zero padding
/// (`001_` in an empty directory).
pub fn next_sql_name(dir: &Path, slug: &str) -> Result<String, RepairError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RepairError::OutDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut highest: Option<(u128, usize)> = None;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") {
            continue;
        }
        let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 30 {
            continue;
        }
        let Ok(number) = digits.parse::<u128>() else {
            continue;
        };
        if highest.is_none_or(|(n, _)| number > n) {
            highest = Some((number, digits.len()));
        }
    }
    let (number, width) = match highest {
        Some((n, width)) => (n + 1, width),
        None => (1, 3),
    };
    Ok(format!("{number:0width$}_{slug}.sql"))
}

/// `down_revision`: the head of `--alembic-dir` (or of `--out-dir` when it holds revisions),
/// else what the database's `alembic_version` table says, else nothing.
fn down_revision(
    options: &RepairOptions,
    alembic_version: Option<&str>,
) -> Result<Vec<String>, RepairError> {
    let dirs = options.alembic_dir.iter().chain(
        options
            .out_dir
            .iter()
            .filter(|_| options.alembic_dir.is_none()),
    );
    for dir in dirs {
        if let Some(heads) = alembic::heads(dir)? {
            return Ok(heads);
        }
    }
    Ok(alembic_version.map(str::to_string).into_iter().collect())
}

#[cfg(test)]
mod tests;
