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
    if !unprotected(action, ctx) || into_table_created_for_sure(action, ctx) {
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

/// Whether the file creates the table earlier with a plain `CREATE TABLE` (no `IF NOT EXISTS`,
/// no guard) or as a temporary table: a second run fails at that `CREATE` (or starts from an
/// empty temporary table), so it never inserts the rows twice.
fn into_table_created_for_sure(action: &Action, ctx: &Ctx) -> bool {
    ctx.facts.table_created(action.table_str()) == Some(true)
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

    /// Seed rows of a table the file creates with a plain CREATE TABLE are inserted once: a
    /// second run stops at the CREATE TABLE.
    #[test]
    fn insert_into_a_table_the_file_just_created_is_not_flagged() {
        lint_ok(
            "CREATE TABLE language (id serial PRIMARY KEY, code varchar(3));
INSERT INTO language (code) VALUES ('en');",
            RULE,
        );
        lint_ok(
            "CREATE TEMP TABLE staging (id int);
INSERT INTO staging VALUES (1);",
            RULE,
        );
        // With IF NOT EXISTS the second run reaches the INSERT again.
        lint_errors(
            "CREATE TABLE IF NOT EXISTS language (id serial PRIMARY KEY);
INSERT INTO language (id) VALUES (1);",
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
