//! `enum-value-used-in-same-transaction`: a value added by `ALTER TYPE ... ADD VALUE` cannot be
//! used until the transaction that added it commits (`unsafe use of new value`). In a `BEGIN ...
//! COMMIT` block, or anywhere in a file its runner runs in one transaction, a later statement
//! that writes the new value as a literal fails.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::{literal, shown};

/// Whether the rule judges `action` at the end of its transaction: a top-level `ADD VALUE` in
/// a transaction.
pub fn reads_to_transaction_end(action: &Action) -> bool {
    action.kind == Kind::AddEnumValue && action.in_transaction && !action.nested
}

pub fn enum_value_used_in_same_transaction(action: &Action, ctx: &Ctx) -> Option<Hit> {
    if !reads_to_transaction_end(action) {
        return None;
    }
    let value = literal(&action.name.as_ref()?.name);
    // The transaction ends at the next COMMIT, or with the file when the runner wraps it: the
    // engine judges the action once it knows where.
    let end = ctx.transaction_end?;
    let after = ctx.text.get(action.statement.end..end)?;
    let at = after.find(&value)?;
    let line = ctx.text[..action.statement.end + at].lines().count();
    let why = ctx.wrapped_note();
    Some(Hit::new(
        action,
        format!(
            "{} gets value {value} and line {line} uses it in the same transaction{why}: PostgreSQL rejects a new enum value before its transaction commits",
            shown(&action.table)
        ),
        "add the value in a migration (or transaction) of its own, committed before the one that uses it",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok, lint_with};
    use crate::lint::{Rule, Runner, Settings};

    const RULE: Rule = Rule::EnumValueUsedInSameTransaction;
    const SQL: &str = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';\nUPDATE people SET mood = 'happy' WHERE mood = 'ok';";

    #[test]
    fn used_before_commit() {
        let found = lint_errors(&format!("BEGIN;\n{SQL}\nCOMMIT;"), RULE);
        assert!(found[0].message.contains("line 3"), "{}", found[0].message);
        lint_with(
            SQL,
            RULE,
            |s| Settings {
                runner: Some(Runner::Dbmate),
                ..s
            },
            1,
        );
    }

    #[test]
    fn committed_first_or_outside_a_transaction() {
        lint_ok(SQL, RULE);
        lint_ok(
            "BEGIN;\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';\nCOMMIT;\nUPDATE people SET mood = 'happy';",
            RULE,
        );
        lint_ok(
            "BEGIN;\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';\nUPDATE people SET mood = 'sad';\nCOMMIT;",
            RULE,
        );
    }
}
