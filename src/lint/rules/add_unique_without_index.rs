//! `add-unique-without-index`: `ADD UNIQUE (...)` on an existing table builds its unique index
//! while holding an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build. Building
//! the index with `CREATE UNIQUE INDEX CONCURRENTLY` and then attaching it with `ADD CONSTRAINT
//! ... UNIQUE USING INDEX` takes the lock only for a moment.

use super::Hit;
use crate::lint::action::{Action, ConstraintKind, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::using_index_pair;
use crate::lint::names::shown;

pub fn add_unique_without_index(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddConstraint(ConstraintKind::Unique) = action.kind else {
        return None;
    };
    if action.flags.using_index || ctx.acts_on_new(action) {
        return None;
    }
    let help = using_index_pair(action, ctx, "UNIQUE")
        .map(|pair| format!("build the index first: {pair}"))
        .unwrap_or_else(|| {
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX"
                .to_string()
        });
    Some(Hit::new(
        action,
        format!(
            "ADD UNIQUE builds its index on {} under an ACCESS EXCLUSIVE lock",
            shown(&action.table)
        ),
        help,
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddUniqueWithoutIndex;

    #[test]
    fn unique_on_an_existing_table() {
        let found = lint_errors(
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
            RULE,
        );
        assert_eq!(
            found[0].help,
            "build the index first: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key_idx ON users (email); then ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;"
        );
    }

    #[test]
    fn using_index_or_new_table() {
        lint_ok(
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);",
            RULE,
        );
    }
}
