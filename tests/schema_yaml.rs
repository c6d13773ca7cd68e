//! Reading schema.yaml through the binary: what the file says as written reaches the database
//! comparison unchanged, and hostile files end in a diagnostic and exit 2, never a crash.

use crate::util::{driftlint, fresh_db};

/// Writes `yaml` as schema.yaml in a temporary directory.
fn schema_file(yaml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("schema.yaml");
    std::fs::write(&path, yaml).expect("schema.yaml written");
    (dir, path)
}

/// `check` of `schema` against a server that is not there: only the file is read.
fn check_without_database(schema: &std::path::Path) -> (Option<i32>, String) {
    let output = driftlint()
        .args([
            "check",
            "--database-url",
            "postgresql://localhost:1/x",
            "--schema",
        ])
        .arg(schema)
        .output()
        .expect("driftlint runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn issue_11_defect_1_numeric_defaults_written_as_yaml_numbers_have_no_drift() {
    let db = fresh_db();
    db.exec(
        "CREATE TABLE prices (id integer PRIMARY KEY, \
         amount numeric(6,2) NOT NULL DEFAULT 25.0, rate numeric(6,2) DEFAULT 1.50)",
    );
    let (_dir, path) = schema_file(
        "version: 1\ntables:\n  prices:\n    columns:\n      id: { type: integer, primary_key: true }\n      amount: { type: \"numeric(6,2)\", nullable: false, default: 25.0 }\n      rate:\n        type: numeric(6,2)\n        default: 1.50\n",
    );
    let output = driftlint()
        .args([
            "check",
            "--format",
            "json",
            "--database-url",
            &db.url,
            "--schema",
        ])
        .arg(&path)
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["summary"]["drift"], 0, "{stdout}");
    assert_eq!(report["summary"]["tables_declared"], 1, "{stdout}");
}

#[test]
fn issue_15_item_8_deeply_nested_yaml_is_a_diagnostic_not_a_crash() {
    for yaml in [
        format!("version: 1\ntables:\n  t:\n    {}x\n", "- ".repeat(10_000)),
        format!("version: 1\ntables: {}\n", "[".repeat(100_000)),
    ] {
        let (_dir, path) = schema_file(&yaml);
        let started = std::time::Instant::now();
        let (code, stderr) = check_without_database(&path);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("driftlint::schema::yaml"), "{stderr}");
        assert!(stderr.contains("nests deeper than 64 levels"), "{stderr}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}

#[test]
fn issue_15_item_10_schema_from_dev_zero_is_cut_off() {
    let (code, stderr) = check_without_database(std::path::Path::new("/dev/zero"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("driftlint::schema::read"), "{stderr}");
    assert!(stderr.contains("/dev/zero is larger than"), "{stderr}");
}

#[test]
fn issue_15_item_11_a_64_byte_default_schema_is_a_diagnostic() {
    let (_dir, path) = schema_file(&format!("version: 1\nschema: {}\n", "s".repeat(64)));
    let (code, stderr) = check_without_database(&path);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("driftlint::schema::value"), "{stderr}");
    assert!(
        stderr.contains("is 64") && stderr.contains("bytes long"),
        "{stderr}"
    );
    assert!(stderr.contains("schema.yaml:2:9]"), "{stderr}");
}

#[test]
fn issue_15_item_14_a_byte_order_mark_is_accepted() {
    let db = fresh_db();
    db.exec("CREATE TABLE marks (id integer PRIMARY KEY)");
    let (_dir, path) = schema_file(
        "\u{feff}version: 1\ntables:\n  marks:\n    columns:\n      id: { type: integer, primary_key: true }\n",
    );
    let output = driftlint()
        .args(["check", "--database-url", &db.url, "--schema"])
        .arg(&path)
        .output()
        .expect("driftlint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
