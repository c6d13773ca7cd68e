//! `reindex-without-concurrently`: a plain `REINDEX` locks out writes to the table (and reads
//! that would use the index) while it rebuilds. `REINDEX ... CONCURRENTLY` (PostgreSQL 12+)
//! builds the new index beside the old one. `REINDEX SYSTEM` has no concurrent form and is not
//! flagged.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::names::shown;
use crate::lint::Fix;

pub fn reindex_without_concurrently(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Reindex(kind) = action.kind else {
        return None;
    };
    if action.flags.concurrently
        || kind == ObjectKind::Other("SYSTEM")
        || ctx.acts_on_new(action)
    {
        return None;
    }
    // Inside a transaction the keyword alone would make the statement fail.
    let fix = (!action.in_transaction)
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
                "REINDEX {} {} blocks writes (and reads through the index) while it rebuilds",
                kind.sql(),
                shown(&action.name)
            ),
            "use REINDEX ... CONCURRENTLY, in a migration that runs outside a transaction",
        )
        .with_fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::ReindexWithoutConcurrently;

    #[test]
    fn plain_reindex() {
        let found = lint_errors("REINDEX INDEX ix_users_email;", RULE);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.statement, "REINDEX INDEX CONCURRENTLY ix_users_email;");
        lint_errors("REINDEX (VERBOSE) TABLE public.users;", RULE);
    }

    #[test]
    fn concurrently_system_or_new() {
        lint_ok("REINDEX TABLE CONCURRENTLY users;", RULE);
        lint_ok("REINDEX SYSTEM app;", RULE);
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nREINDEX TABLE t;",
            RULE,
        );
    }
}
