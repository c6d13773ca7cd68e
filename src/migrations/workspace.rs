//! Where migrations are replayed: a throwaway database on a scratch cluster, or a temporary
//! database on a `--dev-url` server; removed when the [`Workspace`] is dropped, or on Ctrl-C.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::model::quote_ident;

use super::*;

/// A database to replay into, removed again when dropped: a database on a scratch cluster, or a
/// temporary database on the `--dev-url` server.
pub struct Workspace {
    host: Host,
    database: String,
    url: String,
    timeout: Duration,
}

enum Host {
    Scratch(crate::scratch::Cluster),
    Dev { admin_url: String },
}

impl fmt::Debug for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// Starts a scratch cluster, or creates a temporary database on the `dev_url` server.
    pub fn open(dev_url: Option<&str>, timeout: Duration) -> Result<Workspace, MigrationError> {
        let database = unique_name();
        match dev_url {
            None => {
                let cluster = crate::scratch::Cluster::start()?;
                let url = cluster.create_database(&database)?;
                Ok(Workspace {
                    host: Host::Scratch(cluster),
                    database,
                    url,
                    timeout,
                })
            }
            Some(admin_url) => {
                crate::interrupt::on_interrupt("temporary databases", drop_dev_databases);
                let mut admin = connect(admin_url, timeout)?;
                let _step = crate::deadline::step(
                    "creating a temporary database on the --dev-url server",
                    timeout.saturating_mul(2),
                );
                drop_orphans(&mut admin, admin_url, timeout);
                admin
                    .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&database)))
                    .map_err(|e| MigrationError::DevDatabase {
                        message: error_text(&e),
                    })?;
                register_dev_database(admin_url, &database);
                let url = with_database(admin_url, &database);
                Ok(Workspace {
                    host: Host::Dev {
                        admin_url: admin_url.to_string(),
                    },
                    database,
                    url,
                    timeout,
                })
            }
        }
    }

    /// The URL of the replay database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The replay database's name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// `true` on a scratch cluster, `false` on a `--dev-url` server.
    pub fn is_scratch(&self) -> bool {
        matches!(self.host, Host::Scratch(_))
    }

    /// A new connection to the replay database.
    pub fn connect(&self) -> Result<postgres::Client, MigrationError> {
        connect(&self.url, self.timeout)
    }

    fn url_for(&self, database: &str) -> String {
        match &self.host {
            Host::Scratch(cluster) => cluster.url(database),
            Host::Dev { admin_url } => with_database(admin_url, database),
        }
    }

    /// A new connection to the server's maintenance database (not the replay database).
    pub fn connect_admin(&self) -> Result<postgres::Client, MigrationError> {
        let url = match &self.host {
            Host::Scratch(cluster) => cluster.url("postgres"),
            Host::Dev { admin_url } => admin_url.clone(),
        };
        connect(&url, self.timeout)
    }

    /// Replaces the replay database with a new, empty one (the old one is dropped); the
    /// caller must have closed its connections to the old one.
    pub fn start_over(&mut self) -> Result<(), MigrationError> {
        let name = unique_name();
        match &self.host {
            Host::Scratch(cluster) => {
                cluster.create_database(&name)?;
            }
            Host::Dev { admin_url } => {
                let mut admin = connect(admin_url, self.timeout)?;
                let _step = crate::deadline::step(
                    "creating a temporary database on the --dev-url server",
                    self.timeout,
                );
                admin
                    .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
                    .map_err(|e| MigrationError::DevDatabase {
                        message: error_text(&e),
                    })?;
                register_dev_database(admin_url, &name);
            }
        }
        let old = std::mem::replace(&mut self.database, name);
        self.url = self.url_for(&self.database);
        self.drop_database(&old)
    }

    /// Drops a database of this workspace.
    pub fn drop_database(&self, name: &str) -> Result<(), MigrationError> {
        match &self.host {
            Host::Scratch(cluster) => Ok(cluster.drop_database(name)?),
            Host::Dev { admin_url } => {
                drop_dev_database(admin_url, name, self.timeout).map_err(|message| {
                    MigrationError::Server {
                        action: format!("dropping the temporary database {name}"),
                        message,
                    }
                })?;
                unregister_dev_database(name);
                Ok(())
            }
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        // A scratch cluster removes everything when it stops; a dev server keeps what we do
        // not drop.
        if let Host::Dev { admin_url } = &self.host {
            let _ = drop_dev_database(admin_url, &self.database, self.timeout);
            unregister_dev_database(&self.database);
        }
    }
}

fn connect(url: &str, timeout: Duration) -> Result<postgres::Client, MigrationError> {
    let options = crate::introspect::ConnectOptions { timeout };
    Ok(crate::introspect::connect(url, &options)?)
}

/// `url` pointing at `database` instead: a trailing `dbname` parameter wins over whatever the URL
/// or key=value string named before (libpq's rule, which `introspect::connect` follows).
fn with_database(url: &str, database: &str) -> String {
    let url = url.trim();
    let is_url = url
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.to_ascii_lowercase().starts_with("postgres"));
    if is_url {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}dbname={database}")
    } else {
        format!("{url} dbname={database}")
    }
}

/// The prefix of every temporary database: `driftlint_tmp_<host>_<pid>_...`.
const TEMP_PREFIX: &str = "driftlint_tmp_";

/// `driftlint_tmp_<host>_<pid>_<nanos>_<n>`: the host and process that own it, so that a later
/// run on the same host can tell a database whose owner died (SIGKILL) from one in use.
fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{TEMP_PREFIX}{}_{}_{nanos}_{}",
        host_tag(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Eight hex digits naming this host (a hash of its hostname), for the temporary databases'
/// names.
fn host_tag() -> String {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    // FNV-1a: stable across runs and builds (unlike the standard library's hasher).
    let hash = hostname.trim().bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    format!("{hash:08x}")
}

/// The owning process of a temporary database of this host, from its name.
fn owner_on_this_host(name: &str, host: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_prefix(host)?;
    rest.strip_prefix('_')?.split('_').next()?.parse().ok()
}

/// Drops the temporary databases that runs on this host left behind when they were killed
/// (their process is gone and nobody is connected to them). Failures are ignored: another run
/// may be dropping the same database.
fn drop_orphans(admin: &mut postgres::Client, admin_url: &str, timeout: Duration) {
    let host = host_tag();
    let Ok(rows) = admin.query(
        "SELECT d.datname FROM pg_catalog.pg_database d \
         WHERE d.datname LIKE 'driftlint\\_tmp\\_%' \
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a WHERE a.datname = d.datname)",
        &[],
    ) else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<_, String>(0) else {
            continue;
        };
        let Some(pid) = owner_on_this_host(&name, &host) else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = drop_dev_database(admin_url, &name, timeout);
        }
    }
}

fn drop_dev_database(admin_url: &str, name: &str, timeout: Duration) -> Result<(), String> {
    let mut admin = connect(admin_url, timeout).map_err(|e| e.to_string())?;
    let version = server_version(&mut admin).map_err(|e| e.to_string())?;
    let sql = if version >= crate::server::PG_13 {
        format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
    } else {
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid(); \
             DROP DATABASE IF EXISTS {}",
            crate::model::quote_literal(name),
            quote_ident(name)
        )
    };
    admin.batch_execute(&sql).map_err(|e| error_text(&e))
}

/// Temporary databases created on `--dev-url` servers by this process, dropped on Ctrl-C.
static DEV_DATABASES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn register_dev_database(admin_url: &str, name: &str) {
    if let Ok(mut list) = DEV_DATABASES.lock() {
        list.push((admin_url.to_string(), name.to_string()));
    }
}

fn unregister_dev_database(name: &str) {
    if let Ok(mut list) = DEV_DATABASES.lock() {
        list.retain(|(_, n)| n != name);
    }
}

/// Drops every temporary database this process still has on `--dev-url` servers (on Ctrl-C).
fn drop_dev_databases() {
    let list = DEV_DATABASES.lock().map(|l| l.clone()).unwrap_or_default();
    for (admin_url, name) in list {
        let _ = drop_dev_database(&admin_url, &name, Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_databases_name_their_host_and_process() {
        let name = unique_name();
        assert!(name.len() <= 63, "{name}");
        let host = host_tag();
        assert_eq!(host.len(), 8);
        assert_eq!(owner_on_this_host(&name, &host), Some(std::process::id()));
        assert_eq!(owner_on_this_host(&name, "00000000"), None);
        assert_eq!(owner_on_this_host("driftlint_tmp_123_456_7", &host), None);
    }

    #[test]
    fn with_database_names_the_temporary_database_last() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=require", "tmp_1"),
            "postgres://u:p@h:5432/app?sslmode=require&dbname=tmp_1"
        );
        assert_eq!(
            with_database("postgresql+asyncpg://u@h/app", "tmp_1"),
            "postgresql+asyncpg://u@h/app?dbname=tmp_1"
        );
        assert_eq!(
            with_database("host=/tmp user=postgres dbname=postgres", "tmp_1"),
            "host=/tmp user=postgres dbname=postgres dbname=tmp_1"
        );
    }
}
