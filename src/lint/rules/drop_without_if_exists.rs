//! `drop-without-if-exists`: `DROP TABLE / INDEX / VIEW / TYPE / FUNCTION / ...` fails on a
//! second run, when the object is already gone.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::{shown, shown_all};

pub fn drop_without_if_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Drop(kind) = action.kind else {
        return None;
    };
    if action.flags.if_exists || !unprotected(action, ctx) || ctx.created_earlier(action) {
        return None;
    }
    let what = kind.sql();
    Some(
        Hit::new(
            action,
            if action.more_names.is_empty() {
                format!(
                    "DROP {what} {} fails when the {} does not exist",
                    shown(&action.name),
                    what.to_lowercase()
                )
            } else {
                format!(
                    "DROP {what} {} fails when one of them does not exist",
                    shown_all(action)
                )
            },
            format!("add IF EXISTS after DROP {what}"),
        )
        .with_fix(insert_fix(action, "IF EXISTS ", "Add IF EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropWithoutIfExists;

    #[test]
    fn an_object_created_earlier_in_the_file() {
        // A helper created and dropped by the same migration: a re-run creates it again first.
        lint_ok(
            "CREATE OR REPLACE FUNCTION convert_state(b boolean) RETURNS text LANGUAGE sql AS 'select 1';\nDROP FUNCTION convert_state;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE IF NOT EXISTS tmp (id int);\nDROP TABLE tmp;",
            RULE,
        );
        lint_ok(
            "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nDROP TABLE a, b;",
            RULE,
        );
        // Not all of them, or after the drop: the drop can fail.
        lint_errors("CREATE TABLE a (id int);\nDROP TABLE a, b;", RULE);
        lint_errors("DROP TABLE tmp;\nCREATE TABLE tmp (id int);", RULE);
        // Created only under a condition that is not a catalog lookup: maybe not at all.
        lint_errors(
            "DO $$ BEGIN IF current_setting('app.x') = 'y' THEN CREATE TABLE tmp (id int); END IF; END $$;\nDROP TABLE tmp;",
            RULE,
        );
    }

    #[test]
    fn every_name_of_a_multi_name_drop() {
        let found = lint_errors("DROP TABLE a, s.\"B\" CASCADE;", RULE);
        assert_eq!(
            found[0].message,
            "DROP TABLE a, s.\"B\" fails when one of them does not exist"
        );
    }

    #[test]
    fn every_object_kind() {
        for sql in [
            "DROP TABLE t;",
            "DROP INDEX ix;",
            "DROP INDEX CONCURRENTLY ix;",
            "DROP VIEW v;",
            "DROP MATERIALIZED VIEW mv;",
            "DROP SEQUENCE s;",
            "DROP TYPE mood;",
            "DROP DOMAIN email;",
            "DROP SCHEMA billing CASCADE;",
            "DROP FUNCTION f(int);",
            "DROP PROCEDURE p();",
            "DROP TRIGGER trg ON t;",
            "DROP POLICY pol ON t;",
            "DROP EXTENSION pgcrypto;",
        ] {
            lint_errors(sql, RULE);
        }
    }

    #[test]
    fn if_exists_is_fine() {
        for sql in [
            "DROP TABLE IF EXISTS t;",
            "DROP INDEX CONCURRENTLY IF EXISTS ix;",
            "DROP TRIGGER IF EXISTS trg ON t;",
            "DROP FUNCTION IF EXISTS f(int);",
        ] {
            lint_ok(sql, RULE);
        }
    }

    #[test]
    fn guarded_by_an_if_exists_lookup() {
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN DROP TYPE mood; END IF; END $$;",
            RULE,
        );
    }
}
