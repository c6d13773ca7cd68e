//! Integration tests: the configuration file through the built binary — where it is found,
//! flag > file > default, `driftlint config` and its sources, the lint settings applied to the
//! findings, `check` reading its source from the file, and every kind of mistake in the file
//! as an exit-2 diagnostic at its line.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::util::driftlint;

/// Runs the binary in `dir`; (exit code, stdout, stderr).
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = driftlint().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `driftlint config --format json` in `dir`: the settings as (section.key -> (value, source)).
fn settings(dir: &Path, extra: &[&str]) -> (Value, Vec<(String, String, String)>) {
    let mut args = vec!["config", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run_in(dir, &args);
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let rows = doc["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                format!(
                    "{}.{}",
                    s["section"].as_str().unwrap(),
                    s["key"].as_str().unwrap()
                ),
                s["value"].as_str().unwrap().to_string(),
                s["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (doc, rows)
}

fn setting(rows: &[(String, String, String)], key: &str) -> (String, String) {
    let row = rows
        .iter()
        .find(|r| r.0 == key)
        .unwrap_or_else(|| panic!("no setting {key} in {rows:?}"));
    (row.1.clone(), row.2.clone())
}

/// The exit code and stderr of `driftlint lint x.sql` with `config` as driftlint.toml.
fn lint_with_config(config: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "driftlint.toml", config);
    write(dir.path(), "x.sql", "CREATE TABLE a (id int);\n");
    let (code, _, stderr) = run_in(dir.path(), &["lint", "x.sql"]);
    (code, stderr)
}

#[test]
fn config_shows_each_value_with_its_file_line_or_default() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "# settings\n[check]\nstrict = true\nmigrations = \"db/migrations\"\n\n[lint]\nrunner = \"dbmate\"\npg-version = 16\n",
    );
    let (doc, rows) = settings(dir.path(), &[]);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["file"], "driftlint.toml");
    assert_eq!(
        setting(&rows, "check.strict"),
        ("true".into(), "driftlint.toml:3".into())
    );
    assert_eq!(
        setting(&rows, "check.migrations"),
        ("db/migrations".into(), "driftlint.toml:4".into())
    );
    assert_eq!(
        setting(&rows, "lint.runner"),
        ("dbmate".into(), "driftlint.toml:7".into())
    );
    assert_eq!(
        setting(&rows, "lint.pg-version"),
        ("16".into(), "driftlint.toml:8".into())
    );
    assert_eq!(
        setting(&rows, "check.timeout"),
        ("300".into(), "default".into())
    );
    // [verify] takes [check]'s directory when it names none.
    let (value, source) = setting(&rows, "verify.migrations");
    assert_eq!(value, "db/migrations");
    assert!(source.starts_with("driftlint.toml:4"), "{source}");
}

#[test]
fn a_flag_wins_over_the_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[check]\nstrict = false\ntimeout = 60\n",
    );
    let (_, rows) = settings(dir.path(), &["check", "--strict"]);
    assert_eq!(
        setting(&rows, "check.strict"),
        ("true".into(), "--strict".into())
    );
    assert_eq!(
        setting(&rows, "check.timeout"),
        ("60".into(), "driftlint.toml:3".into())
    );
    let (code, _, stderr) = run_in(dir.path(), &["config", "bogus"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn no_file_means_built_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, rows) = settings(dir.path(), &[]);
    assert_eq!(doc["file"], Value::Null);
    assert!(rows.iter().all(|r| r.2 == "default"), "{rows:?}");
    assert_eq!(setting(&rows, "repair.lock-timeout").0, "5s");
}

#[test]
fn found_upward_with_driftlint_toml_preferred_and_pyproject_only_with_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "driftlint.toml", "[check]\ntimeout = 11\n");
    write(root, ".driftlint.toml", "[check]\ntimeout = 22\n");
    write(root, "a/b/pyproject.toml", "[project]\nname = \"x\"\n");
    write(
        root,
        "a/pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.driftlint.check]\ntimeout = 33\n",
    );
    write(root, "c/.driftlint.toml", "[check]\ntimeout = 44\n");
    let timeout = |sub: &str| setting(&settings(&root.join(sub), &[]).1, "check.timeout");
    assert_eq!(timeout("."), ("11".into(), "driftlint.toml:2".into()));
    // a/b's pyproject has no [tool.driftlint]: a's pyproject is the one.
    let (value, source) = timeout("a/b");
    assert_eq!(value, "33");
    assert!(source.ends_with("a/pyproject.toml:5"), "{source}");
    let (value, source) = timeout("c");
    assert_eq!(value, "44");
    assert!(source.ends_with(".driftlint.toml:2"), "{source}");
    // --no-config and --config FILE.
    let (_, rows) = settings(root, &["--no-config"]);
    assert_eq!(
        setting(&rows, "check.timeout"),
        ("300".into(), "default".into())
    );
    let (_, rows) = settings(root, &["--config", "c/.driftlint.toml"]);
    assert_eq!(setting(&rows, "check.timeout").0, "44");
}

#[test]
fn relative_paths_are_relative_to_the_file_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[check]\nschema = \"db/schema.yaml\"\n",
    );
    fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
    let (_, rows) = settings(&dir.path().join("sub/deeper"), &[]);
    let (value, _) = setting(&rows, "check.schema");
    let expected = dir.path().join("db/schema.yaml");
    assert_eq!(Path::new(&value), expected, "{value}");
}

#[test]
fn a_typo_exits_2_with_the_line_and_a_suggestion() {
    let (code, stderr) = lint_with_config("[lint]\n\nselcet = [\"drop-table\"]\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown key `selcet` in [lint]; did you mean `select`?"),
        "{stderr}"
    );
    assert!(stderr.contains("driftlint.toml:3"), "{stderr}");
}

#[test]
fn a_key_in_the_wrong_section_says_where_it_belongs() {
    let (code, stderr) = lint_with_config("[lint]\nstrict = true\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`strict` belongs in [check]"), "{stderr}");
    let (code, stderr) = lint_with_config("[lnt]\nselect = []\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown section `lnt`"), "{stderr}");
    assert!(stderr.contains("did you mean [lint]?"), "{stderr}");
}

#[test]
fn wrong_types_and_values_exit_2_at_their_line() {
    let cases = [
        (
            "[check]\nstrict = \"yes\"\n",
            "`strict` must be true or false, found string",
            2,
        ),
        (
            "[lint]\nselect = [\"not-a-rule\"]\n",
            "unknown rule `not-a-rule`",
            2,
        ),
        (
            "[lint]\nselect = \"drop-table\"\n",
            "expected a list of strings",
            2,
        ),
        (
            "[lint]\npg-version = 12\n",
            "pg-version must be 13 to 18",
            2,
        ),
        (
            "[lint]\nrunner = \"alembix\"\n",
            "did you mean `alembic`?",
            2,
        ),
        (
            "[repair]\nlock-timeout = \"soon\"\n",
            "is not a lock_timeout",
            2,
        ),
        ("[verify]\ntimeout = 0\n", "at least 1 second", 2),
        ("[verify]\nrows = -5\n", "the number must be 0 or more", 2),
        (
            "[verify]\nrows = \"many\"\n",
            "`rows` must be a whole number",
            2,
        ),
        (
            "[lint.severity]\ndrop-table = \"fatal\"\n",
            "`fatal` is not one of",
            2,
        ),
        (
            "[lint.per-file-ignores]\n\"a/**\" = [\"drop-tabel\"]\n",
            "did you mean `drop-table`?",
            2,
        ),
        ("[lint]\nexclude = [\"a/[\"]\n", "is not a valid glob", 2),
        (
            "[lint]\nalembic = true\n",
            "`alembic` must be a string, found boolean",
            2,
        ),
        (
            "[verify]\n\nalembic = [\"alembic.ini\"]\n",
            "`alembic` must be a string",
            3,
        ),
        ("[lint]\nmodels = 1\n", "`models` must be a string", 2),
        (
            "[verify]\npyhton = \"python3\"\n",
            "unknown key `pyhton` in [verify]; did you mean `python`?",
            2,
        ),
        (
            "[lint]\nalembci = \"alembic.ini\"\n",
            "did you mean `alembic`?",
            2,
        ),
        ("\n[lint\nselect = []\n", "invalid TOML", 2),
    ];
    for (config, message, line) in cases {
        let (code, stderr) = lint_with_config(config);
        assert_eq!(code, 2, "{config}: {stderr}");
        assert!(stderr.contains(message), "{config}: {stderr}");
        assert!(
            stderr.contains(&format!("driftlint.toml:{line}")),
            "{config}: {stderr}"
        );
    }
}

#[test]
fn file_errors_are_diagnostics_and_no_config_skips_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["lint", "--config", "missing.toml", "x.sql"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("config file missing.toml not found"),
        "{stderr}"
    );
    write(dir.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
    let (code, _, stderr) = run_in(dir.path(), &["config", "--config", "pyproject.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("has no [tool.driftlint] table"), "{stderr}");
    write(dir.path(), "driftlint.toml", "[lint]\nselcet = []\n");
    write(
        dir.path(),
        "x.sql",
        "CREATE TABLE IF NOT EXISTS a (id int);\n",
    );
    let (code, _, stderr) = run_in(dir.path(), &["lint", "--no-config", "x.sql"]);
    assert_eq!(code, 0, "{stderr}");
    // A JSON command still prints one document on a configuration error.
    let (code, stdout, _) = run_in(dir.path(), &["lint", "--format", "json", "x.sql"]);
    assert_eq!(code, 2);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["version"], 1);
}

/// `driftlint lint --format json` in `dir`: (exit code, [(file, rule, severity)], files).
fn lint_findings(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String, String)>, u64) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_in(dir, &all);
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, findings, doc["summary"]["files"].as_u64().unwrap())
}

#[test]
fn lint_settings_select_severity_per_file_ignores_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let create = "CREATE TABLE a (id int);\n";
    write(root, "migrations/001_a.sql", create);
    write(root, "migrations/legacy/002_b.sql", create);
    write(root, "migrations/old/003_c.sql", create);
    let rule = "create-table-without-if-not-exists";
    let (code, found, files) = lint_findings(root, &["migrations"]);
    assert_eq!((code, files, found.len()), (1, 3, 3), "{found:?}");
    assert!(
        found.iter().all(|f| f.1 == rule && f.2 == "error"),
        "{found:?}"
    );

    write(
        root,
        "driftlint.toml",
        &format!(
            "[lint]\nexclude = [\"migrations/old/**\"]\n\n[lint.per-file-ignores]\n\"migrations/legacy/*.sql\" = [\"{rule}\"]\n\n[lint.severity]\n{rule} = \"warning\"\n"
        ),
    );
    let (code, found, files) = lint_findings(root, &["migrations"]);
    assert_eq!(files, 2, "{found:?}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("001_a.sql"), "{found:?}");
    assert_eq!(found[0].2, "warning");
    assert_eq!(code, 0, "a warning alone passes");

    write(
        root,
        "driftlint.toml",
        &format!("[lint.severity]\n{rule} = \"off\"\n"),
    );
    let (code, found, _) = lint_findings(root, &["migrations"]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    // select in the file, and the flag winning over it.
    write(
        root,
        "driftlint.toml",
        "[lint]\nselect = [\"drop-table\"]\n",
    );
    let (code, found, _) = lint_findings(root, &["migrations"]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    let (code, found, _) = lint_findings(root, &["migrations", "--select", rule]);
    assert_eq!((code, found.len()), (1, 3), "{found:?}");
}

#[test]
fn lint_without_paths_lints_the_configured_migrations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "db/001_a.sql", "CREATE TABLE a (id int);\n");
    write(
        dir.path(),
        "driftlint.toml",
        "[check]\nmigrations = \"db\"\n",
    );
    let (code, found, files) = lint_findings(dir.path(), &[]);
    assert_eq!((code, files, found.len()), (1, 1, 1), "{found:?}");
    let (code, _, stderr) = run_in(dir.path(), &["lint", "--no-config"]);
    assert_eq!(
        code, 2,
        "without a file, no paths is still an error: {stderr}"
    );
}

/// A project with the README's migrations and schema.yaml, its settings in driftlint.toml.
fn readme_project(extra: &str) -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("db/migrations");
    fs::create_dir_all(&migrations).unwrap();
    for entry in fs::read_dir(root.join("fixtures/migrations")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sql") {
            fs::copy(&path, migrations.join(path.file_name().unwrap())).unwrap();
        }
    }
    fs::copy(root.join("schema.yaml"), dir.path().join("schema.yaml")).unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        &format!("[check]\nschema = \"schema.yaml\"\nmigrations = \"db/migrations\"\nformat = \"json\"\n{extra}"),
    );
    fs::create_dir_all(dir.path().join("app")).unwrap();
    dir
}

fn drift_kinds(stdout: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(stdout).unwrap_or_else(|_| panic!("{stdout}"));
    doc["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["kind"].as_str().unwrap(),
                d["table"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn check_takes_its_source_schema_and_format_from_the_file() {
    let dir = readme_project("");
    let url = crate::util::cluster().url("postgres");
    // Run from a subdirectory: the file is found upward, its paths are relative to it.
    let (code, stdout, stderr) = run_in(&dir.path().join("app"), &["check", "--dev-url", &url]);
    assert_eq!(code, 1, "{stderr}");
    let kinds = drift_kinds(&stdout);
    assert!(
        kinds.contains(&"missing_column prospects".to_string()),
        "{kinds:?}"
    );
    let (code, _, stderr) = run_in(&dir.path().join("app"), &["check", "--no-config"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn ignore_tables_in_the_file_hides_their_drift() {
    let dir = readme_project("ignore-tables = [\"prospects\"]\n");
    let url = crate::util::cluster().url("postgres");
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--dev-url", &url]);
    let kinds = drift_kinds(&stdout);
    assert!(
        kinds.iter().all(|k| !k.ends_with(" prospects")),
        "{kinds:?}\n{stderr}"
    );
    assert_eq!(code, 0, "{kinds:?}\n{stderr}");
}

#[test]
fn the_example_in_the_configuration_page_is_valid() {
    let page =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"))
            .unwrap();
    let start = page.find("```toml\n").expect("a TOML example") + "```toml\n".len();
    let example = &page[start..start + page[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "driftlint.toml", example);
    let (_, rows) = settings(dir.path(), &[]);
    let from_file = rows
        .iter()
        .filter(|r| r.2.starts_with("driftlint.toml:"))
        .count();
    assert!(from_file >= 10, "{rows:?}");
    assert_eq!(setting(&rows, "repair.lock-timeout").0, "3s");
}

#[test]
fn a_json_format_from_the_file_still_gets_a_json_error_document() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "driftlint.toml", "[check]\nformat = \"json\"\n");
    let (code, stdout, stderr) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 2, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}"));
    assert_eq!(doc["version"], 1);
}

#[test]
fn repair_takes_its_lock_timeout_and_output_directory_from_the_file() {
    let dir = readme_project("\n[repair]\nlock-timeout = \"3s\"\nout-dir = \"db/migrations\"\n");
    let url = crate::util::cluster().url("postgres");
    let before: Vec<_> = fs::read_dir(dir.path().join("db/migrations"))
        .unwrap()
        .collect();
    let (code, _, stderr) = run_in(dir.path(), &["repair", "--dev-url", &url]);
    assert_eq!(code, 1, "{stderr}");
    let written: Vec<std::path::PathBuf> = fs::read_dir(dir.path().join("db/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("007_"))
        .collect();
    assert_eq!(written.len(), 1, "{stderr} (had {} files)", before.len());
    let sql = fs::read_to_string(&written[0]).unwrap();
    assert!(sql.contains("SET lock_timeout = '3s';"), "{sql}");
    assert!(sql.contains("ADD COLUMN IF NOT EXISTS"), "{sql}");
}

#[test]
fn the_repository_itself_has_no_configuration_file() {
    // Tests run the binary inside the checkout: no file there may change their flags.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (doc, _) = settings(root, &[]);
    assert_eq!(doc["file"], Value::Null, "{doc}");
}

/// `[verify] locks` and `rows` come from the file; `--rows` on the command line wins.
#[test]
fn verify_locks_and_rows_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[verify]\nlocks = true\nrows = 50\n",
    );
    let (_, rows) = settings(dir.path(), &["verify"]);
    assert_eq!(setting(&rows, "verify.locks").0, "true");
    assert_eq!(setting(&rows, "verify.rows").0, "50");
    let (_, rows) = settings(dir.path(), &["verify", "--rows", "0"]);
    let (value, source) = setting(&rows, "verify.rows");
    assert_eq!(value, "0");
    assert!(source.contains("--rows"), "{source}");
}

/// `[lint] alembic`, `models`, `python` and `[verify] alembic`, `python`: shown by `driftlint
/// config` with their lines; `[verify] python` falls back to `[check] python`; a flag that
/// means SQL files (PATH, `--fix`, `--dev-url`, `--locks`, ...) wins over the file's project.
#[test]
fn alembic_models_and_python_keys_are_shown_and_sql_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[lint]\nalembic = \"db/alembic.ini\"\nmodels = \"app.models:Base\"\npython = \"python3\"\n\n\
         [check]\npython = \".venv/bin/python\"\n\n[verify]\nalembic = \"db/alembic.ini\"\n",
    );
    let (_, rows) = settings(dir.path(), &[]);
    let file = |line: u32| format!("driftlint.toml:{line}");
    assert_eq!(
        setting(&rows, "lint.alembic"),
        ("db/alembic.ini".to_string(), file(2))
    );
    assert_eq!(
        setting(&rows, "lint.models"),
        ("app.models:Base".to_string(), file(3))
    );
    assert_eq!(
        setting(&rows, "lint.python"),
        ("python3".to_string(), file(4))
    );
    assert_eq!(
        setting(&rows, "verify.alembic"),
        ("db/alembic.ini".to_string(), file(10))
    );
    assert_eq!(
        setting(&rows, "verify.python"),
        (
            ".venv/bin/python".to_string(),
            format!("{} ([check] python)", file(7))
        )
    );
    for (command, flag, shown) in [
        (&["lint", "a.sql"][..], "lint.alembic", "PATH"),
        (&["verify", "migrations"], "verify.alembic", "PATH"),
        (&["verify", "--locks"], "verify.alembic", "--locks"),
        (
            &["verify", "--dev-url", "postgresql://x/y"],
            "verify.alembic",
            "--dev-url",
        ),
    ] {
        let (_, rows) = settings(dir.path(), command);
        assert_eq!(
            setting(&rows, flag),
            ("(none)".to_string(), shown.to_string()),
            "{command:?}"
        );
    }
}

/// With `alembic` in the file, `lint` and `verify` without flags take the Alembic path: here
/// its alembic.ini is missing, which only that path reports.
#[test]
fn lint_and_verify_run_the_alembic_project_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "driftlint.toml",
        "[lint]\nalembic = \"db/alembic.ini\"\n\n[verify]\nalembic = \"db/alembic.ini\"\n",
    );
    write(dir.path(), "migrations/001.sql", "SELECT 1;\n");
    for command in ["lint", "verify"] {
        let (code, _, stderr) = run_in(dir.path(), &[command]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains("driftlint::alembic::no_ini") && stderr.contains("db/alembic.ini"),
            "{command}: {stderr}"
        );
    }
}
