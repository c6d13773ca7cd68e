//! `add-column-with-volatile-default`: since PostgreSQL 11 a constant (or stable, like `now()`)
//! default is stored once; a volatile one (`random()`, `gen_random_uuid()`, `clock_timestamp()`,
//! a serial column's `nextval()`) must be computed per row, so the whole table is rewritten under
//! ACCESS EXCLUSIVE.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn add_column_with_volatile_default(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddColumn {
        volatile: Some(volatile),
    } = &action.kind
    else {
        return None;
    };
    if ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "column {} with default {volatile} rewrites all of {} under an ACCESS EXCLUSIVE lock",
            shown(&action.name),
            shown(&action.table)
        ),
        "add the column without a default (or with a constant one), then backfill in batches and set the default",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddColumnWithVolatileDefault;

    #[test]
    fn volatile_defaults() {
        lint_errors(
            "ALTER TABLE t ADD COLUMN uid uuid DEFAULT gen_random_uuid();",
            RULE,
        );
        lint_errors(
            "ALTER TABLE t ADD COLUMN r float8 NOT NULL DEFAULT random();",
            RULE,
        );
        lint_errors(
            "ALTER TABLE t ADD COLUMN seen timestamptz DEFAULT clock_timestamp();",
            RULE,
        );
        lint_errors("ALTER TABLE t ADD COLUMN id bigserial;", RULE);
    }

    #[test]
    fn stable_and_constant_defaults() {
        lint_ok(
            "ALTER TABLE t ADD COLUMN created_at timestamptz DEFAULT now();",
            RULE,
        );
        lint_ok("ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;", RULE);
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ADD COLUMN uid uuid DEFAULT gen_random_uuid();",
            RULE,
        );
    }
}
