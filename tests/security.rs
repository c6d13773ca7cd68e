//! What driftlint may do to the databases it is pointed at: `check`, `repair` and `pull` read
//! the catalog and never run code of the target database, whatever schema.yaml says.

use crate::util::{driftlint, fresh_db, TestDb};

/// A function that lies about its volatility: marked `IMMUTABLE`, it advances a sequence and
/// writes a log row (through a `VOLATILE` function, as PL/pgSQL refuses writes in an immutable
/// one). PostgreSQL folds calls to it with constant arguments whenever it plans an expression.
const LYING_FUNCTION: &str = "
    CREATE SEQUENCE calls;
    CREATE TABLE call_log (n bigint);
    CREATE FUNCTION log_call() RETURNS void LANGUAGE plpgsql VOLATILE AS
        $$ BEGIN INSERT INTO call_log VALUES (nextval('calls')); END $$;
    CREATE FUNCTION noisy(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN PERFORM log_call(); RETURN x; END $$;
    CREATE TABLE items (
        id int PRIMARY KEY,
        n int DEFAULT noisy(1),
        m int,
        CONSTRAINT ck_items_m CHECK (noisy(m) > 0)
    );
    CREATE INDEX ix_items_noisy ON items (noisy(m)) WHERE noisy(2) > 0;";

/// The same objects as [`LYING_FUNCTION`], written differently enough from PostgreSQL's own
/// text that the comparison would ask PostgreSQL for its canonical form.
const LYING_DECLARED: &str = "version: 1
ignore: [call_log]
tables:
  items:
    columns:
      id: { type: integer, primary_key: true }
      n: { type: integer, default: 'noisy( 1 )' }
      m: { type: integer }
    indexes:
      - { name: ix_items_noisy, expression: 'noisy( m )', where: 'noisy( 2 )>0' }
    checks:
      - { name: ck_items_m, expression: 'noisy( m )>0' }
";

/// The database with [`LYING_FUNCTION`], its sequence and log reset after the setup (creating
/// the index ran the function).
fn lying_db() -> TestDb {
    let db = fresh_db();
    db.exec(LYING_FUNCTION);
    db.exec("TRUNCATE call_log; ALTER SEQUENCE calls RESTART");
    db
}

/// Asserts that the lying function never ran.
fn assert_never_called(db: &TestDb, after: &str) {
    assert_eq!(
        db.query_one_i64("SELECT count(*) FROM call_log"),
        0,
        "the log table has rows after {after}"
    );
    assert_eq!(
        db.query_one_i64("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM calls"),
        0,
        "the sequence advanced after {after}"
    );
}

/// Runs `driftlint COMMAND --database-url .. --schema <yaml> ARGS` with `yaml` written to a
/// temporary schema.yaml: exit code, stdout, and stdout and stderr together.
fn run_with_schema(
    db: &TestDb,
    command: &str,
    yaml: &str,
    args: &[&str],
) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.yaml");
    std::fs::write(&schema, yaml).unwrap();
    let output = driftlint()
        .args([command, "--database-url", &db.url])
        .args(args)
        .arg("--schema")
        .arg(&schema)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    (output.status.code(), stdout, all)
}

/// Canonicalizing a declared default, index expression or predicate on the target database made
/// PostgreSQL fold the lying `IMMUTABLE` function: it ran on the database being checked, and its
/// effects (a sequence advanced, through dblink anything) survived the rollback.
#[test]
fn check_and_repair_never_run_a_function_of_the_target_database() {
    let db = lying_db();
    let (code, stdout, all) = run_with_schema(&db, "check", LYING_DECLARED, &["--format", "json"]);
    assert_never_called(&db, "check");
    // No false drift: what is not canonicalized is compared as normalized text.
    assert_eq!(code, Some(0), "{all}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["drift"], 0, "{stdout}");

    let (code, _, all) = run_with_schema(&db, "repair", LYING_DECLARED, &["--output", "-"]);
    assert_never_called(&db, "repair");
    assert_eq!(code, Some(0), "{all}");

    // The human report says why those expressions were compared as text.
    let (_, _, all) = run_with_schema(&db, "check", LYING_DECLARED, &[]);
    assert_never_called(&db, "a second check");
    assert!(all.contains("noisy(integer)"), "{all}");
}

/// A declared expression that is not one expression (it closes the parenthesis it is put in,
/// or ends the statement) could run anything in the DDL that canonicalizes it.
#[test]
fn declared_expressions_that_escape_their_parentheses_are_never_sent() {
    let db = lying_db();
    for default in [
        "1) AS int), (noisy(3)), CAST((1",
        "1; SELECT noisy(4)",
        "1 /* x */ + noisy(5)",
    ] {
        let yaml = format!(
            "version: 1\ntables:\n  items:\n    columns:\n      id: {{ type: integer, primary_key: true }}\n      n: {{ type: integer, default: {} }}\n      m: {{ type: integer }}\n",
            serde_json::to_string(default).unwrap()
        );
        let (code, _, all) = run_with_schema(&db, "check", &yaml, &[]);
        assert_never_called(&db, default);
        assert!(code.is_some(), "{all}");
    }
}

/// Any DDL fires event triggers, even on a temporary table: on a database with one, nothing is
/// canonicalized (the trigger's function would run), and the report says why.
#[test]
fn event_triggers_keep_every_declared_expression_as_text() {
    let db = lying_db();
    db.exec(
        "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
             $$ BEGIN PERFORM log_call(); END $$;
         CREATE EVENT TRIGGER watch_ddl ON ddl_command_start EXECUTE FUNCTION on_ddl();
         CREATE TABLE plain (id int PRIMARY KEY, label varchar(20) DEFAULT 'x');
         ALTER EVENT TRIGGER watch_ddl DISABLE;
         TRUNCATE call_log; ALTER SEQUENCE calls RESTART;
         ALTER EVENT TRIGGER watch_ddl ENABLE",
    );
    let yaml = "version: 1\ntables:\n  plain:\n    columns:\n      id: { type: integer, primary_key: true }\n      label: { type: varchar(20), default: \"'x'\" }\n";
    let (code, _, all) = run_with_schema(&db, "check", yaml, &[]);
    assert_never_called(&db, "check on a database with an event trigger");
    assert!(all.contains("event triggers"), "{all}");
    assert_eq!(code, Some(0), "{all}");
}

/// A domain whose check calls the lying function: a default of a column of that domain would
/// run the check when applied, so it is compared as text.
#[test]
fn a_domain_check_calling_a_user_function_is_never_run() {
    let db = lying_db();
    db.exec(
        "CREATE DOMAIN positive AS int CHECK (noisy(VALUE) > 0);
         CREATE TABLE counts (id int PRIMARY KEY, n positive DEFAULT 1);
         TRUNCATE call_log; ALTER SEQUENCE calls RESTART",
    );
    let yaml = "version: 1\ntables:\n  counts:\n    columns:\n      id: { type: integer, primary_key: true }\n      n: { type: positive, default: '( 1 )' }\n";
    let (_, _, all) = run_with_schema(&db, "check", yaml, &[]);
    assert_never_called(&db, "check of a domain-typed default");
    assert!(all.contains("the check of positive"), "{all}");
}
