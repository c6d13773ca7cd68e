//! Integration tests: lint.

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
