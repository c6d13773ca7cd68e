//! `transaction-nesting`: `BEGIN` / `COMMIT` in a file its runner already runs in a transaction.
//! The `BEGIN` only warns; the `COMMIT` ends the runner's transaction early, so what follows runs
//! outside it, a failure leaves the file half applied, and the runner's own `COMMIT` finds no
//! transaction.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;

pub fn transaction_nesting(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::TransactionControl { begin } = action.kind else {
        return None;
    };
    let reason = ctx.wrapped()?;
    let what = if begin {
        "BEGIN opens no new transaction"
    } else {
        "COMMIT ends the runner's transaction early"
    };
    let hint = match ctx.runner {
        Some(runner) => runner.opt_out(),
        None => "write `-- driftlint: no-transaction` if the file runs outside one",
    };
    Some(Hit::new(
        action,
        format!("{what}: {reason}"),
        format!("remove the file's own BEGIN/COMMIT; to manage transactions yourself, {hint}"),
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::lint_with;
    use crate::lint::{Rule, Runner, Settings};

    const RULE: Rule = Rule::TransactionNesting;
    const SQL: &str = "BEGIN;\nALTER TABLE t ADD COLUMN IF NOT EXISTS a int;\nCOMMIT;";

    #[test]
    fn begin_and_commit_in_a_wrapped_file() {
        let found = lint_with(
            SQL,
            RULE,
            |s| Settings {
                runner: Some(Runner::Flyway),
                ..s
            },
            2,
        );
        assert!(found[1].message.starts_with("COMMIT ends"), "{}", found[1].message);
    }

    #[test]
    fn no_runner_or_an_unwrapped_file() {
        lint_with(SQL, RULE, |s| s, 0);
        lint_with(
            SQL,
            RULE,
            |s| Settings {
                runner: Some(Runner::Sqitch),
                ..s
            },
            0,
        );
        let opted_out = format!("-- migrate:up transaction:false\n{SQL}");
        lint_with(
            &opted_out,
            RULE,
            |s| Settings {
                runner: Some(Runner::Dbmate),
                ..s
            },
            0,
        );
    }
}
