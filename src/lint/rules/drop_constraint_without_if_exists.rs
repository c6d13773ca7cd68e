//! `drop-constraint-without-if-exists`: `ALTER TABLE ... DROP CONSTRAINT` fails on a second run.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn drop_constraint_without_if_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::DropConstraint = action.kind else {
        return None;
    };
    if action.flags.if_exists || !unprotected(action, ctx) || ctx.created_earlier(action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "DROP CONSTRAINT {} fails when {} no longer has the constraint",
                shown(&action.name),
                shown(&action.table)
            ),
            "add IF EXISTS after DROP CONSTRAINT",
        )
        .with_fix(insert_fix(action, "IF EXISTS ", "Add IF EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropConstraintWithoutIfExists;

    #[test]
    fn a_constraint_added_earlier_in_the_file() {
        lint_ok(
            "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);\nALTER TABLE t DROP CONSTRAINT ck;",
            RULE,
        );
        lint_errors(
            "ALTER TABLE t DROP CONSTRAINT ck;\nALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);",
            RULE,
        );
    }

    #[test]
    fn plain_drop_constraint() {
        lint_errors("ALTER TABLE t DROP CONSTRAINT fk_t_u;", RULE);
    }

    #[test]
    fn if_exists_and_guards() {
        lint_ok("ALTER TABLE t DROP CONSTRAINT IF EXISTS fk_t_u;", RULE);
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_t_u') THEN ALTER TABLE t DROP CONSTRAINT fk_t_u; END IF; END $$;",
            RULE,
        );
    }
}
