//! `set-not-null`: `ALTER COLUMN ... SET NOT NULL` (and PostgreSQL 18's `ADD CONSTRAINT name NOT
//! NULL column` without `NOT VALID`) scans the whole table under ACCESS EXCLUSIVE — unless a
//! validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+): added earlier in the
//! file without `NOT VALID`, or added `NOT VALID` and validated before the `SET NOT NULL`.

use super::Hit;
use crate::lint::action::{Action, ConstraintKind, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn set_not_null(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let column = match action.kind {
        Kind::SetNotNull => action.name_str(),
        Kind::AddConstraint(ConstraintKind::NotNull) if !action.flags.not_valid => {
            action.columns.first()?
        }
        _ => return None,
    };
    if ctx.table_created_earlier(action.table_str()) || proven_by_check(action, column, ctx) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "SET NOT NULL on {}.{} scans the whole table under an ACCESS EXCLUSIVE lock",
            shown(&action.table),
            crate::lint::action::quote_ident(column)
        ),
        "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
    ))
}

/// Whether a validated `CHECK (column IS NOT NULL)` on the table comes earlier in the file.
fn proven_by_check(action: &Action, column: &str, ctx: &Ctx) -> bool {
    ctx.pg_version >= 12 && ctx.facts.proven_not_null(action.table_str(), column)
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
        lint_errors("ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a;", RULE);
    }

    #[test]
    fn drop_not_null_and_new_tables() {
        lint_ok("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", RULE);
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
        lint_ok("ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a NOT VALID;", RULE);
    }

    /// PostgreSQL 12+ skips the scan when a validated CHECK (a IS NOT NULL) proves the column.
    #[test]
    fn set_not_null_after_a_validated_check_is_not_a_scan() {
        lint_ok(
            "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
        lint_ok(
            "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
        // Not validated, or checking another column: still a scan.
        lint_errors(
            "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
        lint_errors(
            "ALTER TABLE t ADD CONSTRAINT t_b_nn CHECK (b IS NOT NULL);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            RULE,
        );
    }
}
