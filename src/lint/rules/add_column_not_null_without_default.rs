//! `add-column-not-null-without-default`: `ADD COLUMN ... NOT NULL` without a `DEFAULT` fails
//! as soon as the table has a row (`column contains null values`), and once added, every
//! `INSERT` of running code that does not name the column fails too. Tables created earlier in
//! the same file are empty and are not flagged.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn add_column_not_null_without_default(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddColumn(column) = &action.kind else {
        return None;
    };
    if !column.not_null || column.filled || ctx.acts_on_new(action) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "column {} is NOT NULL without a default: adding it fails if {} has any row",
            shown(&action.name),
            shown(&action.table)
        ),
        "give it a DEFAULT, or add it nullable, backfill it and then SET NOT NULL",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddColumnNotNullWithoutDefault;

    #[test]
    fn required_column_without_default() {
        lint_errors(
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS tenant_id bigint NOT NULL;",
            RULE,
        );
        lint_errors("ALTER TABLE users ADD COLUMN code text PRIMARY KEY;", RULE);
    }

    #[test]
    fn with_default_nullable_or_new_table() {
        lint_ok(
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS tenant_id bigint NOT NULL DEFAULT 0;",
            RULE,
        );
        lint_ok("ALTER TABLE users ADD COLUMN IF NOT EXISTS note text;", RULE);
        lint_ok("ALTER TABLE users ADD COLUMN id bigserial NOT NULL;", RULE);
        lint_ok(
            "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS users (id bigint);\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
            RULE,
        );
    }
}
