//! `set-not-null`: `ALTER COLUMN ... SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE
//! (unless a validated `CHECK (col IS NOT NULL)` already proves it, PostgreSQL 12+).

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn set_not_null(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::SetNotNull = action.kind else {
        return None;
    };
    if ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "SET NOT NULL on {}.{} scans the whole table under an ACCESS EXCLUSIVE lock",
            shown(&action.table),
            shown(&action.name)
        ),
        "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::SetNotNull;

    #[test]
    fn set_not_null_on_an_existing_table() {
        lint_errors("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", RULE);
        lint_errors(
            "ALTER TABLE t ALTER a SET NOT NULL, ALTER b DROP NOT NULL;",
            RULE,
        );
    }

    #[test]
    fn drop_not_null_and_new_tables() {
        lint_ok("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", RULE);
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
    }
}
