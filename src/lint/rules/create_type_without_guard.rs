//! `create-type-without-guard`: `CREATE TYPE` (enum, composite, range) has no `IF NOT EXISTS`;
//! it fails on a second run unless guarded by a `pg_type` lookup or a `duplicate_object` handler.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::{schema_condition, wrap_fix};
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown};

pub fn create_type_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateType = action.kind else {
        return None;
    };
    if !unprotected(action, ctx) || ctx.object_dropped_earlier(ObjectKind::Type, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE TYPE {} fails when the type already exists",
                shown(&action.name)
            ),
            "run it only when pg_type has no such type (a guarded DO block)",
        )
        .with_fix(type_guard_fix(action, ctx)),
    )
}

/// A DO block that creates the type (or domain) only when `pg_type` lacks it.
pub fn type_guard_fix(action: &Action, ctx: &Ctx) -> Option<crate::lint::Fix> {
    let name = action.name.as_ref()?;
    let condition = format!(
        "NOT EXISTS (\n        SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace\n        WHERE t.typname = {} AND {}\n    )",
        literal(&name.name),
        schema_condition("n.nspname", name.schema.as_ref())
    );
    wrap_fix(action, ctx, &condition, "Guard with a pg_type lookup")
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateTypeWithoutGuard;

    #[test]
    fn enum_composite_and_range() {
        lint_errors("CREATE TYPE mood AS ENUM ('sad', 'ok');", RULE);
        lint_errors("CREATE TYPE pair AS (a int, b text);", RULE);
        lint_errors("CREATE TYPE floatrange AS RANGE (subtype = float8);", RULE);
    }

    #[test]
    fn guards_that_protect() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('sad'); END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad'); EXCEPTION WHEN duplicate_object THEN null; END $$;",
            RULE,
        );
        lint_ok(
            "DROP TYPE IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('sad');",
            RULE,
        );
    }

    #[test]
    fn the_fix_guards_on_the_schema_too() {
        let found = lint_errors("CREATE TYPE billing.state AS ENUM ('open');", RULE);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(fix
            .replacement
            .contains("t.typname = 'state' AND n.nspname = 'billing'"));
        lint_ok(&fix.replacement, RULE);
    }
}
