//! `driftlint check`: the drift pipeline, then the report (human, JSON or GitHub annotations)
//! and, after a human report with error drift, a preview of what `driftlint repair` would write.

use std::io::Write;
use std::path::PathBuf;

use crate::pipeline::{drift_for, DriftResult, SourceOptions};
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
    pub source: SourceOptions,
    pub format: DriftFormat,
    pub strict: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            schema: PathBuf::from("schema.yaml"),
            source: SourceOptions::default(),
            format: DriftFormat::Human,
            strict: false,
        }
    }
}

/// Runs `check` and writes the report.
pub fn run(options: &CheckOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let result = drift_for(&options.schema, &options.source, options.strict)?;
    let label = options.schema.display().to_string();
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
    writeln!(
        out,
        "\nrepair: `driftlint repair --schema {}{source} --output repair.sql` writes a migration \
         that is safe to run twice and on a busy table:",
        options.schema.display()
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
