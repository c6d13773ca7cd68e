//! `psql-meta-command`: a psql backslash command (`\connect`, `\set`, `\i`) is not SQL; it is
//! skipped. Info only: other clients (asyncpg, a migration tool) would fail on it.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;

pub fn psql_meta_command(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::MetaCommand = action.kind else {
        return None;
    };
    let command = ctx.text.get(action.span.clone()).unwrap_or("");
    let command = command.split_whitespace().next().unwrap_or(command);
    Some(Hit::new(
        action,
        format!("psql meta-command {command} skipped"),
        "only psql understands it: run the file with psql, or remove it",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::PsqlMetaCommand;

    #[test]
    fn meta_commands() {
        let found = lint_errors("\\set ON_ERROR_STOP on\n\\connect app\nSELECT 1;", RULE);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].message, "psql meta-command \\set skipped");
    }

    #[test]
    fn backslashes_in_strings() {
        lint_ok("SELECT E'\\\\n';", RULE);
    }
}
