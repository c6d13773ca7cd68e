//! `vacuum-full`: `VACUUM FULL` rewrites the table (or every table, without a name) under an
//! ACCESS EXCLUSIVE lock: nothing reads or writes it until the copy is done. It does not belong
//! in a migration; nor can it run inside a transaction block.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown_all;

pub fn vacuum_full(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::VacuumFull = action.kind else {
        return None;
    };
    if ctx.acts_on_new(action) {
        return None;
    }
    let what = match action.name {
        Some(_) => shown_all(action),
        None => "every table of the database".to_string(),
    };
    Some(Hit::new(
        action,
        format!("VACUUM FULL rewrites {what} under an ACCESS EXCLUSIVE lock"),
        "run plain VACUUM, or reclaim space online (pg_repack, pg_squeeze) outside the migration",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::VacuumFull;

    #[test]
    fn vacuum_full_in_both_spellings() {
        lint_errors("VACUUM FULL events;", RULE);
        lint_errors("VACUUM (FULL, ANALYZE) events;", RULE);
        let found = lint_errors("VACUUM FULL;", RULE);
        assert!(found[0].message.contains("every table"));
    }

    #[test]
    fn plain_vacuum() {
        lint_ok("VACUUM ANALYZE events;", RULE);
        lint_ok("VACUUM (FULL false) events;", RULE);
        lint_ok("VACUUM events;", RULE);
    }
}
