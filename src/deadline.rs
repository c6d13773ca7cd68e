//! Bounds on waiting for a database that stops answering. The client library bounds connecting
//! and PostgreSQL bounds each statement (`statement_timeout`), but a server or proxy that stops
//! sending in the middle of a reply leaves a read waiting forever. Each network step therefore
//! runs under a [`Step`] with a limit (the `--timeout` plus [`GRACE`], so the server's own
//! timeout speaks first when it can); a watchdog thread started by [`watch`] calls the binary's
//! handler when a step outlives its limit, and the handler reports the stall and exits.
//!
//! Without [`watch`] (the library used directly, unit tests) steps cost a lock and nothing fires.
//! This module knows nothing of what the steps do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Added to a step's timeout: the server's `statement_timeout` fires first when the server is
/// alive, and only a stalled connection reaches the watchdog.
pub const GRACE: Duration = Duration::from_secs(5);

/// What the binary does when a step outlives its limit: report `what` and `seconds`, exit.
pub type OnStall = fn(what: &str, seconds: u64) -> !;

struct Running {
    id: u64,
    what: String,
    until: Instant,
    seconds: u64,
}

static RUNNING: Mutex<Vec<Running>> = Mutex::new(Vec::new());
static HANDLER: OnceLock<OnStall> = OnceLock::new();

fn running() -> MutexGuard<'static, Vec<Running>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the watchdog (once): `handler` is called from its thread for the first step that
/// outlives its limit.
pub fn watch(handler: OnStall) {
    if HANDLER.set(handler).is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("driftlint-deadline".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = Instant::now();
            let stalled = running()
                .iter()
                .find(|r| r.until <= now)
                .map(|r| (r.what.clone(), r.seconds));
            if let Some((what, seconds)) = stalled {
                handler(&what, seconds);
            }
        });
}

/// A network step under way; it ends when dropped.
#[must_use = "the step ends when this is dropped"]
pub struct Step {
    id: u64,
}

/// Starts a step described by `what` ("reading the catalog"), allowed `timeout` plus
/// [`GRACE`].
pub fn step(what: impl Into<String>, timeout: Duration) -> Step {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let limit = timeout.saturating_add(GRACE);
    running().push(Running {
        id,
        what: what.into(),
        until: Instant::now() + limit,
        seconds: limit.as_secs(),
    });
    Step { id }
}

impl Drop for Step {
    fn drop(&mut self) {
        running().retain(|r| r.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_forgotten_when_it_ends() {
        let first = step("first", Duration::from_secs(1));
        let second = step("second", Duration::from_secs(1));
        drop(first);
        assert!(running().iter().any(|r| r.what == "second"));
        assert!(!running().iter().any(|r| r.what == "first"));
        drop(second);
        assert!(!running().iter().any(|r| r.what == "second"));
    }
}
