//! `validate-in-same-transaction`: `VALIDATE CONSTRAINT` right after the `ADD ... NOT VALID`
//! of the same constraint, in the same transaction. The `ADD` took an ACCESS EXCLUSIVE (or, for a
//! foreign key, SHARE ROW EXCLUSIVE) lock that is held until the transaction ends, so the
//! validation scan runs under it and `NOT VALID` bought nothing. A file its runner wraps in a
//! transaction is one transaction from top to bottom.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn validate_in_same_transaction(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::ValidateConstraint = action.kind else {
        return None;
    };
    let added = action.in_transaction
        && ctx.facts.added_not_valid_in(
            action.table_str(),
            action.name_str(),
            action.transaction,
        );
    if !added || ctx.acts_on_new(action) {
        return None;
    }
    let why = ctx.wrapped_note();
    Some(Hit::new(
        action,
        format!(
            "VALIDATE CONSTRAINT {} runs in the transaction that added it NOT VALID{why}: the lock of the ADD is held during the scan",
            shown(&action.name)
        ),
        "commit in between: validate in a later migration, or after COMMIT",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok, lint_with};
    use crate::lint::{Rule, Runner, Settings};

    const RULE: Rule = Rule::ValidateInSameTransaction;

    const PAIR: &str = "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk_user;";

    #[test]
    fn inside_one_transaction_block() {
        lint_errors(&format!("BEGIN;\n{PAIR}\nCOMMIT;"), RULE);
    }

    #[test]
    fn separate_transactions() {
        lint_ok(PAIR, RULE);
        let split = "BEGIN;\nALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT fk_user;";
        lint_ok(split, RULE);
        lint_ok(
            "BEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT fk_other;\nCOMMIT;",
            RULE,
        );
    }

    #[test]
    fn a_file_the_runner_wraps_is_one_transaction() {
        let found = lint_with(
            PAIR,
            RULE,
            |s| Settings {
                runner: Some(Runner::Diesel),
                ..s
            },
            1,
        );
        assert!(found[0].message.contains("Diesel"), "{}", found[0].message);
        lint_with(
            PAIR,
            RULE,
            |s| Settings {
                runner: Some(Runner::Psql),
                ..s
            },
            0,
        );
    }
}
