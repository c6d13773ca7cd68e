//! `driftlint check`: the drift pipeline, then the report (human, JSON or GitHub annotations)
//! and, after a human report with error drift, a preview of what `driftlint repair` would write.

use std::io::Write;
use std::path::PathBuf;

use crate::pipeline::{drift_for, DeclaredSource, DriftResult, SourceOptions};
use crate::report::drift as report;
use crate::report::terminal::Printable;
use crate::{Error, Outcome};

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DriftFormat {
    #[default]
    Human,
    Json,
    Github,
}

/// Options for [`run`], built by the binary from its flags.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub schema: PathBuf,
    /// SQLAlchemy models (`app.models:Base`) to declare the schema instead of `schema`.
    pub models: Option<String>,
    /// The Python that imports the models (default: the active virtualenv's, then `python3`).
    pub python: Option<PathBuf>,
    pub source: SourceOptions,
    pub format: DriftFormat,
    pub strict: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            schema: PathBuf::from("schema.yaml"),
            models: None,
            python: None,
            source: SourceOptions::default(),
            format: DriftFormat::Human,
            strict: false,
        }
    }
}

impl CheckOptions {
    /// The schema.yaml file, or the models when `--models` names them.
    pub fn declared(&self) -> DeclaredSource {
        DeclaredSource::choose(&self.schema, self.models.as_deref(), self.python.as_deref())
    }
}

/// Runs `check` and writes the report.
pub fn run(options: &CheckOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let declared = options.declared();
    let result = drift_for(&declared, &options.source, options.strict)?;
    let label = declared.label();
    match options.format {
        DriftFormat::Human => {
            let out = &mut Printable::new(out);
            report::human(&result, &label, out).and_then(|()| repair_preview(&result, options, out))
        }
        DriftFormat::Json => report::json(&result, out),
        DriftFormat::Github => report::github(&result, &label, out),
    }
    .map_err(Error::Output)?;
    Ok(if result.has_errors() {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// After a human report with error drift: what `driftlint repair` would do about it, step by
/// step, and the command that writes it.
fn repair_preview(
    result: &DriftResult,
    options: &CheckOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !result.has_errors() {
        return Ok(());
    }
    let migration = result.repair_plan(false);
    if migration.is_empty() {
        return Ok(());
    }
    let source = match (&options.source.migrations, &options.source.database_url) {
        (Some(dir), _) => format!(" --migrations {}", dir.display()),
        _ => " --database-url \"$DATABASE_URL\"".to_string(),
    };
    let declared = match options.declared() {
        DeclaredSource::File(path) => format!("--schema {}", path.display()),
        DeclaredSource::Models(models) => format!("--models {}", models.spec),
    };
    writeln!(
        out,
        "\nrepair: `driftlint repair {declared}{source} --output repair.sql` writes a migration \
         that is safe to run twice and on a busy table:"
    )?;
    for (number, step) in migration.applied().enumerate() {
        let place = if step.outside_transaction {
            " (outside a transaction)"
        } else {
            ""
        };
        writeln!(out, "  {}. {}{place}", number + 1, step.comment)?;
    }
    Ok(())
}
