//! `create-index-without-if-not-exists`: `CREATE [UNIQUE] INDEX [CONCURRENTLY] [ON ONLY]` fails
//! when the index already exists; an unnamed index is created again, a duplicate, on every run.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_index_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateIndex = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) {
        return None;
    }
    if action.name.is_none() {
        return Some(Hit::new(
            action,
            format!(
                "unnamed index on {} is created again, as a duplicate, on every run",
                shown(&action.table)
            ),
            "name the index and add IF NOT EXISTS",
        ));
    }
    if ctx.object_dropped_earlier(ObjectKind::Index, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE INDEX {} fails when the index already exists",
                shown(&action.name)
            ),
            "add IF NOT EXISTS before the index name",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateIndexWithoutIfNotExists;

    #[test]
    fn every_index_form_without_if_not_exists() {
        for sql in [
            "CREATE INDEX ix_a ON t (a);",
            "CREATE UNIQUE INDEX ux_a ON t (lower(a));",
            "CREATE INDEX CONCURRENTLY ix_a ON t (a);",
            "CREATE INDEX ix_a ON ONLY t (a);",
            "CREATE INDEX ON t (a);",
        ] {
            lint_errors(sql, RULE);
        }
    }

    #[test]
    fn if_not_exists_is_fine() {
        lint_ok(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON t (a);",
            RULE,
        );
        lint_ok(
            "CREATE INDEX IF NOT EXISTS ix ON ONLY t USING btree (a);",
            RULE,
        );
    }

    #[test]
    fn dropped_first() {
        lint_ok(
            "DROP INDEX IF EXISTS ix_a;\nCREATE INDEX ix_a ON t (a);",
            RULE,
        );
        lint_errors(
            "DROP INDEX IF EXISTS ix_b;\nCREATE INDEX ix_a ON t (a);",
            RULE,
        );
    }

    #[test]
    fn guard_on_pg_indexes() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'ix_a') THEN CREATE INDEX ix_a ON t (a); END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn handler_for_the_wrong_condition_does_not_protect() {
        lint_errors(
            "DO $$ BEGIN CREATE INDEX ix_a ON t (a); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN CREATE INDEX ix_a ON t (a); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            RULE,
        );
    }
}
