//! The process's one handler of SIGINT (Ctrl-C), SIGTERM and SIGHUP, and the cleanups it runs:
//! every module that leaves something behind while it works (scratch clusters, temporary
//! databases on a `--dev-url` server) registers a cleanup here, and a signal runs them all, says
//! `interrupted` and exits with the shell's code for that signal (128 + its number: 130 for
//! SIGINT, 143 for SIGTERM, 129 for SIGHUP). It knows nothing of what the cleanups remove.

use std::io::Write;
use std::sync::{Mutex, MutexGuard, Once};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// A cleanup and the name it is registered under.
type Cleanup = (&'static str, fn());

/// The registered cleanups (a name is registered once).
static CLEANUPS: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// The signals that stop driftlint, cleaning up first.
const SIGNALS: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Runs `cleanup` when the process is interrupted (once per `name`, whatever the number of
/// calls). Installs the handler on first use: a thread that waits for the signals. If they
/// cannot be caught, the cleanups run only as their owners drop (the scratch clusters' watchdogs
/// still clean up when the process dies).
pub fn on_interrupt(name: &'static str, cleanup: fn()) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if let Ok(mut signals) = Signals::new(SIGNALS) {
            let _ = std::thread::Builder::new()
                .name("driftlint-signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        interrupted(signal);
                    }
                });
        }
    });
    let mut cleanups = lock();
    if !cleanups.iter().any(|(known, _)| *known == name) {
        cleanups.push((name, cleanup));
    }
}

fn run_cleanups() {
    let cleanups = lock().clone();
    for (_, cleanup) in cleanups {
        cleanup();
    }
}

/// Runs the registered cleanups before the process ends for another reason than a signal (a
/// stalled database), waiting at most `limit` for them: a cleanup that talks to the stalled
/// server must not stall the exit.
pub fn clean_up(limit: std::time::Duration) {
    let (done, wait) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("driftlint-cleanup".into())
        .spawn(move || {
            run_cleanups();
            let _ = done.send(());
        });
    if spawned.is_ok() {
        let _ = wait.recv_timeout(limit);
    }
}

fn lock() -> MutexGuard<'static, Vec<Cleanup>> {
    CLEANUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn interrupted(signal: i32) -> ! {
    // Holding stderr keeps the main thread, whose queries fail as the servers stop, from
    // printing that failure and exiting with code 2 first.
    let mut stderr = std::io::stderr().lock();
    run_cleanups();
    let _ = writeln!(stderr, "interrupted");
    std::process::exit(128 + signal);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first() {}
    fn second() {}

    #[test]
    fn a_cleanup_is_registered_once_per_name() {
        on_interrupt("test: first", first);
        on_interrupt("test: first", first);
        on_interrupt("test: second", second);
        let names: Vec<&str> = lock()
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| name.starts_with("test: "))
            .collect();
        assert_eq!(names, ["test: first", "test: second"]);
    }
}
