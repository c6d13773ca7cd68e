//! `unparsed-statement`: sqlparser could not parse the statement; it was read at the token level
//! (its kind, names and flags), so the idempotency rules still ran, but finer checks may not
//! have. Info only: it never fails a run.

use super::Hit;
use crate::lint::action::{Action, Kind, Parsed};
use crate::lint::context::Ctx;

pub fn unparsed_statement(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    let Kind::Unparsed { how, reason } = &action.kind else {
        return None;
    };
    let message = match how {
        Parsed::NotAtAll => format!("statement not understood ({reason})"),
        _ => format!("statement only partly parsed, token-level rules applied ({reason})"),
    };
    Some(Hit::new(
        action,
        message,
        "nothing to do unless the statement is wrong; the idempotency rules still ran on it",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::UnparsedStatement;

    #[test]
    fn one_finding_per_statement_not_parsed() {
        let found = lint_errors(
            "frobnicate everything;\nCREATE TABLE IF NOT EXISTS t (a int);\nfrobnicate again;",
            RULE,
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn parsed_statements_and_readable_do_blocks() {
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nDO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'm') THEN CREATE TYPE m AS ENUM ('a'); END IF; END $$;",
            RULE,
        );
    }
}
