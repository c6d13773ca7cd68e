//! `driftlint lint --alembic [alembic.ini]`: the project's Alembic revisions linted as the SQL
//! they run. Alembic renders each revision on its own (`alembic upgrade PARENT:REVISION --sql`,
//! with the project's Python and env.py), so every statement is known to come from one
//! revision file; the rendering keeps Alembic's `BEGIN` / `COMMIT` around each revision (and
//! the `COMMIT` of an `autocommit_block`), which is what the transaction rules see. Every finding
//! is then reported against the revision's `.py` file: at the line of the `op.` call that
//! renders the statement where one can be found (the SQL text itself for `op.execute`, else the
//! call the statement's kind comes from, on the same table), else at `def upgrade`, with the
//! rendered statement in the message.
//!
//! A revision that cannot be rendered offline (it inspects the live database) is named, with
//! the reason, on standard error, and left to `driftlint verify --alembic`.

use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use super::lint::LintOptions;
use super::say;
use crate::lint::{lint_text_declared, summarize, FileReport, Finding, Selection};
use crate::migrations::alembic::{self, shown, Project};
use crate::{Error, Outcome};

/// Lints every revision of the Alembic project `ini` with `options`' rules, format and
/// declared schema; notes go to `err`.
pub fn run(
    options: &LintOptions,
    ini: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome, Error> {
    let selection = Selection::new(&options.select, &options.ignore)?;
    let declared = super::lint::declared(options)?;
    let project = Project {
        ini: alembic::ini_path(ini),
        python: options.python.clone(),
        timeout: Duration::from_secs(300),
    };
    let mut reports = Vec::new();
    for revision in project.render()? {
        let path = shown(&revision.path);
        let sql = match revision.sql {
            Ok(sql) => sql,
            Err(reason) => {
                say(
                    err,
                    format_args!(
                        "note: {path}: revision {} cannot be rendered offline ({reason}); `driftlint verify --alembic` runs it",
                        revision.id
                    ),
                )?;
                continue;
            }
        };
        let python = std::fs::read_to_string(&revision.path).map_err(|source| Error::Read {
            path: revision.path.clone(),
            source,
        })?;
        let rendered = lint_text_declared(&path, &sql, &selection, declared.as_ref());
        let mut report = onto_revision(rendered, &path, python, &sql);
        options.adjust.apply(Path::new(&path), &mut report);
        reports.push(report);
    }
    let summary = summarize(&reports, 0);
    crate::report::findings::write(options.format, &reports, &summary, options.color, out)
        .map_err(Error::Output)?;
    Ok(super::lint::outcome(&reports))
}

/// The report of the rendered SQL moved onto the revision file: each finding at the line that
/// renders its statement, which the message quotes. Fixes are SQL and are dropped.
fn onto_revision(rendered: FileReport, path: &str, python: String, sql: &str) -> FileReport {
    let findings = rendered
        .findings
        .into_iter()
        .map(|finding| {
            let statement = statement_at(sql, finding.span.start);
            let span = locate(&python, statement);
            let start = line_column(&python, span.start);
            let end = line_column(&python, span.end);
            let shown: String = first_line(statement).chars().take(100).collect();
            Finding {
                message: format!("{} (upgrade() renders `{shown}`)", finding.message),
                span,
                start,
                end,
                fix: None,
                ..finding
            }
        })
        .collect();
    FileReport {
        name: path.to_string(),
        text: python,
        findings,
        stats: rendered.stats,
    }
}

/// The statement of the rendered SQL around byte `at` (between the `;` before and after it).
fn statement_at(sql: &str, at: usize) -> &str {
    let at = at.min(sql.len());
    let start = sql[..at].rfind(";\n").map_or(0, |i| i + 2);
    let end = sql[at..].find(";\n").map_or(sql.len(), |i| at + i);
    sql[start..end].trim()
}

/// The first line of a statement that is not a comment.
fn first_line(statement: &str) -> &str {
    statement
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or_default()
}

/// Where in the revision file `statement` comes from: the line holding its SQL text (an
/// `op.execute`), else the `op.` call its kind comes from (on its table when that can be
/// told), else the `def upgrade` line, else the first line.
fn locate(python: &str, statement: &str) -> Range<usize> {
    let body_start = python.find("def upgrade").unwrap_or(0);
    let body_end = python[body_start..]
        .find("\ndef ")
        .map_or(python.len(), |i| body_start + i + 1);
    let body = &python[body_start..body_end];
    let head: String = first_line(statement).chars().take(40).collect();
    if head.len() >= 12 {
        if let Some(i) = body.find(head.as_str()) {
            return line_at(python, body_start + i);
        }
    }
    if let Some(call) = op_call(statement) {
        let needle = format!("op.{call}(");
        let table = table_of(statement);
        let calls: Vec<usize> = body.match_indices(&needle).map(|(i, _)| i).collect();
        let on_table = calls.iter().copied().find(|&i| {
            // The call's own arguments: up to the next `op.` call.
            let window = window(body, i, 400);
            let window = window[3..].find("op.").map_or(window, |j| &window[..j + 3]);
            table.as_deref().is_some_and(|t| {
                window.contains(&format!("\"{t}\"")) || window.contains(&format!("'{t}'"))
            })
        });
        if let Some(i) = on_table.or_else(|| calls.first().copied()) {
            return line_at(python, body_start + i);
        }
    }
    line_at(python, body_start)
}

/// Up to `len` bytes of `text` from `at`, cut at a character boundary.
fn window(text: &str, at: usize, len: usize) -> &str {
    let mut end = (at + len).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[at..end]
}

/// The `op.` function that renders a statement of this kind.
fn op_call(statement: &str) -> Option<&'static str> {
    let upper = first_line(statement).to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    Some(match (words.first().copied()?, words.get(1).copied()) {
        ("CREATE", Some("TABLE")) => "create_table",
        ("DROP", Some("TABLE")) => "drop_table",
        ("CREATE", Some("INDEX" | "UNIQUE")) => "create_index",
        ("DROP", Some("INDEX")) => "drop_index",
        ("CREATE", Some("TYPE")) => "create_table",
        ("ALTER", Some("TABLE")) if has("ADD") && has("COLUMN") => "add_column",
        ("ALTER", Some("TABLE")) if has("DROP") && has("COLUMN") => "drop_column",
        ("ALTER", Some("TABLE")) if has("DROP") && has("CONSTRAINT") => "drop_constraint",
        ("ALTER", Some("TABLE")) if has("ALTER") && has("COLUMN") => "alter_column",
        ("ALTER", Some("TABLE")) if upper.contains("FOREIGN KEY") => "create_foreign_key",
        ("ALTER", Some("TABLE")) if upper.contains("PRIMARY KEY") => "create_primary_key",
        ("ALTER", Some("TABLE")) if has("UNIQUE") => "create_unique_constraint",
        ("ALTER", Some("TABLE")) if has("CHECK") => "create_check_constraint",
        ("ALTER", Some("TABLE")) if has("RENAME") => "rename_table",
        _ => return None,
    })
}

/// The table a statement is about, unquoted and without its schema.
fn table_of(statement: &str) -> Option<String> {
    let line = first_line(statement);
    let upper = line.to_ascii_uppercase();
    let after = [" ON ", "ALTER TABLE ", "CREATE TABLE ", "DROP TABLE "]
        .iter()
        .find_map(|key| upper.find(key).map(|i| i + key.len()))?;
    let rest = line[after..].trim_start();
    let mut words = rest.split_whitespace();
    let mut name = words.next()?;
    for skip in ["IF", "NOT", "EXISTS", "ONLY"] {
        if name.eq_ignore_ascii_case(skip) {
            name = words.next()?;
        }
    }
    let name = name.trim_end_matches(['(', ';']);
    let last = name.rsplit('.').next().unwrap_or(name);
    Some(last.trim_matches('"').to_string())
}

/// The byte range of the line holding byte `at`, from its first non-blank character.
fn line_at(text: &str, at: usize) -> Range<usize> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let indent = text[start..end].len() - text[start..end].trim_start().len();
    start + indent..end
}

/// The 1-based line and character column of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVISION: &str = "from alembic import op\n\n\ndef upgrade() -> None:\n    \
        op.create_table(\n        \"other\",\n    )\n    \
        op.create_table(\"jobs\")\n    \
        op.add_column(\"prospects\", sa.Column(\"x\", sa.Uuid()))\n    \
        op.execute(\"CREATE INDEX ix_jobs_status ON jobs (status)\")\n\n\n\
        def downgrade() -> None:\n    op.add_column(\"prospects\", sa.Column(\"y\"))\n";

    #[test]
    fn a_statement_is_found_at_its_op_call_or_its_sql() {
        let at = |statement: &str| line_column(REVISION, locate(REVISION, statement).start);
        assert_eq!(at("ALTER TABLE prospects ADD COLUMN x UUID"), (9, 5));
        assert_eq!(at("CREATE INDEX ix_jobs_status ON jobs (status)"), (10, 5));
        assert_eq!(at("CREATE TABLE other (\n id int\n)"), (5, 5));
        // The second create_table, not the first (whose arguments end before it).
        assert_eq!(at("CREATE TABLE jobs (\n id int\n)"), (8, 5));
        // Nothing that renders it: the function.
        assert_eq!(at("GRANT SELECT ON jobs TO app"), (4, 1));
    }

    #[test]
    fn the_statement_around_a_span_and_its_table() {
        let sql = "BEGIN;\n\n-- Running upgrade a -> b\n\nALTER TABLE \"Order\" ADD COLUMN x int;\n\nCOMMIT;\n";
        let at = sql.find("ADD").unwrap();
        let statement = statement_at(sql, at);
        assert_eq!(
            first_line(statement),
            "ALTER TABLE \"Order\" ADD COLUMN x int"
        );
        assert_eq!(table_of(statement).as_deref(), Some("Order"));
        assert_eq!(op_call(statement), Some("add_column"));
        assert_eq!(
            table_of("CREATE INDEX IF NOT EXISTS ix ON public.jobs (a)").as_deref(),
            Some("jobs")
        );
    }
}
