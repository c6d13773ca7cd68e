//! Integration tests: `lint --alembic` and `verify --alembic` through the built binary, for
//! what needs no Alembic: a missing alembic.ini, a Python without Alembic, flags that do not go
//! together. With a real Alembic (from PyPI) and a real history, both are tested by
//! python/tests/oracle.sh, which `.ci/run` runs.

use std::fs;

use crate::config::run_in;
use crate::models::bare_python;

#[test]
fn alembic_without_an_alembic_ini_says_which_file_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["lint", "verify"] {
        let (code, _, stderr) = run_in(
            dir.path(),
            &[command, "--alembic", "--python", "/nonexistent/python"],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("no Alembic configuration at alembic.ini"),
            "{stderr}"
        );
    }
}

#[test]
fn alembic_with_a_python_without_alembic_exits_2_with_pythons_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .unwrap();
    let python = bare_python(dir.path());
    for command in ["lint", "verify"] {
        let (code, _, stderr) = run_in(
            dir.path(),
            &[
                command,
                "--alembic",
                "alembic.ini",
                "--python",
                python.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("the Alembic history of")
                && stderr.contains("No module named 'alembic'"),
            "{stderr}"
        );
    }
}

#[test]
fn alembic_does_not_go_with_files_or_a_dev_url() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["lint", "--alembic", "alembic.ini", "x.sql"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run_in(
        dir.path(),
        &["verify", "--alembic", "--dev-url", "postgresql://x@h/db"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
