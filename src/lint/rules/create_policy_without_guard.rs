//! `create-policy-without-guard`: `CREATE POLICY` has no `IF NOT EXISTS`; it fails on a second
//! run unless preceded by `DROP POLICY IF EXISTS` or guarded by a `pg_policies` lookup.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::{schema_condition, wrap_fix};
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown};

pub fn create_policy_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreatePolicy = action.kind else {
        return None;
    };
    if !unprotected(action, ctx) || ctx.object_dropped_earlier(ObjectKind::Policy, action) {
        return None;
    }
    let fix = match (&action.name, &action.table) {
        (Some(name), Some(table)) => {
            let condition = format!(
                "NOT EXISTS (\n        SELECT 1 FROM pg_policies\n        WHERE policyname = {} AND tablename = {} AND {}\n    )",
                literal(&name.name),
                literal(&table.name),
                schema_condition("schemaname", table.schema.as_ref())
            );
            wrap_fix(action, ctx, &condition, "Guard with a pg_policies lookup")
        }
        _ => None,
    };
    Some(
        Hit::new(
            action,
            format!(
                "CREATE POLICY {} fails when {} already has the policy",
                shown(&action.name),
                shown(&action.table)
            ),
            "DROP POLICY IF EXISTS ... ON ... first, or guard it with a pg_policies lookup",
        )
        .with_fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreatePolicyWithoutGuard;

    #[test]
    fn plain_create_policy() {
        lint_errors(
            "CREATE POLICY own_rows ON notes FOR SELECT USING (owner = current_user);",
            RULE,
        );
    }

    #[test]
    fn dropped_first_or_guarded() {
        lint_ok(
            "DROP POLICY IF EXISTS own_rows ON notes;\nCREATE POLICY own_rows ON notes USING (true);",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'own_rows') THEN CREATE POLICY own_rows ON notes USING (true); END IF; END $$;",
            RULE,
        );
        let found = lint_errors("CREATE POLICY p ON s.notes USING (true);", RULE);
        lint_ok(&found[0].fix.as_ref().expect("a fix").replacement, RULE);
    }
}
