//! `concurrently-in-transaction`: `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY`
//! cannot run inside a transaction block (BEGIN ... COMMIT, or a DO block): PostgreSQL rejects
//! them, so the migration fails every time.

use super::{shown, Ctx, Hit};
use crate::lint::action::{Action, Kind, ObjectKind};

pub fn concurrently_in_transaction(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    let what = match action.kind {
        Kind::CreateIndex => "CREATE INDEX",
        Kind::Drop(ObjectKind::Index) => "DROP INDEX",
        _ => return None,
    };
    if !action.flags.concurrently || !action.in_transaction {
        return None;
    }
    let place = if action.nested {
        "a DO block"
    } else {
        "a transaction block"
    };
    Some(Hit::new(
        action,
        format!(
            "{what} CONCURRENTLY {} cannot run inside {place}",
            shown(&action.name)
        ),
        "run it on its own, outside BEGIN ... COMMIT (and tell the migration tool not to wrap the file in a transaction)",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::ConcurrentlyInTransaction;

    #[test]
    fn inside_begin_commit_or_do() {
        lint_errors(
            "BEGIN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);\nCOMMIT;",
            RULE,
        );
        lint_errors(
            "BEGIN;\nDROP INDEX CONCURRENTLY IF EXISTS ix;\nCOMMIT;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)'; END $$;",
            RULE,
        );
    }

    #[test]
    fn outside_a_transaction() {
        lint_ok("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);", RULE);
        lint_ok(
            "BEGIN;\nCREATE TABLE IF NOT EXISTS t (a int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);",
            RULE,
        );
    }
}
