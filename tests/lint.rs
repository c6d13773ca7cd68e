//! Integration tests: `driftlint lint`, `rules` and `explain` through the built binary — exit
//! codes, the JSON shape, stdin, rule selection, `--fix`, unreadable files, directory walking.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::util::driftlint;

#[test]
fn help_lists_every_command() {
    let output = driftlint().arg("--help").output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for command in [
        "lint", "check", "repair", "pull", "verify", "rules", "explain",
    ] {
        assert!(text.contains(command), "--help lacks {command}:\n{text}");
    }
}

/// Run `driftlint lint --format json ARGS` and return (exit code, document, stderr).
fn lint_json(args: &[&str], stdin: Option<&str>) -> (i32, Value, String) {
    let mut cmd = driftlint();
    cmd.arg("lint").arg("--format").arg("json").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"));
    (output.status.code().unwrap_or(-1), doc, stderr)
}

fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn exit_codes_clean_warning_only_error_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(
        dir.path(),
        "clean.sql",
        "CREATE TABLE IF NOT EXISTS t (id int);\n",
    );
    let warning = write(
        dir.path(),
        "warn.sql",
        "ALTER TABLE t DROP COLUMN IF EXISTS legacy;\n",
    );
    let info = write(
        dir.path(),
        "info.sql",
        "\\set ON_ERROR_STOP on\nSELECT 1;\n",
    );
    let error = write(dir.path(), "error.sql", "CREATE TABLE t (id int);\n");

    driftlint().args(["lint", &clean]).assert().code(0);
    // Warnings and infos are reported (files in the order given) but do not fail the run.
    let (code, doc, _) = lint_json(&[&warning, &info], None);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        rules_of(&doc),
        ["missing-lock-timeout", "drop-column", "psql-meta-command"]
    );
    driftlint().args(["lint", &error]).assert().code(1);
    driftlint()
        .args(["lint", "--select", "no-such-rule", &clean])
        .assert()
        .code(2);
    driftlint().arg("lint").assert().code(2);
}

#[test]
fn json_shape_matches_the_design() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "011_x.sql",
        "-- add the column\nALTER TABLE prospects ADD COLUMN discovery_query_id uuid;\n",
    );
    let (code, doc, _) = lint_json(&[&file], None);
    assert_eq!(code, 1);
    assert_eq!(doc["version"], 1);
    let finding = &doc["findings"][0];
    let keys: Vec<&str> = finding
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "category",
        "message",
        "help",
        "fix",
    ] {
        assert!(keys.contains(&key), "missing {key} in {finding}");
    }
    assert_eq!(finding["rule"], "add-column-without-if-not-exists");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["category"], "idempotency");
    assert_eq!(finding["file"], file.as_str());
    assert_eq!(finding["line"], 2);
    assert_eq!(finding["column"], 23);
    assert_eq!(finding["end_line"], 2);
    assert_eq!(finding["end_column"], 57);
    assert_eq!(
        finding["fix"],
        "ALTER TABLE prospects ADD COLUMN IF NOT EXISTS discovery_query_id uuid;"
    );
    let summary = &doc["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["statements"], 1);
    // The other finding: no lock_timeout before the ALTER TABLE.
    assert_eq!(summary["findings"], 2);
    assert_eq!(doc["findings"][1]["rule"], "missing-lock-timeout");
    assert_eq!(summary["parsed"], 1);
    assert_eq!(summary["fallback"], 0);
    assert_eq!(summary["unparsed"], 0);
}

#[test]
fn stdin_with_a_file_name() {
    let (code, doc, _) = lint_json(
        &["--stdin-filename", "migrations/007_seed.sql", "-"],
        Some("INSERT INTO settings VALUES ('a');\nDROP TYPE mood;\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&doc),
        ["insert-without-on-conflict", "drop-without-if-exists"]
    );
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["file"] == "migrations/007_seed.sql"));
}

#[test]
fn select_and_ignore_by_rule_or_category() {
    let sql = "CREATE INDEX ix ON t (a);\nALTER TABLE t DROP COLUMN b;\n";
    let (_, doc, _) = lint_json(&["--select", "locking", "-"], Some(sql));
    assert_eq!(
        rules_of(&doc),
        ["create-index-without-concurrently", "missing-lock-timeout"]
    );
    let (code, doc, _) = lint_json(&["--ignore", "idempotency,destructive", "-"], Some(sql));
    assert_eq!(
        rules_of(&doc),
        ["create-index-without-concurrently", "missing-lock-timeout"]
    );
    assert_eq!(code, 0);
    let (code, doc, _) = lint_json(
        &["--select", "drop-column-without-if-exists,drop-column", "-"],
        Some(sql),
    );
    assert_eq!(
        rules_of(&doc),
        ["drop-column-without-if-exists", "drop-column"]
    );
    assert_eq!(code, 1);
}

#[test]
fn fix_rewrites_files_and_the_result_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let original = "BEGIN;\nCREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN email text, ADD COLUMN name text;\nCREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TABLE users ADD CONSTRAINT uq_email UNIQUE (email);\nDROP INDEX ix_old;\nCOMMIT;\n";
    let file = write(dir.path(), "001_init.sql", original);

    let output = driftlint()
        .args(["lint", "--fix", "--select", "idempotency", &file])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("fixed add-column-without-if-not-exists"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fixed create-type-without-guard"),
        "{stdout}"
    );

    let fixed = fs::read_to_string(&file).unwrap();
    assert_ne!(fixed, original);
    assert!(
        fixed.contains("ADD COLUMN IF NOT EXISTS email text, ADD COLUMN IF NOT EXISTS name text")
    );
    assert!(fixed.contains("DROP INDEX IF EXISTS ix_old;"));
    assert!(fixed.contains("WHERE conname = 'uq_email' AND conrelid = 'users'::regclass"));

    // Re-linted: clean for idempotency, and every statement understood.
    let (code, doc, _) = lint_json(&["--select", "idempotency,syntax", &file], None);
    assert_eq!(code, 0, "{doc}\n{fixed}");
    assert_eq!(rules_of(&doc), Vec::<String>::new(), "{fixed}");
    assert_eq!(doc["summary"]["statements"], doc["summary"]["parsed"]);
}

#[test]
fn a_non_utf8_file_is_an_error_but_the_others_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "a.sql", "DROP TABLE t;\n");
    let bad = dir.path().join("b.sql");
    fs::write(&bad, b"CREATE TABLE caf\xe9 (id int);\n").unwrap();
    let bad = bad.display().to_string();
    let (code, doc, stderr) = lint_json(&[&good, &bad], None);
    assert_eq!(code, 2);
    assert!(
        rules_of(&doc).contains(&"drop-without-if-exists".to_string()),
        "{doc}"
    );
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(stderr.contains("b.sql"), "{stderr}");

    let missing = dir.path().join("missing.sql").display().to_string();
    let (code, doc, stderr) = lint_json(&[&missing, &good], None);
    assert_eq!(code, 2);
    assert_eq!(doc["summary"]["files"], 1);
    assert!(stderr.contains("could not read"), "{stderr}");
}

#[test]
fn a_file_that_is_not_sql_is_an_error_but_the_others_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "a.sql", "DROP TABLE t;\n");
    let prose = write(
        dir.path(),
        "notes.sql",
        "Remember to run the backfill first!\nThen deploy {{ version }}.\n",
    );
    let (code, doc, stderr) = lint_json(&[&good, &prose], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        rules_of(&doc).contains(&"drop-without-if-exists".to_string()),
        "{doc}"
    );
    assert!(stderr.contains("does not look like SQL"), "{stderr}");
    assert!(stderr.contains("notes.sql"), "{stderr}");

    // One statement that cannot be read among readable ones is only a syntax note.
    let mixed = write(
        dir.path(),
        "mixed.sql",
        "CREATE TABLE IF NOT EXISTS t (id int);\nthis is not sql;\n",
    );
    let (code, doc, stderr) = lint_json(&[&mixed], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        rules_of(&doc).contains(&"unparsed-statement".to_string()),
        "{doc}"
    );
}

#[test]
fn directories_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b/002.sql", "DROP TABLE b2;\n");
    write(dir.path(), "a/010.sql", "DROP TABLE a10;\n");
    write(dir.path(), "a/002.sql", "DROP TABLE a2;\n");
    write(dir.path(), "c.txt", "DROP TABLE not_sql;\n");
    write(dir.path(), "001.sql", "DROP TABLE one;\n");
    let root = dir.path().display().to_string();
    let (_, doc, _) = lint_json(&["--select", "drop-without-if-exists", &root], None);
    let files: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            file.strip_prefix(&root).unwrap().to_string()
        })
        .collect();
    assert_eq!(
        files,
        ["/001.sql", "/a/002.sql", "/a/010.sql", "/b/002.sql"]
    );
    assert_eq!(doc["summary"]["files"], 4);
}

#[test]
fn do_block_guards_are_judged() {
    let sql = r#"DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_name = 'deals' AND column_name = 'closing_date'
    ) THEN
        ALTER TABLE deals ADD COLUMN announced_date date;
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'deal_status') THEN
        CREATE TYPE deal_status AS ENUM ('pending', 'active');
    END IF;
END $$;
"#;
    let (code, doc, _) = lint_json(&["--select", "idempotency", "-"], Some(sql));
    assert_eq!(code, 1);
    let findings = doc["findings"].as_array().unwrap();
    let wrong: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "guard-checks-wrong-object")
        .collect();
    assert_eq!(wrong.len(), 1, "{doc}");
    assert_eq!(
        wrong[0]["message"],
        "guard checks closing_date, body adds announced_date"
    );
    assert_eq!(
        (wrong[0]["line"].as_u64(), wrong[0]["column"].as_u64()),
        (Some(7), Some(27))
    );
    assert!(
        findings.iter().all(|f| f["line"].as_u64() < Some(10)),
        "{doc}"
    );
}

#[test]
fn human_output_has_a_code_frame_rule_help_and_fix() {
    let output = driftlint()
        .args(["lint", "--stdin-filename", "m.sql", "-"])
        .write_stdin("SELECT 1;\nCREATE EXTENSION pgcrypto;\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("create-extension-without-if-not-exists"),
        "{text}"
    );
    assert!(text.contains("m.sql:2:1"), "{text}");
    assert!(text.contains("2 │ CREATE EXTENSION pgcrypto;"), "{text}");
    assert!(text.contains("add IF NOT EXISTS"), "{text}");
    assert!(
        text.contains("CREATE EXTENSION IF NOT EXISTS pgcrypto;"),
        "{text}"
    );
}

#[test]
fn sarif_and_github_formats() {
    let output = driftlint()
        .args(["lint", "--format", "sarif", "-"])
        .write_stdin("DROP VIEW v;\n")
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "drop-without-if-exists"
    );
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "error");

    let output = driftlint()
        .args([
            "lint",
            "--format",
            "github",
            "--stdin-filename",
            "x.sql",
            "-",
        ])
        .write_stdin("DROP VIEW v;\n")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(
            "::error file=x.sql,line=1,col=1,endLine=1,endColumn=13,title=drop-without-if-exists::"
        ),
        "{text}"
    );
}

#[test]
fn rules_lists_every_rule_and_explain_prints_a_page() {
    let output = driftlint()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = doc["rules"].as_array().unwrap();
    assert!(rules.len() >= 30);
    assert!(rules
        .iter()
        .any(|r| r["name"] == "guard-checks-wrong-object" && r["category"] == "idempotency"));
    let output = driftlint()
        .args(["explain", "add-column-without-if-not-exists"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains("## What it does"), "{page}");
}

const DECLARED: &str = "version: 1
tables:
  prospects:
    columns:
      id:     { type: uuid, primary_key: true }
      domain: { type: varchar(255), nullable: false }
";

/// `(rule, severity, message)` of every finding.
fn findings_of(doc: &Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_string();
            (text("rule"), text("severity"), text("message"))
        })
        .collect()
}

#[test]
fn schema_makes_drops_of_declared_columns_and_tables_errors() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(dir.path(), "schema.yaml", DECLARED);
    let migration = write(
        dir.path(),
        "012_cleanup.sql",
        "ALTER TABLE prospects DROP COLUMN IF EXISTS domain;\n\
         ALTER TABLE prospects DROP COLUMN IF EXISTS legacy;\n\
         DROP TABLE IF EXISTS prospects;\n",
    );
    // Without the schema these are destructive warnings: the run passes.
    let quiet = ["--ignore", "missing-lock-timeout"];
    let (code, doc, _) = lint_json(&[&quiet[..], &[&migration]].concat(), None);
    assert_eq!(code, 0, "{doc}");
    let severities: Vec<String> = findings_of(&doc).into_iter().map(|f| f.1).collect();
    assert_eq!(severities, ["warning", "warning", "warning"], "{doc}");

    let (code, doc, stderr) = lint_json(
        &[&quiet[..], &["--schema", &schema, &migration]].concat(),
        None,
    );
    assert_eq!(code, 1, "{doc}\n{stderr}");
    let found = findings_of(&doc);
    assert_eq!(found.len(), 3, "{doc}");
    assert_eq!(
        found[0],
        (
            "drop-column".to_string(),
            "error".to_string(),
            "schema.yaml still declares prospects.domain: running code reads it".to_string()
        )
    );
    assert_eq!(
        (found[1].0.as_str(), found[1].1.as_str()),
        ("drop-column", "warning"),
        "legacy is not declared: {doc}"
    );
    assert_eq!(
        found[2],
        (
            "drop-table".to_string(),
            "error".to_string(),
            "schema.yaml still declares prospects: running code reads it".to_string()
        )
    );
}

#[test]
fn schema_is_named_in_the_rename_finding() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(dir.path(), "schema.yaml", DECLARED);
    let migration = write(
        dir.path(),
        "013_rename.sql",
        "ALTER TABLE prospects RENAME COLUMN domain TO host;\n",
    );
    let (code, doc, _) = lint_json(
        &[
            "--ignore",
            "missing-lock-timeout",
            "--schema",
            &schema,
            &migration,
        ],
        None,
    );
    assert_eq!(code, 1, "{doc}");
    let found = findings_of(&doc);
    assert_eq!(found.len(), 1, "{doc}");
    assert_eq!(found[0].0, "rename-without-guard");
    assert!(
        found[0]
            .2
            .ends_with("schema.yaml still declares prospects.domain: running code reads it"),
        "{doc}"
    );
    // Without the schema the same finding does not mention it.
    let (_, doc, _) = lint_json(&[&migration], None);
    assert!(!findings_of(&doc)[0].2.contains("schema.yaml"), "{doc}");
}

#[test]
fn a_bad_or_missing_schema_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let migration = write(
        dir.path(),
        "001.sql",
        "CREATE TABLE IF NOT EXISTS t (id int);\n",
    );
    let bad = write(
        dir.path(),
        "schema.yaml",
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: integer, nulable: false }\n",
    );
    let missing = dir.path().join("nope.yaml").display().to_string();
    for schema in [&bad, &missing] {
        let output = driftlint()
            .args(["lint", "--schema", schema, &migration])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{schema}: {stderr}");
        assert!(stderr.contains("schema"), "{stderr}");
        assert!(output.stdout.is_empty(), "no report without the schema");
    }
}

/// Lint in `dir` with `args` (JSON); (exit code, rule names reported).
fn lint_rules_in(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>, String) {
    let output = driftlint()
        .current_dir(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or(-1);
    let rules = serde_json::from_str::<Value>(&stdout)
        .ok()
        .and_then(|doc| {
            Some(
                doc["findings"]
                    .as_array()?
                    .iter()
                    .filter_map(|f| f["rule"].as_str().map(str::to_string))
                    .collect(),
            )
        })
        .unwrap_or_default();
    (code, rules, format!("{stdout}\n{stderr}"))
}

const CONCURRENT_INDEX: &str =
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_user ON orders (user_id);\n";

/// Diesel runs `up.sql` in a transaction unless the migration's `metadata.toml` says
/// `run_in_transaction = false`.
#[test]
fn runner_diesel_wraps_up_sql_unless_metadata_toml_opts_out() {
    let dir = tempfile::tempdir().unwrap();
    let up = "migrations/2024-01-01-000000_index_orders/up.sql";
    write(dir.path(), up, CONCURRENT_INDEX);
    let (code, rules, out) = lint_rules_in(dir.path(), &["--runner", "diesel", up]);
    assert_eq!(code, 1, "{out}");
    assert!(
        rules.contains(&"concurrently-in-transaction".to_string()),
        "{out}"
    );
    assert!(
        out.contains("Diesel runs each migration in a transaction"),
        "{out}"
    );
    // Without a runner: as before, no transaction is assumed.
    let (code, _, out) = lint_rules_in(dir.path(), &[up]);
    assert_eq!(code, 0, "{out}");
    write(
        dir.path(),
        "migrations/2024-01-01-000000_index_orders/metadata.toml",
        "# diesel\nrun_in_transaction = false\n",
    );
    let (code, rules, out) = lint_rules_in(dir.path(), &["--runner", "diesel", up]);
    assert_eq!(code, 0, "{out}");
    assert!(!rules.contains(&"concurrently-in-transaction".to_string()));
}

/// The `[lint] runner` key of driftlint.toml does what `--runner` does; the flag wins.
#[test]
fn runner_from_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[lint]\nrunner = \"prisma\"\n",
    );
    let file = "prisma/migrations/20240101000000_index/migration.sql";
    write(dir.path(), file, CONCURRENT_INDEX);
    let (code, rules, out) = lint_rules_in(dir.path(), &[file]);
    assert_eq!(code, 1, "{out}");
    assert!(
        rules.contains(&"concurrently-in-transaction".to_string()),
        "{out}"
    );
    let (code, _, out) = lint_rules_in(dir.path(), &["--runner", "psql", file]);
    assert_eq!(code, 0, "{out}");
}

/// dbmate wraps a file unless its up marker says `transaction:false`.
#[test]
fn runner_dbmate_reads_transaction_false_on_the_up_marker() {
    let dir = tempfile::tempdir().unwrap();
    let wrapped = "db/migrations/20240101000000_index.sql";
    write(
        dir.path(),
        wrapped,
        &format!("-- migrate:up\n{CONCURRENT_INDEX}\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS ix_orders_user;\n"),
    );
    let opted_out = "db/migrations/20240102000000_index.sql";
    write(
        dir.path(),
        opted_out,
        &format!("-- migrate:up transaction:false\n{CONCURRENT_INDEX}\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS ix_orders_user;\n"),
    );
    let (code, rules, out) = lint_rules_in(dir.path(), &["--runner", "dbmate", wrapped]);
    assert_eq!(code, 1, "{out}");
    assert!(
        rules.contains(&"concurrently-in-transaction".to_string()),
        "{out}"
    );
    let (code, _, out) = lint_rules_in(dir.path(), &["--runner", "dbmate", opted_out]);
    assert_eq!(code, 0, "{out}");
}

/// Flyway wraps a script unless `<script>.sql.conf` says `executeInTransaction=false`.
#[test]
fn runner_flyway_reads_the_script_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let script = "sql/V2__index_orders.sql";
    write(dir.path(), script, CONCURRENT_INDEX);
    let (code, _, out) = lint_rules_in(dir.path(), &["--runner", "flyway", script]);
    assert_eq!(code, 1, "{out}");
    write(
        dir.path(),
        "sql/V2__index_orders.sql.conf",
        "executeInTransaction=false\n",
    );
    let (code, _, out) = lint_rules_in(dir.path(), &["--runner", "flyway", script]);
    assert_eq!(code, 0, "{out}");
}

/// golang-migrate sends a file as one query: several statements run as one transaction, a
/// statement alone does not.
#[test]
fn runner_golang_migrate_wraps_files_of_several_statements() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/000001_index.up.sql",
        CONCURRENT_INDEX,
    );
    write(
        dir.path(),
        "migrations/000002_index.up.sql",
        &format!("SET lock_timeout = '5s';\n{CONCURRENT_INDEX}"),
    );
    let run = |file: &str| lint_rules_in(dir.path(), &["--runner", "golang-migrate", file]);
    let (code, _, out) = run("migrations/000001_index.up.sql");
    assert_eq!(code, 0, "{out}");
    let (code, rules, out) = run("migrations/000002_index.up.sql");
    assert_eq!(code, 1, "{out}");
    assert!(
        rules.contains(&"concurrently-in-transaction".to_string()),
        "{out}"
    );
}

/// sqitch and psql leave transactions to the file: its own BEGIN/COMMIT are fine, and a
/// CONCURRENTLY between them is still an error. Under a wrapping runner the same BEGIN/COMMIT
/// is `transaction-nesting`.
#[test]
fn runner_sqitch_and_psql_leave_transactions_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = "deploy/orders_note.sql";
    write(
        dir.path(),
        deploy,
        "BEGIN;\nSET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;\nCOMMIT;\n",
    );
    for runner in ["sqitch", "psql", "none"] {
        let (code, rules, out) = lint_rules_in(dir.path(), &["--runner", runner, deploy]);
        assert_eq!((code, rules.len()), (0, 0), "{runner}: {out}");
    }
    let (code, rules, out) = lint_rules_in(dir.path(), &["--runner", "alembic", deploy]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        rules,
        ["transaction-nesting", "transaction-nesting"],
        "{out}"
    );
    let (code, _, out) = lint_rules_in(dir.path(), &["--runner", "nosuch", deploy]);
    assert_eq!(code, 2, "{out}");
}

/// `--pg-version` (and `[lint] pg-version`) decides what the server accepts: CREATE OR REPLACE
/// TRIGGER is PostgreSQL 14 syntax; 13 is the default.
#[test]
fn pg_version_flag_and_configuration_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = "migrations/005_trigger.sql";
    write(
        dir.path(),
        file,
        "SET lock_timeout = '5s';\nCREATE OR REPLACE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\n",
    );
    let (code, rules, out) = lint_rules_in(dir.path(), &[file]);
    assert_eq!(code, 1, "{out}");
    assert!(
        rules.contains(&"syntax-newer-than-pg-version".to_string()),
        "{out}"
    );
    assert!(out.contains("PostgreSQL 13"), "{out}");
    let (code, rules, out) = lint_rules_in(dir.path(), &["--pg-version", "14", file]);
    assert_eq!(code, 0, "{out}");
    assert!(!rules.contains(&"syntax-newer-than-pg-version".to_string()));
    write(dir.path(), "driftlint.toml", "[lint]\npg-version = 16\n");
    let (code, _, out) = lint_rules_in(dir.path(), &[file]);
    assert_eq!(code, 0, "{out}");
    // The flag wins over the file.
    let (code, _, out) = lint_rules_in(dir.path(), &["--pg-version", "13", file]);
    assert_eq!(code, 1, "{out}");
    let (code, _, out) = lint_rules_in(dir.path(), &["--pg-version", "12", file]);
    assert_eq!(code, 2, "{out}");
}

/// `--database-url`: a large and a small table in a real PostgreSQL. Locking findings name the
/// size of the table; below `--small-table-rows` they are info; a table the database does not
/// have is new; type changes are judged from the column's real type. Nothing is written.
#[test]
fn database_url_knows_table_sizes_and_column_types() {
    let db = crate::util::fresh_db();
    db.exec(
        "CREATE TABLE events (id bigint, kind varchar(50), payload text);
         INSERT INTO events SELECT g, 'k', repeat('x', 200) FROM generate_series(1, 30000) g;
         CREATE TABLE settings (key text, value text);
         INSERT INTO settings VALUES ('a', '1'), ('b', '2');
         ANALYZE events; ANALYZE settings;",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "020_changes.sql",
        "SET lock_timeout = '5s';\n\
         ALTER TABLE events ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();\n\
         ALTER TABLE settings ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();\n\
         ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();\n\
         ALTER TABLE events ALTER COLUMN kind TYPE varchar(100);\n\
         ALTER TABLE events ALTER COLUMN payload TYPE varchar(50);\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["--database-url", db.url.as_str()];
        args.extend_from_slice(extra);
        args.push(file.as_str());
        lint_json(&args, None)
    };
    let (code, doc, stderr) = run(&[]);
    assert_eq!(code, 0, "{doc}\n{stderr}");
    let found: Vec<(String, String, String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap().to_string();
            (
                text("rule"),
                text("severity"),
                text("message"),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |line: u64| {
        found
            .iter()
            .find(|f| f.3 == line)
            .unwrap_or_else(|| panic!("nothing on line {line}: {found:#?}"))
    };
    // The large table: a warning naming its size.
    let events = at(2);
    assert_eq!(
        (events.0.as_str(), events.1.as_str()),
        ("add-column-with-volatile-default", "warning")
    );
    assert!(
        events.2.contains("(public.events: ~30k rows, "),
        "{}",
        events.2
    );
    // The small one: info, saying why.
    let settings = at(3);
    assert_eq!(settings.1, "info", "{}", settings.2);
    assert!(
        settings.2.contains("~2 rows") && settings.2.contains("below --small-table-rows 10000"),
        "{}",
        settings.2
    );
    // A table the database does not have: new.
    let audit = at(4);
    assert_eq!(audit.1, "info");
    assert!(audit.2.contains("no such table yet"), "{}", audit.2);
    // varchar(50) -> varchar(100): no rewrite, no finding; text -> varchar(50): a scan.
    assert!(found.iter().all(|f| f.3 != 5), "{found:#?}");
    let payload = at(6);
    assert!(
        payload.2.contains("from text to varchar(50) scans"),
        "{}",
        payload.2
    );

    // A lower threshold makes the small table's finding a warning again... and nothing was written.
    let severity_on_line_3 = |doc: &Value| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["line"] == 3)
            .map(|f| f["severity"].clone())
    };
    let (_, doc, _) = run(&["--small-table-rows", "1"]);
    assert_eq!(
        severity_on_line_3(&doc),
        Some(Value::from("warning")),
        "{doc}"
    );
    // The same from the configuration file's `[lint] small-table-rows`.
    write(
        dir.path(),
        "driftlint.toml",
        "[lint]\nsmall-table-rows = 1\n",
    );
    let output = driftlint()
        .current_dir(dir.path())
        .args([
            "lint",
            "--format",
            "json",
            "--database-url",
            &db.url,
            "020_changes.sql",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        severity_on_line_3(&doc),
        Some(Value::from("warning")),
        "{doc}"
    );
    assert_eq!(
        db.query_one_i64(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'token'"
        ),
        0
    );

    // A database that cannot be reached is a usage error (exit 2), with no password shown.
    let (code, _, stderr) = lint_json(
        &["--database-url", "postgres://u:secret@127.0.0.1:1/x", &file],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
}
