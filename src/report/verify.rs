//! Rendering of `verify` results: human (a diagnostic at the failing statement, the changes a
//! second run made), JSON (version 1) and GitHub workflow annotations. Renders only: the
//! verdicts come from [`crate::verify`], the exit code is chosen by the command.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use super::github::{escape_data, escape_property};
use super::terminal::printable;
use crate::migrations::{ApplyError, Failure, MigrationFile};
use crate::verify::locks::{Blocks, Verdict};
use crate::verify::{
    short, Change, DownReport, DownStatus, FileReport, StatementEffects, Status, Summary,
};

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
    for down in reports.iter().filter_map(|r| r.down.as_ref()) {
        if down.status != DownStatus::Ok {
            writeln!(out, "down migration: {}\n", printable(&down_verdict(down)))?;
        }
    }
    for report in reports {
        locks(out, report, files.get(report.file.as_str()).copied())?;
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
    push_downs(&mut line, summary);
    push_locks(&mut line, summary);
    writeln!(out, "{line}")
}

/// With `--locks`: the statements of a file that did something to an existing relation (a
/// lock that blocks reads or writes, a rewrite, an index build, a full scan).
fn locks(
    out: &mut dyn Write,
    report: &FileReport,
    file: Option<&MigrationFile>,
) -> std::io::Result<()> {
    let Some(statements) = &report.statements else {
        return Ok(());
    };
    let notable: Vec<_> = statements.iter().filter(|s| s.is_notable()).collect();
    if notable.is_empty() && report.lint.is_empty() {
        return Ok(());
    }
    writeln!(out, "locks: {}", printable(&report.file))?;
    for statement in notable {
        let text = file
            .and_then(|f| f.text.get(statement_range(f, statement)))
            .map(one_line)
            .unwrap_or_default();
        writeln!(
            out,
            "  {}:{}  {}",
            statement.line,
            statement.column,
            printable(&text)
        )?;
        for line in effect_lines(statement) {
            writeln!(out, "      {}", printable(&line))?;
        }
    }
    for finding in &report.observed {
        writeln!(
            out,
            "  {}:{}:{}: warning[{}]: {} (no lint rule flagged it)",
            printable(&report.file),
            finding.line,
            finding.column,
            finding.rule,
            printable(&finding.message)
        )?;
    }
    for verdict in &report.lint {
        writeln!(
            out,
            "  {}:{}:{}: lint {} {}: {}",
            printable(&report.file),
            verdict.line,
            verdict.column,
            verdict.rule,
            verdict_name(verdict.verdict),
            printable(&verdict.observed)
        )?;
    }
    writeln!(out)
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Confirmed => "confirmed",
        Verdict::Disproved => "disproved",
        Verdict::NotRun => "not run",
    }
}

/// The byte range of a statement in its file, from its positions.
fn statement_range(file: &MigrationFile, statement: &StatementEffects) -> std::ops::Range<usize> {
    let offset = |line: usize, column: usize| {
        let start: usize = file
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        let rest = file.text.get(start..).unwrap_or("");
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i)
    };
    let start = offset(statement.line, statement.column);
    let end = offset(statement.end_line, statement.end_column).max(start);
    start..end
}

/// One line per effect of a statement: its locks, rewrites, index builds and scans.
pub fn effect_lines(statement: &StatementEffects) -> Vec<String> {
    let mut lines = Vec::new();
    let held = match (statement.sampled, statement.held_until_commit_by) {
        (true, _) => " (outside a transaction, sampled while it ran)".to_string(),
        (false, 0) => String::new(),
        (false, n) => format!(", held while {n} more statement(s) run until commit"),
    };
    for lock in statement.locks.iter().filter(|l| l.blocks != Blocks::Ddl) {
        lines.push(format!(
            "{} on {} (blocks {}){held}",
            lock.mode,
            lock.relation,
            lock.blocks.name()
        ));
    }
    for table in &statement.rewrites {
        lines.push(format!("rewrites {table}"));
    }
    for index in &statement.index_builds {
        lines.push(format!("builds index {index}"));
    }
    for table in &statement.scans {
        lines.push(format!("reads all of {table}"));
    }
    lines
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

/// The JSON report (version 1): the verdict of every file run, the summary and the notes. A
/// down migration's `difference` holds drift entries as `check` prints them.
pub fn json(
    out: &mut dyn Write,
    reports: &[FileReport],
    summary: &Summary,
    notes: &[String],
) -> std::io::Result<()> {
    let mut files = Vec::with_capacity(reports.len());
    for report in reports {
        let mut file = serde_json::to_value(report)?;
        if let (Some(down), Some(entry)) = (&report.down, file.get_mut("down")) {
            let difference: Vec<_> = down
                .difference
                .iter()
                .map(|d| super::drift::entry(d, None))
                .collect();
            entry["difference"] = serde_json::to_value(difference)?;
        }
        files.push(file);
    }
    let document = serde_json::json!({
        "version": 1,
        "files": files,
        "summary": summary,
        "notes": notes,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// GitHub workflow annotations: one `::error` per file that is not re-runnable, changes on
/// re-run or fails, at its line where known, and one per down migration that does not restore
/// the schema or fails; then a summary line.
pub fn github(
    out: &mut dyn Write,
    reports: &[FileReport],
    summary: &Summary,
) -> std::io::Result<()> {
    for report in reports {
        if let Some((title, message, line, column)) = rerun_annotation(report) {
            let mut properties = format!("file={},title={title}", escape_property(&report.file));
            if let (Some(line), Some(column)) = (line, column) {
                properties.push_str(&format!(",line={line},col={column}"));
            }
            writeln!(out, "::error {properties}::{}", escape_data(&message))?;
        }
        if let Some(down) = report.down.as_ref().filter(|d| d.status != DownStatus::Ok) {
            writeln!(
                out,
                "::error file={},title=down migration::{}",
                escape_property(down_path(&down.file)),
                escape_data(&down_verdict(down))
            )?;
        }
        for finding in &report.observed {
            writeln!(
                out,
                "::warning file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&report.file),
                finding.line,
                finding.column,
                finding.end_line,
                finding.end_column,
                escape_property(&finding.rule),
                escape_data(&finding.message)
            )?;
        }
        for verdict in report
            .lint
            .iter()
            .filter(|v| v.verdict == Verdict::Disproved)
        {
            writeln!(
                out,
                "::notice file={},line={},col={},title={} disproved::{}",
                escape_property(&report.file),
                verdict.line,
                verdict.column,
                escape_property(&verdict.rule),
                escape_data(&format!("the run showed {}", verdict.observed))
            )?;
        }
    }
    let mut line = format!(
        "verify: {} file(s), {} ok, {} not re-runnable, {} changed on re-run, {} failed",
        summary.verified,
        summary.ok,
        summary.not_rerunnable,
        summary.changes_on_rerun,
        summary.failed
    );
    push_downs(&mut line, summary);
    push_locks(&mut line, summary);
    writeln!(out, "{line}")
}

/// The annotation of a file's second run: title, message, line and column.
fn rerun_annotation(
    report: &FileReport,
) -> Option<(&'static str, String, Option<usize>, Option<usize>)> {
    Some(match (&report.status, &report.error) {
        (Status::Ok, _) => return None,
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
    })
}

/// The down's file as a path: a down section is in the up file itself.
fn down_path(file: &str) -> &str {
    file.strip_suffix(" (down section)").unwrap_or(file)
}

/// One sentence on a down migration that did not restore the schema, or failed.
fn down_verdict(down: &DownReport) -> String {
    let (after, expected) = match down.step {
        Some("up again") => (
            "the up migration run again after the down",
            "the first run of the up",
        ),
        _ => ("the down migration", "the up migration"),
    };
    match down.status {
        DownStatus::Ok => format!("{}: restores the schema", down.file),
        DownStatus::Failed => format!(
            "{}: {after} fails: {}",
            down.file,
            down.error.as_deref().unwrap_or("")
        ),
        DownStatus::NotRestoring => format!(
            "{}: {after} leaves the schema different from before {expected}: {}",
            down.file,
            down.difference
                .iter()
                .map(super::drift::message)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The lock figures, after a summary line (`--locks`).
fn push_locks(line: &mut String, summary: &Summary) {
    if let Some(locks) = &summary.locks {
        line.push_str(&format!(
            "; {} statement(s) observed: {} take ACCESS EXCLUSIVE on an existing relation, {} \
             block its writes, {} rewrite, {} scan in full, {} build an index",
            locks.statements,
            locks.access_exclusive,
            locks.blocking_writes,
            locks.rewrites,
            locks.scans,
            locks.index_builds
        ));
        let lint = &locks.cross_check.lint;
        let confirmed: usize = lint.values().map(|c| c.confirmed).sum();
        let disproved: usize = lint.values().map(|c| c.disproved).sum();
        let observed: usize = locks.cross_check.observed.values().sum();
        line.push_str(&format!(
            "; locking lint findings: {confirmed} confirmed, {disproved} disproved; {observed} \
             observed hazard(s) no rule flagged"
        ));
    }
}

/// The down migrations' figures, after a summary line (`--both-ways`).
fn push_downs(line: &mut String, summary: &Summary) {
    if let Some(downs) = &summary.downs {
        line.push_str(&format!(
            "; {} down migration(s): {} restore the schema, {} do not, {} fail",
            downs.run, downs.ok, downs.not_restoring, downs.failed
        ));
    }
}
