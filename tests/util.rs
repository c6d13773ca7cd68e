//! Shared helpers for the integration tests.

#![allow(dead_code)]

use assert_cmd::Command;

/// The built `driftlint` binary, with DATABASE_URL cleared so tests never reach a real server
/// by accident.
pub fn driftlint() -> Command {
    let mut cmd = Command::cargo_bin("driftlint").expect("driftlint binary is built");
    cmd.env_remove("DATABASE_URL");
    cmd
}
