//! `alter-column-type`: changing a column's type usually rewrites the table and its indexes
//! under an ACCESS EXCLUSIVE lock.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn alter_column_type(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AlterColumnType = action.kind else {
        return None;
    };
    if ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "changing the type of {}.{} may rewrite the table under an ACCESS EXCLUSIVE lock",
            shown(&action.table),
            shown(&action.name)
        ),
        "add a new column, backfill it in batches and switch over; or check that this change is binary-compatible",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AlterColumnType;

    #[test]
    fn type_changes() {
        lint_errors("ALTER TABLE t ALTER COLUMN a TYPE bigint;", RULE);
        lint_errors(
            "ALTER TABLE t ALTER a SET DATA TYPE text USING a::text;",
            RULE,
        );
    }

    #[test]
    fn other_alters() {
        lint_ok("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;", RULE);
    }
}
