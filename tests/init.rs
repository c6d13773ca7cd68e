//! Integration tests: `driftlint init` on each migration layout it recognises, built in a
//! temporary directory — what it writes (runner, directory, glob), that `driftlint config`
//! accepts it, that a second run changes nothing, that a `pyproject.toml` keeps every byte it
//! had, that an existing configuration is never overwritten without `--force`, and that
//! `--database-url` writes schema.yaml.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::config::run_in;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(dir).unwrap().display().to_string();
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

/// One layout: the files that make it, and what init must write for it.
struct Layout {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    runner: &'static str,
    dir: &'static str,
    glob: &'static str,
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS t (id int);\n";

const LAYOUTS: &[Layout] = &[
    Layout {
        name: "alembic",
        files: &[
            ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
            ("migrations/env.py", "# env\n"),
            ("migrations/versions/1a2b_create_t.py", "revision = '1a2b'\n"),
        ],
        runner: "alembic",
        dir: "migrations/versions",
        glob: "*.py",
    },
    Layout {
        name: "diesel",
        files: &[
            ("diesel.toml", "[print_schema]\nfile = \"src/schema.rs\"\n"),
            ("migrations/2024-01-01-000000_create_t/up.sql", CREATE),
            ("migrations/2024-01-01-000000_create_t/down.sql", "DROP TABLE t;\n"),
        ],
        runner: "diesel",
        dir: "migrations",
        glob: "*/up.sql",
    },
    Layout {
        name: "alembic without alembic.ini",
        files: &[
            ("app/db/env.py", "# env\n"),
            ("app/db/versions/1a2b_create_t.py", "revision = '1a2b'\n"),
        ],
        runner: "alembic",
        dir: "app/db/versions",
        glob: "*.py",
    },
    Layout {
        name: "diesel without diesel.toml",
        files: &[("migrations/00000000000000_init/up.sql", CREATE)],
        runner: "diesel",
        dir: "migrations",
        glob: "*/up.sql",
    },
    Layout {
        name: "prisma",
        files: &[
            ("prisma/schema.prisma", "datasource db { provider = \"postgresql\" }\n"),
            ("prisma/migrations/20240101000000_init/migration.sql", CREATE),
            ("prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n"),
        ],
        runner: "prisma",
        dir: "prisma/migrations",
        glob: "*/migration.sql",
    },
    Layout {
        name: "golang-migrate",
        files: &[
            ("db/migrations/000001_create_t.up.sql", CREATE),
            ("db/migrations/000001_create_t.down.sql", "DROP TABLE t;\n"),
        ],
        runner: "golang-migrate",
        dir: "db/migrations",
        glob: "*.up.sql",
    },
    Layout {
        name: "flyway",
        files: &[
            ("src/main/resources/db/migration/V1__create_t.sql", CREATE),
            ("src/main/resources/db/migration/V2_1__more.sql", CREATE),
        ],
        runner: "flyway",
        dir: "src/main/resources/db/migration",
        glob: "V*__*.sql",
    },
    Layout {
        name: "dbmate",
        files: &[(
            "db/migrations/20240101000000_create_t.sql",
            "-- migrate:up\nCREATE TABLE IF NOT EXISTS t (id int);\n\n-- migrate:down\nDROP TABLE t;\n",
        )],
        runner: "dbmate",
        dir: "db/migrations",
        glob: "*.sql",
    },
    Layout {
        name: "sqitch",
        files: &[
            ("sqitch.plan", "%project=app\n\ncreate_t 2024-01-01T00:00:00Z A <a@b> # t\n"),
            ("sqitch.conf", "[core]\n\tengine = pg\n"),
            ("deploy/create_t.sql", CREATE),
            ("revert/create_t.sql", "DROP TABLE t;\n"),
        ],
        runner: "sqitch",
        dir: "deploy",
        glob: "*.sql",
    },
    Layout {
        name: "rails structure.sql",
        files: &[
            ("db/structure.sql", "SET statement_timeout = 0;\nCREATE TABLE public.t (id bigint);\n"),
            ("db/migrate/20240101000000_create_t.rb", "class CreateT; end\n"),
        ],
        runner: "psql",
        dir: "db",
        glob: "structure.sql",
    },
    Layout {
        name: "numbered sql",
        files: &[("sql/001_create_t.sql", CREATE), ("sql/002_more.sql", CREATE)],
        runner: "psql",
        dir: "sql",
        glob: "[0-9]*.sql",
    },
];

/// The `[lint]` runner and `[check]` migrations and glob of a written configuration.
fn written(table: &toml::Table) -> (String, String, String) {
    let get = |section: &str, key: &str| {
        table[section][key]
            .as_str()
            .unwrap_or_else(|| panic!("{section}.{key} in {table:?}"))
            .to_string()
    };
    (
        get("lint", "runner"),
        get("check", "migrations"),
        get("check", "glob"),
    )
}

#[test]
fn init_recognises_every_layout_and_a_second_run_changes_nothing() {
    for layout in LAYOUTS {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in layout.files {
            write(dir.path(), name, text);
        }
        let (code, stdout, stderr) = run_in(dir.path(), &["init"]);
        assert_eq!(code, 0, "{}: {stderr}", layout.name);
        assert!(
            stdout.contains("wrote: driftlint.toml"),
            "{}: {stdout}",
            layout.name
        );
        assert!(
            stdout.contains("next:") && stdout.contains("- run: "),
            "{stdout}"
        );
        let text = fs::read_to_string(dir.path().join("driftlint.toml")).unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(
            written(&table),
            (
                layout.runner.to_string(),
                layout.dir.to_string(),
                layout.glob.to_string()
            ),
            "{}:\n{text}",
            layout.name
        );
        let (code, stdout, stderr) = run_in(dir.path(), &["config"]);
        assert_eq!(code, 0, "{}: {stderr}", layout.name);
        assert!(
            stdout.contains(&format!("runner             {}", layout.runner)),
            "{stdout}"
        );

        let before = snapshot(dir.path());
        let (code, stdout, stderr) = run_in(dir.path(), &["init"]);
        assert_eq!(code, 0, "{}: {stderr}", layout.name);
        assert!(stdout.contains("unchanged: driftlint.toml"), "{stdout}");
        assert_eq!(
            snapshot(dir.path()),
            before,
            "{}: second init changed files",
            layout.name
        );
    }
}

#[test]
fn init_in_a_project_with_sql_layouts_sets_up_verify() {
    // The written configuration drives `verify` with no arguments.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "migrations/001_t.sql", CREATE);
    write(
        dir.path(),
        "migrations/002_u.sql",
        "CREATE TABLE IF NOT EXISTS u (id int);\n",
    );
    let (code, _, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let url = crate::util::cluster().url("postgres");
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["verify", "--dev-url", &url, "--format", "json"],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 2, "{doc}");
}

#[test]
fn init_appends_to_pyproject_keeping_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let original = "# The project.\n[project]\nname = \"app\"  # trailing comment\nversion = \"0.1.0\"\n\n[tool.black]\nline-length = 100\n\n\n[tool.ruff.lint]\nselect = [\"E\"]";
    write(dir.path(), "pyproject.toml", original);
    write(
        dir.path(),
        "alembic.ini",
        "[alembic]\nscript_location = alembic\n",
    );
    write(
        dir.path(),
        "alembic/versions/abc_first.py",
        "revision = 'abc'\n",
    );
    let (code, stdout, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("[tool.driftlint] in pyproject.toml"),
        "{stdout}"
    );
    assert!(!dir.path().join("driftlint.toml").exists());
    let text = fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(
        text.starts_with(original),
        "the original bytes must stay first:\n{text}"
    );
    let table: toml::Table = text.parse().unwrap();
    assert_eq!(
        table["tool"]["black"]["line-length"].as_integer(),
        Some(100)
    );
    let ours = table["tool"]["driftlint"].as_table().unwrap();
    assert_eq!(
        written(ours),
        (
            "alembic".to_string(),
            "alembic/versions".to_string(),
            "*.py".to_string()
        )
    );
    let (code, stdout, stderr) = run_in(dir.path(), &["config"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("config file: pyproject.toml"), "{stdout}");

    let before = snapshot(dir.path());
    let (code, stdout, _) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("already has a [tool.driftlint] table"),
        "{stdout}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn init_never_overwrites_an_existing_config_without_force() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sql/001_t.sql", CREATE);
    let mine = "[check]\nstrict = true\n";
    write(dir.path(), "driftlint.toml", mine);
    let (code, stdout, _) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("kept: driftlint.toml exists"), "{stdout}");
    assert_eq!(
        fs::read_to_string(dir.path().join("driftlint.toml")).unwrap(),
        mine
    );
    let (code, stdout, stderr) = run_in(dir.path(), &["init", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote: driftlint.toml"), "{stdout}");
    let table: toml::Table = fs::read_to_string(dir.path().join("driftlint.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(written(&table).1, "sql");
}

#[test]
fn init_without_a_layout_writes_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "# app\n");
    let (code, stdout, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("no migration layout"), "{stdout}");
    let (code, _, stderr) = run_in(dir.path(), &["config"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn init_with_database_url_pulls_schema_yaml() {
    let db = crate::util::fresh_db();
    db.exec("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "db/migrations/000001_accounts.up.sql", CREATE);
    let (code, stdout, stderr) = run_in(dir.path(), &["init", "--database-url", &db.url]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote: schema.yaml"), "{stdout}");
    let yaml = fs::read_to_string(dir.path().join("schema.yaml")).unwrap();
    assert!(
        yaml.contains("accounts") && yaml.contains("email"),
        "{yaml}"
    );
    // The pulled schema matches the database it came from.
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--database-url", &db.url]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // Twice: nothing changes.
    let before = snapshot(dir.path());
    let (code, _, _) = run_in(dir.path(), &["init", "--database-url", &db.url]);
    assert_eq!(code, 0);
    assert_eq!(snapshot(dir.path()), before);
}

/// On an Alembic project with its alembic.ini, `init` writes `[lint] alembic` and `[verify]
/// alembic`, so that `lint` and `verify` with no flags run the revisions through Alembic: here
/// with a Python that lacks Alembic, whose error only that path reports.
#[test]
fn init_on_an_alembic_project_makes_lint_and_verify_run_alembic_without_flags() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "alembic.ini",
        "[alembic]\nscript_location = migrations\n",
    );
    write(dir.path(), "migrations/env.py", "# env\n");
    write(
        dir.path(),
        "migrations/versions/1a2b_create_t.py",
        "revision = '1a2b'\n",
    );
    let (code, stdout, stderr) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("driftlint lint --format github")
            && stdout.contains("driftlint verify --format github"),
        "{stdout}"
    );
    let text = fs::read_to_string(dir.path().join("driftlint.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    assert_eq!(
        table["lint"]["alembic"].as_str(),
        Some("alembic.ini"),
        "{text}"
    );
    assert_eq!(
        table["verify"]["alembic"].as_str(),
        Some("alembic.ini"),
        "{text}"
    );

    let python = crate::models::bare_python(dir.path());
    let venv = python.parent().unwrap().parent().unwrap();
    for command in ["lint", "verify"] {
        let output = crate::util::driftlint()
            .current_dir(dir.path())
            .env("VIRTUAL_ENV", venv)
            .arg(command)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("the Alembic history of alembic.ini")
                && stderr.contains("No module named 'alembic'"),
            "{command}: {stderr}"
        );
    }
}
