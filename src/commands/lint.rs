//! `driftlint lint`, `driftlint rules` and `driftlint explain`: the command around the lint
//! engine. It expands the given paths, reads the files (and stdin), runs the engine on each in
//! parallel, writes the fixed files on `--fix`, renders the reports with
//! [`crate::report::findings`] and decides the outcome. Understanding SQL and judging it is
//! [`crate::lint`]'s job; this module only gathers input and renders and decides.
//!
//! Without `--fix` the report is streamed ([`super::lint_stream`]): each file's findings are
//! rendered as the engine finds them. `--fix` holds every file's report until all fixes are
//! written (a human report lists the fixes first).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::declared::Declared;
use crate::input::{self, mib, read_at_most, Unread, MAX_LINT_BYTES};
use crate::lint::tables::{Tables, SMALL_TABLE_ROWS};
use crate::lint::{
    fix_file, lint_file_to, summarize, AppliedFix, Category, FileReport, LintError, Rule, Runner,
    Selection, Settings, Severity, Summary, OLDEST_PG_VERSION,
};
use crate::report::findings::FileRenderer;
use crate::{Error, Outcome};

use super::lint_stream::{self, Counted, CHUNK, STACK};

pub use crate::lint::Format;

/// What `driftlint lint` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Files or directories ('-' for stdin).
    pub paths: Vec<PathBuf>,
    pub format: Format,
    /// Rules or categories to run (empty: all).
    pub select: Vec<String>,
    /// Rules or categories to skip.
    pub ignore: Vec<String>,
    /// The name shown for stdin.
    pub stdin_filename: Option<String>,
    /// Rewrite files with the safe fixes.
    pub fix: bool,
    /// Colors in human output.
    pub color: bool,
    /// schema.yaml: dropping or renaming what it still declares is an error.
    pub schema: Option<PathBuf>,
    /// SQLAlchemy models declaring the schema instead of `schema` (`app.models:Base`).
    pub models: Option<String>,
    /// The Python that imports the models (and runs Alembic).
    pub python: Option<PathBuf>,
    /// Lint this Alembic project's revisions (its alembic.ini) instead of `paths`.
    pub alembic: Option<PathBuf>,
    /// `--pg-version`: the PostgreSQL major version (none: the oldest supported, 13).
    pub pg_version: Option<u32>,
    /// `--runner`: the tool that runs the migrations (none: only the files' own BEGIN/COMMIT).
    pub runner: Option<Runner>,
    /// `--database-url`: read the tables' sizes and column types from this database.
    pub database_url: Option<String>,
    /// `--small-table-rows`: locking findings on tables with fewer rows are info.
    pub small_table_rows: Option<u64>,
    /// From the configuration file: excluded files, per-file ignores, per-rule severities.
    pub adjust: crate::config::lint::LintAdjust,
}

/// `Found` when a finding of severity error remains, else `Clean`.
pub(crate) fn outcome(reports: &[FileReport]) -> Outcome {
    let failed = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity == Severity::Error);
    if failed {
        Outcome::Found
    } else {
        Outcome::Clean
    }
}

/// The declared schema the rules read: the models (`--models`), else schema.yaml (`--schema`).
pub(crate) fn declared(options: &LintOptions) -> Result<Option<crate::declared::Declared>, Error> {
    match (&options.models, &options.schema) {
        (Some(_), _) => {
            let source = crate::pipeline::DeclaredSource::choose(
                Path::new(""),
                options.models.as_deref(),
                options.python.as_deref(),
            );
            Ok(Some(source.load(std::time::Duration::from_secs(300))?))
        }
        (None, Some(path)) => Ok(Some(crate::declared::load(path)?)),
        (None, None) => Ok(None),
    }
}

/// `driftlint lint`: lint every input (in parallel), report in input order, and decide the
/// outcome: `Found` when a finding of severity error remains; an error when a file could not be
/// read (after reporting the others).
pub fn run(options: &LintOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let selection = Selection::new(&options.select, &options.ignore)?;
    if options.paths.is_empty() {
        return Err(LintError::NoPaths.into());
    }
    let declared = declared(options)?;
    let tables = match &options.database_url {
        Some(url) => Some(crate::commands::lint_tables::read(
            url,
            options.small_table_rows.unwrap_or(SMALL_TABLE_ROWS),
            std::time::Duration::from_secs(30),
        )?),
        None => None,
    };
    let (mut inputs, mut errors) = collect_inputs(&options.paths);
    inputs.retain(|input| match input {
        Input::File(path) => !options.adjust.excluded(path),
        Input::Stdin => true,
    });
    let stdin = Stdin::read_if_named(&inputs, options);
    let job = Job {
        options,
        selection: &selection,
        declared: declared.as_ref(),
        tables: tables.as_ref(),
        stdin: &stdin,
    };
    let failed = if options.fix {
        fix_all(&job, &inputs, &mut errors, out)
    } else {
        let lint_one = |index: usize, write: &mut dyn FnMut(Vec<u8>) -> io::Result<()>| {
            job.stream_one(&inputs[index], write)
        };
        lint_stream::stream(options.format, inputs.len(), &lint_one, &mut errors, out)
            .map(|summary| summary.errors > 0)
    }
    .map_err(Error::Output)?;
    if !errors.is_empty() {
        return Err(LintError::Files {
            count: errors.len(),
            errors,
        }
        .into());
    }
    Ok(if failed {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// `--fix`: fix every input (in parallel), then report. Returns whether a finding of severity
/// error remains.
fn fix_all(
    job: &Job,
    inputs: &[Input],
    errors: &mut Vec<LintError>,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let results: Vec<Result<Linted, LintError>> =
        match rayon::ThreadPoolBuilder::new().stack_size(STACK).build() {
            Ok(pool) => pool.install(|| inputs.par_iter().map(|i| job.fix_one(i)).collect()),
            Err(_) => inputs.iter().map(|i| job.fix_one(i)).collect(),
        };
    let gathered = gather(results, errors);
    write_output(job.options, &gathered, errors.len(), out)?;
    Ok(outcome(&gathered.reports) == Outcome::Found)
}

/// One input: a file path or stdin.
enum Input {
    Stdin,
    File(PathBuf),
}

/// Expand the given paths: directories are walked recursively (`.sql` files, sorted), following
/// symbolic links to files and directories as `verify` and `check --migrations` do; a link that
/// loops back to a directory above it is an error for that path.
fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<LintError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    // Asking the file system what each path is takes a few microseconds a path: on the threads
    // of the machine when the paths are many (a shell glob of a few thousand files), before any
    // file can be linted.
    let is_dir = |path: &PathBuf| path.as_os_str() != "-" && path.is_dir();
    let dirs: Vec<bool> = if paths.len() >= PATHS_IN_PARALLEL {
        paths.par_iter().map(is_dir).collect()
    } else {
        paths.iter().map(is_dir).collect()
    };
    for (path, is_dir) in paths.iter().zip(dirs) {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if is_dir {
            let walker = walkdir::WalkDir::new(path)
                .follow_links(true)
                .sort_by_file_name();
            for entry in walker {
                match entry {
                    Ok(entry) => {
                        let p = entry.path();
                        if entry.file_type().is_file()
                            && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"))
                        {
                            inputs.push(Input::File(p.to_path_buf()));
                        }
                    }
                    Err(error) => {
                        let path = error.path().unwrap_or(path).to_path_buf();
                        let source = crate::input::walk_error(error);
                        errors.push(LintError::Read { path, source });
                    }
                }
            }
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    (inputs, errors)
}

/// From how many paths on [`collect_inputs`] looks at them in parallel.
const PATHS_IN_PARALLEL: usize = 256;

fn read_file(path: &Path) -> Result<String, LintError> {
    let bytes = input::read_file(path, MAX_LINT_BYTES).map_err(|unread| match unread {
        Unread::Io(source) => LintError::Read {
            path: path.to_path_buf(),
            source,
        },
        Unread::TooLarge => too_large(path),
    })?;
    String::from_utf8(bytes).map_err(|_| LintError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

fn too_large(path: &Path) -> LintError {
    LintError::TooLarge {
        path: path.to_path_buf(),
        limit_mib: mib(MAX_LINT_BYTES),
    }
}

/// Standard input, read once (when '-' is among the inputs), and the name it is shown under.
struct Stdin {
    text: Option<Result<String, LintError>>,
    name: String,
}

impl Stdin {
    fn read_if_named(inputs: &[Input], options: &LintOptions) -> Stdin {
        let mut text = None;
        if inputs.iter().any(|i| matches!(i, Input::Stdin)) {
            let read = read_at_most(std::io::stdin().lock(), MAX_LINT_BYTES);
            let path = PathBuf::from("-");
            text = Some(match read {
                Ok(Some(buffer)) => {
                    String::from_utf8(buffer).map_err(|_| LintError::NotUtf8 { path })
                }
                Ok(None) => Err(too_large(&path)),
                Err(source) => Err(LintError::Read { path, source }),
            });
        }
        let name = options
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "<stdin>".to_string());
        Stdin { text, name }
    }

    /// The text read, or the error to report for it under its shown name.
    fn text(&self) -> Result<String, LintError> {
        match &self.text {
            Some(Ok(text)) => Ok(text.clone()),
            Some(Err(LintError::TooLarge { .. })) => Err(too_large(Path::new(&self.name))),
            Some(Err(LintError::NotUtf8 { .. })) | None => Err(LintError::NotUtf8 {
                path: PathBuf::from(&self.name),
            }),
            Some(Err(_)) => Err(LintError::Read {
                path: PathBuf::from(&self.name),
                source: std::io::Error::other("stdin could not be read"),
            }),
        }
    }
}

/// What every input is linted with.
struct Job<'a> {
    options: &'a LintOptions,
    selection: &'a Selection,
    declared: Option<&'a Declared>,
    tables: Option<&'a Tables>,
    stdin: &'a Stdin,
}

/// What linting one input produced.
struct Linted {
    report: FileReport,
    /// With --fix: what was applied.
    applied: Vec<AppliedFix>,
    /// With --fix on stdin: the fixed text.
    fixed_stdin: Option<String>,
}

impl Job<'_> {
    /// The name shown for an input, its text, and its path when it is a file.
    fn read<'i>(
        &self,
        input: &'i Input,
    ) -> Result<(String, String, Option<&'i PathBuf>), LintError> {
        Ok(match input {
            Input::Stdin => (self.stdin.name.clone(), self.stdin.text()?, None),
            Input::File(path) => (path.display().to_string(), read_file(path)?, Some(path)),
        })
    }

    /// What the engine is told for the file at `path` (stdin: `None`).
    fn settings(&self, path: Option<&PathBuf>) -> Settings<'_> {
        Settings {
            selection: self.selection,
            declared: self.declared,
            pg_version: self.options.pg_version.unwrap_or(OLDEST_PG_VERSION),
            runner: self.options.runner,
            no_transaction: path.and_then(|p| runner_opt_out(self.options.runner, p)),
            tables: self.tables,
        }
    }

    /// Lint one input, handing its findings, rendered, to `write` as they are found (in pieces
    /// of about [`CHUNK`] bytes). The outer error is `write`'s: the report can no longer be
    /// written.
    fn stream_one(
        &self,
        input: &Input,
        write: &mut dyn FnMut(Vec<u8>) -> io::Result<()>,
    ) -> io::Result<Result<Counted, LintError>> {
        let (name, text, path) = match self.read(input) {
            Ok(read) => read,
            Err(error) => return Ok(Err(error)),
        };
        let shown = PathBuf::from(&name);
        let adjust = self.options.adjust.for_file(path.unwrap_or(&shown));
        let options = self.options;
        let mut renderer = FileRenderer::new(options.format, &name, &text, options.color);
        let mut summary = Summary::default();
        let mut rendered = Vec::new();
        // Once writing failed, the rest of the file is not rendered.
        let mut written: io::Result<()> = Ok(());
        let stats = lint_file_to(&text, &self.settings(path), &mut |mut finding| {
            if !adjust.keep(&mut finding) {
                return;
            }
            summary.add_finding(finding.severity);
            if written.is_ok() {
                renderer.render(&finding, &mut rendered);
                if rendered.len() >= CHUNK {
                    // The next chunk starts at its full size instead of growing to it again.
                    let next = Vec::with_capacity(CHUNK + CHUNK / 2);
                    written = write(std::mem::replace(&mut rendered, next));
                }
            }
        });
        written?;
        if !rendered.is_empty() {
            write(rendered)?;
        }
        summary.add_file(&stats);
        Ok(Ok(Counted { name, summary }))
    }

    /// Lint one input with `--fix`: write the fixed file (or keep the fixed stdin).
    fn fix_one(&self, input: &Input) -> Result<Linted, LintError> {
        let (name, text, path) = self.read(input)?;
        let shown = PathBuf::from(&name);
        let (fixed, applied, mut report) = fix_file(&name, &text, &self.settings(path));
        self.options
            .adjust
            .apply(path.unwrap_or(&shown), &mut report);
        let mut fixed_stdin = None;
        match path {
            Some(path) if fixed != text => {
                std::fs::write(path, &fixed).map_err(|source| LintError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
            Some(_) => {}
            None => fixed_stdin = Some(fixed),
        }
        Ok(Linted {
            report,
            applied,
            fixed_stdin,
        })
    }
}

/// A runner's opt-out of its transaction kept beside the migration file, as written: Diesel's
/// `run_in_transaction = false` in the `metadata.toml` next to `up.sql`, Flyway's
/// `executeInTransaction=false` in `<script>.sql.conf`. The opt-outs written inside the file are
/// the engine's to read.
fn runner_opt_out(runner: Option<Runner>, path: &Path) -> Option<String> {
    let setting = |file: &Path, key: &str| -> Option<String> {
        let text = std::fs::read_to_string(file).ok()?;
        text.lines()
            .map(|line| {
                line.split('#')
                    .next()
                    .unwrap_or("")
                    .replace([' ', '\t'], "")
            })
            .find(|line| line.eq_ignore_ascii_case(&format!("{key}=false")))
            .map(|_| format!("{}: {key} = false", file.display()))
    };
    match runner? {
        Runner::Diesel => setting(&path.parent()?.join("metadata.toml"), "run_in_transaction"),
        Runner::Flyway => {
            let mut conf = path.as_os_str().to_owned();
            conf.push(".conf");
            setting(Path::new(&conf), "executeInTransaction")
        }
        _ => None,
    }
}

/// The results of every input, in input order.
struct Gathered {
    reports: Vec<FileReport>,
    /// `file:line:column: fixed rule: title`, one per fix applied.
    changes: Vec<String>,
    fixed_stdin: Option<String>,
}

/// Put the results together; inputs that failed, or that are not SQL, add to `errors`.
fn gather(results: Vec<Result<Linted, LintError>>, errors: &mut Vec<LintError>) -> Gathered {
    let mut gathered = Gathered {
        reports: Vec::new(),
        changes: Vec::new(),
        fixed_stdin: None,
    };
    for result in results {
        let linted = match result {
            Ok(linted) => linted,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let stats = &linted.report.stats;
        if stats.statements > 0 && stats.parsed == 0 && stats.fallback == 0 {
            errors.push(LintError::NotSql {
                path: PathBuf::from(&linted.report.name),
            });
        }
        for (rule, title, (line, column)) in &linted.applied {
            gathered.changes.push(format!(
                "{}:{line}:{column}: fixed {rule}: {title}",
                linted.report.name
            ));
        }
        if linted.fixed_stdin.is_some() {
            gathered.fixed_stdin = linted.fixed_stdin;
        }
        gathered.reports.push(linted.report);
    }
    gathered
}

/// Write the report (or, with `--fix` on stdin, the fixed text) to `out`, and the fixes applied
/// where the format leaves room for them: before a human report, on stderr otherwise.
fn write_output(
    options: &LintOptions,
    gathered: &Gathered,
    unreadable: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if let Some(fixed) = &gathered.fixed_stdin {
        // `--fix` on stdin: the fixed text is the output, the changes go to stderr.
        out.write_all(fixed.as_bytes())?;
        for change in &gathered.changes {
            eprintln!("{change}");
        }
        return Ok(());
    }
    if !gathered.changes.is_empty() {
        if options.format == Format::Human {
            for change in &gathered.changes {
                writeln!(out, "{change}")?;
            }
            writeln!(out)?;
        } else {
            for change in &gathered.changes {
                eprintln!("{change}");
            }
        }
    }
    let summary = summarize(&gathered.reports, unreadable);
    crate::report::findings::write(
        options.format,
        &gathered.reports,
        &summary,
        options.color,
        out,
    )
}

/// `driftlint rules`: every rule with its category, severity and one line.
pub fn list_rules(json: bool, out: &mut dyn Write) -> Result<Outcome, Error> {
    let output = |e: std::io::Error| Error::Output(e);
    if json {
        let rules: Vec<serde_json::Value> = Rule::all()
            .iter()
            .map(|rule| {
                serde_json::json!({
                    "name": rule.name(),
                    "category": rule.category().name(),
                    "severity": rule.default_severity().name(),
                    "summary": rule.summary(),
                })
            })
            .collect();
        let doc = serde_json::json!({ "version": 1, "rules": rules });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| output(e.into()))?;
        writeln!(out).map_err(output)?;
    } else {
        for category in Category::ALL {
            writeln!(out, "{}:", category.name()).map_err(output)?;
            for rule in Rule::all().iter().filter(|r| r.category() == category) {
                writeln!(
                    out,
                    "  {:<48} {:<8} {}",
                    rule.name(),
                    rule.default_severity().name(),
                    rule.summary()
                )
                .map_err(output)?;
            }
        }
    }
    Ok(Outcome::Clean)
}

/// `driftlint explain RULE`: print the rule's page.
pub fn explain(name: &str, out: &mut dyn Write) -> Result<Outcome, Error> {
    let rule = Rule::from_name(name).ok_or_else(|| LintError::UnknownExplain(name.to_string()))?;
    out.write_all(rule.page().as_bytes())
        .map_err(Error::Output)?;
    Ok(Outcome::Clean)
}
