//! Integration tests: repair.
//!
//! Each scenario builds a database with drift against a `schema.yaml`, runs
//! `driftlint repair --format sql`, applies the file with `psql -v ON_ERROR_STOP=1 -f`, checks that
//! the drift is gone, applies it a second time and checks that nothing failed and the catalog did
//! not change.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{driftlint, fresh_db, TestDb};

/// psql from the scratch cluster's binaries (the server package ships it), else from PATH.
fn psql_binary() -> PathBuf {
    let bundled = crate::util::cluster().bindir().join("psql");
    if bundled.is_file() {
        bundled
    } else {
        PathBuf::from("psql")
    }
}

struct Case {
    db: TestDb,
    dir: tempfile::TempDir,
    schema: PathBuf,
}

impl Case {
    fn new(setup: &str, yaml: &str) -> Case {
        let db = fresh_db();
        if !setup.trim().is_empty() {
            db.exec(setup);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let schema = dir.path().join("schema.yaml");
        std::fs::write(&schema, yaml).expect("write schema.yaml");
        Case { db, dir, schema }
    }

    /// `driftlint repair` with `args`; returns (exit code, stdout, stderr).
    fn repair(&self, args: &[&str]) -> (i32, String, String) {
        let output = driftlint()
            .arg("repair")
            .arg("--schema")
            .arg(&self.schema)
            .arg("--database-url")
            .arg(&self.db.url)
            .args(args)
            .output()
            .expect("run driftlint repair");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// The SQL repair; the run must report drift (exit 1) and print the file.
    fn repair_sql(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.repair(args);
        assert_eq!(code, 1, "repair exits 1 when it wrote a repair\n{stderr}");
        assert!(stdout.contains("SET lock_timeout"), "{stdout}\n{stderr}");
        stdout
    }

    /// Applies SQL with psql exactly as a user would.
    fn psql(&self, sql: &str) -> Result<String, String> {
        let file = self.dir.path().join("apply.sql");
        std::fs::write(&file, sql).expect("write apply.sql");
        psql_file(&self.db.url, &file)
    }

    /// The drift `check` still reports, as `kind table.object` lines.
    fn drift(&self) -> Vec<String> {
        drift_lines(&self.schema, &self.db.url)
    }

    /// The catalog as introspection reads it (row estimates left out: builds update them).
    fn snapshot(&self) -> driftlint::model::Schema {
        let mut client = self.db.client();
        let schemas = driftlint::introspect::user_schemas(&mut client).expect("schemas");
        let (mut schema, _) = driftlint::introspect::read(&mut client, &schemas).expect("read");
        for table in schema.tables.values_mut() {
            table.row_estimate = None;
        }
        schema
    }

    /// Repair, apply, check, apply again, compare: the whole proof for one scenario.
    /// `expected` lists drift (line prefixes) the scenario must start with; `remaining` the drift
    /// that is expected to stay (held back on purpose).
    fn round_trip(&self, expected: &[&str], remaining: &[&str]) -> String {
        self.round_trip_with(&[], expected, remaining)
    }

    /// [`Case::round_trip`] with extra `repair` flags.
    fn round_trip_with(&self, args: &[&str], expected: &[&str], remaining: &[&str]) -> String {
        let before = self.drift();
        for line in expected {
            assert!(
                before.iter().any(|d| d.starts_with(line)),
                "the scenario must start with {line}: {before:#?}"
            );
        }
        let sql = self.repair_sql(args);
        if let Err(error) = self.psql(&sql) {
            panic!("first apply failed:\n{error}\n--- file ---\n{sql}");
        }
        let after = self.drift();
        let unexpected: Vec<&String> = after
            .iter()
            .filter(|d| !remaining.iter().any(|r| d.starts_with(r)))
            .collect();
        assert!(
            unexpected.is_empty(),
            "drift left after the repair: {unexpected:#?}\n(before: {before:#?})\n--- file ---\n{sql}"
        );
        let snapshot = self.snapshot();
        if let Err(error) = self.psql(&sql) {
            panic!("second apply failed:\n{error}\n--- file ---\n{sql}");
        }
        assert_eq!(
            snapshot,
            self.snapshot(),
            "the second apply changed the catalog\n--- file ---\n{sql}"
        );
        assert_eq!(self.drift(), after, "the second apply changed the drift");
        sql
    }
}

fn psql_file(url: &str, file: &Path) -> Result<String, String> {
    let output = Command::new(psql_binary())
        .arg("-X")
        .arg("-q")
        .arg("-v")
        .arg("ON_ERROR_STOP=1")
        .arg("-d")
        .arg(url)
        .arg("-f")
        .arg(file)
        .output()
        .expect("run psql");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// `driftlint check --format json`, as `kind schema.table[.object]` lines.
fn drift_lines(schema: &Path, url: &str) -> Vec<String> {
    let output = driftlint()
        .arg("check")
        .arg("--schema")
        .arg(schema)
        .arg("--database-url")
        .arg(url)
        .arg("--format")
        .arg("json")
        .output()
        .expect("run driftlint check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut lines: Vec<String> = json["drift"]
        .as_array()
        .expect("a drift array")
        .iter()
        .map(|d| {
            let mut line = format!(
                "{} {}.{}",
                d["kind"].as_str().unwrap_or("?"),
                d["schema"].as_str().unwrap_or("?"),
                d["table"].as_str().unwrap_or("?")
            );
            if let Some(object) = d["object"].as_str() {
                line.push('.');
                line.push_str(object);
            }
            line
        })
        .collect();
    lines.sort();
    lines
}

// ---------------------------------------------------------------------------------------------
// scenarios

const PROSPECTS_SETUP: &str = r#"
CREATE TABLE discovery_queries (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), keyword text NOT NULL);
CREATE TABLE prospects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    domain varchar(255) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO discovery_queries (keyword) SELECT 'k' || g FROM generate_series(1, 20) g;
INSERT INTO prospects (domain) SELECT 'd' || g || '.com' FROM generate_series(1, 500) g;
"#;

const PROSPECTS_YAML: &str = r#"
version: 1
tables:
  discovery_queries:
    columns:
      id:      { type: uuid, primary_key: true, default: gen_random_uuid() }
      keyword: { type: text, nullable: false }
  prospects:
    columns:
      id:                 { type: uuid, primary_key: true, default: gen_random_uuid() }
      domain:             { type: varchar(255), nullable: false, unique: true }
      discovery_query_id: { type: uuid }
      created_at:         { type: timestamptz, nullable: false, default: now() }
    indexes:
      - { name: ix_prospects_discovery_query_id, columns: [discovery_query_id] }
    foreign_keys:
      - { name: fk_prospects_discovery_query_id, columns: [discovery_query_id],
          references: { table: discovery_queries, columns: [id] }, on_delete: set null }
"#;

#[test]
fn prospects_missing_column_foreign_key_and_index_are_repaired_twice() {
    let case = Case::new(PROSPECTS_SETUP, PROSPECTS_YAML);
    let original = case.snapshot();
    let before = case.drift();
    for kind in ["missing_column", "missing_foreign_key", "missing_index"] {
        assert!(
            before.iter().any(|d| d.starts_with(kind)),
            "{kind} in {before:#?}"
        );
    }
    let sql = case.round_trip(
        &[
            "missing_column public.prospects.discovery_query_id",
            "missing_foreign_key public.prospects.fk_prospects_discovery_query_id",
            "missing_index public.prospects.ix_prospects_discovery_query_id",
        ],
        &[],
    );
    assert!(sql.contains("ADD COLUMN IF NOT EXISTS discovery_query_id uuid;"));
    assert!(sql.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_prospects_discovery_query_id"));
    // The rows are still there, and the key is enforced.
    assert_eq!(case.db.query_one_i64("SELECT count(*) FROM prospects"), 500);
    let bad = case.psql(
        "INSERT INTO prospects (domain, discovery_query_id) VALUES ('x.com', gen_random_uuid());",
    );
    assert!(
        bad.is_err_and(|e| e.contains("fk_prospects_discovery_query_id")),
        "the foreign key is enforced"
    );
    // The commented down section, uncommented, gives back the catalog as it was.
    assert!(
        sql.contains("-- ALTER TABLE public.prospects DROP COLUMN IF EXISTS discovery_query_id;")
    );
    assert_down_restores(&case, &sql, &original);
}

/// Applies the down section of `sql` and checks that the catalog is `original` again.
fn assert_down_restores(case: &Case, sql: &str, original: &driftlint::model::Schema) {
    let down = uncommented_down(sql);
    case.psql(&down)
        .unwrap_or_else(|e| panic!("the down section fails: {e}\n{down}"));
    assert_eq!(
        &case.snapshot(),
        original,
        "the down section undoes the repair\n{down}"
    );
}

/// The `-- down:` section of a repair file with its statements uncommented.
fn uncommented_down(sql: &str) -> String {
    let start = sql.find("-- down:").expect("a down section");
    sql[start..]
        .lines()
        .skip(2) // the title and the closing rule of the banner
        .map(|line| {
            if line.starts_with("-- undo:") || line.starts_with("-- (outside") {
                line.to_string()
            } else {
                line.strip_prefix("-- ").unwrap_or(line).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const HOSTILE_TABLES_SETUP: &str = "CREATE SCHEMA billing;";

const HOSTILE_TABLES_YAML: &str = r#"
version: 1
enums:
  outreach_status: [pending, contacted, replied]
tables:
  accounts:
    columns:
      id:     { type: bigint, primary_key: true, identity: by_default }
      status: { type: outreach_status, nullable: false, default: "'pending'" }
      parent: { type: bigint, references: accounts.id }
    checks:
      - { expression: "id > 0" }
  "Order":
    columns:
      id:      { type: bigint, primary_key: true, identity: always }
      user:    { type: text, nullable: false }
      "a b":   { type: integer, default: 0 }
      account: { type: bigint, nullable: false, references: accounts.id, on_delete: cascade }
    unique:
      - { name: 'uq "order" user', columns: [user, "a b"] }
    indexes:
      - { columns: ["a b"] }
      - { name: "it's lower", expression: lower("user"), where: "\"a b\" > 0" }
  billing.invoices:
    columns:
      id:    { type: bigint, primary_key: true }
      order: { type: bigint, references: '"Order".id' }
      total: { type: "numeric(12,2)", nullable: false, default: 0 }
"#;

#[test]
fn missing_tables_with_enums_keys_and_hostile_names_are_created() {
    let case = Case::new(HOSTILE_TABLES_SETUP, HOSTILE_TABLES_YAML);
    let original = case.snapshot();
    let sql = case.round_trip(
        &[
            "missing_enum public.outreach_status",
            "missing_table billing.invoices",
            "missing_table public.Order",
            "missing_table public.accounts",
        ],
        &[],
    );
    assert!(
        sql.contains("CREATE TABLE IF NOT EXISTS public.\"Order\""),
        "{sql}"
    );
    assert!(
        sql.contains("CREATE TYPE public.outreach_status AS ENUM"),
        "{sql}"
    );
    assert_down_restores(&case, &sql, &original);
}

const ENUM_VALUES_SETUP: &str = r#"
CREATE TYPE mood AS ENUM ('ok', 'bad');
CREATE TABLE feelings (id int PRIMARY KEY, m mood);
"#;

const ENUM_VALUES_YAML: &str = r#"
version: 1
enums:
  mood: [great, ok, "it's meh", bad]
  color: [red, green]
tables:
  feelings:
    columns:
      id: { type: integer, primary_key: true }
      m:  { type: mood, default: "'great'" }
      c:  { type: color }
"#;

#[test]
fn missing_enum_values_are_added_in_their_declared_place() {
    let case = Case::new(ENUM_VALUES_SETUP, ENUM_VALUES_YAML);
    case.round_trip(
        &[
            "missing_enum public.color",
            "missing_enum_value public.mood.great",
            "missing_enum_value public.mood.it's meh",
            "missing_column public.feelings.c",
        ],
        &[],
    );
    let order: String = case
        .db
        .client()
        .query_one(
            "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'mood'::regtype",
            &[],
        )
        .expect("labels")
        .get(0);
    assert_eq!(order, "great,ok,it's meh,bad");
}

const NOT_NULL_SETUP: &str = r#"
CREATE TABLE busy (id int PRIMARY KEY);
INSERT INTO busy SELECT generate_series(1, 100);
CREATE TABLE empty (id int PRIMARY KEY);
ANALYZE busy; ANALYZE empty;
"#;

const NOT_NULL_YAML: &str = r#"
version: 1
tables:
  busy:
    columns:
      id:       { type: integer, primary_key: true }
      plan:     { type: text, nullable: false, default: "'free'" }
      required: { type: text, nullable: false }
  empty:
    columns:
      id:       { type: integer, primary_key: true }
      required: { type: text, nullable: false }
"#;

#[test]
fn columns_not_null_with_and_without_rows() {
    let case = Case::new(NOT_NULL_SETUP, NOT_NULL_YAML);
    // busy.required cannot be NOT NULL before a backfill: it stays nullable, held back.
    let sql = case.round_trip(
        &[
            "missing_column public.busy.plan",
            "missing_column public.busy.required",
            "missing_column public.empty.required",
        ],
        &["column_nullability_mismatch public.busy.required"],
    );
    assert!(
        sql.contains("ADD COLUMN IF NOT EXISTS plan text DEFAULT 'free' NOT NULL;"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE public.busy ADD COLUMN IF NOT EXISTS required text;"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE public.empty ADD COLUMN IF NOT EXISTS required text NOT NULL;"),
        "{sql}"
    );
    assert!(sql.contains("-- not applied: backfill first"), "{sql}");
    assert_eq!(
        case.drift(),
        vec!["column_nullability_mismatch public.busy.required".to_string()]
    );
    // After the backfill, the next repair finishes the job with the safe sequence.
    case.db.exec("UPDATE busy SET required = 'x';");
    let sql = case.round_trip(&["column_nullability_mismatch public.busy.required"], &[]);
    assert!(
        sql.contains("CHECK (required IS NOT NULL) NOT VALID"),
        "{sql}"
    );
}

const CONSTRAINTS_SETUP: &str = r#"
CREATE TABLE users (id bigint, email text NOT NULL, age int);
INSERT INTO users SELECT g, 'u' || g || '@x', 20 FROM generate_series(1, 200) g;
CREATE TABLE sessions (id bigint PRIMARY KEY, user_email text);
INSERT INTO sessions VALUES (1, 'u1@x');
"#;

const CONSTRAINTS_YAML: &str = r#"
version: 1
tables:
  users:
    columns:
      id:    { type: bigint, primary_key: true }
      email: { type: text, nullable: false }
      age:   { type: integer }
    unique:
      - { columns: [email] }
    checks:
      - { name: ck_age, expression: "age >= 0" }
      - { expression: "email <> ''" }
  sessions:
    columns:
      id:         { type: bigint, primary_key: true }
      user_email: { type: text, references: users.email }
"#;

#[test]
fn constraints_unique_primary_key_and_checks_are_added_without_long_locks() {
    let case = Case::new(CONSTRAINTS_SETUP, CONSTRAINTS_YAML);
    let original = case.snapshot();
    let sql = case.round_trip(
        &[
            "missing_primary_key public.users",
            "missing_unique public.users",
            "missing_check public.users.ck_age",
            "missing_check public.users",
            "missing_foreign_key public.sessions",
        ],
        &[],
    );
    assert!(sql.contains("PRIMARY KEY USING INDEX users_pkey"), "{sql}");
    assert!(sql.contains("UNIQUE USING INDEX users_email_key"), "{sql}");
    assert_down_restores(&case, &sql, &original);
}

const MISMATCHES_SETUP: &str = r#"
CREATE TABLE items (id int PRIMARY KEY, name text, note text NOT NULL, price int DEFAULT 1, qty int);
INSERT INTO items VALUES (1, 'a', 'n', 2, 3);
"#;

const MISMATCHES_YAML: &str = r#"
version: 1
tables:
  items:
    columns:
      id:    { type: integer, primary_key: true }
      name:  { type: text, nullable: false }
      note:  { type: text }
      price: { type: integer, default: 5 }
      qty:   { type: bigint, default: 0 }
"#;

#[test]
fn default_and_nullability_mismatches_are_repaired_type_mismatch_is_held_back() {
    let case = Case::new(MISMATCHES_SETUP, MISMATCHES_YAML);
    let sql = case.round_trip(
        &[
            "column_default_mismatch public.items.price",
            "column_default_mismatch public.items.qty",
            "column_nullability_mismatch public.items.name",
            "column_nullability_mismatch public.items.note",
            "column_type_mismatch public.items.qty",
        ],
        &["column_type_mismatch public.items.qty"],
    );
    assert!(sql.contains("-- NOT APPLIED"), "{sql}");
    assert!(sql.contains("TYPE bigint USING qty::bigint"), "{sql}");
    // --destructive runs the type change, guarded so the second run does nothing.
    let (code, destructive, stderr) = case.repair(&["--destructive"]);
    assert_eq!(code, 1, "{stderr}");
    case.psql(&destructive).expect("destructive repair applies");
    case.psql(&destructive)
        .expect("destructive repair applies twice");
    assert!(case.drift().is_empty(), "{:#?}", case.drift());
}

const QUOTED_NAMES_SETUP: &str = r#"
CREATE SCHEMA "my schema";
CREATE TABLE "my schema"."a""b" (id int PRIMARY KEY, "we're" text);
INSERT INTO "my schema"."a""b" VALUES (1, 'x');
CREATE TABLE "my schema"."Order" (id int PRIMARY KEY);
"#;

const QUOTED_NAMES_YAML: &str = r#"
version: 1
tables:
  '"my schema"."a""b"':
    columns:
      id:      { type: integer, primary_key: true }
      "we're": { type: text, default: "'it''s'" }
      "c d":   { type: integer }
      user:    { type: text }
    indexes:
      - { name: 'ix "q" we''re', columns: ["we're"] }
      - { columns: ["c d", user] }
    checks:
      - { name: "ck it's", expression: "\"c d\" > 0" }
  '"my schema"."Order"':
    columns:
      id:   { type: integer, primary_key: true }
      ab:   { type: integer, references: '"my schema"."a""b".id' }
"#;

#[test]
fn second_schema_and_quoted_names_are_repaired() {
    let case = Case::new(QUOTED_NAMES_SETUP, QUOTED_NAMES_YAML);
    case.round_trip(
        &[
            "column_default_mismatch my schema.a\"b.we're",
            "missing_check my schema.a\"b.ck it's",
            "missing_column my schema.Order.ab",
            "missing_column my schema.a\"b.c d",
            "missing_column my schema.a\"b.user",
            "missing_foreign_key my schema.Order",
            "missing_index my schema.a\"b.ix \"q\" we're",
        ],
        &[],
    );
}

const INVALID_INDEX_SETUP: &str = r#"
CREATE TABLE t (id int PRIMARY KEY, code text);
INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'b');
"#;

const INVALID_INDEX_YAML: &str = r#"
version: 1
tables:
  t:
    columns:
      id:   { type: integer, primary_key: true }
      code: { type: text }
    indexes:
      - { name: ux_t_code, columns: [code], unique: true }
"#;

#[test]
fn an_invalid_index_left_by_a_failed_concurrent_build_is_rebuilt() {
    let case = Case::new(INVALID_INDEX_SETUP, INVALID_INDEX_YAML);
    // A concurrent unique build on duplicates fails and leaves an INVALID index behind.
    let failed = case.psql("CREATE UNIQUE INDEX CONCURRENTLY ux_t_code ON t (code);");
    assert!(failed.is_err(), "the build must fail on duplicates");
    let invalid =
        "SELECT count(*) FROM pg_index WHERE indexrelid = 'ux_t_code'::regclass AND NOT indisvalid";
    assert_eq!(case.db.query_one_i64(invalid), 1);
    case.db.exec("DELETE FROM t WHERE id = 2;");
    case.round_trip(&["index_mismatch public.t.ux_t_code"], &[]);
    assert_eq!(case.db.query_one_i64(invalid), 0, "the index is valid now");
    let bad = case.psql("INSERT INTO t VALUES (9, 'a');");
    assert!(bad.is_err(), "the rebuilt unique index is enforced");
}

#[test]
fn alembic_revision_compiles_and_follows_the_head() {
    let case = Case::new(PROSPECTS_SETUP, PROSPECTS_YAML);
    let versions = case.dir.path().join("alembic").join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        versions.join("4b9608290b5d_settings.py"),
        "revision = \"4b9608290b5d\"\ndown_revision = None\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("556b79de2825_safe.py"),
        "revision: str = '556b79de2825'\ndown_revision: Union[str, None] = '4b9608290b5d'\n",
    )
    .unwrap();
    let alembic_dir = case.dir.path().join("alembic");
    let (code, _, stderr) = case.repair(&[
        "--format",
        "alembic",
        "--alembic-dir",
        alembic_dir.to_str().unwrap(),
        "--out-dir",
        versions.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let written: Vec<PathBuf> = std::fs::read_dir(&versions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("_repair_prospects.py"))
        })
        .collect();
    assert_eq!(written.len(), 1, "{stderr}");
    let text = std::fs::read_to_string(&written[0]).unwrap();
    let name = written[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let revision = &name[..12];
    assert!(revision.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    assert!(
        text.contains(&format!("revision = \"{revision}\"")),
        "{text}"
    );
    assert!(text.contains("down_revision = \"556b79de2825\""), "{text}");
    assert!(
        text.contains("with op.get_context().autocommit_block():"),
        "{text}"
    );
    let compiled = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&written[0])
        .output()
        .expect("python3");
    assert!(
        compiled.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&compiled.stderr)
    );
}

#[test]
fn alembic_down_revision_comes_from_the_alembic_version_table() {
    let setup = format!(
        "{PROSPECTS_SETUP}\nCREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);\nINSERT INTO alembic_version VALUES ('abc123def456');"
    );
    let yaml = format!("{PROSPECTS_YAML}\nignore: [alembic_version]\n");
    let case = Case::new(&setup, &yaml);
    let (code, text, stderr) = case.repair(&["--format", "alembic"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(text.contains("down_revision = \"abc123def456\""), "{text}");
    let file = case.dir.path().join("revision.py");
    std::fs::write(&file, &text).unwrap();
    let compiled = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&file)
        .output()
        .expect("python3");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
}

#[test]
fn out_dir_gets_the_next_numbered_file() {
    let case = Case::new(PROSPECTS_SETUP, PROSPECTS_YAML);
    let migrations = case.dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("009_deals.sql"), "").unwrap();
    std::fs::write(migrations.join("010_halt_monitoring.sql"), "").unwrap();
    let (code, stdout, stderr) = case.repair(&["--out-dir", migrations.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.is_empty(),
        "the file goes to the directory, not stdout"
    );
    let file = migrations.join("011_repair_prospects.sql");
    let sql = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{stderr}"));
    psql_file(&case.db.url, &file).expect("the written file applies");
    assert!(sql.contains("-- down:"));
    assert!(case.drift().is_empty());
}

#[test]
fn no_drift_writes_nothing_and_exits_zero() {
    let case = Case::new(PROSPECTS_SETUP, PROSPECTS_YAML);
    let sql = case.repair_sql(&[]);
    case.psql(&sql).expect("applies");
    let output = case.dir.path().join("none.sql");
    let (code, stdout, stderr) = case.repair(&["--output", output.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("No drift"), "{stderr}");
    assert!(!output.exists(), "nothing is written");
}

const EXTRAS_SETUP: &str = r#"
CREATE TABLE t (id int PRIMARY KEY, legacy text, CONSTRAINT ck_legacy CHECK (legacy <> ''));
CREATE INDEX ix_t_legacy ON t (legacy);
"#;

const EXTRAS_YAML: &str = r#"
version: 1
tables:
  t:
    columns:
      id: { type: integer, primary_key: true }
"#;

#[test]
fn extra_objects_are_dropped_only_with_destructive() {
    let case = Case::new(EXTRAS_SETUP, EXTRAS_YAML);
    let (code, _, stderr) = case.repair(&[]);
    assert_eq!(
        code, 0,
        "extra objects alone are not repaired without --destructive\n{stderr}"
    );
    let (code, sql, stderr) = case.repair(&["--destructive"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(sql.contains("data loss"), "{sql}");
    case.psql(&sql).expect("applies");
    case.psql(&sql).expect("applies twice");
    assert_eq!(
        case.db.query_one_i64("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'legacy'"),
        0
    );
}

#[test]
fn a_bad_lock_timeout_is_a_usage_error() {
    let case = Case::new("", "version: 1\ntables: {}\n");
    let (code, _, stderr) = case.repair(&["--lock-timeout", "5 seconds; DROP"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("lock_timeout"), "{stderr}");
}

const REPLACEMENTS_SETUP: &str = r#"
CREATE TYPE mood AS ENUM ('ok', 'bad', 'legacy');
CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL);
INSERT INTO parents VALUES (1, 'a'), (2, 'b');
CREATE TABLE children (
    id int CONSTRAINT children_pkey PRIMARY KEY,
    tenant int NOT NULL DEFAULT 1,
    parent_id int CONSTRAINT fk_children_parent REFERENCES parents (id) ON DELETE CASCADE,
    name text,
    m mood,
    CONSTRAINT uq_children_name UNIQUE (name)
);
INSERT INTO children VALUES (1, 1, 1, 'x', 'ok'), (2, 1, 2, 'y', 'bad');
CREATE INDEX ix_children_name ON children (name);
CREATE TABLE leftovers (id int);
"#;

const REPLACEMENTS_YAML: &str = r#"
version: 1
enums:
  mood: [ok, bad]
tables:
  parents:
    columns:
      id:   { type: integer, primary_key: true }
      code: { type: text, nullable: false }
  children:
    columns:
      id:        { type: integer, nullable: false }
      tenant:    { type: integer, nullable: false, default: 1 }
      parent_id: { type: integer }
      name:      { type: text }
      m:         { type: mood }
    primary_key: { name: children_pkey, columns: [tenant, id] }
    foreign_keys:
      - { name: fk_children_parent, columns: [parent_id], references: { table: parents, columns: [id] }, on_delete: set null }
    indexes:
      - { name: ix_children_name, columns: [name, id] }
"#;

#[test]
fn destructive_replaces_mismatched_keys_and_indexes_and_drops_extras() {
    let case = Case::new(REPLACEMENTS_SETUP, REPLACEMENTS_YAML);
    let (code, safe, stderr) = case.repair(&[]);
    assert_eq!(
        code, 1,
        "mismatches are drift: the file is written\n{stderr}"
    );
    assert!(stderr.contains("written as comments only"), "{stderr}");
    // Without --destructive the replacements and drops are comments only.
    let not_applied = safe.find("-- NOT APPLIED").expect(&safe);
    for needle in [
        "DROP TABLE IF EXISTS public.leftovers",
        "DROP CONSTRAINT IF EXISTS uq_children_name",
        "DROP CONSTRAINT IF EXISTS children_pkey",
    ] {
        let at = safe
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in\n{safe}"));
        assert!(at > not_applied, "{needle} is held back");
    }
    // A foreign key with other actions is replaced at once: dropped and re-added NOT VALID in
    // the same transaction, so no row goes unchecked.
    let replaced = safe
        .find("DROP CONSTRAINT IF EXISTS fk_children_parent")
        .expect("the foreign key is replaced");
    assert!(replaced < not_applied, "{safe}");
    let sql = case.round_trip_with(
        &["--destructive"],
        &[
            "foreign_key_mismatch public.children.fk_children_parent",
            "index_mismatch public.children.ix_children_name",
            "primary_key_mismatch public.children",
            "extra_table public.leftovers",
            "extra_unique public.children.uq_children_name",
            "extra_enum_value public.mood.legacy",
        ],
        &["extra_enum_value public.mood.legacy"],
    );
    assert!(
        sql.contains("PostgreSQL cannot drop an enum value"),
        "{sql}"
    );
    assert_eq!(case.db.query_one_i64("SELECT count(*) FROM children"), 2);
}

/// Every drift fixture of `check` (fixtures/drift/<scenario>/database.sql + schema.yaml): the
/// repair applies twice without error and without changing the catalog the second time, and
/// leaves only what it holds back on purpose; with `--destructive`, only what PostgreSQL cannot
/// do (drop an enum value, reorder enum labels).
#[test]
fn every_drift_fixture_is_repaired_and_reapplied() {
    let fixtures = crate::util::drift_fixtures();
    assert!(fixtures.len() >= 5, "the drift fixtures are there");
    let held_back = [
        "extra_",
        "column_type_mismatch",
        "primary_key_mismatch",
        "index_mismatch",
        "enum_mismatch",
        // A constraint of the declared name with another definition is replaced only with
        // --destructive.
        "missing_exclusion public.reservations.no_overlap",
    ];
    let impossible = ["extra_enum_value", "enum_mismatch"];
    let mut repaired = 0;
    for fixture in &fixtures {
        let dir = &fixture.dir;
        for destructive in [false, true] {
            let yaml = std::fs::read_to_string(&fixture.schema).expect("schema.yaml");
            let case = Case::new(&fixture.database_sql, &yaml);
            let args: &[&str] = if destructive { &["--destructive"] } else { &[] };
            let (code, sql, stderr) = case.repair(args);
            let scenario = format!("{} (destructive: {destructive})", dir.display());
            assert!(code == 0 || code == 1, "{scenario}: {stderr}");
            if code == 0 {
                assert!(sql.is_empty(), "{scenario}: nothing written on exit 0");
                continue;
            }
            repaired += 1;
            if let Err(error) = case.psql(&sql) {
                panic!("{scenario}: first apply failed:\n{error}\n{sql}");
            }
            let snapshot = case.snapshot();
            if let Err(error) = case.psql(&sql) {
                panic!("{scenario}: second apply failed:\n{error}\n{sql}");
            }
            assert_eq!(
                snapshot,
                case.snapshot(),
                "{scenario}: second apply changed the catalog"
            );
            let left: Vec<String> = case
                .drift()
                .into_iter()
                .filter(|d| {
                    if destructive {
                        !impossible.iter().any(|h| d.starts_with(h))
                    } else {
                        !held_back.iter().any(|h| d.starts_with(h))
                    }
                })
                .collect();
            assert!(left.is_empty(), "{scenario}: drift left {left:#?}\n{sql}");
        }
    }
    assert!(repaired >= 5, "the fixtures have drift to repair");
}

const BY_HAND_YAML: &str = r#"
version: 1
tables:
  discovery_queries:
    columns:
      id:      { type: uuid, primary_key: true, default: gen_random_uuid() }
      keyword: { type: text, nullable: false }
  prospects:
    columns:
      id:                 { type: uuid, primary_key: true, default: gen_random_uuid() }
      domain:             { type: varchar(255), nullable: false, unique: true }
      discovery_query_id: { type: uuid, references: discovery_queries.id, on_delete: set null }
      created_at:         { type: timestamptz, nullable: false, default: now() }
    indexes:
      - { name: ix_prospects_discovery_query_id, columns: [discovery_query_id] }
"#;

#[test]
fn a_fix_applied_by_hand_after_the_repair_was_written_is_not_duplicated() {
    let case = Case::new(PROSPECTS_SETUP, BY_HAND_YAML);
    let sql = case.repair_sql(&[]);
    // Meanwhile someone runs the hotfix by hand, with a foreign key name of their own.
    case.db.exec(
        "ALTER TABLE prospects ADD COLUMN discovery_query_id uuid \
         CONSTRAINT fk_by_hand REFERENCES discovery_queries (id) ON DELETE SET NULL;",
    );
    case.psql(&sql)
        .expect("the repair applies over the hand-made fix");
    case.psql(&sql).expect("and again");
    let foreign_keys = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'prospects'::regclass AND contype = 'f'";
    assert_eq!(
        case.db.query_one_i64(foreign_keys),
        1,
        "no second, equivalent foreign key"
    );
    assert!(case.drift().is_empty(), "{:#?}", case.drift());
}

/// SQLAlchemy's `unique=True, index=True`, written into schema.yaml as both the column flag and
/// the index: one unique index in the database satisfies both.
const UNIQUE_AND_INDEX_YAML: &str = r#"
version: 1
tables:
  accounts:
    columns:
      id:    { type: integer, primary_key: true }
      email: { type: text, unique: true }
      login: { type: text, unique: true }
    unique:
      - columns: [login]
    indexes:
      - name: ix_accounts_email
        columns: [email]
        unique: true
"#;

#[test]
fn unique_column_and_the_same_unique_index_are_one_object() {
    let built = "CREATE TABLE accounts (id int PRIMARY KEY, email text, login text UNIQUE); \
                 CREATE UNIQUE INDEX ix_accounts_email ON accounts (email);";
    let case = Case::new(built, UNIQUE_AND_INDEX_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Without the index and the constraint, each is reported once and built once.
    let case = Case::new(
        "CREATE TABLE accounts (id int PRIMARY KEY, email text, login text);",
        UNIQUE_AND_INDEX_YAML,
    );
    assert_eq!(
        case.drift(),
        [
            "missing_index public.accounts.ix_accounts_email",
            "missing_unique public.accounts",
        ]
    );
    case.round_trip(&[], &[]);
    let unique_indexes = "SELECT count(*) FROM pg_index WHERE indrelid = 'accounts'::regclass \
                          AND indisunique AND NOT indisprimary";
    assert_eq!(
        case.db.query_one_i64(unique_indexes),
        2,
        "one for email, one for login"
    );
}

const IDENTITY_SETUP: &str = r#"
CREATE TABLE counters (
    id serial PRIMARY KEY,
    by_default int GENERATED BY DEFAULT AS IDENTITY,
    was_identity int GENERATED ALWAYS AS IDENTITY,
    doubled int GENERATED ALWAYS AS (id * 2) STORED,
    tripled int GENERATED ALWAYS AS (id * 2) STORED,
    plain int
);
INSERT INTO counters (plain) SELECT g FROM generate_series(1, 5) g;
"#;

const IDENTITY_YAML: &str = r#"
version: 1
tables:
  counters:
    columns:
      id:           { type: integer, primary_key: true, identity: always }
      by_default:   { type: integer, nullable: false, identity: always }
      was_identity: { type: integer, nullable: false }
      doubled:      { type: integer }
      tripled:      { type: integer, generated: "id * 3" }
      plain:        { type: integer, generated: "id + 1" }
      added:        { type: text }
"#;

#[test]
fn identity_and_generated_differences_are_repaired_without_drop_default() {
    let case = Case::new(IDENTITY_SETUP, IDENTITY_YAML);
    let sql = case.round_trip(
        &[
            "column_default_mismatch public.counters.id",
            "column_default_mismatch public.counters.by_default",
            "column_default_mismatch public.counters.was_identity",
            "column_default_mismatch public.counters.doubled",
            "missing_column public.counters.added",
        ],
        // A generation expression cannot be set on an existing column: held back, still drift.
        &[
            "column_default_mismatch public.counters.tripled",
            "column_default_mismatch public.counters.plain",
        ],
    );
    assert!(!sql.contains("id\" DROP DEFAULT;\n"), "{sql}");
    assert!(sql.contains("SET GENERATED ALWAYS"), "{sql}");
    assert!(sql.contains("DROP IDENTITY IF EXISTS"), "{sql}");
    assert!(sql.contains("DROP EXPRESSION IF EXISTS"), "{sql}");
    assert!(
        sql.contains("-- ALTER TABLE public.counters DROP COLUMN tripled;"),
        "{sql}"
    );
    let header: String = sql.lines().take_while(|l| l.starts_with("--")).collect();
    assert!(
        header.contains("tripled"),
        "the held-back change is named: {sql}"
    );
    // The new identity starts above the rows already there: an insert gets a fresh id.
    case.db
        .exec("INSERT INTO counters (was_identity) VALUES (100);");
    assert_eq!(
        case.db
            .query_one_i64("SELECT max(id)::bigint FROM counters"),
        6
    );
}

const COMMENTED_SQL: &str = r#"
CREATE TABLE notes (id int PRIMARY KEY, title text COLLATE "C", body text, "Tag" varchar(20) COLLATE "POSIX");
CREATE INDEX ix_notes_body ON notes (body COLLATE "C" text_pattern_ops);
COMMENT ON TABLE notes IS 'What people write down';
COMMENT ON COLUMN notes.title IS E'Shown in lists;\nkeep it short: it''s a title';
"#;

const COMMENTED_YAML: &str = r#"
version: 1
tables:
  notes:
    comment: What people write down
    columns:
      id:    { type: integer, primary_key: true }
      title: { type: text, collation: C, comment: "Shown in lists;\nkeep it short: it's a title" }
      body:  { type: text }
      Tag:   { type: "varchar(20)", collation: pg_catalog."POSIX" }
    indexes:
      - name: ix_notes_body
        columns: [{ column: body, collation: '"C"', opclass: text_pattern_ops }]
"#;

#[test]
fn comments_and_collations_are_pulled_checked_and_repaired() {
    // Built by PostgreSQL from DDL: pulled and checked, and declared by hand, both match.
    let built = fresh_db();
    built.exec(COMMENTED_SQL);
    crate::pull::round_trip_through_cli(&built);
    let case = Case::new(COMMENTED_SQL, COMMENTED_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Without them, each difference is reported, and repaired (the collation and the index
    // with --destructive: they rebuild under an ACCESS EXCLUSIVE lock).
    let plain =
        "CREATE TABLE notes (id int PRIMARY KEY, title text, body text, \"Tag\" varchar(20)); \
                 CREATE INDEX ix_notes_body ON notes (body); \
                 COMMENT ON COLUMN notes.body IS 'undeclared comments are not compared';";
    let case = Case::new(plain, COMMENTED_YAML);
    assert_eq!(
        case.drift(),
        [
            "column_type_mismatch public.notes.Tag",
            "column_type_mismatch public.notes.title",
            "comment_mismatch public.notes",
            "comment_mismatch public.notes.title",
            "index_mismatch public.notes.ix_notes_body",
        ]
    );
    let sql = case.round_trip_with(&["--destructive"], &[], &[]);
    assert!(
        sql.contains("COMMENT ON TABLE public.notes IS 'What people write down';"),
        "{sql}"
    );
    assert!(sql.contains("TYPE text COLLATE \"C\""), "{sql}");

    // A comment alone is a warning, an error under --strict.
    let case = Case::new(
        "CREATE TABLE t (id int PRIMARY KEY); COMMENT ON TABLE t IS 'old';",
        "version: 1\ntables:\n  t:\n    comment: new\n    columns:\n      id: { type: integer, primary_key: true }\n",
    );
    let check = |strict: bool| {
        let mut command = driftlint();
        command.args(["check", "--database-url", &case.db.url, "--schema"]);
        command.arg(&case.schema);
        if strict {
            command.arg("--strict");
        }
        command.output().expect("run check").status.code()
    };
    assert_eq!((check(false), check(true)), (Some(0), Some(1)));
    case.round_trip(&["comment_mismatch public.t"], &[]);
}

/// Runs an Alembic revision's `upgrade()` (or `downgrade()`) with a stand-in `alembic.op` that
/// records each statement, unescaping `\:` as SQLAlchemy's `text()` does; returns the SQL as one
/// psql script.
fn alembic_statements(revision: &Path, function: &str) -> String {
    let harness = r#"
import contextlib, importlib.util, json, sys, types
calls = []
class Context:
    @contextlib.contextmanager
    def autocommit_block(self):
        yield
op = types.SimpleNamespace(execute=lambda sql: calls.append(sql.replace("\\:", ":")),
                           get_context=lambda: Context())
alembic = types.ModuleType("alembic")
alembic.op = op
sys.modules["alembic"] = alembic
spec = importlib.util.spec_from_file_location("revision", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
getattr(module, sys.argv[2])()
print(json.dumps(calls))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(harness)
        .arg(revision)
        .arg(function)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let calls: Vec<String> = serde_json::from_slice(&output.stdout).expect("JSON list");
    calls.iter().map(|sql| format!("{sql};\n")).collect()
}

const ALEMBIC_HOSTILE_SETUP: &str = r#"
CREATE SCHEMA "my schema";
CREATE TYPE "my schema"."Mood" AS ENUM ('ok');
CREATE TABLE "my schema"."a""b" (id int PRIMARY KEY, "we're" text);
INSERT INTO "my schema"."a""b" VALUES (1, 'x');
"#;

const ALEMBIC_HOSTILE_YAML: &str = r#"
version: 1
enums:
  '"my schema"."Mood"': [ok, "it's \"fine\"", 'a:b \ c']
tables:
  '"my schema"."a""b"':
    columns:
      id:      { type: integer, primary_key: true }
      "we're": { type: text, default: "'at :noon \\ \"\"\" '" }
      "c d":   { type: integer }
      mood:    { type: '"my schema"."Mood"', default: "'a:b \\ c'" }
    indexes:
      - { name: 'ix "q" we''re', columns: ["we're"], where: "\"c d\" > 0" }
    checks:
      - { name: "ck it's", expression: "\"c d\" > 0" }
"#;

#[test]
fn alembic_revision_runs_the_same_repair_with_hostile_names() {
    let case = Case::new(ALEMBIC_HOSTILE_SETUP, ALEMBIC_HOSTILE_YAML);
    let revision = case.dir.path().join("revision.py");
    let (code, _, stderr) = case.repair(&[
        "--format",
        "alembic",
        "--output",
        revision.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let compiled = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&revision)
        .output()
        .expect("python3");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let upgrade = alembic_statements(&revision, "upgrade");
    case.psql(&upgrade)
        .unwrap_or_else(|e| panic!("upgrade failed: {e}\n{upgrade}"));
    assert!(case.drift().is_empty(), "{:#?}\n{upgrade}", case.drift());
    let snapshot = case.snapshot();
    case.psql(&upgrade).expect("the upgrade runs twice");
    assert_eq!(snapshot, case.snapshot());
    let downgrade = alembic_statements(&revision, "downgrade");
    case.psql(&downgrade)
        .unwrap_or_else(|e| panic!("downgrade failed: {e}\n{downgrade}"));
    assert!(
        case.drift().iter().any(|d| d.starts_with("missing_column")),
        "the downgrade removed the added columns"
    );
}

const PARTITIONED_SETUP: &str = r#"
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events VALUES (1, '2024-02-02', 'a');
"#;

const PARTITIONED_YAML: &str = r#"
version: 1
tables:
  events:
    columns:
      id:   { type: bigint, nullable: false }
      at:   { type: date, nullable: false }
      kind: { type: text }
      note: { type: text }
    primary_key: [id, at]
    indexes:
      - { name: ix_events_kind, columns: [kind] }
    unique:
      - { name: uq_events_kind_at, columns: [kind, at] }
"#;

#[test]
fn partitioned_tables_get_plain_index_builds_and_direct_keys() {
    let case = Case::new(PARTITIONED_SETUP, PARTITIONED_YAML);
    let sql = case.round_trip(
        &[
            "missing_column public.events.note",
            "missing_index public.events.ix_events_kind",
            "missing_unique public.events.uq_events_kind_at",
            "missing_primary_key public.events",
        ],
        &[],
    );
    // PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table: the plain build is
    // written with its SHARE lock.
    assert!(
        sql.contains("CREATE INDEX IF NOT EXISTS ix_events_kind ON public.events"),
        "{sql}"
    );
    assert!(
        sql.contains("SHARE lock on public.events (blocks writes)"),
        "{sql}"
    );
}

/// A database state the tests above repair: setup SQL, the declared schema, and psql scripts
/// run after the setup.
struct Scenario {
    name: &'static str,
    setup: &'static str,
    yaml: &'static str,
    then: &'static [Step],
}

/// A psql script run after a scenario's setup.
enum Step {
    Run(&'static str),
    /// A script that must fail (a concurrent build on duplicates leaves an INVALID index).
    Fails(&'static str),
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "prospects",
        setup: PROSPECTS_SETUP,
        yaml: PROSPECTS_YAML,
        then: &[],
    },
    Scenario {
        name: "hostile tables",
        setup: HOSTILE_TABLES_SETUP,
        yaml: HOSTILE_TABLES_YAML,
        then: &[],
    },
    Scenario {
        name: "enum values",
        setup: ENUM_VALUES_SETUP,
        yaml: ENUM_VALUES_YAML,
        then: &[],
    },
    Scenario {
        name: "not null",
        setup: NOT_NULL_SETUP,
        yaml: NOT_NULL_YAML,
        then: &[],
    },
    Scenario {
        name: "not null after the backfill",
        setup: NOT_NULL_SETUP,
        yaml: NOT_NULL_YAML,
        then: &[Step::Run(
            "ALTER TABLE busy ADD COLUMN plan text NOT NULL DEFAULT 'free';\n\
                 ALTER TABLE busy ADD COLUMN required text;\n\
                 ALTER TABLE empty ADD COLUMN required text NOT NULL;\n\
                 UPDATE busy SET required = 'x';",
        )],
    },
    Scenario {
        name: "constraints",
        setup: CONSTRAINTS_SETUP,
        yaml: CONSTRAINTS_YAML,
        then: &[],
    },
    Scenario {
        name: "mismatches",
        setup: MISMATCHES_SETUP,
        yaml: MISMATCHES_YAML,
        then: &[],
    },
    Scenario {
        name: "quoted names",
        setup: QUOTED_NAMES_SETUP,
        yaml: QUOTED_NAMES_YAML,
        then: &[],
    },
    Scenario {
        name: "invalid index",
        setup: INVALID_INDEX_SETUP,
        yaml: INVALID_INDEX_YAML,
        then: &[
            Step::Fails("CREATE UNIQUE INDEX CONCURRENTLY ux_t_code ON t (code);"),
            Step::Run("DELETE FROM t WHERE id = 2;"),
        ],
    },
    Scenario {
        name: "extras",
        setup: EXTRAS_SETUP,
        yaml: EXTRAS_YAML,
        then: &[],
    },
    Scenario {
        name: "replacements",
        setup: REPLACEMENTS_SETUP,
        yaml: REPLACEMENTS_YAML,
        then: &[],
    },
    Scenario {
        name: "fixed by hand",
        setup: PROSPECTS_SETUP,
        yaml: BY_HAND_YAML,
        then: &[],
    },
    Scenario {
        name: "hostile enum values",
        setup: ALEMBIC_HOSTILE_SETUP,
        yaml: ALEMBIC_HOSTILE_YAML,
        then: &[],
    },
    Scenario {
        name: "partitioned",
        setup: PARTITIONED_SETUP,
        yaml: PARTITIONED_YAML,
        then: &[],
    },
];

/// `driftlint lint --format json` findings of `file` that a repair must never have: anything
/// about idempotency, and syntax findings above info. Each as `rule line:column message`.
fn unwanted_findings(file: &Path) -> Vec<String> {
    let output = driftlint()
        .arg("lint")
        .arg(file)
        .args(["--format", "json"])
        .output()
        .expect("run driftlint lint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "lint --format json is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let findings = json["findings"].as_array().expect("a findings array");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "lint reads the file: {code:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    findings
        .iter()
        .filter(|f| {
            let category = f["category"].as_str().unwrap_or("?");
            let severity = f["severity"].as_str().unwrap_or("?");
            category == "idempotency" || (category == "syntax" && severity != "info")
        })
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["rule"].as_str().unwrap_or("?"),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// Every SQL repair the scenarios above produce (and every drift fixture's), with and without
/// `--destructive`, lints without an idempotency finding or a statement it cannot read.
#[test]
fn repair_output_lints_clean() {
    let fixtures: Vec<(String, String, String)> = crate::util::drift_fixtures()
        .into_iter()
        .map(|fixture| {
            let yaml = std::fs::read_to_string(&fixture.schema).expect("fixture");
            (
                fixture.dir.display().to_string(),
                fixture.database_sql,
                yaml,
            )
        })
        .collect();
    let scenarios = SCENARIOS
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                s.setup.to_string(),
                s.yaml.to_string(),
                s.then,
            )
        })
        .chain(fixtures.into_iter().map(|(n, s, y)| (n, s, y, &[][..])));
    let mut linted = 0;
    let mut everything = String::new();
    let mut problems = Vec::new();
    for (name, setup, yaml, then) in scenarios {
        let case = Case::new(&setup, &yaml);
        for step in then {
            match step {
                Step::Run(sql) => {
                    if let Err(error) = case.psql(sql) {
                        panic!("{name}: {error}");
                    }
                }
                Step::Fails(sql) => assert!(case.psql(sql).is_err(), "{name}: {sql} fails"),
            }
        }
        for destructive in [false, true] {
            let args: &[&str] = if destructive { &["--destructive"] } else { &[] };
            let (code, sql, stderr) = case.repair(&[&["--format", "sql"], args].concat());
            assert!(code == 0 || code == 1, "{name}: {stderr}");
            if code == 0 {
                continue;
            }
            let file = case.dir.path().join(format!("repair_{destructive}.sql"));
            std::fs::write(&file, &sql).expect("write the repair");
            linted += 1;
            everything.push_str(&sql);
            for finding in unwanted_findings(&file) {
                problems.push(format!(
                    "{name} (destructive: {destructive}): {finding}\n--- file ---\n{sql}"
                ));
            }
        }
    }
    assert!(linted >= SCENARIOS.len(), "every scenario writes a repair");
    // The files linted hold every kind of step the generator writes.
    for step in [
        "ADD COLUMN IF NOT EXISTS",
        "CREATE TABLE IF NOT EXISTS",
        "ADD VALUE IF NOT EXISTS",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS",
        "NOT VALID",
        "VALIDATE CONSTRAINT",
        "CHECK (required IS NOT NULL) NOT VALID",
        "DROP TABLE IF EXISTS",
        "PRIMARY KEY USING INDEX",
        "\"my schema\".\"a\"\"b\"",
    ] {
        assert!(everything.contains(step), "no repair wrote {step}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

const KEY_DECLARED_TWICE_YAML: &str = r#"
version: 1
tables:
  accounts:
    columns:
      id:    { type: integer, primary_key: true, unique: true }
      code:  { type: text, nullable: false }
      pair:  { type: integer }
"#;

#[test]
fn issue_11_primary_key_column_also_declared_unique_is_one_object() {
    // SQLAlchemy's `primary_key=True, unique=True` writes `PRIMARY KEY (id)` and `UNIQUE (id)`;
    // PostgreSQL keeps only the primary key's index for both.
    let built = "CREATE TABLE accounts (id integer, code text NOT NULL, pair integer, \
                 PRIMARY KEY (id), UNIQUE (id));";
    let case = Case::new(built, KEY_DECLARED_TWICE_YAML);
    assert_eq!(
        case.db
            .query_one_i64("SELECT count(*) FROM pg_index WHERE indrelid = 'accounts'::regclass"),
        1,
        "PostgreSQL builds one index for both"
    );
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // The same with a table-level unique list naming the key columns.
    let yaml =
        "version: 1\ntables:\n  accounts:\n    columns:\n      id: { type: integer }\n      \
                code: { type: text, nullable: false }\n      pair: { type: integer }\n    \
                primary_key: [id, code]\n    unique:\n      - { columns: [id, code] }\n";
    let case = Case::new(
        "CREATE TABLE accounts (id integer, code text, pair integer, \
         PRIMARY KEY (id, code), UNIQUE (id, code));",
        yaml,
    );
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Without the key, it is reported and built once, as the primary key.
    let case = Case::new(
        "CREATE TABLE accounts (id integer NOT NULL, code text NOT NULL, pair integer);",
        KEY_DECLARED_TWICE_YAML,
    );
    assert_eq!(case.drift(), ["missing_primary_key public.accounts"]);
    case.round_trip(&[], &[]);
    assert_eq!(
        case.db
            .query_one_i64("SELECT count(*) FROM pg_index WHERE indrelid = 'accounts'::regclass"),
        1
    );
}

const FOREIGN_KEY_TWICE_YAML: &str = r#"
version: 1
tables:
  owners:
    columns:
      id: { type: integer, primary_key: true }
  pets:
    columns:
      id:       { type: integer, primary_key: true }
      owner_id: { type: integer, references: owners.id, on_delete: cascade }
    foreign_keys:
      - { columns: [owner_id], references: { table: owners, columns: [id] }, on_delete: cascade }
"#;

#[test]
fn issue_11_column_reference_and_the_same_foreign_keys_entry_are_one_object() {
    let owners = "CREATE TABLE owners (id integer PRIMARY KEY);";
    let case = Case::new(
        &format!(
            "{owners} CREATE TABLE pets (id integer PRIMARY KEY, \
             owner_id integer REFERENCES owners (id) ON DELETE CASCADE);"
        ),
        FOREIGN_KEY_TWICE_YAML,
    );
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // PostgreSQL from DDL that writes both makes two constraints: both are declared.
    let case = Case::new(
        &format!(
            "{owners} CREATE TABLE pets (id integer PRIMARY KEY, \
             owner_id integer REFERENCES owners (id) ON DELETE CASCADE, \
             FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE);"
        ),
        FOREIGN_KEY_TWICE_YAML,
    );
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Missing: reported once, added once.
    let case = Case::new(
        &format!("{owners} CREATE TABLE pets (id integer PRIMARY KEY, owner_id integer);"),
        FOREIGN_KEY_TWICE_YAML,
    );
    assert_eq!(case.drift(), ["missing_foreign_key public.pets"]);
    case.round_trip(&[], &[]);
    assert_eq!(
        case.db.query_one_i64(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'pets'::regclass AND contype = 'f'"
        ),
        1
    );

    // Declared twice with different actions is two declarations that disagree, not one object.
    let yaml = FOREIGN_KEY_TWICE_YAML.replacen(
        ", on_delete: cascade }\n    foreign_keys",
        " }\n    foreign_keys",
        1,
    );
    let case = Case::new(
        &format!(
            "{owners} CREATE TABLE pets (id integer PRIMARY KEY, \
             owner_id integer REFERENCES owners (id) ON DELETE CASCADE);"
        ),
        &yaml,
    );
    assert_eq!(case.drift(), ["missing_foreign_key public.pets"]);
}

const DEFERRABLE_SQL: &str = r#"
CREATE TABLE slots (
    id int PRIMARY KEY,
    pos int,
    code text,
    UNIQUE (pos) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_code UNIQUE (code) DEFERRABLE
);
"#;

const DEFERRABLE_YAML: &str = r#"
version: 1
tables:
  slots:
    columns:
      id:   { type: integer, primary_key: true }
      pos:  { type: integer }
      code: { type: text }
    unique:
      - { columns: [pos], deferrable: true, initially_deferred: true }
      - { name: uq_code, columns: [code], deferrable: true }
"#;

#[test]
fn deferrable_unique_constraints_are_pulled_checked_and_repaired() {
    let built = fresh_db();
    built.exec(DEFERRABLE_SQL);
    crate::pull::round_trip_through_cli(&built);
    let case = Case::new(DEFERRABLE_SQL, DEFERRABLE_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Missing: added through a concurrently built index, attached as deferrable.
    let case = Case::new(
        "CREATE TABLE slots (id int PRIMARY KEY, pos int, code text);",
        DEFERRABLE_YAML,
    );
    assert_eq!(
        case.drift(),
        [
            "missing_unique public.slots",
            "missing_unique public.slots.uq_code"
        ]
    );
    let sql = case.round_trip(&[], &[]);
    assert!(
        sql.contains("UNIQUE USING INDEX uq_code DEFERRABLE;"),
        "{sql}"
    );
    assert!(sql.contains("DEFERRABLE INITIALLY DEFERRED"), "{sql}");

    // Not deferrable in the database: the named one is replaced, the unnamed one added (and
    // the old one dropped) with --destructive; a unique index never stands for a deferrable key.
    let case = Case::new(
        "CREATE TABLE slots (id int PRIMARY KEY, pos int, code text, \
         CONSTRAINT uq_code UNIQUE (code)); CREATE UNIQUE INDEX ux_pos ON slots (pos);",
        DEFERRABLE_YAML,
    );
    assert_eq!(
        case.drift(),
        [
            "extra_index public.slots.ux_pos",
            "missing_unique public.slots",
            "missing_unique public.slots.uq_code",
        ]
    );
    let (_, held, _) = case.repair(&[]);
    assert!(
        held.contains("--         ALTER TABLE public.slots DROP CONSTRAINT IF EXISTS uq_code;"),
        "the replacement is held back without --destructive: {held}"
    );
    case.round_trip_with(&["--destructive"], &[], &[]);
    let deferrable = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'slots'::regclass \
                      AND contype = 'u' AND condeferrable";
    assert_eq!(case.db.query_one_i64(deferrable), 2);
}

const INDEX_OPTIONS_SQL: &str = r#"
CREATE TABLE parents (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE items (
    id int PRIMARY KEY,
    name text,
    rank int,
    email text,
    parent_code text REFERENCES parents (code) ON UPDATE CASCADE ON DELETE SET NULL
);
CREATE INDEX ix_items_name ON items (name COLLATE "C" text_pattern_ops DESC NULLS LAST, rank NULLS FIRST);
CREATE UNIQUE INDEX ux_items_email ON items (lower(email)) NULLS NOT DISTINCT;
"#;

const INDEX_OPTIONS_YAML: &str = r#"
version: 1
tables:
  parents:
    columns:
      id:   { type: integer, primary_key: true }
      code: { type: text, unique: true }
  items:
    columns:
      id:          { type: integer, primary_key: true }
      name:        { type: text }
      rank:        { type: integer }
      email:       { type: text }
      parent_code: { type: text, references: parents.code, on_update: cascade, on_delete: set null }
    indexes:
      - name: ix_items_name
        columns:
          - { column: name, collation: C, opclass: text_pattern_ops, order: desc, nulls: last }
          - "rank NULLS FIRST"
      - { name: ux_items_email, expression: lower(email), unique: true, nulls_not_distinct: true }
"#;

#[test]
fn index_options_and_on_update_actions_are_pulled_checked_and_repaired() {
    let built = fresh_db();
    built.exec(INDEX_OPTIONS_SQL);
    crate::pull::round_trip_through_cli(&built);
    let case = Case::new(INDEX_OPTIONS_SQL, INDEX_OPTIONS_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Missing: built with every option, twice without change.
    let bare = "CREATE TABLE parents (id int PRIMARY KEY, code text UNIQUE); \
                CREATE TABLE items (id int PRIMARY KEY, name text, rank int, email text, \
                parent_code text);";
    let case = Case::new(bare, INDEX_OPTIONS_YAML);
    assert_eq!(
        case.drift(),
        [
            "missing_foreign_key public.items",
            "missing_index public.items.ix_items_name",
            "missing_index public.items.ux_items_email",
        ]
    );
    case.round_trip(&[], &[]);
    let definition: String = case
        .db
        .client()
        .query_one("SELECT pg_get_indexdef('ix_items_name'::regclass)", &[])
        .expect("the index exists")
        .get(0);
    assert!(
        definition
            .contains("name COLLATE \"C\" text_pattern_ops DESC NULLS LAST, rank NULLS FIRST"),
        "{definition}"
    );

    // Each option that differs is an index_mismatch (or foreign_key_mismatch), replaced with
    // --destructive.
    for (index, other) in [
        ("ix_items_name", "CREATE INDEX ix_items_name ON items (name COLLATE \"C\" DESC NULLS LAST, rank NULLS FIRST)"),
        ("ix_items_name", "CREATE INDEX ix_items_name ON items (name text_pattern_ops DESC NULLS LAST, rank NULLS FIRST)"),
        ("ix_items_name", "CREATE INDEX ix_items_name ON items (name COLLATE \"C\" text_pattern_ops DESC, rank NULLS FIRST)"),
        ("ix_items_name", "CREATE INDEX ix_items_name ON items (name COLLATE \"C\" text_pattern_ops NULLS LAST, rank NULLS FIRST)"),
        ("ux_items_email", "CREATE UNIQUE INDEX ux_items_email ON items (lower(email))"),
    ] {
        let setup = INDEX_OPTIONS_SQL
            .lines()
            .filter(|line| !line.contains(&format!(" {index} ")))
            .collect::<Vec<_>>()
            .join("\n");
        let case = Case::new(&format!("{setup}\n{other};"), INDEX_OPTIONS_YAML);
        assert_eq!(
            case.drift(),
            [format!("index_mismatch public.items.{index}")],
            "{other}"
        );
        case.round_trip_with(&["--destructive"], &[], &[]);
    }
    let on_update = INDEX_OPTIONS_SQL.replace("ON UPDATE CASCADE ", "");
    let case = Case::new(&on_update, INDEX_OPTIONS_YAML);
    assert_eq!(
        case.drift(),
        ["foreign_key_mismatch public.items.items_parent_code_fkey"]
    );
    case.round_trip(&[], &[]);
}

const SEQUENCES_SQL: &str = r#"
CREATE SEQUENCE order_no AS integer START WITH 1000 INCREMENT BY 10 MAXVALUE 900000 CYCLE;
CREATE SEQUENCE "Ticket Seq" CACHE 5;
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,
    no integer NOT NULL DEFAULT nextval('order_no'),
    legacy serial,
    ticket bigint
);
ALTER SEQUENCE "Ticket Seq" OWNED BY orders.ticket;
"#;

const SEQUENCES_YAML: &str = r#"
version: 1
sequences:
  order_no: { type: integer, start: 1000, increment: 10, max_value: 900000, cycle: true }
  Ticket Seq: { cache: 5, owned_by: orders.ticket }
tables:
  orders:
    columns:
      id:     { type: bigint, primary_key: true, identity: always, sequence: { start: 100, increment: 5 } }
      no:     { type: integer, nullable: false, default: "nextval('order_no'::regclass)" }
      legacy: { type: serial }
      ticket: { type: bigint }
"#;

#[test]
fn sequences_and_identity_options_are_pulled_checked_and_repaired() {
    let built = fresh_db();
    built.exec(SEQUENCES_SQL);
    crate::pull::round_trip_through_cli(&built);
    let case = Case::new(SEQUENCES_SQL, SEQUENCES_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Missing sequences are created (before the default that uses one), identity options set.
    let case = Case::new(
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
         legacy serial, ticket bigint);",
        SEQUENCES_YAML,
    );
    assert_eq!(
        case.drift(),
        [
            "missing_column public.orders.no",
            "missing_sequence public.Ticket Seq",
            "missing_sequence public.order_no",
            "sequence_mismatch public.orders.id",
        ]
    );
    let sql = case.round_trip(&[], &[]);
    assert!(
        sql.contains(
            "ALTER TABLE public.orders ALTER COLUMN id SET START WITH 100 SET INCREMENT BY 5;"
        ),
        "{sql}"
    );

    // Options and owners that differ are altered; an undeclared sequence is extra and dropped
    // only with --destructive.
    let case = Case::new(
        "CREATE SEQUENCE order_no AS bigint START WITH 1 NO CYCLE; \
         CREATE SEQUENCE \"Ticket Seq\"; CREATE SEQUENCE leftover; \
         CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY (INCREMENT BY 5) PRIMARY KEY, \
         no integer NOT NULL DEFAULT nextval('order_no'), legacy serial, ticket bigint);",
        SEQUENCES_YAML,
    );
    assert_eq!(
        case.drift(),
        [
            "extra_sequence public.leftover",
            "sequence_mismatch public.Ticket Seq",
            "sequence_mismatch public.order_no",
            "sequence_mismatch public.orders.id",
        ]
    );
    case.round_trip(&[], &["extra_sequence public.leftover"]);
    case.round_trip_with(&["--destructive"], &["extra_sequence public.leftover"], &[]);

    // A sequence option PostgreSQL would refuse is an error at its line.
    let (_dir, path) = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.yaml");
        std::fs::write(
            &path,
            "version: 1\nsequences:\n  s: { increment: 0 }\ntables: {}\n",
        )
        .unwrap();
        (dir, path)
    };
    let output = driftlint()
        .args(["check", "--database-url", &case.db.url, "--schema"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("increment cannot be 0") && stderr.contains("schema.yaml:3"),
        "{stderr}"
    );
}

const EXCLUSION_SQL: &str = r#"
CREATE EXTENSION btree_gist;
CREATE TABLE bookings (
    id int PRIMARY KEY,
    room int NOT NULL,
    during tsrange NOT NULL,
    starts_at timestamp,
    ends_at timestamp,
    cancelled boolean NOT NULL DEFAULT false,
    CONSTRAINT no_double_booking EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (NOT cancelled),
    EXCLUDE USING gist (tsrange(starts_at, ends_at) WITH &&) DEFERRABLE INITIALLY DEFERRED
);
"#;

const EXCLUSION_YAML: &str = r#"
version: 1
tables:
  bookings:
    columns:
      id:        { type: integer, primary_key: true }
      room:      { type: integer, nullable: false }
      during:    { type: tsrange, nullable: false }
      starts_at: { type: timestamp }
      ends_at:   { type: timestamp }
      cancelled: { type: boolean, nullable: false, default: "false" }
    exclude:
      - name: no_double_booking
        using: gist
        elements: [{ column: room, with: "=" }, { column: during, with: "&&" }]
        where: NOT cancelled
      - elements: [{ expression: "tsrange(starts_at, ends_at)", with: "&&" }]
        deferrable: true
        initially_deferred: true
"#;

#[test]
fn exclusion_constraints_are_pulled_checked_and_repaired() {
    let built = fresh_db();
    built.exec(EXCLUSION_SQL);
    crate::pull::round_trip_through_cli(&built);
    let case = Case::new(EXCLUSION_SQL, EXCLUSION_YAML);
    assert!(case.drift().is_empty(), "{:#?}", case.drift());

    // Missing: added behind a catalog guard, twice without change.
    let bare = EXCLUSION_SQL
        .lines()
        .filter(|line| !line.contains("EXCLUDE"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("DEFAULT false,\n)", "DEFAULT false\n)");
    let case = Case::new(&bare, EXCLUSION_YAML);
    assert_eq!(
        case.drift(),
        [
            "missing_exclusion public.bookings",
            "missing_exclusion public.bookings.no_double_booking",
        ]
    );
    case.round_trip(&[], &[]);

    // Another definition under the declared name is replaced with --destructive; an
    // undeclared one is extra.
    let other = bare.replace(
        "DEFAULT false\n)",
        "DEFAULT false,\n    CONSTRAINT no_double_booking EXCLUDE USING gist (room WITH =, during WITH &&),\n    \
         CONSTRAINT stray EXCLUDE USING gist (during WITH =)\n)",
    );
    let case = Case::new(&other, EXCLUSION_YAML);
    assert_eq!(
        case.drift(),
        [
            "extra_exclusion public.bookings.stray",
            "missing_exclusion public.bookings",
            "missing_exclusion public.bookings.no_double_booking",
        ]
    );
    case.round_trip(
        &[],
        &[
            "extra_exclusion public.bookings.stray",
            "missing_exclusion public.bookings.no_double_booking",
        ],
    );
    case.round_trip_with(&["--destructive"], &[], &[]);
}

const SERIAL_AND_COMMENTED_YAML: &str = r#"
version: 1
tables:
  tickets:
    columns:
      id:   { type: serial, primary_key: true }
      body: { type: text }
  notes:
    comment: Written by support
    columns:
      id:   { type: bigint, primary_key: true, identity: by_default, sequence: { start: 10 } }
      text: { type: text, comment: The note itself }
"#;

/// The recipes no other scenario applies: a serial column that lost its default (with and
/// without its sequence left behind) and a missing table with comments and identity options.
#[test]
fn serial_without_its_sequence_and_a_new_commented_table_are_repaired_twice() {
    for leftover in [false, true] {
        let setup = format!(
            "CREATE TABLE tickets (id serial PRIMARY KEY, body text); \
             INSERT INTO tickets (body) SELECT 'b' || g FROM generate_series(1, 7) g; \
             ALTER TABLE tickets ALTER COLUMN id DROP DEFAULT; {}",
            if leftover {
                ""
            } else {
                "DROP SEQUENCE tickets_id_seq;"
            }
        );
        let case = Case::new(&setup, SERIAL_AND_COMMENTED_YAML);
        // A sequence the column owns but no longer uses goes with its column: not extra.
        assert_eq!(
            case.drift(),
            [
                "column_default_mismatch public.tickets.id",
                "missing_table public.notes",
            ],
            "leftover: {leftover}"
        );
        let sql = case.round_trip(&[], &[]);
        assert!(
            sql.contains("SET DEFAULT nextval('public.tickets_id_seq'::regclass)"),
            "{sql}"
        );
        assert!(
            sql.contains("COMMENT ON TABLE public.notes IS 'Written by support';"),
            "{sql}"
        );
        assert!(
            sql.contains("GENERATED BY DEFAULT AS IDENTITY (START WITH 10)"),
            "{sql}"
        );
        // The sequence starts above the rows already there.
        case.db.exec("INSERT INTO tickets (body) VALUES ('new');");
        assert_eq!(
            case.db.query_one_i64("SELECT max(id)::bigint FROM tickets"),
            8
        );
        case.db.exec("INSERT INTO notes (text) VALUES ('first');");
        assert_eq!(case.db.query_one_i64("SELECT max(id) FROM notes"), 10);
    }
}

const NEW_TABLE_KINDS_YAML: &str = r#"
version: 1
tables:
  rooms:
    columns:
      id: { type: integer, primary_key: true }
  stays:
    columns:
      id:      { type: integer, primary_key: true, unique: true }
      room_id: { type: integer, references: rooms.id }
      seat:    { type: integer }
      during:  { type: tsrange }
    foreign_keys:
      - { columns: [room_id], references: { table: rooms, columns: [id] } }
    unique:
      - { columns: [seat], deferrable: true }
    exclude:
      - { name: no_overlap, elements: [{ column: during, with: "&&" }] }
"#;

#[test]
fn a_new_table_gets_its_deferrable_uniques_exclusions_and_one_key_per_object() {
    let case = Case::new("", NEW_TABLE_KINDS_YAML);
    assert_eq!(
        case.drift(),
        ["missing_table public.rooms", "missing_table public.stays"]
    );
    case.round_trip(&[], &[]);
    let count = |sql: &str| case.db.query_one_i64(sql);
    let constraints = |contype: &str| {
        count(&format!(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'stays'::regclass \
             AND contype = '{contype}'"
        ))
    };
    assert_eq!(constraints("f"), 1, "one foreign key declared twice");
    assert_eq!(
        constraints("u"),
        1,
        "the deferrable unique; the key's unique is the key"
    );
    assert_eq!(constraints("x"), 1);
    assert_eq!(
        count("SELECT count(*) FROM pg_constraint WHERE conrelid = 'stays'::regclass AND condeferrable"),
        1
    );
}

/// Repair re-indented the text inside its DO blocks: a check whose string literal holds a
/// newline was stored with the block's indentation added (drift forever), and a column whose
/// name holds a newline made the file fail. Literal text is emitted byte for byte.
#[test]
fn newlines_in_literals_and_names_survive_the_do_blocks_of_repair() {
    let case = Case::new(
        "CREATE TABLE notes (id int PRIMARY KEY, body text)",
        "version: 1\ntables:\n  notes:\n    columns:\n      id: { type: integer, primary_key: true }\n      body: { type: text }\n      \"two\\nlines\": { type: text }\n    checks:\n      - { name: ck_notes_body, expression: \"body <> 'first\\nsecond'\" }\n",
    );
    case.round_trip(
        &["missing_check public.notes", "missing_column public.notes"],
        &[],
    );
    let stored = case.db.query_one_i64(
        "SELECT count(*) FROM pg_constraint WHERE conname = 'ck_notes_body' \
         AND pg_get_constraintdef(oid) LIKE E'%''first\\nsecond''%'",
    );
    assert_eq!(stored, 1);
}
