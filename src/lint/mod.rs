//! The migration linter's engine: split a file's text into statements with exact spans,
//! understand each one (sqlparser AST, PL/pgSQL DO bodies, token fallback) as normalized actions,
//! run the rules, apply suppressions, and return findings and the text with the safe fixes
//! applied. It reads no files, prints nothing and renders nothing: the command
//! (`crate::commands::lint`) gathers input, writes fixed files and renders the reports with
//! `crate::report::findings`, which reads this module's plain types.
//!
//! Splitting and tokenizing are [`crate::sql`]'s; suppression comments are [`suppress`]; reading
//! statements is [`statement`] / [`action`] / [`plpgsql`]; what the whole file says is [`facts`],
//! what a rule sees is [`context`], guards are [`guard`]; the rules are [`rules`], with the fix
//! builders in [`fix`] and names in messages in [`names`].

pub mod action;
pub mod context;
mod engine;
pub mod facts;
pub mod fix;
pub mod guard;
pub mod names;
pub mod plpgsql;
pub mod recover;
pub mod rules;
pub mod runner;
pub mod statement;
pub mod suppress;
pub mod tables;

use std::ops::Range;
use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::declared::Declared;
pub use engine::lint_file_to;
pub use rules::Rule;
pub use runner::{Runner, Wrapping};

/// The oldest PostgreSQL major version driftlint supports: the default of `--pg-version`.
pub const OLDEST_PG_VERSION: u32 = 13;

/// How bad a finding is. Only errors fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What kind of problem a rule finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Fails when run twice.
    Idempotency,
    /// Blocks or rewrites a busy table.
    Locking,
    /// Loses data or breaks running code.
    Destructive,
    /// Could not be fully parsed.
    Syntax,
    Style,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Idempotency,
        Category::Locking,
        Category::Destructive,
        Category::Syntax,
        Category::Style,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Idempotency => "idempotency",
            Category::Locking => "locking",
            Category::Destructive => "destructive",
            Category::Syntax => "syntax",
            Category::Style => "style",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A mechanical fix: replace `span` of the file with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, as an action ("Add IF NOT EXISTS").
    pub title: String,
    pub span: Range<usize>,
    pub replacement: String,
    /// Safe fixes keep what the statement does on its first run; `--fix` applies only those.
    pub safe: bool,
}

/// A fix as reported: the edit plus the whole statement with the edit applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedFix {
    pub title: String,
    pub span: Range<usize>,
    pub replacement: String,
    pub safe: bool,
    /// The fixed statement text.
    pub statement: String,
}

/// One problem found in one file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub category: Category,
    pub span: Range<usize>,
    /// 1-based line and character column of the span's start and end.
    pub start: (usize, usize),
    pub end: (usize, usize),
    pub message: String,
    pub help: String,
    pub fix: Option<ReportedFix>,
}

/// How many statements a file had, and how they were understood.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub statements: usize,
    pub parsed: usize,
    pub fallback: usize,
    pub unparsed: usize,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.statements += other.statements;
        self.parsed += other.parsed;
        self.fallback += other.fallback;
        self.unparsed += other.unparsed;
    }
}

/// The result of linting one file's text.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file name as shown in reports.
    pub name: String,
    pub text: String,
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

/// Output formats of `driftlint lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Error, Diagnostic)]
pub enum LintError {
    #[error("unknown rule or category `{0}`")]
    #[diagnostic(
        code(driftlint::lint::unknown_rule),
        help("`driftlint rules` lists the rules; categories are idempotency, locking, destructive, syntax, style")
    )]
    UnknownRule(String),

    #[error("no files to lint")]
    #[diagnostic(
        code(driftlint::lint::no_paths),
        help("pass .sql files or directories, or '-' to read stdin")
    )]
    NoPaths,

    #[error("{} is not valid UTF-8", path.display())]
    #[diagnostic(
        code(driftlint::lint::not_utf8),
        help("save the file as UTF-8; the other files were linted")
    )]
    NotUtf8 { path: PathBuf },

    #[error("{} does not look like SQL: none of its statements could be read", path.display())]
    #[diagnostic(
        code(driftlint::lint::not_sql),
        help("pass PostgreSQL migration files; the other files were linted")
    )]
    NotSql { path: PathBuf },

    #[error("{} is larger than {limit_mib} MiB", path.display())]
    #[diagnostic(
        code(driftlint::lint::too_large),
        help("lint reads migration files, not data dumps: leave this one out of the paths (or split it); the other files were linted")
    )]
    TooLarge { path: PathBuf, limit_mib: u64 },

    #[error("could not read {}", path.display())]
    #[diagnostic(
        code(driftlint::lint::read),
        help("check that the path exists and is readable; the other files were linted")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not write the fixed {}", path.display())]
    #[diagnostic(code(driftlint::lint::write), help("check that the file is writable"))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{count} file(s) could not be linted")]
    #[diagnostic(
        code(driftlint::lint::files),
        help("the findings of the other files were reported")
    )]
    Files {
        count: usize,
        #[related]
        errors: Vec<LintError>,
    },

    #[error("unknown rule `{0}`")]
    #[diagnostic(
        code(driftlint::lint::explain),
        help("`driftlint rules` lists the rules")
    )]
    UnknownExplain(String),
}

/// Which rules run.
#[derive(Debug, Clone)]
pub struct Selection {
    enabled: Vec<Rule>,
}

impl Selection {
    /// `select` (empty: everything) minus `ignore`; each entry a rule name or a category.
    pub fn new(select: &[String], ignore: &[String]) -> Result<Selection, LintError> {
        let expand = |names: &[String]| -> Result<Vec<Rule>, LintError> {
            let mut rules = Vec::new();
            for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                if let Some(rule) = Rule::from_name(name) {
                    rules.push(rule);
                } else if let Some(category) = Category::from_name(name) {
                    rules.extend(Rule::all().iter().filter(|r| r.category() == category));
                } else if name == "all" {
                    rules.extend(Rule::all());
                } else {
                    return Err(LintError::UnknownRule(name.to_string()));
                }
            }
            Ok(rules)
        };
        let selected = expand(select)?;
        let ignored = expand(ignore)?;
        let base: Vec<Rule> = if selected.is_empty() {
            Rule::all().to_vec()
        } else {
            selected
        };
        let mut enabled: Vec<Rule> = base.into_iter().filter(|r| !ignored.contains(r)).collect();
        enabled.sort();
        enabled.dedup();
        Ok(Selection { enabled })
    }

    /// Every rule.
    pub fn all() -> Selection {
        Selection {
            enabled: Rule::all().to_vec(),
        }
    }

    /// One rule alone.
    pub fn only(rule: Rule) -> Selection {
        Selection {
            enabled: vec![rule],
        }
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(&rule)
    }
}

/// What a lint run knows beyond the text: the rules to run, the declared schema, the server
/// version and how the file is run. A caller may change the runner (or the opt-out) per file.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub selection: &'a Selection,
    /// The declared schema (`--schema`): drops and renames of what it still declares are errors.
    pub declared: Option<&'a Declared>,
    /// The PostgreSQL major version the migrations run on (`--pg-version`).
    pub pg_version: u32,
    /// The migration runner (`--runner`); `None`: only the file's own BEGIN/COMMIT count.
    pub runner: Option<Runner>,
    /// An opt-out of the runner's transaction found outside the file (Diesel's
    /// `metadata.toml`, Flyway's `.sql.conf`), as written.
    pub no_transaction: Option<String>,
    /// The tables of the database (`--database-url`): sizes and column types.
    pub tables: Option<&'a tables::Tables>,
}

impl<'a> Settings<'a> {
    /// The defaults: the oldest supported server, no runner, no declared schema.
    pub fn new(selection: &'a Selection) -> Settings<'a> {
        Settings {
            selection,
            declared: None,
            pg_version: OLDEST_PG_VERSION,
            runner: None,
            no_transaction: None,
            tables: None,
        }
    }
}

/// Lint one file's text. Never fails: what cannot be understood becomes a finding.
pub fn lint_text(name: &str, text: &str, selection: &Selection) -> FileReport {
    lint_file(name, text, &Settings::new(selection))
}

/// [`lint_text`] knowing the declared schema (`--schema`): drops and renames of what it still
/// declares are errors.
pub fn lint_text_declared(
    name: &str,
    text: &str,
    selection: &Selection,
    declared: Option<&Declared>,
) -> FileReport {
    let settings = Settings {
        declared,
        ..Settings::new(selection)
    };
    lint_file(name, text, &settings)
}

/// Lint one file's text with everything [`Settings`] says.
pub fn lint_file(name: &str, text: &str, settings: &Settings) -> FileReport {
    let mut findings = Vec::new();
    let stats = lint_file_to(text, settings, &mut |finding| findings.push(finding));
    FileReport {
        name: name.to_string(),
        text: text.to_string(),
        findings,
        stats,
    }
}

/// Apply the safe fixes of `findings` to `text` (non-overlapping ones; later passes get the
/// rest). Returns the new text and the findings whose fixes were applied.
pub fn apply_fixes<'f>(text: &str, findings: &'f [Finding]) -> (String, Vec<&'f Finding>) {
    let mut chosen: Vec<&Finding> = Vec::new();
    let mut candidates: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|fix| fix.safe && text.get(fix.span.clone()).is_some())
        })
        .collect();
    // Fixes that replace the same statement (several constraints moved out of one ALTER TABLE):
    // the last action first, so that the moved-out parts end up in their original order.
    candidates.sort_by_key(|f| {
        let span = f.fix.as_ref().map_or(0..0, |fix| fix.span.clone());
        (span.start, span.end, std::cmp::Reverse(f.span.start))
    });
    let mut last_end = 0usize;
    let mut last_insert_at = usize::MAX;
    for finding in candidates {
        let Some(fix) = &finding.fix else { continue };
        let overlaps =
            fix.span.start < last_end || (fix.span.is_empty() && fix.span.start == last_insert_at);
        if overlaps {
            continue;
        }
        last_end = fix.span.end.max(last_end);
        if fix.span.is_empty() {
            last_insert_at = fix.span.start;
        }
        chosen.push(finding);
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for finding in &chosen {
        let Some(fix) = &finding.fix else { continue };
        out.push_str(&text[at..fix.span.start]);
        out.push_str(&fix.replacement);
        at = fix.span.end;
    }
    out.push_str(&text[at..]);
    (out, chosen)
}

/// A fix applied by `--fix`: the rule, the fix title and the 1-based line and column.
pub type AppliedFix = (Rule, String, (usize, usize));

/// Lint `text`, apply safe fixes until none is left (or a pass limit), and return the fixed
/// text, what was applied (rule, title, line, column) and the final report.
pub fn fix_text(
    name: &str,
    text: &str,
    selection: &Selection,
    declared: Option<&Declared>,
) -> (String, Vec<AppliedFix>, FileReport) {
    let settings = Settings {
        declared,
        ..Settings::new(selection)
    };
    fix_file(name, text, &settings)
}

/// [`fix_text`] with everything [`Settings`] says.
pub fn fix_file(
    name: &str,
    text: &str,
    settings: &Settings,
) -> (String, Vec<AppliedFix>, FileReport) {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    // Each pass applies the fixes that do not overlap; a statement with several constraints to
    // move out needs one pass per constraint.
    for _ in 0..64 {
        let report = lint_file(name, &current, settings);
        let (fixed, chosen) = apply_fixes(&current, &report.findings);
        if chosen.is_empty() {
            return (current, applied, report);
        }
        for finding in chosen {
            let title = finding
                .fix
                .as_ref()
                .map(|f| f.title.clone())
                .unwrap_or_default();
            applied.push((finding.rule, title, finding.start));
        }
        current = fixed;
    }
    let report = lint_file(name, &current, settings);
    (current, applied, report)
}

/// Totals over every file, for the reports' summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub stats: Stats,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files that could not be read.
    pub unreadable: usize,
}

impl Summary {
    /// Count one more file, read as `stats`.
    pub fn add_file(&mut self, stats: &Stats) {
        self.files += 1;
        self.stats.add(stats);
    }

    /// Count one more finding.
    pub fn add_finding(&mut self, severity: Severity) {
        self.findings += 1;
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    /// Add the counts of `other` (files, statements and findings; not `unreadable`).
    pub fn add(&mut self, other: &Summary) {
        self.files += other.files;
        self.stats.add(&other.stats);
        self.findings += other.findings;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }
}

pub fn summarize(reports: &[FileReport], unreadable: usize) -> Summary {
    let mut summary = Summary {
        unreadable,
        ..Summary::default()
    };
    for report in reports {
        summary.add_file(&report.stats);
        for finding in &report.findings {
            summary.add_finding(finding.severity);
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A file with one statement per fixable rule, and unfixable ones in between.
    const FIXABLE: &str = r#"CREATE TABLE users (id bigint PRIMARY KEY);
CREATE UNIQUE INDEX ux_users_email ON users (lower(email));
CREATE SCHEMA billing;
CREATE EXTENSION pgcrypto;
CREATE SEQUENCE order_no;
CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM users;
ALTER TABLE users ADD COLUMN email text, ADD COLUMN name text;
DROP TABLE old_users;
DROP INDEX CONCURRENTLY ix_old;
ALTER TABLE users DROP COLUMN legacy, DROP CONSTRAINT ck_old;
ALTER TABLE users ADD CONSTRAINT fk_users_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN email AS text CHECK (VALUE ~ '@');
ALTER TYPE mood ADD VALUE 'happy';
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE VIEW active_users AS SELECT * FROM users;
CREATE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY own_rows ON users USING (id = 1);
ALTER TABLE users RENAME COLUMN name TO full_name;
ALTER TABLE users RENAME CONSTRAINT ck_a TO ck_b;
ALTER INDEX ix_a RENAME TO ix_b;
ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE events DETACH PARTITION events_2020;
DO $$ BEGIN ALTER TABLE users ADD COLUMN nick text; END $$;
DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN bio text'; END $$;
"#;

    #[test]
    fn every_fix_applies_and_the_result_lints_clean_for_its_rule() {
        let selection = Selection::all();
        let before = lint_text("fix.sql", FIXABLE, &selection);
        let fixable: Vec<Rule> = before
            .findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|fix| fix.safe))
            .map(|f| f.rule)
            .collect();
        for rule in Rule::all().iter().filter(|r| r.fixable()) {
            assert!(fixable.contains(rule), "no safe fix offered for {rule}");
        }
        for rule in &fixable {
            assert!(
                rule.fixable(),
                "{rule} offers a safe fix but is not marked fixable"
            );
        }

        let (fixed, applied, after) = fix_text("fix.sql", FIXABLE, &selection, None);
        assert!(applied.len() >= fixable.len(), "{applied:?}");
        for finding in &after.findings {
            assert!(
                !fixable.contains(&finding.rule) || finding.fix.is_none(),
                "{} still reported after fixing: {}\n{fixed}",
                finding.rule,
                finding.message
            );
        }
        // The fixed file still parses: nothing new falls back to the token reader (the original
        // has statements sqlparser cannot parse, like DROP INDEX CONCURRENTLY), nothing is lost.
        assert_eq!(after.stats.unparsed, 0, "{fixed}");
        assert!(after.stats.fallback <= before.stats.fallback, "{fixed}");
        assert!(after.stats.parsed >= before.stats.parsed, "{fixed}");
        // The statements fixes add: `SET lock_timeout` before the first locking statement, and
        // before PostgreSQL 14 a `DROP TRIGGER IF EXISTS` before a `CREATE TRIGGER`.
        let added = applied
            .iter()
            .filter(|(rule, _, _)| {
                matches!(
                    rule,
                    Rule::MissingLockTimeout | Rule::CreateTriggerWithoutOrReplace
                )
            })
            .count();
        assert_eq!(
            after.stats.statements,
            before.stats.statements + added,
            "{fixed}"
        );
    }

    /// Over every file of the shared corpus (when present): fixing converges, and the fixed
    /// text is understood at least as well as the original.
    #[test]
    fn fixes_on_the_corpus_keep_every_statement_readable() {
        let selection = Selection::all();
        let mut fixed_files = 0;
        let present = crate::test_texts::for_each_corpus_file(|name, text| {
            let before = lint_text(name, text, &selection);
            let (fixed, applied, after) = fix_text(name, text, &selection, None);
            if applied.is_empty() {
                return;
            }
            fixed_files += 1;
            assert_eq!(after.stats.unparsed, before.stats.unparsed, "{name}");
            assert!(
                after.stats.fallback <= before.stats.fallback,
                "{name}\n{fixed}"
            );
            let left = apply_fixes(&fixed, &after.findings).1;
            assert!(left.is_empty(), "{name}: fixes left after fixing");
        });
        if !present {
            return;
        }
        eprintln!("fixed {fixed_files} corpus files");
        assert!(fixed_files > 100);
    }

    /// The findings reach the sink in report order (by position, then rule), over the fixtures,
    /// the fixable file above and the shared corpus when present: a finding is never written
    /// before one that starts earlier.
    #[test]
    fn findings_are_streamed_in_report_order() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![("fix.sql".to_string(), FIXABLE.to_string())];
        for dir in [root.join("fixtures/lint"), root.join("../shared/corpus")] {
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let Ok(entry) = entry else { continue };
                if entry.path().extension().is_some_and(|e| e == "sql") {
                    if let Ok(text) = std::fs::read_to_string(entry.path()) {
                        files.push((entry.path().display().to_string(), text));
                    }
                }
            }
        }
        let selection = Selection::all();
        let mut streamed = 0;
        for (name, text) in &files {
            let mut order = Vec::new();
            lint_file_to(text, &Settings::new(&selection), &mut |f| {
                order.push((f.span.start, f.rule))
            });
            assert!(order.is_sorted(), "{name}: {order:?}");
            streamed += order.len();
        }
        assert!(streamed > 100, "{streamed}");
    }

    #[test]
    fn one_bad_statement_hides_nothing() {
        let text = "CREATE TABLE a (id int);\nTHIS IS NOT SQL;\nCREATE TABLE b (id int);\nCREATE TABLE c (";
        let report = lint_text("x.sql", text, &Selection::all());
        let tables: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::CreateTableWithoutIfNotExists)
            .map(|f| f.start.0)
            .collect();
        assert_eq!(tables, [1, 3, 4]);
        assert_eq!(report.stats.statements, 4);
        assert_eq!(report.stats.parsed, 2);
        let unparsed = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::UnparsedStatement)
            .count();
        assert_eq!(unparsed, 2);
    }

    #[test]
    fn selection_by_rule_and_category() {
        let selection = Selection::new(&["locking".into()], &["set-not-null".into()]).unwrap();
        assert!(selection.enabled(Rule::CreateIndexWithoutConcurrently));
        assert!(!selection.enabled(Rule::SetNotNull));
        assert!(!selection.enabled(Rule::DropTable));
        assert!(Selection::new(&["no-such-rule".into()], &[]).is_err());
    }

    #[test]
    fn suppressions_by_rule_and_category() {
        let text = "-- driftlint-ignore: add-column-without-if-not-exists\nALTER TABLE t ADD COLUMN a int;\n-- driftlint-ignore: idempotency\nALTER TABLE t ADD COLUMN b int;\nALTER TABLE t ADD COLUMN c int;";
        let report = lint_text("x.sql", text, &Selection::all());
        let lines: Vec<usize> = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::AddColumnWithoutIfNotExists)
            .map(|f| f.start.0)
            .collect();
        assert_eq!(lines, [5]);
    }

    #[test]
    fn rule_names_are_unique_kebab_case() {
        let mut names: Vec<&str> = Rule::all().iter().map(|r| r.name()).collect();
        for name in &names {
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name}"
            );
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Rule::all().len());
    }
}
