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

// ---------------------------------------------------------------------------------------------
// Drift fixtures: fixtures/drift/<scenario>/ with database.sql, schema.yaml and expected.json.

use std::path::{Path, PathBuf};

/// One drift scenario: the SQL that builds its database and the schema.yaml it declares.
///
/// A scenario whose expected.json says `"based_on": "<other scenario>"` starts from that
/// scenario: its database.sql runs after the other's, and without a schema.yaml of its own it
/// declares the other's.
pub struct DriftFixture {
    pub dir: PathBuf,
    pub name: String,
    pub database_sql: String,
    pub schema: PathBuf,
    pub expected: serde_json::Value,
}

pub fn drift_fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drift")
}

/// Every scenario under fixtures/drift/, sorted by name.
pub fn drift_fixtures() -> Vec<DriftFixture> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(drift_fixtures_dir())
        .expect("fixtures/drift exists")
        .map(|e| e.expect("readable fixture dir").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter().map(|dir| drift_fixture(&dir)).collect()
}

fn drift_fixture(dir: &Path) -> DriftFixture {
    let read = |path: &Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let expected: serde_json::Value = serde_json::from_str(&read(&dir.join("expected.json")))
        .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
    let own_sql = dir.join("database.sql");
    let own_schema = dir.join("schema.yaml");
    let (mut database_sql, base_schema) = match expected["based_on"].as_str() {
        Some(base) => {
            let base = drift_fixture(&drift_fixtures_dir().join(base));
            (base.database_sql + "\n", Some(base.schema))
        }
        None => (String::new(), None),
    };
    if own_sql.is_file() || base_schema.is_none() {
        database_sql.push_str(&read(&own_sql));
    }
    let schema = match base_schema {
        Some(base) if !own_schema.is_file() => base,
        _ => own_schema,
    };
    DriftFixture {
        dir: dir.to_path_buf(),
        name,
        database_sql,
        schema,
        expected,
    }
}
