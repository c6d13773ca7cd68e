//! `add-check-without-not-valid`: adding a CHECK constraint scans the whole table under an
//! ACCESS EXCLUSIVE lock. `NOT VALID` then `VALIDATE CONSTRAINT` avoids the long lock.

use super::Hit;
use crate::lint::action::{Action, ConstraintKind, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::append_fix;
use crate::lint::names::shown;

pub fn add_check_without_not_valid(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddConstraint(ConstraintKind::Check) = action.kind else {
        return None;
    };
    if action.flags.not_valid || ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "adding check {} scans all of {} under an ACCESS EXCLUSIVE lock",
                shown(&action.name),
                shown(&action.table)
            ),
            "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later statement",
        )
        .with_fix(append_fix(
            action,
            " NOT VALID",
            "Add NOT VALID (then VALIDATE CONSTRAINT)",
        )),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddCheckWithoutNotValid;

    #[test]
    fn validated_check() {
        lint_errors("ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0);", RULE);
    }

    #[test]
    fn not_valid() {
        lint_ok(
            "ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0) NOT VALID;",
            RULE,
        );
        lint_ok("ALTER TABLE t ADD CONSTRAINT uq_a UNIQUE (a);", RULE);
    }
}
