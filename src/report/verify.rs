//! Rendering of `verify` results: human (a diagnostic at the failing statement, the changes a
//! second run made), JSON (version 1) and GitHub workflow annotations. Renders only: the
//! verdicts come from [`crate::verify`], the exit code is chosen by the command.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use super::github::{escape_data, escape_property};
use super::terminal::printable;
use crate::migrations::{ApplyError, Failure, MigrationFile};
use crate::verify::{short, Change, FileReport, Status, Summary};

/// The human report: a diagnostic at the statement whose second run failed, the changes a
/// second run made with the statements that likely made them, then the notes and a summary.
pub fn human(
    out: &mut dyn Write,
    reports: &[FileReport],
    files: &BTreeMap<&str, &MigrationFile>,
    summary: &Summary,
    notes: &[String],
) -> std::io::Result<()> {
    let theme = if std::io::stdout().is_terminal() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    for report in reports {
        match (&report.status, &report.error) {
            (Status::Ok, _) => {}
            (Status::NotRerunnable, Some(failure)) => {
                let file = files.get(report.file.as_str()).copied();
                not_rerunnable(out, &handler, file, failure)?;
            }
            (Status::NotRerunnable, None) => {}
            (Status::ChangesOnRerun, _) => changes_on_rerun(out, report)?,
            (Status::Failed, failure) => {
                if let Some(failure) = failure {
                    writeln!(
                        out,
                        "failed on its first run: {} (the history stops here)\n",
                        printable(&failure.headline())
                    )?;
                }
            }
        }
    }
    for note in notes {
        writeln!(out, "note: {}", printable(note))?;
    }
    let mut line = format!(
        "verify: {} file(s) applied twice: {} ok, {} not re-runnable, {} changed on re-run",
        summary.verified - summary.failed,
        summary.ok,
        summary.not_rerunnable,
        summary.changes_on_rerun
    );
    if summary.failed > 0 {
        line.push_str(&format!(
            "; stopped at a file that fails on its first run ({} later file(s) not run)",
            summary.not_run
        ));
    }
    writeln!(out, "{line}")
}

/// A second run that failed, as a diagnostic with the file's source (or its headline alone
/// when the file is not at hand).
fn not_rerunnable(
    out: &mut dyn Write,
    handler: &miette::GraphicalReportHandler,
    file: Option<&MigrationFile>,
    failure: &Failure,
) -> std::io::Result<()> {
    let rendered = file.and_then(|file| {
        let diagnostic = ApplyError::new(
            file,
            failure.clone(),
            "driftlint::verify::not_rerunnable",
            "the second run fails: ",
        );
        let mut rendered = String::new();
        handler.render_report(&mut rendered, &diagnostic).ok()?;
        Some(rendered)
    });
    match rendered {
        Some(rendered) => writeln!(out, "{rendered}"),
        None => writeln!(out, "{}\n", printable(&failure.headline())),
    }
}

/// What a second run changed, and the statements that likely changed it.
fn changes_on_rerun(out: &mut dyn Write, report: &FileReport) -> std::io::Result<()> {
    writeln!(
        out,
        "changes on re-run: {} (the second run succeeded but changed the database)",
        printable(&report.file)
    )?;
    for change in &report.changes {
        writeln!(out, "  - {}", printable(&change.describe()))?;
    }
    for suspect in &report.suspects {
        writeln!(
            out,
            "  likely from {}:{}:{}: {}",
            printable(&report.file),
            suspect.line,
            suspect.column,
            printable(&one_line(&suspect.statement))
        )?;
    }
    writeln!(out)
}

fn one_line(text: &str) -> String {
    short(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The JSON report (version 1): the verdict of every file run, the summary and the notes.
pub fn json(
    out: &mut dyn Write,
    reports: &[FileReport],
    summary: &Summary,
    notes: &[String],
) -> std::io::Result<()> {
    let document = serde_json::json!({
        "version": 1,
        "files": reports,
        "summary": summary,
        "notes": notes,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// GitHub workflow annotations: one `::error` per file that is not re-runnable, changes on
/// re-run or fails, at its line where known; then a summary line.
pub fn github(
    out: &mut dyn Write,
    reports: &[FileReport],
    summary: &Summary,
) -> std::io::Result<()> {
    for report in reports {
        let (title, message, line, column) = match (&report.status, &report.error) {
            (Status::Ok, _) => continue,
            (Status::NotRerunnable, Some(failure)) => (
                "not re-runnable",
                failure.headline(),
                failure.line,
                failure.column,
            ),
            (Status::Failed, Some(failure)) => (
                "fails on its first run",
                failure.headline(),
                failure.line,
                failure.column,
            ),
            (_, _) => (
                "changes on re-run",
                report
                    .changes
                    .iter()
                    .map(Change::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
                report.suspects.first().map(|s| s.line),
                report.suspects.first().map(|s| s.column),
            ),
        };
        let mut properties = format!("file={},title={title}", escape_property(&report.file));
        if let (Some(line), Some(column)) = (line, column) {
            properties.push_str(&format!(",line={line},col={column}"));
        }
        writeln!(out, "::error {properties}::{}", escape_data(&message))?;
    }
    writeln!(
        out,
        "verify: {} file(s), {} ok, {} not re-runnable, {} changed on re-run, {} failed",
        summary.verified,
        summary.ok,
        summary.not_rerunnable,
        summary.changes_on_rerun,
        summary.failed
    )
}
