//! `create-index-without-concurrently`: a plain `CREATE INDEX` on an existing table holds a SHARE
//! lock for the whole build: every INSERT, UPDATE and DELETE waits. Indexes on a table created in
//! the same file are fine (the table is empty and nobody uses it yet).

use super::Hit;
use crate::lint::Fix;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::names::shown;

pub fn create_index_without_concurrently(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateIndex = action.kind else {
        return None;
    };
    // `ON ONLY` a partitioned table builds nothing (an invalid parent index that partitions'
    // indexes attach to), and PostgreSQL rejects CONCURRENTLY there.
    if action.flags.concurrently
        || action.flags.only
        || ctx.table_created_earlier(action.table_str())
    {
        return None;
    }
    // Right after INDEX: before IF NOT EXISTS and the name.
    let fix = index_keyword_end(action, ctx).and_then(|at| {
        let mut shifted = action.clone();
        shifted.insert_at = Some(at);
        insert_fix(
            &shifted,
            " CONCURRENTLY",
            "Add CONCURRENTLY (outside a transaction)",
        )
    });
    Some(
        Hit::new(
            action,
            format!(
                "CREATE INDEX on {} blocks writes to the table while the index builds",
                shown(&action.table)
            ),
            "use CREATE INDEX CONCURRENTLY, in a migration that runs outside a transaction",
        )
        .with_fix(fix.map(|fix| Fix { safe: false, ..fix })),
    )
}

/// The byte just after the INDEX keyword of the statement.
fn index_keyword_end(action: &Action, ctx: &Ctx) -> Option<usize> {
    let text = ctx.statement_text(action);
    let lower = text.to_ascii_lowercase();
    let at = lower.find("index")?;
    Some(action.statement.start + at + "index".len())
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateIndexWithoutConcurrently;

    #[test]
    fn index_on_an_existing_table() {
        let found = lint_errors("CREATE INDEX IF NOT EXISTS ix_a ON t (a);", RULE);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(!fix.safe);
        assert_eq!(
            fix.statement,
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON t (a);"
        );
    }

    /// `CREATE INDEX ON ONLY` a partitioned table builds nothing, and CONCURRENTLY is rejected there.
    #[test]
    fn create_index_on_only_a_partitioned_table_is_not_flagged() {
        lint_ok(
            "CREATE INDEX IF NOT EXISTS ix_events_at ON ONLY events (created_at);",
            RULE,
        );
    }

    #[test]
    fn concurrently_or_new_table() {
        lint_ok(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON t (a);",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE INDEX IF NOT EXISTS ix_a ON t (a);",
            RULE,
        );
    }
}
