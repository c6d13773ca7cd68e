//! Shared helpers for the integration tests.

#![allow(dead_code)]

use assert_cmd::Command;

/// The built `driftlint` binary, with DATABASE_URL cleared so tests never reach a real server
/// by accident.
pub fn driftlint() -> Command {
    let mut cmd = Command::cargo_bin("driftlint").expect("driftlint binary is built");
    cmd.env_remove("DATABASE_URL");
    cmd
}

// ---------------------------------------------------------------------------------------------
// Database helpers: one scratch cluster per test process, one fresh database per test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use driftlint::scratch::Cluster;

/// The scratch cluster shared by every test of this process, started on first use.
///
/// It lives in a `static` and is never dropped; its watchdog (see `driftlint::scratch`) stops
/// the server and removes its directory as soon as the test process exits, however it exits.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| match Cluster::start() {
        Ok(cluster) => cluster,
        Err(error) => panic!("{:?}", miette::Report::new(error)),
    })
}

/// A database of its own for one test; dropped (with FORCE) when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

/// A new, empty, uniquely named database on the shared cluster.
pub fn fresh_db() -> TestDb {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let url = match cluster().create_database(&name) {
        Ok(url) => url,
        Err(error) => panic!("{:?}", miette::Report::new(error)),
    };
    TestDb { name, url }
}

impl TestDb {
    /// Runs SQL (several statements allowed); panics with PostgreSQL's message on error.
    pub fn exec(&self, sql: &str) {
        if let Err(error) = self.client().batch_execute(sql) {
            let message = error
                .as_db_error()
                .map(|db| db.message().to_string())
                .unwrap_or_else(|| error.to_string());
            panic!("SQL failed on {}: {message}\n{sql}", self.name);
        }
    }

    /// A new connection to this database.
    pub fn client(&self) -> postgres::Client {
        let config: postgres::Config = self.url.parse().expect("scratch URL parses");
        config
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.name))
    }

    /// The first column of the only row of `sql`, as i64 (cast in SQL when needed: `count(*)`
    /// is already bigint).
    pub fn query_one_i64(&self, sql: &str) -> i64 {
        let row = self
            .client()
            .query_one(sql, &[])
            .unwrap_or_else(|e| panic!("query failed on {}: {e}\n{sql}", self.name));
        row.get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = cluster().drop_database(&self.name);
    }
}
