//! `drop-index-without-concurrently`: a plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the
//! index's table until the transaction ends: every read and write of the table waits. `DROP
//! INDEX CONCURRENTLY` waits for running transactions instead of blocking new ones. Indexes
//! created earlier in the same file are nobody's yet and are not flagged.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::names::shown_all;
use crate::lint::Fix;

pub fn drop_index_without_concurrently(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Drop(ObjectKind::Index) = action.kind else {
        return None;
    };
    if action.flags.concurrently || ctx.acts_on_new(action) {
        return None;
    }
    // CONCURRENTLY drops one index, without CASCADE, outside a transaction block.
    let cascade = ctx
        .statement_text(action)
        .to_ascii_lowercase()
        .contains("cascade");
    // Inside a transaction the keyword alone would make the statement fail.
    let fix = (action.more_names.is_empty() && !cascade && !action.in_transaction)
        .then(|| insert_fix(action, "CONCURRENTLY ", "Add CONCURRENTLY (outside a transaction)"))
        .flatten()
        .map(|fix| Fix {
            safe: false,
            ..fix
        });
    Some(
        Hit::new(
            action,
            format!(
                "DROP INDEX {} locks its table against reads and writes until the transaction ends",
                shown_all(action)
            ),
            "use DROP INDEX CONCURRENTLY (one index per statement), in a migration that runs outside a transaction",
        )
        .with_fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropIndexWithoutConcurrently;

    #[test]
    fn plain_drop_index() {
        let found = lint_errors("DROP INDEX IF EXISTS ix_users_email;", RULE);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(!fix.safe);
        assert_eq!(fix.statement, "DROP INDEX CONCURRENTLY IF EXISTS ix_users_email;");
        let found = lint_errors("DROP INDEX a, b CASCADE;", RULE);
        assert!(found[0].fix.is_none());
        let found = lint_errors("BEGIN;\nDROP INDEX IF EXISTS ix;\nCOMMIT;", RULE);
        assert!(found[0].fix.is_none(), "CONCURRENTLY fails in a transaction block");
    }

    #[test]
    fn concurrently_or_created_in_the_file() {
        lint_ok("DROP INDEX CONCURRENTLY IF EXISTS ix_users_email;", RULE);
        lint_ok(
            "CREATE INDEX IF NOT EXISTS ix_tmp ON t (a);\nDROP INDEX IF EXISTS ix_tmp;",
            RULE,
        );
        lint_ok("DROP TABLE IF EXISTS t;", RULE);
    }
}
