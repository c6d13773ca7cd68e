//! `driftlint verify`: apply each migration twice on a scratch database ([`crate::verify`]
//! judges the second runs, and with `--both-ways` the down migrations), then the report, and the
//! exit code: 0 when every file re-ran cleanly (and every down restored the schema), 1 when one
//! did not, 2 (the error) when a file fails on its first run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::migrations::{MigrationError, MigrationFile};
use crate::report::verify as report;
use std::collections::BTreeSet;

use crate::lint::{self, Selection};
use crate::verify::locks::{self, CrossCheck, LintVerdict, ObservedFinding, Verdict};
use crate::verify::{verify_all, Proofs, Verified};
use crate::{Error, Outcome};

/// Report formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    /// GitHub workflow annotations (`::error file=...`).
    Github,
}

/// Options for [`run`], built by the binary from its flags.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Migration files or directories; empty means `./migrations`.
    pub paths: Vec<PathBuf>,
    /// Create the scratch database on this server instead of starting a cluster.
    pub dev_url: Option<String>,
    /// Which files are up migrations (overrides the defaults).
    pub glob: Option<String>,
    /// Bound on each run of each file.
    pub timeout: Duration,
    pub format: Format,
    /// Also run each file's down migration, then the file again, and compare the schemas.
    pub both_ways: bool,
    /// Record what each statement of each first run locks, rewrites and scans.
    pub locks: bool,
    /// Generated rows per existing table before each file; `None`: 1,000 with `locks`, else 0.
    pub rows: Option<usize>,
    /// Run this Alembic project's history (its alembic.ini) instead of `paths`.
    pub alembic: Option<PathBuf>,
    /// With `alembic`: the project's Python.
    pub python: Option<PathBuf>,
}

/// The rows `--locks` fills each table with when `--rows` is not given.
pub const DEFAULT_ROWS: usize = 1000;

impl VerifyOptions {
    /// The proofs asked for, with `--rows` defaulted.
    pub fn proofs(&self) -> Proofs {
        Proofs {
            both_ways: self.both_ways,
            locks: self.locks,
            rows: self
                .rows
                .unwrap_or(if self.locks { DEFAULT_ROWS } else { 0 }),
        }
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            dev_url: None,
            glob: None,
            timeout: Duration::from_secs(300),
            format: Format::Human,
            both_ways: false,
            locks: false,
            rows: None,
            alembic: None,
            python: None,
        }
    }
}

/// Runs `verify` and writes the report; the first-run failure of a file is returned as the
/// error (after the report of the files before it).
pub fn run(options: &VerifyOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from("migrations")]
    } else {
        options.paths.clone()
    };
    let mut verified = verify_all(
        &paths,
        options.glob.as_deref(),
        options.dev_url.as_deref(),
        options.timeout,
        options.proofs(),
    )?;
    if options.locks {
        cross_check(&mut verified);
    }
    let (reports, summary, notes) = (&verified.reports, &verified.summary, &verified.notes);
    let by_name: BTreeMap<&str, &MigrationFile> = verified
        .files
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    match options.format {
        Format::Human => report::human(out, reports, &by_name, summary, notes),
        Format::Json => report::json(out, reports, summary, notes),
        Format::Github => report::github(out, reports, summary),
    }
    .map_err(Error::Output)?;

    if let Some(error) = verified.history_error {
        return Err(MigrationError::Apply(Box::new(error)).into());
    }
    Ok(if summary.all_ok() {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}

// ---------------------------------------------------------------------------------------------
// --locks: the run against the linter

/// Judges every `locking` lint finding of the verified files by what their statements did,
/// and reports as `observed-*` findings the hazards of statements no such finding flagged.
fn cross_check(verified: &mut Verified) {
    let selection = Selection::all();
    let mut figures = CrossCheck::default();
    for report in &mut verified.reports {
        let Some(statements) = &report.statements else {
            continue;
        };
        let Some(file) = verified.files.iter().find(|f| f.name == report.file) else {
            continue;
        };
        let linted = lint::lint_text(&file.name, &file.text, &selection);
        // The statement whose span holds a byte of the file.
        let holding = |at: usize| {
            statements.iter().position(|s| {
                let start = file.up.start + s.span.start;
                let end = file.up.start + s.span.end;
                start <= at && at < end.max(start + 1)
            })
        };
        let mut flagged = BTreeSet::new();
        for finding in linted
            .findings
            .iter()
            .filter(|f| f.category == lint::Category::Locking && file.up.contains(&f.span.start))
        {
            let rule = finding.rule.name().to_string();
            let (verdict, observed) = match holding(finding.span.start) {
                Some(index) => {
                    // A missing lock_timeout is about waiting for the lock, not about what the
                    // statement does once it has it: the statement's own hazards still show.
                    if finding.rule != lint::Rule::MissingLockTimeout {
                        flagged.insert(index);
                    }
                    locks::judge(&rule, &statements[index])
                }
                None => (
                    Verdict::NotRun,
                    "the statement did not run: an earlier one failed".to_string(),
                ),
            };
            let counts = figures.lint.entry(rule.clone()).or_default();
            match verdict {
                Verdict::Confirmed => counts.confirmed += 1,
                Verdict::Disproved => counts.disproved += 1,
                Verdict::NotRun => counts.not_run += 1,
            }
            report.lint.push(LintVerdict {
                rule,
                line: finding.start.0,
                column: finding.start.1,
                verdict,
                observed,
            });
        }
        for (index, statement) in statements.iter().enumerate() {
            if flagged.contains(&index) {
                continue;
            }
            for (rule, message) in locks::hazards(statement) {
                *figures.observed.entry(rule.to_string()).or_default() += 1;
                report.observed.push(ObservedFinding {
                    rule: rule.to_string(),
                    line: statement.line,
                    column: statement.column,
                    end_line: statement.end_line,
                    end_column: statement.end_column,
                    message,
                });
            }
        }
    }
    if let Some(summary) = verified.summary.locks.as_mut() {
        summary.cross_check = figures;
    }
}
