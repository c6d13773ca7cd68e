//! `exception-when-others`: `EXCEPTION WHEN others THEN NULL` makes a DO block "idempotent" by
//! swallowing every error — a typo, a missing table, a lock timeout — so a failed migration
//! reports success.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;

pub fn exception_when_others(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    let Kind::HandlerOthers = action.kind else {
        return None;
    };
    Some(Hit::new(
        action,
        "EXCEPTION WHEN others hides every error, not just the duplicate one".to_string(),
        "catch the specific condition: duplicate_object, duplicate_column, duplicate_table, ...",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::ExceptionWhenOthers;

    #[test]
    fn when_others() {
        let sql =
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN others THEN NULL; END $$;";
        let found = lint_errors(sql, RULE);
        assert_eq!(&sql[found[0].span.clone()], "others");
        // ... and the type itself counts as guarded.
        lint_ok(sql, Rule::CreateTypeWithoutGuard);
    }

    #[test]
    fn specific_condition() {
        lint_ok(
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            RULE,
        );
    }
}
