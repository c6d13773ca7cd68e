//! `create-table-without-if-not-exists`: `CREATE TABLE` fails with "relation already exists" when the migration runs again.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_table_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateTable = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || action.flags.temporary || !unprotected(action, ctx) {
        return None;
    }
    if ctx.object_dropped_earlier(ObjectKind::Table, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE TABLE {} fails when the table already exists",
                shown(&action.name)
            ),
            "add IF NOT EXISTS after CREATE TABLE",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateTableWithoutIfNotExists;

    #[test]
    fn names_with_quotes_are_shown_as_sql_identifiers() {
        let found = lint_errors(r#"CREATE TABLE "x""y" (id int);"#, RULE);
        assert_eq!(
            found[0].message,
            r#"CREATE TABLE "x""y" fails when the table already exists"#
        );
        let found = lint_errors(r#"CREATE TABLE Public."Order" (id int);"#, RULE);
        assert_eq!(
            found[0].message,
            r#"CREATE TABLE public."Order" fails when the table already exists"#
        );
    }

    #[test]
    fn recreated_after_a_drop() {
        lint_ok("DROP TABLE IF EXISTS t;\nCREATE TABLE t (id int);", RULE);
        // The plain DROP is flagged on its own; after it ran, CREATE cannot fail.
        lint_ok("DROP TABLE t;\nCREATE TABLE t (id int);", RULE);
        lint_ok("DROP TABLE a, t CASCADE;\nCREATE TABLE t (id int);", RULE);
        lint_errors("CREATE TABLE t (id int);\nDROP TABLE t;", RULE);
    }

    #[test]
    fn plain_create_table() {
        lint_errors(r#"CREATE TABLE users (id bigint PRIMARY KEY);"#, RULE);
    }

    #[test]
    fn create_table_inside_a_transaction() {
        lint_errors(
            r#"BEGIN;
CREATE TABLE users (id int);
COMMIT;"#,
            RULE,
        );
    }

    #[test]
    fn create_table_as() {
        lint_errors(r#"CREATE TABLE archive AS SELECT * FROM users;"#, RULE);
    }

    #[test]
    fn dropped_first() {
        lint_ok(
            "DROP TABLE IF EXISTS users;\nCREATE TABLE users (id int);",
            RULE,
        );
    }

    #[test]
    fn if_not_exists() {
        lint_ok(r#"CREATE TABLE IF NOT EXISTS users (id int);"#, RULE);
    }

    #[test]
    fn temporary_table() {
        lint_ok(r#"CREATE TEMP TABLE scratch (id int);"#, RULE);
    }

    #[test]
    fn guarded_by_a_do_block() {
        lint_ok(
            r#"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'users') THEN CREATE TABLE users (id int); END IF; END $$;"#,
            RULE,
        );
    }

    #[test]
    fn unguarded_inside_a_do_block() {
        lint_errors(r#"DO $$ BEGIN CREATE TABLE users (id int); END $$;"#, RULE);
    }
}
