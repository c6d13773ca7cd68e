//! `lock-table`: `LOCK TABLE` in SHARE mode or stronger (ACCESS EXCLUSIVE when no mode is
//! written) blocks the table's writers — and in ACCESS EXCLUSIVE its readers — until the
//! transaction ends, usually for the rest of the migration.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown_all;

pub fn lock_table(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::LockTable(mode) = action.kind else {
        return None;
    };
    if !mode.blocks_writes() || ctx.acts_on_new(action) {
        return None;
    }
    let blocked = if mode == crate::lint::action::LockMode::AccessExclusive {
        "every read and write"
    } else {
        "every write"
    };
    Some(Hit::new(
        action,
        format!(
            "LOCK TABLE {} IN {} MODE blocks {blocked} until the transaction ends",
            shown_all(action),
            mode.sql()
        ),
        "let each statement take the lock it needs, keep the transaction short, and SET lock_timeout first",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::LockTable;

    #[test]
    fn strong_modes() {
        let found = lint_errors("LOCK TABLE accounts;", RULE);
        assert_eq!(
            found[0].message,
            "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE blocks every read and write until the transaction ends"
        );
        lint_errors("LOCK accounts, ledger IN SHARE MODE NOWAIT;", RULE);
    }

    #[test]
    fn weak_modes() {
        lint_ok("LOCK TABLE accounts IN ROW EXCLUSIVE MODE;", RULE);
        lint_ok("LOCK TABLE accounts IN SHARE UPDATE EXCLUSIVE MODE;", RULE);
    }
}
