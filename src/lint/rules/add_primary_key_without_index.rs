//! `add-primary-key-without-index`: `ADD PRIMARY KEY (...)` on an existing table builds its
//! unique index while holding an ACCESS EXCLUSIVE lock (and checks the columns for NULLs).
//! Building the index with `CREATE UNIQUE INDEX CONCURRENTLY` and then attaching it with `ADD
//! CONSTRAINT ... PRIMARY KEY USING INDEX` takes the lock only for a moment, once the columns
//! are `NOT NULL`.

use super::Hit;
use crate::lint::action::{Action, ConstraintKind, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::using_index_pair;
use crate::lint::names::shown;

pub fn add_primary_key_without_index(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddConstraint(ConstraintKind::PrimaryKey) = action.kind else {
        return None;
    };
    if action.flags.using_index || ctx.acts_on_new(action) {
        return None;
    }
    let help = using_index_pair(action, ctx, "PRIMARY KEY")
        .map(|pair| format!("build the index first: {pair}"))
        .unwrap_or_else(|| {
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX"
                .to_string()
        });
    Some(Hit::new(
        action,
        format!(
            "ADD PRIMARY KEY builds its index on {} under an ACCESS EXCLUSIVE lock",
            shown(&action.table)
        ),
        help,
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddPrimaryKeyWithoutIndex;

    #[test]
    fn primary_key_on_an_existing_table() {
        let found = lint_errors("ALTER TABLE events ADD PRIMARY KEY (id);", RULE);
        assert_eq!(
            found[0].help,
            "build the index first: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_pkey_idx ON events (id); then ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;"
        );
    }

    #[test]
    fn using_index_or_new_table() {
        lint_ok(
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS events (id bigint);\nALTER TABLE events ADD PRIMARY KEY (id);",
            RULE,
        );
    }
}
