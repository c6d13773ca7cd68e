//! `add-column-with-foreign-key`: `ADD COLUMN ... REFERENCES other` adds a foreign key that is
//! validated at once: the statement holds an ACCESS EXCLUSIVE lock on the table and a SHARE ROW
//! EXCLUSIVE lock on the referenced one (writes to it wait) while it checks. Adding the column
//! first and the constraint `NOT VALID`, validated in a later transaction, keeps both short.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn add_column_with_foreign_key(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddColumn(column) = &action.kind else {
        return None;
    };
    if !column.references || ctx.acts_on_new(action) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "column {} adds a foreign key to {} that is validated under lock on both tables",
            shown(&action.name),
            shown(&action.table)
        ),
        "add the column without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, and VALIDATE CONSTRAINT in a later transaction",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddColumnWithForeignKey;

    #[test]
    fn inline_references() {
        lint_errors(
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS user_id bigint REFERENCES users (id);",
            RULE,
        );
        lint_errors(
            "ALTER TABLE orders ADD user_id bigint CONSTRAINT fk_user REFERENCES users ON DELETE CASCADE;",
            RULE,
        );
    }

    #[test]
    fn plain_columns_or_new_table() {
        lint_ok("ALTER TABLE orders ADD COLUMN IF NOT EXISTS user_id bigint;", RULE);
        lint_ok(
            "CREATE TABLE IF NOT EXISTS orders (id bigint);\nALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);",
            RULE,
        );
    }
}
