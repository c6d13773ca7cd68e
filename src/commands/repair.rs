//! `driftlint repair`: the drift pipeline, then the repair planned from its drift, rendered as
//! plain SQL or as an Alembic revision and written to a file or standard output. It never writes
//! to the database: the only statement it runs there is a read of `alembic_version`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::say;
use crate::pipeline::{drift_for, DeclaredSource, DriftResult, SourceOptions};
use crate::repair::{
    alembic, check_lock_timeout, next_sql_name, slug, sql, Migration, RenderOptions, RepairError,
};
use crate::{Error, Outcome};

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
    /// SQLAlchemy models (`app.models:Base`) to declare the schema instead of `schema`.
    pub models: Option<String>,
    /// The Python that imports the models.
    pub python: Option<PathBuf>,
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

/// Finds the drift, plans the repair and writes it; notes go to `err`.
///
/// Exit status, per the command-line contract: `Clean` (0) when there is nothing to repair and
/// nothing was written; `Found` (1) when there was drift and the repair was written.
pub fn run(
    options: &RepairOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome, Error> {
    check_lock_timeout(&options.lock_timeout)?;
    let declared = DeclaredSource::choose(
        &options.schema,
        options.models.as_deref(),
        options.python.as_deref(),
    );
    let found = drift_for(&declared, &options.source, false)?;
    for note in &found.notes {
        say(err, format_args!("note: {note}"))?;
    }
    let migration = found.repair_plan(options.destructive);
    if let Some(reason) = nothing_to_write(&found, &migration, &declared.label()) {
        say(err, format_args!("{reason}"))?;
        return Ok(Outcome::Clean);
    }
    let held_back = migration.held_back().filter(|s| !s.sql.is_empty()).count();
    if held_back > 0 {
        say(
            err,
            format_args!(
                "note: {held_back} statement(s) are written as comments only (destructive, or waiting for a backfill); see NOT APPLIED in the file."
            ),
        )?;
    }
    let (text, file_name) = render(&found, &migration, options, err)?;
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
            say(
                err,
                format_args!(
                    "Wrote {} ({} statement(s) repairing {} drift item(s)).",
                    path.display(),
                    migration.applied().count(),
                    migration.repairs.len()
                ),
            )?;
        }
        None => out.write_all(text.as_bytes()).map_err(Error::Output)?,
    }
    Ok(Outcome::Found)
}

/// Why nothing is written, when nothing is: no drift, or only extra objects without
/// `--destructive`.
fn nothing_to_write(found: &DriftResult, migration: &Migration, declared: &str) -> Option<String> {
    if found.drift.is_empty() {
        return Some(format!(
            "No drift: the database matches {declared}; nothing written."
        ));
    }
    if migration.is_empty() && found.drift.iter().all(|d| d.kind.is_extra()) {
        return Some(format!(
            "Nothing to repair: {} extra object(s) in the database, which only --destructive drops; nothing written.",
            found.drift.len()
        ));
    }
    None
}

/// The file's text, and its name when `--out-dir` chooses one.
fn render(
    found: &DriftResult,
    migration: &Migration,
    options: &RepairOptions,
    err: &mut dyn Write,
) -> Result<(String, Option<String>), Error> {
    let render_options = RenderOptions {
        lock_timeout: options.lock_timeout.clone(),
    };
    let slug = slug(&found.drift);
    match options.format {
        RepairFormat::Sql => {
            let text = sql::render(migration, &render_options);
            let name = match &options.out_dir {
                Some(dir) => Some(next_sql_name(dir, &slug)?),
                None => None,
            };
            Ok((text, name))
        }
        RepairFormat::Alembic => {
            let id = alembic::new_revision_id();
            let down = down_revision(options, found.alembic_version.as_deref())?;
            if down.is_empty() {
                say(
                    err,
                    format_args!(
                        "note: no Alembic head found (no --alembic-dir, no alembic_version table): down_revision = None"
                    ),
                )?;
            }
            let revision = alembic::Revision {
                id: id.clone(),
                down,
                message: format!(
                    "repair schema drift: {}",
                    slug.trim_start_matches("repair_").replace('_', " ")
                ),
            };
            let text = alembic::render(migration, &render_options, &revision)?;
            Ok((text, Some(format!("{id}_{slug}.py"))))
        }
    }
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
