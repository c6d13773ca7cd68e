//! `driftlint lint`, `driftlint rules` and `driftlint explain`: the command around the lint
//! engine. It expands the given paths, reads the files (and stdin), runs the engine on each in
//! parallel, renders the findings with [`crate::report::findings`] and decides the outcome.
//! Understanding SQL and judging it is [`crate::lint`]'s job; this module only gathers input and
//! renders and decides.
//!
//! The report is streamed: each file's findings are rendered as the engine finds them and
//! written as soon as every file before it is written, so memory does not grow with the size
//! of the files or the number of findings. `--fix` holds every file's report until all fixes
//! are written (a human report lists the fixes first).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use rayon::prelude::*;

use crate::declared::Declared;
use crate::lint::{
    fix_file, lint_file_to, summarize, AppliedFix, Category, FileReport, LintError, Rule,
    Selection, Settings, Severity, Summary,
};
use crate::report::findings::{FileRenderer, Stream};
use crate::{Error, Outcome};

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
    /// From the configuration file: excluded files, per-file ignores, per-rule severities.
    pub adjust: crate::config::lint::LintAdjust,
}

/// `driftlint lint`: lint every input (in parallel), report in input order, and decide the
/// outcome: `Found` when a finding of severity error remains; an error when a file could not be
/// read (after reporting the others).
pub fn run(options: &LintOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let selection = Selection::new(&options.select, &options.ignore)?;
    if options.paths.is_empty() {
        return Err(LintError::NoPaths.into());
    }
    let declared = match &options.schema {
        Some(path) => Some(crate::declared::load(path)?),
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
        stdin: &stdin,
    };
    let failed = if options.fix {
        fix_all(&job, &inputs, &mut errors, out)
    } else {
        stream(&job, &inputs, &mut errors, out)
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
    Ok(gathered
        .reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity == Severity::Error))
}

/// The stack of each thread that lints (deeply nested SQL is read recursively).
const STACK: usize = 32 << 20;

/// Rendered findings are handed over in pieces of about this size.
const CHUNK: usize = 1 << 16;

/// How many files past the one being written may be linted ahead of it (their rendered
/// findings wait in memory).
const AHEAD: usize = 64;

/// What a thread linting one file tells the thread that writes.
enum Message {
    /// Rendered findings of the file with this index.
    Findings(usize, Vec<u8>),
    /// The file is done.
    Done(usize, Result<Counted, LintError>),
}

/// What linting one file streamed: its name and counts.
struct Counted {
    name: String,
    summary: Summary,
}

/// Which file is being written, for the threads that wait to start one too far ahead; and
/// whether the writing stopped.
#[derive(Default)]
struct Progress {
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Progress {
    fn set(&self, writing: usize, stopped: bool) {
        if let Ok(mut state) = self.state.lock() {
            *state = (writing, stopped);
        }
        self.changed.notify_all();
    }

    /// Wait until file `index` may be linted; false when the writing stopped.
    fn wait_for(&self, index: usize) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        while !state.1 && index >= state.0 + AHEAD {
            state = match self.changed.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
        !state.1
    }
}

/// Stops the threads that lint when the writer returns, whether it finished or failed.
struct StopOnDrop<'p>(&'p Progress);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(usize::MAX / 2, true);
    }
}

/// Without `--fix`: lint the inputs on worker threads and write each file's findings as they are
/// found, in input order, then the summary. Returns whether a finding of severity error was
/// reported.
fn stream(
    job: &Job,
    inputs: &[Input],
    errors: &mut Vec<LintError>,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let mut out = io::BufWriter::with_capacity(CHUNK, out);
    let mut report = Stream::new(job.options.format);
    report.begin(&mut out)?;
    let mut summary = Summary::default();
    let mut done = |result: Result<Counted, LintError>, errors: &mut Vec<LintError>| {
        let counted = match result {
            Ok(counted) => counted,
            Err(error) => return errors.push(error),
        };
        let stats = &counted.summary.stats;
        if stats.statements > 0 && stats.parsed == 0 && stats.fallback == 0 {
            errors.push(LintError::NotSql {
                path: PathBuf::from(&counted.name),
            });
        }
        summary.add(&counted.summary);
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(inputs.len());
    if threads <= 1 {
        for input in inputs {
            let result =
                job.stream_one(input, &mut |rendered| report.findings(&rendered, &mut out))?;
            done(result, errors);
        }
    } else {
        let progress = Progress::default();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| -> io::Result<()> {
            let (send, receive) = mpsc::sync_channel::<Message>(16);
            let stop = StopOnDrop(&progress);
            for _ in 0..threads {
                let send = send.clone();
                let (next, progress) = (&next, &progress);
                let work = move || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= inputs.len() || !progress.wait_for(index) {
                        break;
                    }
                    let result = job.stream_one(&inputs[index], &mut |rendered| {
                        send.send(Message::Findings(index, rendered))
                            .map_err(|_| io::Error::other("the report is no longer written"))
                    });
                    // A failed send: the writer stopped, and says why.
                    let Ok(result) = result else { break };
                    if send.send(Message::Done(index, result)).is_err() {
                        break;
                    }
                };
                std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(scope, work)?;
            }
            drop(send);
            // Write the file at `writing`; keep what later files send until their turn.
            let mut writing = 0;
            let mut waiting: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
            let mut finished: HashMap<usize, Result<Counted, LintError>> = HashMap::new();
            while writing < inputs.len() {
                let Ok(message) = receive.recv() else {
                    break;
                };
                match message {
                    Message::Findings(index, rendered) if index == writing => {
                        report.findings(&rendered, &mut out)?
                    }
                    Message::Findings(index, rendered) => {
                        waiting.entry(index).or_default().push(rendered)
                    }
                    Message::Done(index, result) => {
                        finished.insert(index, result);
                    }
                }
                while let Some(result) = finished.remove(&writing) {
                    done(result, errors);
                    writing += 1;
                    progress.set(writing, false);
                    for rendered in waiting.remove(&writing).unwrap_or_default() {
                        report.findings(&rendered, &mut out)?;
                    }
                }
            }
            drop(stop);
            Ok(())
        })?;
    }
    summary.unreadable = errors.len();
    report.end(&summary, &mut out)?;
    out.flush()?;
    Ok(summary.errors > 0)
}
/// One input: a file path or stdin.
enum Input {
    Stdin,
    File(PathBuf),
}

/// Expand the given paths: directories are walked recursively (`.sql` files, sorted).
fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<LintError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            let walker = walkdir::WalkDir::new(path).sort_by_file_name();
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
                        let source = error
                            .into_io_error()
                            .unwrap_or_else(|| std::io::Error::other("file system loop"));
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

fn read_file(path: &Path) -> Result<String, LintError> {
    let bytes = std::fs::read(path).map_err(|source| LintError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| LintError::NotUtf8 {
        path: path.to_path_buf(),
    })
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
            let mut buffer = Vec::new();
            let read = std::io::stdin().read_to_end(&mut buffer);
            let path = PathBuf::from("-");
            text = Some(match read {
                Ok(_) => String::from_utf8(buffer).map_err(|_| LintError::NotUtf8 { path }),
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

    /// What the engine is told for every file.
    fn settings(&self) -> Settings<'_> {
        Settings {
            declared: self.declared,
            ..Settings::new(self.selection)
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
        let stats = lint_file_to(&text, &self.settings(), &mut |mut finding| {
            if !adjust.keep(&mut finding) {
                return;
            }
            summary.add_finding(finding.severity);
            if written.is_ok() {
                renderer.render(&finding, &mut rendered);
                if rendered.len() >= CHUNK {
                    written = write(std::mem::take(&mut rendered));
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
        let (fixed, applied, mut report) = fix_file(&name, &text, &self.settings());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_file;

    /// Files with findings of every kind of span (a code frame at the start, the middle and the
    /// end of a file, CRLF lines, a DO block, fixes), some without findings, and one without
    /// statements.
    fn many_files(dir: &Path, count: usize) -> Vec<PathBuf> {
        (0..count)
            .map(|i| {
                let text = match i % 5 {
                    0 => format!("CREATE TABLE t{i} (id int);\r\nALTER TABLE t{i} ADD COLUMN a int;\r\n"),
                    1 => format!("-- nothing to say\nSELECT {i};\n"),
                    2 => format!(
                        "DO $$ BEGIN\n  ALTER TABLE t ADD COLUMN c{i} int;\nEND $$;\nDROP TABLE old_{i};\nCREATE INDEX ix_{i} ON t (a);"
                    ),
                    3 => String::new(),
                    _ => "CREATE SCHEMA billing;\n".repeat(i % 7 + 1),
                };
                let path = dir.join(format!("{i:04}.sql"));
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect()
    }

    /// The report of `paths` rendered the held way: every file linted, then the whole report
    /// written at once.
    fn held(options: &LintOptions, paths: &[PathBuf]) -> Vec<u8> {
        let selection = Selection::new(&options.select, &options.ignore).unwrap();
        let reports: Vec<FileReport> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                lint_file(
                    &path.display().to_string(),
                    &text,
                    &Settings::new(&selection),
                )
            })
            .collect();
        let summary = summarize(&reports, 0);
        let mut out = Vec::new();
        crate::report::findings::write(options.format, &reports, &summary, false, &mut out)
            .unwrap();
        out
    }

    #[test]
    fn a_streamed_report_of_many_files_is_the_held_report() {
        let dir = tempfile::tempdir().unwrap();
        let paths = many_files(dir.path(), 300);
        for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
            let options = LintOptions {
                paths: vec![dir.path().to_path_buf()],
                format,
                ..LintOptions::default()
            };
            let mut streamed = Vec::new();
            let outcome = run(&options, &mut streamed).unwrap();
            assert_eq!(outcome, Outcome::Found);
            let expected = held(&options, &paths);
            assert!(expected.len() > 10_000, "{format:?}");
            assert!(
                streamed == expected,
                "{format:?} differs:\n{}",
                String::from_utf8_lossy(&streamed)
            );
        }
    }

    /// A writer that says when it is first written to.
    struct Recorder {
        written: Vec<u8>,
        first: Option<mpsc::Sender<()>>,
    }

    impl Write for Recorder {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if let Some(first) = self.first.take() {
                let _ = first.send(());
            }
            self.written.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The last input is a named pipe that is written only once the report has started (or
    /// after a minute, if it never starts): a report held until every file is read would start
    /// only after that.
    #[cfg(unix)]
    #[test]
    fn the_first_findings_are_written_before_the_last_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = many_files(dir.path(), 300);
        let pipe = dir.path().join("last.sql");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        paths.push(pipe.clone());
        let options = LintOptions {
            paths: paths.clone(),
            format: Format::Json,
            ..LintOptions::default()
        };
        let (first, written) = mpsc::channel();
        let linting = std::thread::spawn(move || {
            let mut out = Recorder {
                written: Vec::new(),
                first: Some(first),
            };
            let outcome = run(&options, &mut out);
            (outcome.map_err(|e| e.to_string()), out.written)
        });
        let started = written
            .recv_timeout(std::time::Duration::from_secs(60))
            .is_ok();
        std::fs::write(&pipe, "DROP TABLE last_one;\n").unwrap();
        let (outcome, written) = linting.join().unwrap();
        assert!(started, "nothing was written before the last file was read");
        assert_eq!(outcome, Ok(Outcome::Found));
        let document: serde_json::Value = serde_json::from_slice(&written).unwrap();
        let findings = document["findings"].as_array().unwrap();
        let last = findings.last().unwrap();
        assert_eq!(last["file"], pipe.display().to_string());
        assert_eq!(last["rule"], "drop-table");
        assert_eq!(document["summary"]["files"], 301);
    }
}
