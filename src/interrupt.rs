//! The process's one Ctrl-C / SIGTERM handler and the cleanups it runs: every module that leaves
//! something behind while it works (scratch clusters, temporary databases on a `--dev-url`
//! server) registers a cleanup here, and an interrupt runs them all, says `interrupted` and
//! exits with code 130. It knows nothing of what the cleanups remove.

use std::io::Write;
use std::sync::{Mutex, MutexGuard, Once};

/// A cleanup and the name it is registered under.
type Cleanup = (&'static str, fn());

/// The registered cleanups (a name is registered once).
static CLEANUPS: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// Runs `cleanup` when the process is interrupted (once per `name`, whatever the number of
/// calls). Installs the handler on first use; a handler the embedding program installed before
/// is kept, and the cleanups then run only as their owners drop.
pub fn on_interrupt(name: &'static str, cleanup: fn()) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(interrupted);
    });
    let mut cleanups = lock();
    if !cleanups.iter().any(|(known, _)| *known == name) {
        cleanups.push((name, cleanup));
    }
}

fn lock() -> MutexGuard<'static, Vec<Cleanup>> {
    CLEANUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn interrupted() {
    // Holding stderr keeps the main thread, whose queries fail as the servers stop, from
    // printing that failure and exiting with code 2 first.
    let mut stderr = std::io::stderr().lock();
    let cleanups = lock().clone();
    for (_, cleanup) in cleanups {
        cleanup();
    }
    let _ = writeln!(stderr, "interrupted");
    std::process::exit(130);
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
