//! `truncate`: `TRUNCATE` deletes every row of the tables (and of the tables that reference
//! them, with `CASCADE`) at once, under an ACCESS EXCLUSIVE lock. Tables created earlier in the
//! same file hold nothing yet and are not flagged.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown_all;

pub fn truncate(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Truncate = action.kind else {
        return None;
    };
    let all_new = action
        .name
        .iter()
        .chain(&action.more_names)
        .all(|n| ctx.table_created_earlier(&n.name));
    if action.name.is_some() && all_new {
        return None;
    }
    Some(Hit::new(
        action,
        format!("TRUNCATE {} deletes every row", shown_all(action)),
        "delete only the rows the migration means to remove, or move the cleanup out of the migration",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::Truncate;

    #[test]
    fn truncate_existing_tables() {
        let found = lint_errors("TRUNCATE TABLE sessions, tokens RESTART IDENTITY;", RULE);
        assert_eq!(found[0].message, "TRUNCATE sessions, tokens deletes every row");
    }

    #[test]
    fn new_tables() {
        lint_ok(
            "CREATE TABLE IF NOT EXISTS staging (a int);\nTRUNCATE staging;",
            RULE,
        );
    }
}
