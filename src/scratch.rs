//! A throwaway PostgreSQL cluster (initdb / pg_ctl) on a unix socket in a temporary directory.
//!
//! Used by `check --migrations`, `verify` and the test suite. This module starts, hands out
//! databases and always cleans up; it knows nothing of schemas or migrations.
//!
//! How cleanup is guaranteed:
//! - every cluster lives in its own directory under `<tmp>/driftlint-scratch/` and listens on a
//!   unix socket in that directory only (`listen_addresses = ''`), so clusters never collide on
//!   ports however many run at once;
//! - every cluster has a *watchdog*: a small `sh` process (in its own process group, deaf to
//!   SIGINT/SIGTERM/SIGHUP) blocked on a pipe whose write end only this process holds. When the
//!   pipe closes (the [`Cluster`] is dropped, the process exits, panics, or is killed with
//!   SIGKILL) the watchdog stops the postmaster and removes the directory. A cluster kept in a
//!   `static` (the tests do that) is therefore cleaned up when the process exits;
//! - Ctrl-C: the cleanup registered with [`crate::interrupt`] closes the pipes of every live
//!   cluster and waits for their watchdogs (the process then exits with code 130);
//! - a cluster whose watchdog was killed as well is left behind as a directory with an `owner`
//!   file (pid and start time of the owning process): the next [`Cluster::start`] stops its
//!   postmaster and removes it.
//!
//! As root, initdb and the server run as the `postgres` user (initdb refuses root).
//!
//! Nobody else can enter a cluster: it has no TCP listener, and its directory (which holds the
//! socket) is mode 0700, owned by the user running driftlint or, as root, by `postgres`; the
//! socket itself is 0700 too. Only the owner (and root) can connect.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

const INSTALL_HELP: &str = "install PostgreSQL (`apt-get install postgresql`, `brew install postgresql`), \
     put its bin directory on PATH or in DRIFTLINT_PG_BINDIR, or pass `--dev-url` to use an existing server";

/// Errors starting or using a scratch cluster.
#[derive(Debug, Error, Diagnostic)]
pub enum ScratchError {
    #[error("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")]
    #[diagnostic(
        code(driftlint::scratch::no_binaries),
        help("{INSTALL_HELP}; searched: {searched}")
    )]
    NoBinaries { searched: String },

    #[error("running as root, but there is no `postgres` user to run the scratch server as")]
    #[diagnostic(
        code(driftlint::scratch::no_postgres_user),
        help("initdb refuses to run as root: create the user (`useradd -r postgres`), run as a normal user, or pass `--dev-url`")
    )]
    NoPostgresUser,

    #[error("could not {action}")]
    #[diagnostic(code(driftlint::scratch::io), help("check that the temporary directory ({}) is writable", std::env::temp_dir().display()))]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{program} failed while starting the scratch PostgreSQL cluster")]
    #[diagnostic(code(driftlint::scratch::start), help("its output:\n{output}"))]
    Start { program: String, output: String },

    #[error("scratch PostgreSQL: {action} failed")]
    #[diagnostic(code(driftlint::scratch::sql), help("{detail}"))]
    Sql { action: String, detail: String },
}

impl ScratchError {
    fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        ScratchError::Io {
            action: action.into(),
            source,
        }
    }
}

/// The port number in the socket file name (`.s.PGSQL.<port>`). Every cluster has its own
/// socket directory and no TCP listener, so the same number never collides.
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

/// A running throwaway cluster. Dropping it stops the server and removes its directory.
pub struct Cluster {
    id: u64,
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir)
            .field("bindir", &self.bindir)
            .finish()
    }
}

/// Watchdogs of the live clusters of this process, by cluster id.
static LIVE: Mutex<BTreeMap<u64, Watchdog>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

struct Watchdog {
    pipe: ChildStdin,
    child: Child,
}

impl Watchdog {
    /// Closes the pipe and waits until the watchdog has stopped the server and removed the dir.
    fn finish(self) {
        let Watchdog { pipe, mut child } = self;
        drop(pipe);
        let _ = child.wait();
    }
}

/// Once stdin closes: stops initdb (its pid is in `$1/initdb.pid` while it runs) and the server
/// (`$1/data/postmaster.pid`; negative while initdb's bootstrap backend runs), then removes `$1`,
/// again until it stays gone. Runs as the invoking user (root may signal `postgres` processes).
const WATCHDOG_SCRIPT: &str = r#"trap '' INT TERM HUP
cat >/dev/null
n=0
while [ -e "$1" ] && [ "$n" -lt 100 ]; do
  for pidfile in "$1/initdb.pid" "$1/data/postmaster.pid"; do
    pid=$(head -n 1 "$pidfile" 2>/dev/null)
    pid=${pid#-}
    case "$pid" in ''|*[!0-9]*) continue ;; esac
    kill -QUIT "$pid" 2>/dev/null || continue
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i+1)); done
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$1" 2>/dev/null
  n=$((n+1))
  if [ -e "$1" ]; then sleep 0.1; fi
done
"#;

impl Cluster {
    /// Starts a new cluster: finds the binaries, runs initdb and starts the server.
    pub fn start() -> Result<Cluster, ScratchError> {
        Cluster::start_with(&[])
    }

    /// [`Cluster::start`] with extra `postgresql.conf` settings (values as SQL literals or
    /// numbers, e.g. `("listen_addresses", "'127.0.0.1'")`, `("ssl", "on")`). A `port`
    /// setting also changes the port of [`Cluster::url`].
    pub fn start_with(settings: &[(&str, &str)]) -> Result<Cluster, ScratchError> {
        crate::interrupt::on_interrupt("scratch clusters", stop_all);
        let port = settings
            .iter()
            .find(|(name, _)| *name == "port")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(PORT);
        let bindir = find_bindir()?;
        let run_as = run_as_user()?;
        let base = base_dir()?;
        remove_stale_clusters(&base);

        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", std::process::id()))
            .tempdir_in(&base)
            .map_err(|e| ScratchError::io(format!("create a directory in {}", base.display()), e))?
            .keep();
        // The socket lives here: no other local user may reach it (the server trusts whoever
        // connects through it).
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| ScratchError::io("make the cluster directory private", e))?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);

        // The watchdog first: from here on, the directory is removed whatever happens.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("driftlint-scratch-watchdog")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| ScratchError::io("start the cleanup watchdog (sh)", e))?;
        let pipe = child.stdin.take().expect("stdin is piped");
        lock_live().insert(id, Watchdog { pipe, child });
        let cluster = Cluster {
            id,
            dir,
            bindir,
            port,
        };

        fs::write(cluster.dir.join("owner"), owner_stamp(std::process::id()))
            .map_err(|e| ScratchError::io("write the cluster owner file", e))?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid)).map_err(|e| {
                ScratchError::io("hand the cluster directory to the postgres user", e)
            })?;
        }
        cluster.init(run_as, settings)?;
        cluster.launch(run_as)?;
        Ok(cluster)
    }

    /// The cluster's data directory (`PGDATA`): postgresql.conf, pg_hba.conf, the server log.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The directory holding the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The directory of the PostgreSQL binaries in use (initdb, pg_ctl, postgres, psql).
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    fn command(&self, program: &str, run_as: Option<(u32, u32)>) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        cmd.env("LC_ALL", "C")
            .env_remove("PGDATA")
            .current_dir(&self.dir);
        if let Some((uid, gid)) = run_as {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    fn init(&self, run_as: Option<(u32, u32)>, extra: &[(&str, &str)]) -> Result<(), ScratchError> {
        let child = self
            .command("initdb", run_as)
            .arg("-D")
            .arg(self.data_dir())
            .args([
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ScratchError::io("run initdb", e))?;
        // For the watchdog: initdb outlives a killed parent and must be stopped too.
        let pidfile = self.dir.join("initdb.pid");
        let _ = fs::write(&pidfile, child.id().to_string());
        let output = child
            .wait_with_output()
            .map_err(|e| ScratchError::io("run initdb", e))?;
        let _ = fs::remove_file(&pidfile);
        if !output.status.success() {
            return Err(ScratchError::Start {
                program: "initdb".into(),
                output: lossy(&output.stdout, &output.stderr),
            });
        }
        let mut settings = format!(
            "\n# driftlint scratch cluster\nlisten_addresses = ''\nport = {PORT}\n\
             unix_socket_directories = '{}'\nunix_socket_permissions = 0700\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\nshared_buffers = 16MB\nmax_connections = 40\n\
             max_wal_senders = 0\nwal_level = minimal\nautovacuum = off\n\
             max_locks_per_transaction = 1024\nlog_min_messages = warning\n",
            self.dir.display().to_string().replace('\'', "''")
        );
        for (name, value) in extra {
            settings.push_str(&format!("{name} = {value}\n"));
        }
        fs::OpenOptions::new()
            .append(true)
            .open(self.data_dir().join("postgresql.conf"))
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| ScratchError::io("write postgresql.conf", e))
    }

    fn launch(&self, run_as: Option<(u32, u32)>) -> Result<(), ScratchError> {
        let log = self.dir.join("server.log");
        let output = self
            .command("pg_ctl", run_as)
            .arg("start")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-s"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ScratchError::io("run pg_ctl", e))?;
        if !output.status.success() {
            let server_log = fs::read_to_string(&log).unwrap_or_default();
            return Err(ScratchError::Start {
                program: "pg_ctl start".into(),
                output: format!("{}{server_log}", lossy(&output.stdout, &output.stderr)),
            });
        }
        Ok(())
    }

    /// A `postgresql://` URL for `database` on this cluster (user `postgres`, no password).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@{}:{}/{}",
            percent_encode(&self.dir.display().to_string()),
            self.port,
            percent_encode(database)
        )
    }

    /// Creates a database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, ScratchError> {
        self.admin(
            &format!("create database {name}"),
            &format!("CREATE DATABASE {}", crate::model::quote_ident(name)),
        )?;
        Ok(self.url(name))
    }

    /// Drops a database, disconnecting whoever is still connected to it.
    pub fn drop_database(&self, name: &str) -> Result<(), ScratchError> {
        self.admin(
            &format!("drop database {name}"),
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                crate::model::quote_ident(name)
            ),
        )
    }

    fn admin(&self, action: &str, sql: &str) -> Result<(), ScratchError> {
        let fail = |detail: String| ScratchError::Sql {
            action: action.to_string(),
            detail,
        };
        let mut client = postgres::Config::new()
            .host_path(&self.dir)
            .port(self.port)
            .user(SUPERUSER)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(30))
            .connect(postgres::NoTls)
            .map_err(|e| fail(db_error_text(&e)))?;
        client
            .batch_execute(sql)
            .map_err(|e| fail(db_error_text(&e)))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let watchdog = lock_live().remove(&self.id);
        if let Some(watchdog) = watchdog {
            watchdog.finish();
        }
    }
}

fn lock_live() -> std::sync::MutexGuard<'static, BTreeMap<u64, Watchdog>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Stops every live cluster of this process and removes their directories.
pub fn stop_all() {
    let watchdogs = std::mem::take(&mut *lock_live());
    for watchdog in watchdogs.into_values() {
        watchdog.finish();
    }
}

fn db_error_text(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => error.to_string(),
    }
}

fn lossy(stdout: &[u8], stderr: &[u8]) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Finding the binaries and the user

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|program| dir.join(program).is_file())
}

/// Finds the directory of initdb / pg_ctl / postgres: `DRIFTLINT_PG_BINDIR` (when set, the
/// only place looked at), else PATH, `pg_config --bindir`, then the newest
/// `/usr/lib/postgresql/*/bin`.
pub fn find_bindir() -> Result<PathBuf, ScratchError> {
    let mut searched = Vec::new();
    if let Some(dir) = std::env::var_os("DRIFTLINT_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        // An explicit choice is never second-guessed.
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
        return Err(ScratchError::NoBinaries {
            searched: format!("DRIFTLINT_PG_BINDIR={}", dir.display()),
        });
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_server_binaries(&dir) {
                // Resolve symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb)
                // so that all three programs come from the same installation.
                let real = fs::canonicalize(dir.join("initdb"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|d| has_server_binaries(d))
                    .unwrap_or(dir);
                return Ok(real);
            }
        }
        searched.push("PATH".into());
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server_binaries(&dir) {
            return Ok(dir);
        }
        searched.push(format!("pg_config --bindir ({})", dir.display()));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server_binaries(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    searched.push("/usr/lib/postgresql/*/bin".into());
    Err(ScratchError::NoBinaries {
        searched: searched.join(", "),
    })
}

/// `Some((uid, gid))` of `postgres` when running as root, `None` otherwise.
fn run_as_user() -> Result<Option<(u32, u32)>, ScratchError> {
    let is_root = fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if !is_root {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() >= 4 && fields[0] == "postgres" {
                Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
            } else {
                None
            }
        })
        .map(Some)
        .ok_or(ScratchError::NoPostgresUser)
}

// ---------------------------------------------------------------------------------------------
// The shared base directory and stale clusters

fn base_dir() -> Result<PathBuf, ScratchError> {
    // Short on purpose: a unix socket path must stay under ~100 bytes.
    let base = PathBuf::from("/tmp").join("driftlint-scratch");
    let base = if Path::new("/tmp").is_dir() {
        base
    } else {
        std::env::temp_dir().join("driftlint-scratch")
    };
    if !base.is_dir() {
        fs::create_dir_all(&base)
            .map_err(|e| ScratchError::io(format!("create {}", base.display()), e))?;
        // Shared by every user, like /tmp itself: world-writable with the sticky bit.
        let _ = fs::set_permissions(&base, fs::Permissions::from_mode(0o1777));
    }
    Ok(base)
}

/// `pid starttime` of a process: the start time tells a live owner from a reused pid.
fn owner_stamp(pid: u32) -> String {
    format!("{pid} {}", process_start_time(pid).unwrap_or_default())
}

fn process_start_time(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22; the command name (field 2) may contain spaces, so count from its closing paren.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19).map(str::to_string)
}

/// Is the cluster in `dir` owned by a process that is gone?
fn is_stale(dir: &Path) -> bool {
    if !Path::new("/proc/self/stat").exists() {
        return false; // cannot tell without /proc: leave it alone
    }
    let Ok(stamp) = fs::read_to_string(dir.join("owner")) else {
        // No owner file yet: either being created right now or abandoned mid-start.
        // Only treat it as stale when it is old.
        return fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(600));
    };
    let mut parts = stamp.split_whitespace();
    let Some(pid) = parts.next().and_then(|p| p.parse::<u32>().ok()) else {
        return true;
    };
    let started = parts.next().unwrap_or("");
    match process_start_time(pid) {
        Some(now) => now != started,
        None => true,
    }
}

/// Stops the postmasters of clusters left by dead processes and removes their directories.
/// Errors are ignored: a cluster that cannot be removed never blocks a new one.
fn remove_stale_clusters(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() || !is_stale(&dir) {
            continue;
        }
        for pidfile in [
            dir.join("initdb.pid"),
            dir.join("data").join("postmaster.pid"),
        ] {
            let pid = fs::read_to_string(pidfile).ok().and_then(|text| {
                let first = text.lines().next()?.trim().trim_start_matches('-');
                (!first.is_empty() && first.chars().all(|c| c.is_ascii_digit()))
                    .then(|| first.to_string())
            });
            if let Some(pid) = pid {
                signal_and_wait(&pid);
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

fn signal_and_wait(pid: &str) {
    let kill = |args: &[&str]| {
        Command::new("kill")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !kill(&["-QUIT", pid]) {
        return;
    }
    for _ in 0..200 {
        if !Path::new("/proc").join(OsStr::new(pid)).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    kill(&["-KILL", pid]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_socket_paths_in_one_url_component() {
        assert_eq!(
            percent_encode("/tmp/driftlint-scratch/1-ab"),
            "%2Ftmp%2Fdriftlint-scratch%2F1-ab"
        );
        assert_eq!(percent_encode("a b\"c"), "a%20b%22c");
    }

    #[test]
    fn owner_stamp_of_this_process_is_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("owner"), owner_stamp(std::process::id())).unwrap();
        assert!(!is_stale(dir.path()));
        fs::write(dir.path().join("owner"), "999999999 1").unwrap();
        assert!(is_stale(dir.path()));
    }

    #[test]
    fn start_query_and_drop_removes_everything() {
        let cluster = Cluster::start().expect("scratch cluster starts");
        let dir = cluster.socket_dir().to_path_buf();
        let url = cluster.create_database("scratch_unit").unwrap();
        let config: postgres::Config = url.parse().unwrap();
        let mut client = config.connect(postgres::NoTls).unwrap();
        let row = client.query_one("SELECT current_database()", &[]).unwrap();
        assert_eq!(row.get::<_, String>(0), "scratch_unit");
        drop(client);
        cluster.drop_database("scratch_unit").unwrap();
        let pid: String = fs::read_to_string(dir.join("data/postmaster.pid"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        drop(cluster);
        assert!(!dir.exists(), "cluster directory removed on drop");
        assert!(
            !Path::new("/proc").join(&pid).exists(),
            "postmaster {pid} stopped on drop"
        );
    }

    fn postmaster_pid(cluster: &Cluster) -> String {
        fs::read_to_string(cluster.data_dir().join("postmaster.pid"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }

    fn database_count(cluster: &Cluster) -> i64 {
        let config: postgres::Config = cluster.url("postgres").parse().unwrap();
        let mut client = config.connect(postgres::NoTls).unwrap();
        client
            .query_one("SELECT count(*) FROM pg_database", &[])
            .unwrap()
            .get(0)
    }

    #[test]
    fn two_clusters_run_side_by_side() {
        let first = Cluster::start().unwrap();
        let second = Cluster::start().unwrap();
        assert_ne!(first.socket_dir(), second.socket_dir());
        first.create_database("only_in_first").unwrap();
        assert_eq!(database_count(&first), database_count(&second) + 1);
        assert_ne!(postmaster_pid(&first), postmaster_pid(&second));
    }

    #[test]
    fn clusters_of_dead_processes_are_removed_by_the_next_start() {
        let abandoned = Cluster::start().unwrap();
        let dir = abandoned.socket_dir().to_path_buf();
        let pid = postmaster_pid(&abandoned);
        // Simulate a run killed together with its watchdog: the watchdog dies without cleaning
        // up, and the owner file names a process that no longer exists.
        let watchdog = lock_live().remove(&abandoned.id).unwrap();
        let Watchdog { pipe, mut child } = watchdog;
        child.kill().unwrap();
        child.wait().unwrap();
        drop(pipe);
        std::mem::forget(abandoned);
        fs::write(dir.join("owner"), "999999999 1").unwrap();
        assert!(Path::new("/proc").join(&pid).exists(), "server still runs");

        let next = Cluster::start().unwrap();
        assert!(!dir.exists(), "stale cluster directory removed");
        assert!(
            !Path::new("/proc").join(&pid).exists(),
            "stale postmaster {pid} stopped"
        );
        assert_eq!(database_count(&next), 3);
    }
}
