//! Rendering of `check` results: human (grouped by table, `- declared` / `+ live` lines),
//! JSON (version 1, one document on stdout) and GitHub workflow annotations.
//!
//! Renders only: the drift is computed by [`crate::diff`], the exit code chosen by the caller.

use std::io::{self, Write};

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::github::{escape_data, escape_property};
use crate::diff::{Drift, DriftKind, Severity};
use crate::model::QualifiedName;
use crate::pipeline::DriftResult;

/// Definitions longer than this get a word-level diff under their `-`/`+` lines.
const LONG_DEFINITION: usize = 48;

/// What the drift is about, in words (`column`, `foreign key`, ...).
fn noun(kind: DriftKind) -> &'static str {
    use DriftKind::*;
    match kind {
        MissingTable | ExtraTable => "table",
        MissingColumn | ExtraColumn => "column",
        ColumnTypeMismatch => "column type",
        ColumnNullabilityMismatch => "column nullability",
        ColumnDefaultMismatch => "column default",
        MissingIndex | ExtraIndex | IndexMismatch => "index",
        MissingForeignKey | ExtraForeignKey | ForeignKeyMismatch => "foreign key",
        MissingUnique | ExtraUnique => "unique constraint",
        MissingCheck | ExtraCheck => "check constraint",
        MissingPrimaryKey | PrimaryKeyMismatch => "primary key",
        MissingEnum | ExtraEnum | EnumMismatch => "enum",
        MissingEnumValue | ExtraEnumValue => "enum value",
        CommentMismatch => "comment",
        MissingSequence | ExtraSequence | SequenceMismatch => "sequence",
        MissingExclusion | ExtraExclusion => "exclusion constraint",
    }
}

fn is_missing(kind: DriftKind) -> bool {
    kind.as_str().starts_with("missing_")
}

/// The object's name, or for an unnamed one, its definition.
fn subject(drift: &Drift) -> String {
    let qualified = |object: &str| format!("{}.{object}", drift.table);
    match drift.kind {
        DriftKind::MissingTable
        | DriftKind::ExtraTable
        | DriftKind::MissingEnum
        | DriftKind::ExtraEnum
        | DriftKind::EnumMismatch => drift.table.to_string(),
        DriftKind::MissingColumn
        | DriftKind::ExtraColumn
        | DriftKind::ColumnTypeMismatch
        | DriftKind::ColumnNullabilityMismatch
        | DriftKind::ColumnDefaultMismatch => qualified(drift.object.as_deref().unwrap_or("?")),
        DriftKind::CommentMismatch | DriftKind::SequenceMismatch => match &drift.object {
            Some(column) => qualified(column),
            None => drift.table.to_string(),
        },
        DriftKind::MissingSequence | DriftKind::ExtraSequence => drift.table.to_string(),
        DriftKind::MissingEnumValue | DriftKind::ExtraEnumValue => format!(
            "'{}' of {}",
            drift.object.as_deref().unwrap_or("?"),
            drift.table
        ),
        _ => match (&drift.object, &drift.expected, &drift.actual) {
            (Some(name), _, _) => format!("{name} on {}", drift.table),
            (None, Some(definition), _) | (None, None, Some(definition)) => {
                format!("{definition} on {}", drift.table)
            }
            (None, None, None) => format!("on {}", drift.table),
        },
    }
}

/// One sentence about a drift, for annotations and the human report's headline.
pub fn message(drift: &Drift) -> String {
    let what = noun(drift.kind);
    let subject = subject(drift);
    if drift.kind.is_extra()
        || (drift.kind == DriftKind::PrimaryKeyMismatch && drift.expected.is_none())
    {
        let definition = drift.actual.as_deref().unwrap_or("");
        return format!(
            "{what} {subject} exists in the database but is not declared ({definition})"
        );
    }
    if is_missing(drift.kind) {
        return match (&drift.expected, &drift.actual) {
            (Some(expected), Some(actual)) => {
                format!("{what} {subject} is declared as {expected} but the database has {actual}")
            }
            (Some(expected), None) if drift.kind == DriftKind::MissingColumn => {
                format!("{what} {subject} ({expected}) is declared but missing from the database")
            }
            _ => format!("{what} {subject} is declared but missing from the database"),
        };
    }
    format!(
        "{what} {subject} differs: declared {}, live {}",
        drift.expected.as_deref().unwrap_or("none"),
        drift.actual.as_deref().unwrap_or("none")
    )
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The schema.yaml line a drift points at: the object's, else its table's.
fn line_of(drift: &Drift, result: &DriftResult) -> Option<usize> {
    drift.pos.map(|p| p.line).or_else(|| {
        result
            .declared
            .tables
            .get(&drift.table)
            .and_then(|t| t.pos)
            .or_else(|| result.declared.enums.get(&drift.table).and_then(|e| e.pos))
            .map(|p| p.line)
    })
}

struct Counts {
    errors: usize,
    warnings: usize,
    tables: usize,
    enums: usize,
}

fn counts(result: &DriftResult) -> Counts {
    let errors = result
        .drift
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut names: Vec<&QualifiedName> = result.drift.iter().map(|d| &d.table).collect();
    names.dedup();
    let enums = names
        .iter()
        .filter(|name| {
            !result.declared.tables.contains_key(**name)
                && result.declared.enums.contains_key(**name)
        })
        .count();
    Counts {
        errors,
        warnings: result.drift.len() - errors,
        tables: names.len() - enums,
        enums,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The human report: drift grouped by table, then a summary line.
pub fn human(result: &DriftResult, file: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut current: Option<&QualifiedName> = None;
    for drift in &result.drift {
        if current != Some(&drift.table) {
            if current.is_some() {
                writeln!(out)?;
            }
            current = Some(&drift.table);
            let position = result
                .declared
                .tables
                .get(&drift.table)
                .and_then(|t| t.pos)
                .or_else(|| result.declared.enums.get(&drift.table).and_then(|e| e.pos))
                .map(|p| format!("  ({file}:{})", p.line))
                .unwrap_or_default();
            let label = if result.declared.enums.contains_key(&drift.table)
                && !result.declared.tables.contains_key(&drift.table)
            {
                "enum "
            } else {
                ""
            };
            writeln!(out, "{label}{}{position}", drift.table)?;
        }
        let at = drift
            .pos
            .map(|p| format!("  ({file}:{})", p.line))
            .unwrap_or_default();
        let name = drift
            .object
            .as_deref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<7} {}{name}{at}",
            severity_word(drift.severity),
            drift.kind.as_str(),
        )?;
        definitions(drift, out)?;
    }
    if !result.drift.is_empty() {
        writeln!(out)?;
    }
    for note in &result.notes {
        writeln!(out, "note: {note}")?;
    }
    let c = counts(result);
    let declared = result.declared.tables.len();
    let live = result.live.tables.len();
    if result.drift.is_empty() {
        writeln!(
            out,
            "No drift: {} declared, {} in the database ({}).",
            plural(declared, "table"),
            live,
            result.schemas.join(", ")
        )?;
    } else {
        let mut places = Vec::new();
        if c.tables > 0 {
            places.push(plural(c.tables, "table"));
        }
        if c.enums > 0 {
            places.push(plural(c.enums, "enum"));
        }
        writeln!(
            out,
            "{}, {} in {} ({} declared, {} in the database).",
            plural(c.errors, "error"),
            plural(c.warnings, "warning"),
            places.join(" and "),
            plural(declared, "table"),
            live
        )?;
    }
    Ok(())
}

/// `- declared` / `+ live` lines; long definitions get a word diff marking what changed.
fn definitions(drift: &Drift, out: &mut dyn Write) -> io::Result<()> {
    let indent = "            ";
    match (&drift.expected, &drift.actual) {
        (Some(expected), Some(actual)) => {
            if expected.len().max(actual.len()) > LONG_DEFINITION {
                let (minus, plus) = word_diff(expected, actual);
                writeln!(out, "{indent}- declared  {minus}")?;
                writeln!(out, "{indent}+ live      {plus}")?;
            } else {
                writeln!(out, "{indent}- declared  {expected}")?;
                writeln!(out, "{indent}+ live      {actual}")?;
            }
        }
        (Some(expected), None) => writeln!(out, "{indent}- declared  {expected}")?,
        (None, Some(actual)) => writeln!(out, "{indent}+ live      {actual}")?,
        (None, None) => {}
    }
    Ok(())
}

/// Both texts with the words only one side has bracketed: `[-old-]` and `{+new+}`.
fn word_diff(expected: &str, actual: &str) -> (String, String) {
    let diff = TextDiff::from_words(expected, actual);
    let mut minus = String::new();
    let mut plus = String::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                minus.push_str(text);
                plus.push_str(text);
            }
            ChangeTag::Delete => push_marked(&mut minus, text, "[-", "-]"),
            ChangeTag::Insert => push_marked(&mut plus, text, "{+", "+}"),
        }
    }
    (merge_marks(&minus, "-][-"), merge_marks(&plus, "+}{+"))
}

fn push_marked(into: &mut String, text: &str, open: &str, close: &str) {
    if text.trim().is_empty() {
        into.push_str(text);
    } else {
        into.push_str(open);
        into.push_str(text);
        into.push_str(close);
    }
}

/// `[-a-] [-b-]` reads better as `[-a b-]`.
fn merge_marks(text: &str, seam: &str) -> String {
    let spaced = format!("{} {}", &seam[..2], &seam[2..]);
    text.replace(&spaced, " ").replace(seam, "")
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    drift: Vec<JsonDrift<'a>>,
    summary: JsonSummary,
    notes: &'a [String],
}

/// One drift entry of the JSON report (also used by `verify --both-ways` for what a down
/// migration did not restore).
#[derive(Serialize)]
pub struct JsonDrift<'a> {
    kind: &'static str,
    schema: &'a str,
    table: &'a str,
    object: Option<&'a str>,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    severity: &'static str,
    line: Option<usize>,
}

#[derive(Serialize)]
struct JsonSummary {
    tables_declared: usize,
    tables_live: usize,
    drift: usize,
    errors: usize,
    warnings: usize,
    catalog_queries: usize,
}

/// A drift as the JSON report shows it, at `line` of schema.yaml when known.
pub fn entry(d: &Drift, line: Option<usize>) -> JsonDrift<'_> {
    JsonDrift {
        kind: d.kind.as_str(),
        schema: &d.table.schema,
        table: &d.table.name,
        object: d.object.as_deref(),
        expected: d.expected.as_deref(),
        actual: d.actual.as_deref(),
        severity: severity_word(d.severity),
        line,
    }
}

/// The JSON report (version 1).
pub fn json(result: &DriftResult, out: &mut dyn Write) -> io::Result<()> {
    let c = counts(result);
    let report = JsonReport {
        version: 1,
        drift: result
            .drift
            .iter()
            .map(|d| entry(d, line_of(d, result)))
            .collect(),
        summary: JsonSummary {
            tables_declared: result.declared.tables.len(),
            tables_live: result.live.tables.len(),
            drift: result.drift.len(),
            errors: c.errors,
            warnings: c.warnings,
            catalog_queries: result.catalog_queries,
        },
        notes: &result.notes,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}

/// GitHub workflow commands: one `::error` / `::warning` annotation per drift, on the
/// schema.yaml line of the declared object (or its table).
pub fn github(result: &DriftResult, file: &str, out: &mut dyn Write) -> io::Result<()> {
    // An undeclared table has no line of its own: point at `tables:`.
    let tables_line = result
        .file
        .source
        .lines()
        .position(|l| l.trim_end() == "tables:")
        .map_or(1, |i| i + 1);
    for drift in &result.drift {
        let line = line_of(drift, result).unwrap_or(tables_line);
        writeln!(
            out,
            "::{} file={},line={line},title={}::{}",
            severity_word(drift.severity),
            escape_property(file),
            escape_property(&format!("driftlint {}", drift.kind.as_str())),
            escape_data(&message(drift))
        )?;
    }
    for note in &result.notes {
        writeln!(
            out,
            "::notice file={}::{}",
            escape_property(file),
            escape_data(note)
        )?;
    }
    let c = counts(result);
    writeln!(
        out,
        "{}, {} ({} declared, {} in the database)",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(result.declared.tables.len(), "table"),
        result.live.tables.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_brackets_only_the_changed_words() {
        let (minus, plus) = word_diff(
            "FOREIGN KEY (q) REFERENCES public.queries(id) ON DELETE SET NULL",
            "FOREIGN KEY (q) REFERENCES public.queries(id) ON DELETE CASCADE",
        );
        assert_eq!(
            minus,
            "FOREIGN KEY (q) REFERENCES public.queries(id) ON DELETE [-SET NULL-]"
        );
        assert_eq!(
            plus,
            "FOREIGN KEY (q) REFERENCES public.queries(id) ON DELETE {+CASCADE+}"
        );
    }
}
