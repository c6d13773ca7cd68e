//! The report of `driftlint lint` without `--fix`, streamed: files are linted on worker threads,
//! each file's findings are rendered as the engine finds them and written as soon as every file
//! before it is written, and the summary comes last. Memory does not grow with the size of the
//! files or the number of findings: a worker holds one file's text and what the engine keeps of
//! it, and at most [`AHEAD`] files wait for their turn to be written.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use crate::lint::{LintError, Summary};
use crate::report::findings::Stream;

/// The stack of each thread that lints (deeply nested SQL is read recursively).
pub(crate) const STACK: usize = 32 << 20;

/// Rendered findings are handed over in pieces of about this size.
pub(crate) const CHUNK: usize = 1 << 16;

/// How many files past the one being written may be linted ahead of it (their rendered
/// findings wait in memory).
const AHEAD: usize = 64;

/// What linting one file streamed: its name and counts.
pub(crate) struct Counted {
    pub name: String,
    pub summary: Summary,
}

/// Lints one input (by index), handing its rendered findings to `write` in order. The outer
/// error is `write`'s: the report can no longer be written.
pub(crate) type LintOne<'a> = dyn Fn(usize, &mut dyn FnMut(Vec<u8>) -> io::Result<()>) -> io::Result<Result<Counted, LintError>>
    + Sync
    + 'a;

/// What a thread linting one file tells the thread that writes.
enum Message {
    /// Rendered findings of the file with this index.
    Findings(usize, Vec<u8>),
    /// The file is done.
    Done(usize, Result<Counted, LintError>),
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

/// The report being written and the counts so far.
struct Writer<'o> {
    report: Stream,
    out: io::BufWriter<&'o mut dyn Write>,
    summary: Summary,
}

impl Writer<'_> {
    /// A file is done: count it, or keep its error (a file none of whose statements could be
    /// read is not SQL).
    fn done(&mut self, result: Result<Counted, LintError>, errors: &mut Vec<LintError>) {
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
        self.summary.add(&counted.summary);
    }
}

/// Lint `count` inputs with `lint_one` and write their findings in input order, then the
/// summary. Returns the summary (with `unreadable` set from `errors`).
pub(crate) fn stream(
    format: crate::lint::Format,
    count: usize,
    lint_one: &LintOne,
    errors: &mut Vec<LintError>,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    let mut writer = Writer {
        report: Stream::new(format),
        out: io::BufWriter::with_capacity(CHUNK, out),
        summary: Summary::default(),
    };
    writer.report.begin(&mut writer.out)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads.min(count) <= 1 {
        for index in 0..count {
            let (report, out) = (&mut writer.report, &mut writer.out);
            let result = lint_one(index, &mut |rendered| report.findings(&rendered, out))?;
            writer.done(result, errors);
        }
    } else {
        in_parallel(threads.min(count), count, lint_one, &mut writer, errors)?;
    }
    writer.summary.unreadable = errors.len();
    writer.report.end(&writer.summary, &mut writer.out)?;
    writer.out.flush()?;
    Ok(writer.summary)
}

/// [`stream`] on `threads` worker threads; this thread writes.
fn in_parallel(
    threads: usize,
    count: usize,
    lint_one: &LintOne,
    writer: &mut Writer,
    errors: &mut Vec<LintError>,
) -> io::Result<()> {
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
                if index >= count || !progress.wait_for(index) {
                    break;
                }
                let result = lint_one(index, &mut |rendered| {
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
        write_in_order(count, &receive, &progress, writer, errors)?;
        drop(stop);
        Ok(())
    })
}

/// Write the file at `writing`; keep what later files send until their turn.
fn write_in_order(
    count: usize,
    receive: &mpsc::Receiver<Message>,
    progress: &Progress,
    writer: &mut Writer,
    errors: &mut Vec<LintError>,
) -> io::Result<()> {
    let mut writing = 0;
    let mut waiting: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
    let mut finished: HashMap<usize, Result<Counted, LintError>> = HashMap::new();
    while writing < count {
        let Ok(message) = receive.recv() else {
            break;
        };
        match message {
            Message::Findings(index, rendered) if index == writing => {
                writer.report.findings(&rendered, &mut writer.out)?
            }
            Message::Findings(index, rendered) => waiting.entry(index).or_default().push(rendered),
            Message::Done(index, result) => {
                finished.insert(index, result);
            }
        }
        while let Some(result) = finished.remove(&writing) {
            writer.done(result, errors);
            writing += 1;
            progress.set(writing, false);
            for rendered in waiting.remove(&writing).unwrap_or_default() {
                writer.report.findings(&rendered, &mut writer.out)?;
            }
        }
    }
    Ok(())
}
