//! The report of `driftlint lint` without `--fix`, streamed: files are linted on worker threads,
//! each file's findings are rendered as the engine finds them and written as soon as every file
//! before it is written, and the summary comes last. Memory does not grow with the size of the
//! files or the number of findings: a worker holds one file's text and what the engine keeps of
//! it, and the files linted ahead of the one being written hold at most [`HELD_LIMIT`] bytes of
//! rendered findings (and are at most [`AHEAD`] files).

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::lint::{LintError, Summary};
use crate::report::findings::Stream;

/// The stack of each thread that lints (deeply nested SQL is read recursively).
pub(crate) const STACK: usize = 32 << 20;

/// Rendered findings are handed over in pieces of about this size.
pub(crate) const CHUNK: usize = 1 << 16;

/// How many files past the one being written may be linted ahead of it (their rendered
/// findings wait in memory). Generous, so that a thread does not sit idle while another lints a
/// long file: [`HELD_LIMIT`] bounds the memory.
const AHEAD: usize = 4096;

/// Rendered findings of files after the one being written, in bytes, past which no thread starts
/// another file until the writing catches up.
const HELD_LIMIT: usize = 8 << 20;

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

/// The report being written and the counts so far.
struct Writer<'o> {
    report: Stream,
    out: io::BufWriter<&'o mut dyn Write>,
    summary: Summary,
}

/// A file is done: count it in `summary`, or keep its error (a file none of whose statements
/// could be read is not SQL).
fn count_file(
    summary: &mut Summary,
    result: Result<Counted, LintError>,
    errors: &mut Vec<LintError>,
) {
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
            count_file(&mut writer.summary, result, errors);
        }
    } else {
        in_parallel(threads.min(count), count, lint_one, &mut writer, errors)?;
    }
    writer.summary.unreadable = errors.len();
    writer.report.end(&writer.summary, &mut writer.out)?;
    writer.out.flush()?;
    Ok(writer.summary)
}

/// [`stream`] on `threads` worker threads; this thread writes. The thread linting the file
/// being written renders its findings straight into the bytes ready to be written; the others
/// keep theirs until their file's turn, and whichever thread finishes the file being written
/// moves what waited after it. The threads meet once a file (a lock taken and, nearly always,
/// free) and wake this one once [`CHUNK`] bytes are ready, not once a message.
fn in_parallel(
    threads: usize,
    count: usize,
    lint_one: &LintOne,
    writer: &mut Writer,
    errors: &mut Vec<LintError>,
) -> io::Result<()> {
    let shared = Shared {
        state: Mutex::new(State {
            report: &mut writer.report,
            summary: &mut writer.summary,
            errors,
            writing: 0,
            count,
            ready: Vec::with_capacity(READY_LIMIT),
            waiting: HashMap::new(),
            held: 0,
            finished: HashMap::new(),
            working: threads,
            stopped: false,
            linters_waiting: 0,
            writer_waiting: false,
        }),
        changed: Condvar::new(),
    };
    let next = AtomicUsize::new(0);
    let out = &mut writer.out;
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..threads {
            let (shared, next) = (&shared, &next);
            let work = move || {
                let _leaving = Leaving(shared);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count || !shared.wait_for_turn(index) {
                        break;
                    }
                    let result = lint_one(index, &mut |rendered| shared.findings(index, rendered));
                    // An error: writing failed, and the writing thread says why.
                    let Ok(result) = result else { break };
                    shared.finish(index, result);
                }
            };
            let spawned = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(scope, work);
            if let Err(error) = spawned {
                // The threads already started would wait for a writer that never comes.
                shared.stop();
                return Err(error);
            }
        }
        let written = shared.write_all(out);
        if written.is_err() {
            shared.stop();
        }
        written
    })
}

/// What the threads share, and the condition they wait on (rarely: a file too far ahead, too
/// many bytes ready, or, for the writing thread, too few).
struct Shared<'w> {
    state: Mutex<State<'w>>,
    changed: Condvar,
}

/// The report in the making.
struct State<'w> {
    report: &'w mut Stream,
    summary: &'w mut Summary,
    errors: &'w mut Vec<LintError>,
    /// The file being written: its findings go straight to `ready`.
    writing: usize,
    count: usize,
    /// Rendered bytes in report order, for the writing thread to write.
    ready: Vec<u8>,
    /// Rendered findings of files after the one being written.
    waiting: HashMap<usize, Vec<Vec<u8>>>,
    /// The bytes in `waiting`.
    held: usize,
    /// Files after the one being written that are done.
    finished: HashMap<usize, Result<Counted, LintError>>,
    /// Threads still linting.
    working: usize,
    /// Writing failed: every thread stops.
    stopped: bool,
    /// Linting threads waiting on `changed`.
    linters_waiting: usize,
    /// The writing thread waits on `changed` for [`State::writable`].
    writer_waiting: bool,
}

impl<'w> Shared<'w> {
    /// The state; a thread that panicked holding it left nothing that matters more than the
    /// panic, which the scope raises again.
    fn lock(&self) -> MutexGuard<'_, State<'w>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait on `changed` while `until` is false of the state (`writer`: in the writing thread).
    fn wait<'g>(
        &'g self,
        mut state: MutexGuard<'g, State<'w>>,
        writer: bool,
        until: impl Fn(&State<'w>) -> bool,
    ) -> MutexGuard<'g, State<'w>> {
        while !until(&state) {
            match writer {
                true => state.writer_waiting = true,
                false => state.linters_waiting += 1,
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            match writer {
                true => state.writer_waiting = false,
                false => state.linters_waiting -= 1,
            }
        }
        state
    }

    /// Wake the waiting threads, if any waits for what may have changed: a wake-up is a system
    /// call, and the writing thread waits for a whole [`CHUNK`].
    fn wake(&self, state: &State) {
        if state.linters_waiting > 0 || (state.writer_waiting && state.writable()) {
            self.changed.notify_all();
        }
    }

    /// Wait until file `index` may be linted: it is the one being written, or at most
    /// [`AHEAD`] files past it while less than [`HELD_LIMIT`] bytes wait; false once writing
    /// failed.
    fn wait_for_turn(&self, index: usize) -> bool {
        let state = self.wait(self.lock(), false, |s| {
            s.stopped || index <= s.writing || (index < s.writing + AHEAD && s.held < HELD_LIMIT)
        });
        !state.stopped
    }

    /// File `index` rendered `findings`: ready them if it is the file being written (waiting
    /// while more than [`READY_LIMIT`] bytes are ready), else keep them for its turn.
    fn findings(&self, index: usize, findings: Vec<u8>) -> io::Result<()> {
        let mut state = self.lock();
        if index != state.writing {
            state.held += findings.len();
            state.waiting.entry(index).or_default().push(findings);
        } else {
            state.ready_findings(&findings);
            self.wake(&state);
            state = self.wait(state, false, |s| s.stopped || s.ready.len() < READY_LIMIT);
        }
        match state.stopped {
            true => Err(io::Error::other("the report is no longer written")),
            false => Ok(()),
        }
    }

    /// File `index` is done: count it, and ready the files after it that waited for it.
    fn finish(&self, index: usize, result: Result<Counted, LintError>) {
        let mut state = self.lock();
        state.finished.insert(index, result);
        let before = state.writing;
        let state = &mut *state;
        while let Some(result) = state.finished.remove(&state.writing) {
            count_file(state.summary, result, state.errors);
            state.writing += 1;
            for findings in state.waiting.remove(&state.writing).unwrap_or_default() {
                state.held -= findings.len();
                state.ready_findings(&findings);
            }
        }
        if state.writing != before {
            self.wake(state);
        }
    }

    /// Writing failed: stop every thread.
    fn stop(&self) {
        let mut state = self.lock();
        state.stopped = true;
        self.wake(&state);
    }

    /// Write what is ready, a [`CHUNK`] or more at a time, until every file is written or no
    /// thread lints any more.
    fn write_all(&self, out: &mut dyn Write) -> io::Result<()> {
        // Two buffers take turns: one fills while the other is written, and neither regrows.
        let mut ready = Vec::with_capacity(READY_LIMIT);
        loop {
            let mut state = self.wait(self.lock(), true, State::writable);
            ready.clear();
            std::mem::swap(&mut ready, &mut state.ready);
            let last = state.writing >= state.count || state.working == 0;
            self.wake(&state);
            drop(state);
            out.write_all(&ready)?;
            if last {
                // What a thread readied before it left.
                let rest = std::mem::take(&mut self.lock().ready);
                return out.write_all(&rest);
            }
        }
    }
}

impl State<'_> {
    /// Whether the writing thread has something to do: a [`CHUNK`] ready, or the end.
    fn writable(&self) -> bool {
        self.ready.len() >= CHUNK || self.writing >= self.count || self.working == 0
    }

    fn ready_findings(&mut self, findings: &[u8]) {
        // Writing into memory does not fail.
        let _ = self.report.findings(findings, &mut self.ready);
    }
}

/// Bytes ready to be written past which the threads that lint wait for the writing thread (a
/// report written to a slow pipe holds only this much).
const READY_LIMIT: usize = 4 * CHUNK;

/// Counts a linting thread out when it ends, however it ends, so that the writing thread does
/// not wait for it.
struct Leaving<'s, 'w>(&'s Shared<'w>);

impl Drop for Leaving<'_, '_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.working -= 1;
        self.0.wake(&state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Format;

    /// File `index` renders `index % 4` pieces of findings, `i.k;`; every 37th file takes a
    /// while, so that the other threads run ahead of it.
    fn lint_one(
        index: usize,
        write: &mut dyn FnMut(Vec<u8>) -> io::Result<()>,
    ) -> io::Result<Result<Counted, LintError>> {
        for k in 0..index % 4 {
            if index % 37 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            write(format!("{index}.{k};").into_bytes())?;
        }
        let summary = Summary {
            files: 1,
            ..Summary::default()
        };
        Ok(Ok(Counted {
            name: format!("f{index}"),
            summary,
        }))
    }

    #[test]
    fn every_file_is_written_in_input_order_and_counted() {
        let count = 1_000;
        let mut out = Vec::new();
        let summary = stream(Format::Github, count, &lint_one, &mut Vec::new(), &mut out).unwrap();
        let expected: String = (0..count)
            .flat_map(|i| (0..i % 4).map(move |k| format!("{i}.{k};")))
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        assert_eq!(summary.files, count);
    }

    /// Accepts `left` bytes, then fails like a closed pipe.
    struct Closing {
        left: usize,
    }

    impl Write for Closing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left < buf.len() {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.left -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A report that can no longer be written stops every thread (none waits for a writer that
    /// is gone), and says why.
    #[test]
    fn a_closed_output_stops_every_thread() {
        for left in [0, 100, CHUNK + 10] {
            let mut out = Closing { left };
            let error = stream(
                Format::Github,
                200_000,
                &lint_one,
                &mut Vec::new(),
                &mut out,
            )
            .expect_err("the output closed");
            assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        }
    }
}
