//! Integration tests: `check` / `repair --models module:Base`, through the built binary. Every
//! way running the exporter can fail is an exit-2 diagnostic saying what to do; the settings
//! come from the flags or the configuration file. The exporter itself (a real SQLAlchemy from
//! PyPI, a real database) is tested by python/tests/oracle.sh, which `.ci/run` runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::config::run_in;

/// A URL no test ever reaches: the exporter fails before anything connects.
const UNREACHED: &str = "postgresql://nobody@127.0.0.1:1/none";

/// A virtualenv without pip nor any package: a Python that lacks driftlint-sqlalchemy.
pub fn bare_python(dir: &Path) -> PathBuf {
    let venv = dir.join("venv");
    let done = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .expect("python3 is installed (the .ci/run script installs it)");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    venv.join("bin").join("python")
}

#[test]
fn check_models_with_a_python_lacking_the_exporter_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let python = bare_python(dir.path());
    let python = python.to_str().unwrap();
    for command in ["check", "repair"] {
        let (code, stdout, stderr) = run_in(
            dir.path(),
            &[
                command,
                "--models",
                "app.models:Base",
                "--python",
                python,
                "--database-url",
                UNREACHED,
            ],
        );
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(
            stderr.contains("driftlint::models::not_installed")
                && stderr.contains("driftlint-sqlalchemy is not installed for")
                && stderr.contains("-m pip install driftlint-sqlalchemy"),
            "{stderr}"
        );
    }
}

#[test]
fn check_models_with_a_python_that_does_not_exist_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "check",
            "--models",
            "app.models:Base",
            "--python",
            "/nonexistent/bin/python",
            "--database-url",
            UNREACHED,
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("could not run /nonexistent/bin/python") && stderr.contains("--python"),
        "{stderr}"
    );
}

#[test]
fn check_models_without_an_attribute_or_a_database_is_refused_before_python_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "check",
            "--models",
            "app.models",
            "--python",
            "/nonexistent/bin/python",
            "--database-url",
            UNREACHED,
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not of the form module:attribute"),
        "{stderr}"
    );

    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "check",
            "--models",
            "app.models:Base",
            "--python",
            "/nonexistent/bin/python",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no database to compare with"), "{stderr}");
}

#[test]
fn models_and_schema_cannot_be_given_together() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(
        dir.path(),
        &["check", "--schema", "s.yaml", "--models", "app.models:Base"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

/// `driftlint config --format json [args]` in `dir`: (section.key, value, source) rows.
fn settings(dir: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let mut all = vec!["config", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_in(dir, &all);
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    doc["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap().to_string();
            (
                format!("{}.{}", text("section"), text("key")),
                text("value"),
                text("source"),
            )
        })
        .collect()
}

fn row<'a>(rows: &'a [(String, String, String)], key: &str) -> (&'a str, &'a str) {
    let found = rows
        .iter()
        .find(|r| r.0 == key)
        .unwrap_or_else(|| panic!("{key}: {rows:?}"));
    (&found.1, &found.2)
}

#[test]
fn models_and_python_come_from_the_file_and_a_schema_flag_wins_over_them() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("backend")).unwrap();
    fs::write(
        dir.path().join("driftlint.toml"),
        "[check]\nmodels = \"app.models:Base\"\npython = \"backend/.venv/bin/python\"\n\n\
         [repair]\npython = \"python3\"\n",
    )
    .unwrap();
    let rows = settings(dir.path(), &[]);
    assert_eq!(
        row(&rows, "check.models"),
        ("app.models:Base", "driftlint.toml:2")
    );
    // A path is relative to the file; a bare command name stays one (looked up on PATH).
    assert_eq!(
        row(&rows, "check.python"),
        ("backend/.venv/bin/python", "driftlint.toml:3")
    );
    assert_eq!(row(&rows, "repair.python"), ("python3", "driftlint.toml:6"));
    assert_eq!(
        row(&rows, "repair.models"),
        ("app.models:Base", "driftlint.toml:2 ([check] models)")
    );

    let rows = settings(dir.path(), &["check", "--schema", "other.yaml"]);
    assert_eq!(row(&rows, "check.models"), ("(none)", "--schema"));
    assert_eq!(row(&rows, "check.schema"), ("other.yaml", "--schema"));

    // From the subdirectory, the same file names the same Python, relative to the new
    // working directory.
    let rows = settings(&dir.path().join("backend"), &[]);
    assert_eq!(row(&rows, "check.python").0, ".venv/bin/python");
}

#[test]
fn an_unknown_models_key_is_refused_with_the_right_one_suggested() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("driftlint.toml"),
        "[check]\nmodel = \"app:Base\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["config"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("models"), "{stderr}");
}

#[test]
fn lint_models_runs_the_exporter_and_its_failure_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("m.sql"), "ALTER TABLE t DROP COLUMN c;\n").unwrap();
    let python = bare_python(dir.path());
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "lint",
            "--models",
            "app.models:Base",
            "--python",
            python.to_str().unwrap(),
            "m.sql",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("driftlint-sqlalchemy is not installed"),
        "{stderr}"
    );
}
