//! Integration tests: `verify`, and replaying a migration directory (`--migrations`).
//!
//! Each `verify` run starts its own scratch cluster (or uses a private one through `--dev-url`),
//! so these tests run against a real PostgreSQL.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::driftlint;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Runs `verify --format json` on `path` with extra arguments; returns (exit code, JSON, stderr).
fn verify_json(path: &Path, extra: &[&str]) -> (i32, Value, String) {
    let output = driftlint()
        .arg("verify")
        .arg(path)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// The report of the file whose name ends with `suffix`.
fn file_report<'a>(json: &'a Value, suffix: &str) -> &'a Value {
    json["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .find(|f| {
            f["file"]
                .as_str()
                .is_some_and(|name| name.ends_with(suffix))
        })
        .unwrap_or_else(|| panic!("no report for {suffix} in {json:#}"))
}

fn statuses(json: &Value) -> Vec<(String, String)> {
    json["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .map(|f| {
            let name = f["file"].as_str().unwrap_or_default();
            let base = Path::new(name).file_name().unwrap().to_string_lossy();
            (
                base.to_string(),
                f["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn write_files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn verify_flags_add_column_without_if_not_exists() {
    let (code, json, stderr) = verify_json(&fixture("verify/not_idempotent"), &[]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(
        statuses(&json),
        vec![
            ("001_create_deals.sql".into(), "ok".into()),
            ("002_add_halted.sql".into(), "not_rerunnable".into()),
            ("003_seed_stages.sql".into(), "ok".into()),
        ]
    );
    let report = file_report(&json, "002_add_halted.sql");
    let error = &report["error"];
    assert_eq!(
        error["message"],
        "column \"halted\" of relation \"deals\" already exists"
    );
    assert_eq!(error["sqlstate"], "42701");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(2), Some(1))
    );
    let statement = error["statement"].as_str().unwrap();
    assert!(
        statement.starts_with("ALTER TABLE deals") && statement.contains("ADD COLUMN halted"),
        "{statement}"
    );
    assert_eq!(json["summary"]["not_rerunnable"], 1);
    assert_eq!(json["summary"]["ok"], 2);
}

#[test]
fn verify_human_report_names_file_statement_and_message() {
    let output = driftlint()
        .arg("verify")
        .arg(fixture("verify/not_idempotent"))
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("002_add_halted.sql:2:1"), "{stdout}");
    assert!(
        stdout.contains("column \"halted\" of relation \"deals\" already exists"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ADD COLUMN halted boolean NOT NULL DEFAULT false"),
        "{stdout}"
    );
    assert!(stdout.contains("1 not re-runnable"), "{stdout}");
}

#[test]
fn verify_passes_an_idempotent_directory() {
    let (code, json, stderr) = verify_json(&fixture("verify/idempotent"), &[]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    let files = statuses(&json);
    assert_eq!(files.len(), 7, "{files:?}");
    assert!(files.iter().all(|(_, status)| status == "ok"), "{files:?}");
    assert_eq!(json["summary"]["ok"], 7);
    // CREATE INDEX CONCURRENTLY ran outside a transaction; the rest inside one.
    assert_eq!(
        file_report(&json, "007_index_halted.sql")["transaction"],
        false
    );
    assert_eq!(
        file_report(&json, "002_add_halted.sql")["transaction"],
        true
    );
}

#[test]
fn verify_detects_rows_duplicated_by_a_rerun() {
    let (code, json, stderr) = verify_json(&fixture("verify/duplicate_rows"), &[]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    let report = file_report(&json, "002_audit_log.sql");
    assert_eq!(report["status"], "changes_on_rerun");
    // The doubled row is rolled back: the next file sees the history as applied once.
    assert_eq!(file_report(&json, "003_unique_event.sql")["status"], "ok");
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["object_type"], "rows");
    assert_eq!(changes[0]["object"], "public.audit_log");
    assert_eq!(
        (changes[0]["before"].as_str(), changes[0]["after"].as_str()),
        (Some("1"), Some("2"))
    );
    let suspect = &report["suspects"][0];
    assert!(suspect["statement"]
        .as_str()
        .unwrap()
        .starts_with("INSERT INTO audit_log"));
    assert_eq!(suspect["line"], 6);
}

#[test]
fn verify_detects_a_second_index_created_by_a_rerun() {
    let dir = write_files(&[
        ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (a int);\n"),
        ("002_ix.sql", "CREATE INDEX ON t (a);\n"),
    ]);
    let (code, json, _) = verify_json(dir.path(), &[]);
    assert_eq!(code, 1, "{json:#}");
    let report = file_report(&json, "002_ix.sql");
    assert_eq!(report["status"], "changes_on_rerun");
    let change = &report["changes"][0];
    assert_eq!(change["object_type"], "index");
    assert_eq!(change["change"], "added");
    assert_eq!(change["object"], "public.t.t_a_idx1");
}

#[test]
fn verify_stops_with_exit_2_at_a_file_that_fails_its_first_run() {
    let (code, json, stderr) = verify_json(&fixture("verify/broken_history"), &[]);
    assert_eq!(code, 2, "{json:#}\n{stderr}");
    assert_eq!(
        statuses(&json),
        vec![
            ("001_create_deals.sql".into(), "ok".into()),
            ("002_close_old_deals.sql".into(), "failed".into()),
        ]
    );
    assert_eq!(json["summary"]["not_run"], 1);
    // PostgreSQL's error position, mapped to the file's line and column.
    assert!(stderr.contains("002_close_old_deals.sql:4:8"), "{stderr}");
    assert!(
        stderr.contains("WHERE closed_at"),
        "the snippet is shown: {stderr}"
    );
    let error = &file_report(&json, "002_close_old_deals.sql")["error"];
    assert_eq!(error["message"], "column \"closed_at\" does not exist");
    assert_eq!(error["sqlstate"], "42703");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(4), Some(8))
    );
}

#[test]
fn verify_reports_a_partial_rerun_outside_a_transaction_without_carrying_it_on() {
    let (code, json, stderr) = verify_json(&fixture("verify/partial_rerun"), &[]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    let report = file_report(&json, "002_reindex.sql");
    assert_eq!(report["status"], "not_rerunnable");
    assert_eq!(report["transaction"], false);
    assert_eq!(
        report["error"]["message"],
        "relation \"ix_deals_name\" already exists"
    );
    assert!(report["error"]["statement"]
        .as_str()
        .unwrap()
        .starts_with("CREATE INDEX CONCURRENTLY ix_deals_name"));
    // Before failing, the second run inserted a row: reported, and not carried into the
    // next file (which runs on the state after the first run).
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["object"], "public.audit_log");
    assert_eq!(changes[0]["after"], "2");
    let notes = json["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("002_reindex.sql: its second run")
            && n.as_str().unwrap().contains("rebuilt")),
        "{notes:?}"
    );
    assert_eq!(file_report(&json, "003_add_halted.sql")["status"], "ok");
}

#[test]
fn verify_runs_concurrent_index_files_outside_a_transaction_without_a_directive() {
    let dir = write_files(&[(
        "001_t.sql",
        "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_a ON t (a);\n",
    )]);
    let (code, json, stderr) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!(file_report(&json, "001_t.sql")["transaction"], false);
}

#[test]
fn verify_applies_only_the_up_section_of_dbmate_files() {
    let dir = write_files(&[(
        "20240101000000_create_t.sql",
        "-- migrate:up\nCREATE TABLE IF NOT EXISTS t (a int);\n\n-- migrate:down\nTHIS IS NOT SQL;\n",
    )]);
    let (code, json, stderr) = verify_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!(json["summary"]["ok"], 1);
}

#[test]
fn verify_timeout_cancels_a_file_that_resets_statement_timeout() {
    let dir = write_files(&[(
        "001_slow.sql",
        "SET statement_timeout = 0;\nSELECT pg_sleep(60);\n",
    )]);
    let (code, json, stderr) = verify_json(dir.path(), &["--timeout", "1"]);
    assert_eq!(code, 2, "{json:#}\n{stderr}");
    let error = &file_report(&json, "001_slow.sql")["error"];
    assert_eq!(error["timed_out"], true, "{error:#}");
    assert!(stderr.contains("--timeout"), "{stderr}");
}

#[test]
fn verify_without_migration_files_is_an_error() {
    let dir = write_files(&[("notes.txt", "nothing here")]);
    let output = driftlint()
        .arg("verify")
        .arg(dir.path())
        .output()
        .expect("driftlint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no migration files found"), "{stderr}");
}

#[test]
fn verify_refuses_psql_meta_commands_and_copy_data_with_their_position() {
    let cases = [
        (
            "001_init.sql",
            "CREATE TABLE IF NOT EXISTS t (a int);\n\\set ON_ERROR_STOP on\n",
            "001_init.sql:2:1: psql meta-command `\\set`",
        ),
        (
            "001_seed.sql",
            "CREATE TABLE IF NOT EXISTS t (a int);\n  COPY t (a) FROM stdin;\n1\n2\n\\.\n",
            "001_seed.sql:2:3: COPY ... FROM stdin data",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = write_files(&[(name, text)]);
        let output = driftlint()
            .arg("verify")
            .arg(dir.path())
            .output()
            .expect("driftlint runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        // The report wraps long lines: compare with the wrapping undone.
        let stderr = stderr
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(stderr.contains(expected), "{expected} in:\n{stderr}");
        assert!(stderr.contains("not supported by replay"), "{stderr}");
    }
}

#[test]
fn verify_with_dev_url_creates_and_drops_its_temporary_databases() {
    // A private cluster, so that no other test's databases come and go while we count.
    let cluster = driftlint::scratch::Cluster::start().expect("scratch cluster starts");
    let admin_url = cluster.url("postgres");
    let temp_databases = || -> i64 {
        let config: postgres::Config = admin_url.parse().unwrap();
        let mut client = config.connect(postgres::NoTls).unwrap();
        client
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'driftlint\\_tmp\\_%'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(temp_databases(), 0);

    let (code, json, stderr) = verify_json(
        &fixture("verify/not_idempotent"),
        &["--dev-url", &admin_url],
    );
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(
        file_report(&json, "002_add_halted.sql")["status"],
        "not_rerunnable"
    );
    assert_eq!(temp_databases(), 0, "the temporary database is dropped");

    // The partial re-run makes verify rebuild the database in a new one: both are dropped.
    let (code, json, stderr) =
        verify_json(&fixture("verify/partial_rerun"), &["--dev-url", &admin_url]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(
        temp_databases(),
        0,
        "the rebuilt database is dropped as well"
    );
}

#[test]
fn replay_applies_files_and_drops_the_database_afterwards() {
    use driftlint::migrations::{replay, ReplayOptions};
    let cluster = driftlint::scratch::Cluster::start().expect("scratch cluster starts");
    let admin_url = cluster.url("postgres");
    let replayed = replay(&ReplayOptions {
        dir: fixture("verify/idempotent"),
        glob: None,
        dev_url: Some(admin_url.clone()),
        timeout: std::time::Duration::from_secs(60),
    })
    .expect("the idempotent history replays");
    assert_eq!(replayed.files.len(), 7);
    let config: postgres::Config = replayed.url().parse().unwrap();
    let mut client = config.connect(postgres::NoTls).unwrap();
    let stages: i64 = client
        .query_one("SELECT count(*) FROM deal_stages", &[])
        .unwrap()
        .get(0);
    assert_eq!(stages, 3);
    let database: String = client
        .query_one("SELECT current_database()::text", &[])
        .unwrap()
        .get(0);
    drop(client);
    drop(replayed);
    let config: postgres::Config = admin_url.parse().unwrap();
    let mut admin = config.connect(postgres::NoTls).unwrap();
    let left: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&database],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "{database} is dropped with the Replayed value");
}

#[test]
fn replay_failure_points_at_file_line_and_column() {
    use driftlint::migrations::{replay, MigrationError, ReplayOptions};
    let result = replay(&ReplayOptions {
        dir: fixture("verify/broken_history"),
        glob: None,
        dev_url: Some(crate::util::cluster().url("postgres")),
        timeout: std::time::Duration::from_secs(60),
    });
    let Err(MigrationError::Apply(error)) = result else {
        panic!("expected an apply error, got {result:?}");
    };
    let failure = &error.failure;
    assert!(failure.file.ends_with("002_close_old_deals.sql"));
    assert_eq!((failure.line, failure.column), (Some(4), Some(8)));
    assert_eq!(failure.message, "column \"closed_at\" does not exist");
    assert!(failure
        .statement
        .as_deref()
        .unwrap()
        .starts_with("UPDATE deals"));
}

#[test]
fn check_with_migrations_finds_the_forgotten_column_of_the_example_history() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = driftlint()
        .current_dir(root)
        .args([
            "check",
            "--schema",
            "schema.yaml",
            "--migrations",
            "fixtures/migrations",
            "--format",
            "json",
        ])
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON report");
    let mut found: Vec<(String, String, String)> = json["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or_default().to_string(),
                d["table"].as_str().unwrap_or_default().to_string(),
                d["object"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "missing_column".into(),
                "prospects".into(),
                "discovery_query_id".into()
            ),
            (
                "missing_foreign_key".into(),
                "prospects".into(),
                String::new()
            ),
            (
                "missing_index".into(),
                "prospects".into(),
                "ix_prospects_discovery_query_id".into()
            ),
        ]
    );
    let foreign_key = json["drift"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "missing_foreign_key")
        .unwrap();
    assert!(foreign_key["expected"]
        .as_str()
        .unwrap()
        .contains("FOREIGN KEY (discovery_query_id)"));
}

#[test]
fn the_example_history_reruns_cleanly() {
    let (code, json, stderr) = verify_json(&fixture("migrations"), &[]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!(json["summary"]["ok"], 6);
    // The hand-run hotfix is not part of the numbered history.
    let notes = json["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("hotfix_add_discovery_query_id.sql")),
        "{notes:?}"
    );
}

#[test]
fn verify_points_inside_a_do_block_at_the_failing_statement() {
    let dir = write_files(&[(
        "001_t.sql",
        "CREATE TABLE IF NOT EXISTS t (a int);\nDO $$\nBEGIN\n    ALTER TABLE t ADD COLUMN b int;\nEND\n$$;\n",
    )]);
    let (code, json, stderr) = verify_json(dir.path(), &[]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    let error = &file_report(&json, "001_t.sql")["error"];
    assert_eq!(
        error["message"],
        "column \"b\" of relation \"t\" already exists"
    );
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(4), Some(5))
    );
    assert!(error["statement"].as_str().unwrap().starts_with("DO $$"));
}

#[test]
fn verify_github_format_annotates_each_problem_file() {
    let output = driftlint()
        .arg("verify")
        .arg(fixture("verify/not_idempotent"))
        .arg(fixture("verify/duplicate_rows"))
        .args(["--format", "github"])
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 2, "{stdout}");
    assert!(annotations[0].contains("002_add_halted.sql,title=not re-runnable,line=2,col=1::"));
    assert!(annotations[1]
        .contains("title=changes on re-run,line=6,col=1::rows in public.audit_log: 1 -> 2"));
}

/// The scratch cluster was open to every local user: its socket directory was mode 755 and the
/// server trusts whoever connects, so any account could connect as `postgres` during a run.
#[test]
fn scratch_cluster_is_closed_to_other_local_users() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;

    let cluster = driftlint::scratch::Cluster::start().expect("scratch cluster starts");
    let dir = std::fs::metadata(cluster.socket_dir()).expect("socket directory");
    assert_eq!(
        dir.permissions().mode() & 0o777,
        0o700,
        "socket directory mode"
    );

    let me = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    if me != 0 {
        assert_eq!(dir.uid(), me, "the socket directory is the invoking user's");
        return;
    }
    // As root: the same connection succeeds as root and fails as `nobody`.
    let psql = |uid: Option<u32>| {
        let mut cmd = std::process::Command::new(cluster.bindir().join("psql"));
        cmd.args(["-X", "-q", "-At", "-h"])
            .arg(cluster.socket_dir())
            .args(["-U", "postgres", "-d", "postgres", "-c", "SELECT 1"])
            .env_remove("PGPASSWORD");
        if let Some(uid) = uid {
            cmd.uid(uid).gid(uid);
        }
        cmd.output().expect("psql runs")
    };
    let as_root = psql(None);
    assert!(
        as_root.status.success(),
        "{}",
        String::from_utf8_lossy(&as_root.stderr)
    );
    const NOBODY: u32 = 65534;
    let as_nobody = psql(Some(NOBODY));
    assert!(
        !as_nobody.status.success(),
        "another local user connected: {}",
        String::from_utf8_lossy(&as_nobody.stdout)
    );
    let stderr = String::from_utf8_lossy(&as_nobody.stderr);
    assert!(stderr.contains("Permission denied"), "{stderr}");
}

/// `--dev-url`: after SIGKILL the temporary database stayed, and later runs never removed it.
/// The next run on the same host drops it now (its process is gone, nobody is connected).
#[test]
fn dev_url_temporary_database_left_by_a_killed_run_is_dropped_by_the_next() {
    let cluster = driftlint::scratch::Cluster::start().expect("scratch cluster starts");
    let admin_url = cluster.url("postgres");
    let temp_databases = || -> Vec<String> {
        let config: postgres::Config = admin_url.parse().unwrap();
        let mut client = config.connect(postgres::NoTls).unwrap();
        client
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'driftlint\\_tmp\\_%'",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_wait.sql"), "SELECT pg_sleep(600);\n").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_driftlint"))
        .arg("verify")
        .arg(dir.path())
        .args(["--dev-url", &admin_url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut left = Vec::new();
    for _ in 0..400 {
        left = temp_databases();
        if !left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(left.len(), 1, "the run created its temporary database");
    child.kill().unwrap();
    child.wait().unwrap();
    // The killed run's backend goes away once the server notices the closed connection.
    let config: postgres::Config = admin_url.parse().unwrap();
    let mut client = config.connect(postgres::NoTls).unwrap();
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&left[0]],
        )
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(temp_databases(), left, "SIGKILL leaves the database behind");

    let (code, json, stderr) = verify_json(&fixture("migrations"), &["--dev-url", &admin_url]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert!(temp_databases().is_empty(), "the orphan is dropped");
}

/// `--both-ways`: a down that restores the schema, one that forgets an index, one that fails,
/// and a dbmate down section; the files after a bad down still run on the right schema.
#[test]
fn both_ways_runs_each_down_and_the_up_again() {
    let (code, json, stderr) = verify_json(&fixture("verify/both_ways"), &["--both-ways"]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    let down = |name: &str| file_report(&json, name)["down"].clone();
    assert_eq!(down("001_create_tags.up.sql")["status"], "ok");
    let forgot = down("002_index_tags_lower_name.up.sql");
    assert_eq!(forgot["status"], "not_restoring", "{forgot:#}");
    assert_eq!(forgot["step"], "down");
    assert_eq!(
        forgot["difference"].as_array().unwrap().len(),
        1,
        "{forgot:#}"
    );
    assert_eq!(forgot["difference"][0]["kind"], "extra_index");
    assert_eq!(forgot["difference"][0]["object"], "ix_tags_lower_name");
    assert_eq!(forgot["difference"][0]["table"], "tags");
    let failed = down("003_add_tags_note.up.sql");
    assert_eq!(failed["status"], "failed", "{failed:#}");
    assert!(failed["error"]
        .as_str()
        .unwrap()
        .contains("column \"notes\" of relation \"tags\" does not exist"));
    let section = down("004_add_tags_color.sql");
    assert_eq!(section["status"], "ok", "{section:#}");
    assert!(section["file"]
        .as_str()
        .unwrap()
        .ends_with("(down section)"));
    // Every up re-ran cleanly: the bad downs did not leak into the history.
    assert_eq!(json["summary"]["ok"], 4, "{json:#}");
    assert_eq!(
        json["summary"]["downs"],
        serde_json::json!({"run": 4, "ok": 2, "not_restoring": 1, "failed": 1})
    );

    // Without the flag, nothing about downs, and every file re-runs cleanly.
    let (code, json, _) = verify_json(&fixture("verify/both_ways"), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert!(file_report(&json, "002_index_tags_lower_name.up.sql")
        .get("down")
        .is_none());
    assert!(json["summary"].get("downs").is_none());
}

// ---------------------------------------------------------------------------------------------
// --locks and --rows

/// The `--locks` entry of the statement of `file` that starts on `line`.
fn statement_at<'a>(json: &'a Value, file: &str, line: u64) -> &'a Value {
    file_report(json, file)["statements"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has no statements: {json:#}"))
        .iter()
        .find(|s| s["line"].as_u64() == Some(line))
        .unwrap_or_else(|| panic!("no statement of {file} on line {line}: {json:#}"))
}

/// The modes a statement took on `relation`.
fn modes_on(statement: &Value, relation: &str) -> Vec<String> {
    statement["locks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["relation"] == relation)
        .map(|l| l["mode"].as_str().unwrap().to_string())
        .collect()
}

fn names(statement: &Value, key: &str) -> Vec<String> {
    statement[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {statement:#}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Every fixture of `fixtures/verify/locks` against what PostgreSQL is known to do, on tables
/// filled with the default 1,000 generated rows.
#[test]
fn locks_report_what_each_statement_really_does() {
    let (code, json, stderr) = verify_json(&fixture("verify/locks"), &["--locks"]);
    // 010's update fires the audit trigger again on its second run: one more audit row.
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(
        file_report(&json, "010_audit_trigger.sql")["status"],
        "changes_on_rerun"
    );

    // A binary-coercible type change: ACCESS EXCLUSIVE, but no rewrite and no scan.
    let widen = statement_at(&json, "002_widen_note.sql", 2);
    assert_eq!(modes_on(widen, "public.orders"), ["AccessExclusiveLock"]);
    assert_eq!(widen["locks"][0]["blocks"], "reads");
    assert!(names(widen, "rewrites").is_empty(), "{widen:#}");
    assert!(names(widen, "scans").is_empty(), "{widen:#}");

    // int -> bigint: a rewrite.
    let bigint = statement_at(&json, "003_orders_id_bigint.sql", 2);
    assert_eq!(names(bigint, "rewrites"), ["public.orders"]);

    // A volatile default rewrites; now() does not.
    let token = statement_at(&json, "004_add_token.sql", 2);
    assert_eq!(names(token, "rewrites"), ["public.orders"]);
    let seen_at = statement_at(&json, "005_add_seen_at.sql", 2);
    assert!(names(seen_at, "rewrites").is_empty(), "{seen_at:#}");
    assert!(names(seen_at, "scans").is_empty(), "{seen_at:#}");

    // ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables, and the orders are read.
    let fk = statement_at(&json, "006_orders_customer_fk.sql", 2);
    assert_eq!(modes_on(fk, "public.orders"), ["ShareRowExclusiveLock"]);
    assert_eq!(modes_on(fk, "public.customers"), ["ShareRowExclusiveLock"]);
    assert!(
        names(fk, "scans").contains(&"public.orders".to_string()),
        "{fk:#}"
    );
    assert!(names(fk, "rewrites").is_empty());

    // NOT VALID reads nothing; VALIDATE in its own transaction takes SHARE UPDATE EXCLUSIVE
    // only, and reads the table.
    let not_valid = statement_at(&json, "007_note_check_not_valid.sql", 2);
    assert!(names(not_valid, "scans").is_empty(), "{not_valid:#}");
    let validate = statement_at(&json, "008_validate_note_check.sql", 2);
    assert_eq!(
        modes_on(validate, "public.orders"),
        ["ShareUpdateExclusiveLock"]
    );
    assert_eq!(
        validate["locks"].as_array().unwrap().len(),
        1,
        "{validate:#}"
    );
    assert_eq!(names(validate, "scans"), ["public.orders"]);

    // CREATE INDEX CONCURRENTLY (outside a transaction): no lock that blocks writes.
    let concurrently = statement_at(&json, "009_index_created_at.sql", 2);
    assert!(
        concurrently["locks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["blocks"] == "ddl"),
        "{concurrently:#}"
    );
    assert_eq!(
        names(concurrently, "index_builds"),
        ["public.orders_created_at_idx"]
    );
    assert_eq!(
        file_report(&json, "009_index_created_at.sql")["transaction"],
        false
    );

    // The update fires a trigger that writes audit_log: its lock on audit_log shows.
    let update = statement_at(&json, "010_audit_trigger.sql", 10);
    assert_eq!(modes_on(update, "public.audit_log"), ["RowExclusiveLock"]);
    let trigger = statement_at(&json, "010_audit_trigger.sql", 9);
    assert_eq!(
        modes_on(trigger, "public.orders"),
        ["ShareRowExclusiveLock"]
    );
    assert_eq!(trigger["held_until_commit_by"], 1);

    // ADD COLUMN's ACCESS EXCLUSIVE is held while the backfill after it runs.
    let vip = statement_at(&json, "011_customers_vip.sql", 3);
    assert_eq!(modes_on(vip, "public.customers"), ["AccessExclusiveLock"]);
    assert_eq!(vip["held_until_commit_by"], 1);
    assert_eq!(
        (vip["end_line"].as_u64(), vip["end_column"].as_u64()),
        (Some(3), Some(60))
    );
    let backfill = statement_at(&json, "011_customers_vip.sql", 4);
    assert_eq!(names(backfill, "scans"), ["public.customers"]);

    // Tables created by a file are not "existing" for that file.
    let created = file_report(&json, "001_create_tables.sql")["statements"]
        .as_array()
        .unwrap();
    assert!(
        created
            .iter()
            .all(|s| s["locks"].as_array().unwrap().is_empty()),
        "{created:?}"
    );
    let summary = &json["summary"]["locks"];
    assert_eq!(summary["rewrites"], 3, "{summary:#}");
    assert!(
        summary["access_exclusive"].as_u64().unwrap() >= 4,
        "{summary:#}"
    );

    // The linter's locking findings, judged by the run.
    let verdict = |file: &str, rule: &str| {
        file_report(&json, file)["lint"]
            .as_array()
            .unwrap_or_else(|| panic!("no lint verdicts for {file}: {json:#}"))
            .iter()
            .find(|v| v["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} verdict for {file}"))["verdict"]
            .clone()
    };
    assert_eq!(
        verdict("002_widen_note.sql", "alter-column-type"),
        "disproved"
    );
    assert_eq!(
        verdict("003_orders_id_bigint.sql", "alter-column-type"),
        "confirmed"
    );
    assert_eq!(
        verdict("004_add_token.sql", "add-column-with-volatile-default"),
        "confirmed"
    );
    assert_eq!(
        verdict(
            "006_orders_customer_fk.sql",
            "add-foreign-key-without-not-valid"
        ),
        "confirmed"
    );
    assert_eq!(
        summary["lint"]["alter-column-type"],
        serde_json::json!({"confirmed": 1, "disproved": 1, "not_run": 0})
    );
    // Hazards no rule flagged, at their statements.
    let observed = |file: &str| file_report(&json, file)["observed"].clone();
    let held = observed("011_customers_vip.sql");
    assert_eq!(held[0]["rule"], "observed-access-exclusive", "{held:#}");
    assert_eq!(
        (held[0]["line"].as_u64(), held[0]["column"].as_u64()),
        (Some(3), Some(1))
    );
    let unlogged = observed("012_audit_log_unlogged.sql");
    assert_eq!(unlogged[0]["rule"], "observed-rewrite", "{unlogged:#}");
    assert!(unlogged[0]["message"]
        .as_str()
        .unwrap()
        .contains("public.audit_log"));
    assert!(file_report(&json, "003_orders_id_bigint.sql")
        .get("observed")
        .is_none());
    assert_eq!(summary["observed"]["observed-rewrite"], 1, "{summary:#}");
}

/// `--locks --format github`: a warning per observed hazard at its statement, a notice per
/// disproved lint finding.
#[test]
fn locks_github_annotations_name_observed_hazards() {
    let output = driftlint()
        .arg("verify")
        .arg(fixture("verify/locks"))
        .args(["--locks", "--format", "github"])
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("::warning file=")
            && l.contains("012_audit_log_unlogged.sql,line=2,col=1,")
            && l.contains("title=observed-rewrite::rewrites public.audit_log")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("::notice file=")
            && l.contains("002_widen_note.sql,line=2")
            && l.contains("title=alter-column-type disproved")),
        "{stdout}"
    );
}

/// Without `--locks`, nothing about statements.
#[test]
fn verify_without_locks_has_no_statements() {
    let (code, json, _) = verify_json(&fixture("verify/idempotent"), &[]);
    assert_eq!(code, 0, "{json:#}");
    for file in json["files"].as_array().unwrap() {
        assert!(file.get("statements").is_none(), "{file:#}");
    }
    assert!(json["summary"].get("locks").is_none());
}

/// A schema with every kind of constraint the generator must respect. The second file fails
/// its first run (exit 2) unless every table it names holds exactly the rows asked for.
const VARIED_SCHEMA: &str = r#"
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN short_code AS varchar(3) CHECK (VALUE <> '');
CREATE TABLE accounts (
    region text NOT NULL,
    number int NOT NULL,
    label short_code NOT NULL,
    PRIMARY KEY (region, number)
);
CREATE TABLE people (
    id uuid PRIMARY KEY,
    email varchar(60) NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('active', 'left')),
    feeling mood NOT NULL,
    price numeric(5, 2) NOT NULL CHECK (price >= 0),
    tags text[] NOT NULL,
    extra jsonb,
    born date NOT NULL,
    seen timestamptz NOT NULL,
    manager uuid REFERENCES people (id),
    region text NOT NULL,
    number int NOT NULL,
    FOREIGN KEY (region, number) REFERENCES accounts (region, number),
    small smallint NOT NULL CHECK (small > 0),
    flag boolean NOT NULL DEFAULT false,
    serial_no bigserial
);
CREATE TABLE defaults_only (id serial PRIMARY KEY, at timestamptz DEFAULT now());
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_all PARTITION OF events FOR VALUES FROM ('2000-01-01') TO ('2200-01-01');
CREATE TABLE shapes (id int PRIMARY KEY, center point NOT NULL);
CREATE TABLE one_flag (on_off boolean PRIMARY KEY);
INSERT INTO one_flag VALUES (true), (false);
CREATE TABLE flag_notes (on_off boolean PRIMARY KEY REFERENCES one_flag, note text);
CREATE TABLE accounts_extra (
    region text NOT NULL,
    number int NOT NULL,
    PRIMARY KEY (region, number),
    FOREIGN KEY (region, number) REFERENCES accounts (region, number)
);
CREATE TABLE people_profile (person uuid PRIMARY KEY REFERENCES people (id), bio text);
"#;

const COUNT_CHECK: &str = r#"
DO $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM accounts;
    IF n <> 40 THEN RAISE EXCEPTION 'accounts has % rows', n; END IF;
    SELECT count(*) INTO n FROM people;
    IF n <> 40 THEN RAISE EXCEPTION 'people has % rows', n; END IF;
    SELECT count(*) INTO n FROM people p JOIN accounts a USING (region, number);
    IF n <> 40 THEN RAISE EXCEPTION 'people join accounts gives % rows', n; END IF;
    SELECT count(*) INTO n FROM defaults_only;
    IF n <> 40 THEN RAISE EXCEPTION 'defaults_only has % rows', n; END IF;
    SELECT count(*) INTO n FROM events;
    IF n <> 40 THEN RAISE EXCEPTION 'events has % rows', n; END IF;
    SELECT count(*) INTO n FROM accounts_extra;
    IF n <> 40 THEN RAISE EXCEPTION 'accounts_extra has % rows', n; END IF;
    SELECT count(*) INTO n FROM people_profile;
    IF n <> 40 THEN RAISE EXCEPTION 'people_profile has % rows', n; END IF;
    -- As many rows as the parent has: one note per flag.
    SELECT count(*) INTO n FROM flag_notes;
    IF n <> 2 THEN RAISE EXCEPTION 'flag_notes has % rows', n; END IF;
    SELECT count(*) INTO n FROM shapes;
    IF n <> 0 THEN RAISE EXCEPTION 'shapes has % rows', n; END IF;
END
$$;
"#;

#[test]
fn generated_rows_never_violate_a_constraint() {
    let dir = write_files(&[
        ("001_schema.sql", VARIED_SCHEMA),
        ("002_count.sql", COUNT_CHECK),
    ]);
    let (code, json, stderr) = verify_json(dir.path(), &["--rows", "40"]);
    // The schema file is not re-runnable (exit 1); the count check passes its first run.
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(
        file_report(&json, "002_count.sql")["status"],
        "ok",
        "{json:#}"
    );
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    // `point` has no generator: the table is left empty and the run says so.
    assert!(
        notes
            .iter()
            .any(|n| n.contains("public.shapes (no generator for column center of type point)")),
        "{notes:?}"
    );
    // 40 distinct booleans do not exist: the insert is refused, never half-done.
    assert!(
        notes
            .iter()
            .any(|n| n.contains("public.one_flag (duplicate key value")),
        "{notes:?}"
    );
    assert!(
        !notes.iter().any(|n| n.contains("public.people")),
        "{notes:?}"
    );
}

/// With rows in the table, `ADD COLUMN ... NOT NULL` without a default really fails.
#[test]
fn rows_make_not_null_without_default_fail() {
    let dir = write_files(&[
        ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (id int);"),
        (
            "002_add.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int NOT NULL;",
        ),
    ]);
    let (code, json, stderr) = verify_json(dir.path(), &["--locks"]);
    assert_eq!(code, 2, "{json:#}\n{stderr}");
    let failed = file_report(&json, "002_add.sql");
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("contains null values"),
        "{failed:#}"
    );
    assert_eq!((failed["error"]["line"].as_u64()), Some(1));

    // --rows 0: the table is empty and the column is added.
    let (code, json, _) = verify_json(dir.path(), &["--locks", "--rows", "0"]);
    assert_eq!(code, 0, "{json:#}");
}

/// A file that runs without a transaction: each statement in a transaction of its own (so its
/// locks are read before they are released, and nothing holds them for later statements); a
/// statement that turns out not to run in a transaction block runs alone.
#[test]
fn locks_outside_a_transaction_statement_by_statement() {
    let dir = write_files(&[
        (
            "001_t.sql",
            "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, a int);",
        ),
        (
            "002_no_transaction.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);\n\
             CLUSTER;\n\
             UPDATE t SET b = 1;\n",
        ),
    ]);
    let (code, json, stderr) = verify_json(dir.path(), &["--locks", "--rows", "50"]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    let report = file_report(&json, "002_no_transaction.sql");
    assert_eq!(report["transaction"], false);
    let add = statement_at(&json, "002_no_transaction.sql", 1);
    assert_eq!(modes_on(add, "public.t"), ["AccessExclusiveLock"]);
    assert_eq!(add["held_until_commit_by"], 0);
    let index = statement_at(&json, "002_no_transaction.sql", 2);
    assert_eq!(names(index, "index_builds"), ["public.t_a_idx"]);
    // `CLUSTER` without a table cannot run in a transaction block: it ran alone.
    let cluster = statement_at(&json, "002_no_transaction.sql", 3);
    assert!(names(cluster, "rewrites").is_empty(), "{cluster:#}");
    let update = statement_at(&json, "002_no_transaction.sql", 4);
    assert_eq!(names(update, "scans"), ["public.t"]);
    assert_eq!(modes_on(update, "public.t"), ["RowExclusiveLock"]);
    // Nothing is held across statements, so no observed-access-exclusive.
    assert!(report.get("observed").is_none(), "{report:#}");
}
