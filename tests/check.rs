//! Integration tests: check.
//!
//! Every directory under `fixtures/drift/` is a scenario: `database.sql` builds a fresh database,
//! `schema.yaml` declares what it should be, `expected.json` lists exactly the drift `check
//! --format json` must report (in order) and the exit code. A scenario with `"drift": []` asserts
//! zero drift and exit 0, so no scenario can pass by reporting nothing or everything. A scenario
//! may also give `catalog_queries` (the count the JSON summary must report), `args` and
//! `notes_contain`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{drift_fixtures, driftlint, fresh_db, DriftFixture};

fn fixtures() -> PathBuf {
    crate::util::drift_fixtures_dir()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one scenario; returns a description of every way it failed.
fn run_scenario(fixture: &DriftFixture) -> Vec<String> {
    let name = &fixture.name;
    let expected = &fixture.expected;
    let db = fresh_db();
    db.exec(&fixture.database_sql);

    let mut cmd = driftlint();
    cmd.arg("check")
        .arg("--schema")
        .arg(&fixture.schema)
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
    if let Some(queries) = expected["catalog_queries"].as_u64() {
        let found = &actual["summary"]["catalog_queries"];
        if found.as_u64() != Some(queries) {
            failures.push(format!(
                "{name}: {found} catalog queries, expected {queries}"
            ));
        }
    }
    if let Some(note) = expected["notes_contain"].as_str() {
        let notes = actual["notes"].to_string();
        if !notes.contains(note) {
            failures.push(format!("{name}: no note contains `{note}`: {notes}"));
        }
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
    let fixtures = drift_fixtures();
    // DRIFT_SCENARIO=name runs one scenario while working on it.
    let only = std::env::var("DRIFT_SCENARIO").ok();
    if only.is_none() {
        assert!(
            fixtures.len() >= 20,
            "only {} drift scenarios found",
            fixtures.len()
        );
    }
    let failures: Vec<String> = fixtures
        .iter()
        .filter(|f| only.as_deref().is_none_or(|o| f.name == o))
        .flat_map(run_scenario)
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
        "extra_enum",
        "extra_enum_value",
        "column_type_mismatch",
        "column_nullability_mismatch",
        "column_default_mismatch",
        "index_mismatch",
        "foreign_key_mismatch",
        "primary_key_mismatch",
        "enum_mismatch",
        "missing_sequence",
        "extra_sequence",
        "sequence_mismatch",
        "missing_exclusion",
        "extra_exclusion",
    ];
    let all: String = drift_fixtures()
        .iter()
        .map(|f| f.expected.to_string())
        .collect();
    for kind in kinds {
        assert!(
            all.contains(&format!("\"{kind}\"")),
            "no fixture expects {kind}"
        );
    }
}

/// The README's DDL for the top-level schema.yaml.
const README_DDL: &str = r#"
CREATE TYPE outreach_status AS ENUM ('pending', 'contacted', 'replied', 'bounced');
CREATE TABLE discovery_queries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    keyword text NOT NULL,
    location varchar(100),
    status varchar(20) NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_discovery_queries_status CHECK (status IN ('pending', 'running', 'done', 'failed'))
);
CREATE TABLE prospects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    domain varchar(255) NOT NULL UNIQUE,
    discovery_query_id uuid REFERENCES discovery_queries (id) ON DELETE SET NULL,
    outreach_status outreach_status NOT NULL DEFAULT 'pending',
    contact_email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_prospects_discovery_query_id ON prospects (discovery_query_id);
CREATE INDEX ix_prospects_outreach_status ON prospects (outreach_status)
    WHERE outreach_status <> 'replied';
"#;

fn top_level_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.yaml")
}

/// The incident's database: the README schema without prospects.discovery_query_id.
fn incident_db() -> crate::util::TestDb {
    let db = fresh_db();
    db.exec(README_DDL);
    db.exec(
        "DROP INDEX ix_prospects_discovery_query_id; \
         ALTER TABLE prospects DROP COLUMN discovery_query_id;",
    );
    db
}

#[test]
fn readme_schema_has_no_drift_against_its_ddl() {
    let db = fresh_db();
    db.exec(README_DDL);
    let output = driftlint()
        .args([
            "check",
            "--format",
            "json",
            "--database-url",
            &db.url,
            "--schema",
        ])
        .arg(top_level_schema())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["drift"], serde_json::json!([]), "{report}");
    assert_eq!(report["summary"]["tables_declared"], 2);
    assert!(report["summary"]["catalog_queries"].as_u64().unwrap() > 0);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn prospects_missing_discovery_query_id_in_human_format() {
    let db = incident_db();
    let output = driftlint()
        .args(["check", "--database-url", &db.url, "--schema"])
        .arg(top_level_schema())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.starts_with("public.prospects  ("), "{text}");
    assert!(text.contains("schema.yaml:20)\n"), "{text}");
    assert!(
        text.contains("  error   missing_column discovery_query_id"),
        "{text}"
    );
    assert!(text.contains("- declared  uuid\n"), "{text}");
    assert!(
        text.contains("  error   missing_index ix_prospects_discovery_query_id"),
        "{text}"
    );
    assert!(
        text.contains("- declared  FOREIGN KEY (discovery_query_id) REFERENCES public.discovery_queries(id) ON DELETE SET NULL"),
        "{text}"
    );
    assert!(
        text.contains("3 errors, 0 warnings in 1 table (2 tables declared, 2 in the database)."),
        "{text}"
    );
    // The report ends with what `repair` would do, step by step.
    let preview = text
        .split_once("\nrepair: `driftlint repair --schema ")
        .unwrap_or_else(|| panic!("no repair preview:\n{text}"))
        .1;
    assert!(
        preview.contains("--database-url \"$DATABASE_URL\""),
        "{text}"
    );
    assert!(
        preview.contains("  1. add column public.prospects.discovery_query_id\n"),
        "{text}"
    );
    assert!(
        preview.contains(
            "build index ix_prospects_discovery_query_id on public.prospects without blocking writes (outside a transaction)"
        ),
        "{text}"
    );
    assert!(
        preview.contains("validate foreign key prospects_discovery_query_id_fkey"),
        "{text}"
    );
}

#[test]
fn no_repair_preview_without_error_drift() {
    let db = fresh_db();
    db.exec(README_DDL);
    // An extra table is a warning: nothing for `repair` to add.
    db.exec("CREATE TABLE scratch_notes (id int);");
    let output = driftlint()
        .args(["check", "--database-url", &db.url, "--schema"])
        .arg(top_level_schema())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("extra_table"), "{text}");
    assert!(!text.contains("repair:"), "{text}");
}

#[test]
fn prospects_missing_discovery_query_id_as_github_annotations() {
    let db = incident_db();
    let output = driftlint()
        .args(["check", "--format", "github", "--schema", "schema.yaml"])
        .arg("--database-url")
        .arg(&db.url)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let annotations: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 3, "{text}");
    assert!(annotations[0].starts_with(
        "::error file=schema.yaml,line=20,title=driftlint missing_column::column public.prospects.discovery_query_id (uuid)"
    ), "{text}");
    assert!(
        annotations[1]
            .starts_with("::error file=schema.yaml,line=26,title=driftlint missing_index::"),
        "{text}"
    );
    assert!(
        annotations[2]
            .starts_with("::error file=schema.yaml,line=20,title=driftlint missing_foreign_key::"),
        "{text}"
    );
}

#[test]
fn database_url_falls_back_to_the_environment() {
    let db = incident_db();
    let output = driftlint()
        .args(["check", "--format", "json", "--schema"])
        .arg(top_level_schema())
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["summary"]["drift"], 3, "{report}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn check_against_a_replayed_migration_directory() {
    let dir = tempfile::tempdir().unwrap();
    let ddl = README_DDL
        .replace(
            "    discovery_query_id uuid REFERENCES discovery_queries (id) ON DELETE SET NULL,\n",
            "",
        )
        .replace(
            "CREATE INDEX ix_prospects_discovery_query_id ON prospects (discovery_query_id);\n",
            "",
        );
    let (first, second) = ddl.split_at(ddl.find("CREATE TABLE prospects").unwrap());
    std::fs::write(dir.path().join("001_discovery_queries.sql"), first).unwrap();
    std::fs::write(dir.path().join("002_prospects.sql"), second).unwrap();
    let output = driftlint()
        .args(["check", "--format", "json", "--schema"])
        .arg(top_level_schema())
        .arg("--migrations")
        .arg(dir.path())
        .arg("--dev-url")
        .arg(crate::util::cluster().url("postgres"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON report expected; stderr:\n{stderr}"));
    let kinds: Vec<(&str, &str)> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["object"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("missing_column", "discovery_query_id"),
            ("missing_index", "ix_prospects_discovery_query_id"),
            ("missing_foreign_key", "-"),
        ]
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn check_without_a_database_is_an_error() {
    let output = driftlint()
        .args(["check", "--schema"])
        .arg(top_level_schema())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("no database to compare with"), "{stderr}");
    assert!(stderr.contains("--database-url"), "{stderr}");
}

#[test]
fn a_missing_schema_file_is_an_error() {
    let output = driftlint()
        .args(["check", "--schema", "no/such/schema.yaml", "--database-url"])
        .arg("postgresql://localhost:1/x")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("could not read no/such/schema.yaml"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn an_invalid_schema_points_at_the_yaml_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.yaml");
    let yaml = std::fs::read_to_string(top_level_schema())
        .unwrap()
        .replace(
            "references: discovery_queries.id",
            "references: discovery_query.id",
        );
    std::fs::write(&path, yaml).unwrap();
    let output = driftlint()
        .args([
            "check",
            "--database-url",
            "postgresql://localhost:1/x",
            "--schema",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("driftlint::schema::reference"), "{stderr}");
    assert!(stderr.contains("schema.yaml:20:53]"), "{stderr}");
    assert!(
        stderr.contains("public.discovery_query, which is not declared"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_database_is_an_error_without_the_password() {
    let output = driftlint()
        .args(["check", "--timeout", "5", "--schema"])
        .arg(top_level_schema())
        .args([
            "--database-url",
            "postgresql://app:hunter2secret@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn extra_objects_are_warning_annotations_and_exit_zero() {
    let dir = fixtures().join("drift_extra_only");
    let db = fresh_db();
    db.exec(&read(&dir.join("database.sql")));
    let output = driftlint()
        .args([
            "check",
            "--format",
            "github",
            "--database-url",
            &db.url,
            "--schema",
        ])
        .arg(dir.join("schema.yaml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let annotations: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 4, "{text}");
    assert!(
        annotations.iter().all(|a| a.starts_with("::warning file=")),
        "{text}"
    );
    assert!(
        annotations.iter().any(|a| a.contains(
            "title=driftlint extra_column::column public.users.nickname exists in the database but is not declared (text)"
        )),
        "{text}"
    );
    assert!(
        text.ends_with("0 errors, 4 warnings (1 table declared, 2 in the database)\n"),
        "{text}"
    );
}

#[test]
fn readme_walkthrough_migrations_forget_discovery_query_id() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = driftlint()
        .args(["check", "--format", "json", "--schema"])
        .arg(top_level_schema())
        .arg("--migrations")
        .arg(root.join("fixtures/migrations"))
        .arg("--dev-url")
        .arg(crate::util::cluster().url("postgres"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON report expected; stderr:\n{stderr}"));
    let found: Vec<(&str, &str, &str)> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["table"].as_str().unwrap(),
                d["object"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("missing_column", "prospects", "discovery_query_id"),
            (
                "missing_index",
                "prospects",
                "ix_prospects_discovery_query_id"
            ),
            ("missing_foreign_key", "prospects", "-"),
        ],
        "{report}"
    );
    assert!(
        report["notes"]
            .to_string()
            .contains("hotfix_add_discovery_query_id.sql"),
        "{report}"
    );
    assert_eq!(output.status.code(), Some(1));
}

/// With `--format json`, an error printed nothing on stdout: a CI script parsing stdout got no
/// document. It gets an error document now, with the exit code still 2.
#[test]
fn json_format_errors_print_an_error_document_on_stdout() {
    let output = crate::util::driftlint()
        .args([
            "check",
            "--format",
            "json",
            "--schema",
            "/nonexistent/schema.yaml",
            "--database-url",
            "postgresql://someone:hunter2@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let document: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(document["version"], 1);
    assert_eq!(document["error"]["code"], "driftlint::schema::read");
    assert!(document["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/schema.yaml"));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("could not read"), "{stderr}");

    // An unreachable database: the same document, and never the password.
    let output = crate::util::driftlint()
        .args(["check", "--format", "json", "--schema"])
        .arg(top_level_schema())
        .args([
            "--database-url",
            "postgresql://someone:hunter2@127.0.0.1:1/app",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let document: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert!(document["error"]["code"]
        .as_str()
        .unwrap()
        .starts_with("driftlint::db::"));
    let everything = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(!everything.contains("hunter2"), "{everything}");
}

/// Terminal escape sequences in object names were printed raw by the human report: a column
/// named with `ESC ] 0 ; ... BEL` retitled the terminal. They are shown escaped now.
#[test]
fn terminal_escape_sequences_in_object_names_are_shown_escaped() {
    let db = fresh_db();
    db.exec(README_DDL);
    db.exec("ALTER TABLE prospects ADD COLUMN \"x\u{1b}]0;owned\u{7}\" text");
    let output = driftlint()
        .args(["check", "--strict", "--database-url", &db.url, "--schema"])
        .arg(top_level_schema())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("extra_column x\\u{1b}]0;owned\\u{7}"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
}
