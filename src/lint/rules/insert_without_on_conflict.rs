//! `insert-without-on-conflict`: seed data inserted without `ON CONFLICT` is duplicated (or
//! fails on a unique key) when the migration runs again.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn insert_without_on_conflict(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Insert {
        on_conflict: false,
        not_exists: false,
    } = action.kind
    else {
        return None;
    };
    if !unprotected(action, ctx) {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "INSERT INTO {} inserts the rows again (or fails on a unique key) when run twice",
            shown(&action.table)
        ),
        "add ON CONFLICT (...) DO NOTHING / DO UPDATE, or insert only the rows that are missing",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::InsertWithoutOnConflict;

    #[test]
    fn plain_insert() {
        lint_errors("INSERT INTO settings (key, value) VALUES ('a', '1');", RULE);
        lint_errors(
            "INSERT INTO archive SELECT * FROM orders WHERE closed;",
            RULE,
        );
    }

    #[test]
    fn only_missing_rows() {
        lint_ok(
            "INSERT INTO settings (key, value) SELECT 'a', '1' WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'a');",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM settings WHERE key = 'a') THEN INSERT INTO settings VALUES ('a', '1'); END IF; END $$;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM settings WHERE key = 'a') THEN INSERT INTO log VALUES ('a'); END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn on_conflict() {
        lint_ok(
            "INSERT INTO settings (key, value) VALUES ('a', '1') ON CONFLICT (key) DO NOTHING;",
            RULE,
        );
        lint_ok(
            "INSERT INTO settings VALUES ('a', '1') ON CONFLICT ON CONSTRAINT settings_pkey DO UPDATE SET value = EXCLUDED.value;",
            RULE,
        );
    }
}
