//! Wall time and memory of each step of the drift pipeline, printed to stderr only when
//! `DRIFTLINT_TIMINGS=1` (for the benchmarks). Measures; decides nothing.

use std::time::{Duration, Instant};

/// Wall time of each step on stderr when `DRIFTLINT_TIMINGS=1` (for the benchmark).
pub(crate) struct Timings {
    enabled: bool,
    last: Instant,
}

impl Timings {
    pub(crate) fn new() -> Self {
        Timings {
            enabled: std::env::var_os("DRIFTLINT_TIMINGS").is_some_and(|v| v == "1"),
            last: Instant::now(),
        }
    }

    /// A step timed elsewhere (on another thread).
    pub(crate) fn note(&self, step: &str, elapsed: Duration) {
        if self.enabled {
            eprintln!(
                "timing: {step:<20} {:>7.1} ms (alongside)",
                elapsed.as_secs_f64() * 1000.0
            );
        }
    }

    pub(crate) fn lap(&mut self, step: &str) {
        if self.enabled {
            let now = Instant::now();
            eprintln!(
                "timing: {step:<20} {:>7.1} ms  {}",
                (now - self.last).as_secs_f64() * 1000.0,
                memory_note()
            );
            self.last = now;
        }
    }
}

/// Resident and peak resident memory (Linux), for the timings.
fn memory_note() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    format!("rss {} peak {}", field("VmRSS:"), field("VmHWM:"))
}
