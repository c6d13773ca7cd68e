//! `add-foreign-key-without-not-valid`: adding a foreign key validates every existing row while
//! holding locks on both tables. `NOT VALID` then `VALIDATE CONSTRAINT` splits that in two short
//! steps. Tables created in the same file are empty, so they are not flagged.

use super::Hit;
use crate::lint::action::{Action, ConstraintKind, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::append_fix;
use crate::lint::names::shown;

pub fn add_foreign_key_without_not_valid(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddConstraint(ConstraintKind::ForeignKey) = action.kind else {
        return None;
    };
    if action.flags.not_valid || ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "adding foreign key {} checks every row of {} while holding locks",
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

    const RULE: Rule = Rule::AddForeignKeyWithoutNotValid;

    #[test]
    fn validated_foreign_key() {
        lint_errors(
            "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);",
            RULE,
        );
    }

    #[test]
    fn not_valid_or_new_table() {
        lint_ok(
            "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS orders (id int, user_id int);\nALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);",
            RULE,
        );
    }
}
