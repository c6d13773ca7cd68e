//! Integration tests: check.
//!
//! Every directory under `fixtures/drift/` is a scenario: `database.sql` builds a fresh database,
//! `schema.yaml` declares what it should be, `expected.json` lists exactly the drift `check
//! --format json` must report (in order) and the exit code. A scenario with `"drift": []` asserts
//! zero drift and exit 0, so no scenario can pass by reporting nothing or everything.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{driftlint, fresh_db};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drift")
}

fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/drift exists")
        .map(|e| e.expect("readable fixture dir").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one scenario; returns a description of every way it failed.
fn run_scenario(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let expected: Value = serde_json::from_str(&read(&dir.join("expected.json")))
        .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
    let db = fresh_db();
    db.exec(&read(&dir.join("database.sql")));

    let mut cmd = driftlint();
    cmd.arg("check")
        .arg("--schema")
        .arg(dir.join("schema.yaml"))
        .arg("--database-url")
        .arg(&db.url)
        .arg("--format")
        .arg("json");
    if let Some(args) = expected["args"].as_array() {
        cmd.args(args.iter().map(|a| a.as_str().expect("args are strings")));
    }
    let output = cmd.output().expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut failures = Vec::new();
    let exit = output.status.code();
    let expected_exit = expected["exit"]
        .as_i64()
        .expect("expected.json has an exit code");
    if exit != Some(expected_exit as i32) {
        failures.push(format!(
            "{name}: exit {exit:?}, expected {expected_exit}\n{stderr}"
        ));
    }
    let Ok(actual) = serde_json::from_str::<Value>(&stdout) else {
        failures.push(format!("{name}: stdout is not JSON:\n{stdout}\n{stderr}"));
        return failures;
    };
    if actual["version"] != 1 {
        failures.push(format!("{name}: version is {}", actual["version"]));
    }
    let empty = Vec::new();
    let found = actual["drift"].as_array().unwrap_or(&empty);
    let wanted = expected["drift"]
        .as_array()
        .expect("expected.json has a drift list");
    // Compare the fields the fixture names (kind, schema, table, object, severity always;
    // expected/actual/line when given) of every item, in order.
    let project = |item: &Value, like: &Value| -> Value {
        let mut map = serde_json::Map::new();
        for key in like.as_object().expect("drift items are objects").keys() {
            map.insert(key.clone(), item.get(key).cloned().unwrap_or(Value::Null));
        }
        Value::Object(map)
    };
    for item in wanted {
        for key in ["kind", "schema", "table", "object", "severity"] {
            assert!(
                item.get(key).is_some(),
                "{name}/expected.json: an item lacks `{key}`"
            );
        }
    }
    let same =
        found.len() == wanted.len() && found.iter().zip(wanted).all(|(f, w)| project(f, w) == *w);
    if !same {
        let found_short: Vec<Value> = found
            .iter()
            .map(|f| {
                serde_json::json!({"kind": f["kind"], "schema": f["schema"], "table": f["table"],
                    "object": f["object"], "severity": f["severity"], "expected": f["expected"],
                    "actual": f["actual"], "line": f["line"]})
            })
            .collect();
        failures.push(format!(
            "{name}: drift differs\n  expected: {}\n  found:    {}\n  notes: {}",
            serde_json::to_string_pretty(wanted).unwrap(),
            serde_json::to_string_pretty(&found_short).unwrap(),
            actual["notes"]
        ));
    }
    let summary = &actual["summary"];
    if summary["drift"].as_u64() != Some(found.len() as u64) {
        failures.push(format!(
            "{name}: summary.drift {} for {} items",
            summary["drift"],
            found.len()
        ));
    }
    for key in ["tables_declared", "tables_live"] {
        if let Some(want) = expected.get(key) {
            if &summary[key] != want {
                failures.push(format!(
                    "{name}: summary.{key} is {}, expected {want}",
                    summary[key]
                ));
            }
        }
    }
    failures
}

#[test]
fn drift_fixture_scenarios() {
    let dirs = scenarios();
    // DRIFT_SCENARIO=name runs one scenario while working on it.
    let only = std::env::var("DRIFT_SCENARIO").ok();
    if only.is_none() {
        assert!(
            dirs.len() >= 20,
            "only {} drift scenarios found",
            dirs.len()
        );
    }
    let failures: Vec<String> = dirs
        .iter()
        .filter(|d| only.as_deref().is_none_or(|o| d.ends_with(o)))
        .flat_map(|d| run_scenario(d))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_drift_kind_is_covered_by_a_fixture() {
    let kinds = [
        "missing_table",
        "missing_column",
        "missing_index",
        "missing_foreign_key",
        "missing_unique",
        "missing_check",
        "missing_primary_key",
        "missing_enum",
        "missing_enum_value",
        "extra_table",
        "extra_column",
        "extra_index",
        "extra_foreign_key",
        "extra_unique",
        "extra_check",
        "extra_enum_value",
        "column_type_mismatch",
        "column_nullability_mismatch",
        "column_default_mismatch",
        "index_mismatch",
        "foreign_key_mismatch",
        "primary_key_mismatch",
    ];
    let all: String = scenarios()
        .iter()
        .map(|d| read(&d.join("expected.json")))
        .collect();
    for kind in kinds {
        assert!(
            all.contains(&format!("\"{kind}\"")),
            "no fixture expects {kind}"
        );
    }
}
