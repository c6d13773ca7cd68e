//! `add-column-without-if-not-exists`: `ALTER TABLE ... ADD COLUMN` fails with "column already
//! exists" on a second run (for example after the column was added by hand as a hotfix).

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn add_column_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddColumn(_) = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) || ctx.column_dropped_earlier(action)
    {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "ADD COLUMN {} fails when {} already has the column",
                shown(&action.name),
                shown(&action.table)
            ),
            "add IF NOT EXISTS before the column name",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddColumnWithoutIfNotExists;

    #[test]
    fn a_column_dropped_earlier_in_the_file() {
        lint_ok(
            "ALTER TABLE t DROP COLUMN IF EXISTS x;\nALTER TABLE t ADD COLUMN x int;",
            RULE,
        );
        lint_ok("ALTER TABLE t DROP COLUMN x, ADD COLUMN x bigint;", RULE);
        lint_errors(
            "ALTER TABLE u DROP COLUMN IF EXISTS x;\nALTER TABLE t ADD COLUMN x int;",
            RULE,
        );
    }

    #[test]
    fn plain_add_column() {
        lint_errors(
            "ALTER TABLE prospects ADD COLUMN discovery_query_id uuid;",
            RULE,
        );
        lint_errors("alter table prospects add score int;", RULE);
    }

    #[test]
    fn each_action_of_a_multi_action_alter_is_checked() {
        let found = lint_errors(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN b int, ADD c int;",
            RULE,
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].message.contains('b') && found[1].message.contains('c'));
    }

    #[test]
    fn if_not_exists_and_guards() {
        lint_ok("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;", RULE);
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN ALTER TABLE t ADD COLUMN a int; END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN ALTER TABLE t ADD COLUMN a int; EXCEPTION WHEN duplicate_column THEN NULL; END $$;",
            RULE,
        );
    }

    #[test]
    fn a_transaction_does_not_make_it_idempotent() {
        lint_errors("BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;", RULE);
    }

    #[test]
    fn fallback_statements_get_the_rule_too() {
        // `ALTER TABLE ONLY ... ADD COLUMN ... COLLATE` style statements sqlparser may reject are
        // still read from their tokens.
        lint_errors(
            "ALTER TABLE ONLY t ADD COLUMN a int, ALTER a SET STATISTICS 1000 WITH;",
            RULE,
        );
    }
}
