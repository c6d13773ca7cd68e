//! `drop-column-without-if-exists`: `ALTER TABLE ... DROP COLUMN` fails on a second run.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn drop_column_without_if_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::DropColumn = action.kind else {
        return None;
    };
    if action.flags.if_exists || !unprotected(action, ctx) || ctx.created_earlier(action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "DROP COLUMN {} fails when {} no longer has the column",
                shown(&action.name),
                shown(&action.table)
            ),
            "add IF EXISTS before the column name",
        )
        .with_fix(insert_fix(action, "IF EXISTS ", "Add IF EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropColumnWithoutIfExists;

    #[test]
    fn a_column_added_earlier_in_the_file() {
        lint_ok(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;\nALTER TABLE t DROP COLUMN tmp;",
            RULE,
        );
        lint_errors(
            "ALTER TABLE u ADD COLUMN IF NOT EXISTS tmp int;\nALTER TABLE t DROP COLUMN tmp;",
            RULE,
        );
    }

    #[test]
    fn plain_drop_column() {
        lint_errors("ALTER TABLE t DROP COLUMN legacy;", RULE);
        lint_errors("ALTER TABLE t DROP legacy CASCADE;", RULE);
    }

    #[test]
    fn if_exists_is_fine() {
        lint_ok("ALTER TABLE t DROP COLUMN IF EXISTS legacy;", RULE);
        lint_ok("ALTER TABLE t DROP IF EXISTS legacy;", RULE);
    }

    #[test]
    fn drop_constraint_is_another_rule() {
        lint_ok("ALTER TABLE t DROP CONSTRAINT fk;", RULE);
    }
}
