//! Running the project's Python (the SQLAlchemy exporter, the Alembic driver): a child process
//! with its standard output and error read as it runs and a bound on its time. It knows nothing
//! of what the program does; the callers turn its output into their diagnostics.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a finished run printed.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Why a run did not finish.
#[derive(Debug)]
pub enum NotRun {
    /// The program could not be started (`NotFound`: no such program).
    Start(PathBuf, std::io::Error),
    /// Stopped after the timeout; what it had printed on standard error.
    TimedOut(String),
}

/// The Pythons to try when none is named: the active virtualenv's (`VIRTUAL_ENV`), else a
/// `.venv` in the working directory, else `python3` (then `python`) on `PATH`.
pub fn default_pythons() -> Vec<PathBuf> {
    let bin = if cfg!(windows) {
        Path::new("Scripts").join("python.exe")
    } else {
        Path::new("bin").join("python")
    };
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        candidates.push(PathBuf::from(venv).join(&bin));
    }
    let local = Path::new(".venv").join(&bin);
    if local.is_file() {
        candidates.push(local);
    }
    candidates.push(PathBuf::from("python3"));
    candidates.push(PathBuf::from("python"));
    candidates
}

/// Runs `python args...` (in `cwd`, else the working directory), the named Python or else the
/// first of [`default_pythons`] that exists; returns the Python that ran too.
pub fn run<A: AsRef<OsStr>>(
    python: Option<&Path>,
    args: &[A],
    cwd: Option<&Path>,
    timeout: Duration,
) -> Result<(PathBuf, Ran), NotRun> {
    let candidates = match python {
        Some(python) => vec![python.to_path_buf()],
        None => default_pythons(),
    };
    let mut last = None;
    for python in candidates {
        let mut command = Command::new(&python);
        command
            .args(args)
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = cwd {
            command.current_dir(dir);
        }
        match command.spawn() {
            Ok(child) => return wait(child, timeout).map(|ran| (python, ran)),
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                last = Some(NotRun::Start(python, source));
            }
            Err(source) => return Err(NotRun::Start(python, source)),
        }
    }
    Err(last.unwrap_or_else(|| {
        NotRun::Start(
            PathBuf::from("python3"),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        )
    }))
}

/// Waits for `child`, reading both pipes on their own threads (a full pipe would block it);
/// kills it after `timeout`.
fn wait(mut child: Child, timeout: Duration) -> Result<Ran, NotRun> {
    fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let text = |handle: std::thread::JoinHandle<String>| handle.join().unwrap_or_default();
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Ok(Ran {
                    status,
                    stdout: text(stdout),
                    stderr: text(stderr),
                })
            }
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = text(stdout);
                return Err(NotRun::TimedOut(text(stderr)));
            }
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(NotRun::Start(PathBuf::from("(the running Python)"), error));
            }
        }
    }
}
