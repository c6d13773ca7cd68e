//! `missing-lock-timeout`: the first statement of a file that takes a lock blocking writes on a
//! table already in use, with no `SET lock_timeout` before it. While such a statement waits
//! for its lock (behind one long query), every other query on the table queues behind it: a
//! short migration becomes an outage. Reported once per file; the fix sets a timeout before
//! that statement, so the migration fails fast instead and can be retried.

use super::Hit;
use crate::lint::action::{Action, Kind, LockMode, ObjectKind};
use crate::lint::facts::BusyLock;
use crate::lint::context::Ctx;
use crate::lint::names::shown;
use crate::lint::Fix;

/// The timeout the fix sets.
const TIMEOUT: &str = "SET lock_timeout = '5s';";

pub fn missing_lock_timeout(action: &Action, ctx: &Ctx) -> Option<Hit> {
    if !ctx.facts.lock_timeout_missing() {
        return None;
    }
    let (mode, on) = match ctx.facts.busy_lock(action)? {
        BusyLock::Own(mode) => (mode, locked(action)),
        BusyLock::Referenced(table) => (
            LockMode::ShareRowExclusive,
            format!(
                "{}, which its new foreign key references,",
                shown(&Some(table))
            ),
        ),
    };
    let fix = (action.exact || action.nested).then(|| {
        let (at, line_start) = insert_point(ctx.text, action.piece_start);
        let replacement = if line_start {
            format!("{TIMEOUT}\n")
        } else {
            format!("{TIMEOUT} ")
        };
        Fix {
            title: "Set lock_timeout before the first locking statement".to_string(),
            span: at..at,
            replacement,
            safe: true,
        }
    });
    Some(
        Hit::new(
            action,
            format!(
                "this locks {on} in {} mode with no lock_timeout set: while it waits for the lock, every query on the table waits behind it",
                mode.sql()
            ),
            "SET lock_timeout (a few seconds) before the first statement that locks a busy table, and retry the migration when it times out",
        )
        .with_fix(fix),
    )
}

/// What the action's own lock is on, for the message.
fn locked(action: &Action) -> String {
    match action.kind {
        Kind::Drop(ObjectKind::Index) | Kind::Reindex(ObjectKind::Index) => {
            format!("the table of index {}", shown(&action.name))
        }
        Kind::Drop(ObjectKind::Schema) => {
            format!("every table of schema {}", shown(&action.name))
        }
        _ => shown(&action.table),
    }
}

/// Where the `SET` goes before the statement starting at `at`: the start of its line, above the
/// `-- driftlint-ignore` comments that belong to it (whether that is a line start).
fn insert_point(text: &str, at: usize) -> (usize, bool) {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at].trim().is_empty() {
        return (at, false);
    }
    let mut point = line_start;
    while point > 0 {
        let previous_end = point - 1;
        let previous_start = text[..previous_end].rfind('\n').map_or(0, |i| i + 1);
        let line = text[previous_start..previous_end].trim();
        let suppression = line
            .strip_prefix("--")
            .is_some_and(|rest| rest.trim_start().starts_with("driftlint-ignore:"));
        if !suppression {
            break;
        }
        point = previous_start;
    }
    (point, true)
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::{fix_text, Rule, Selection};

    const RULE: Rule = Rule::MissingLockTimeout;

    #[test]
    fn once_at_the_first_locking_statement() {
        let sql = "CREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a ADD COLUMN IF NOT EXISTS b int;\n-- driftlint-ignore: add-column-with-foreign-key\nALTER TABLE users ADD COLUMN IF NOT EXISTS c int;\nALTER TABLE users DROP COLUMN IF EXISTS d;";
        let found = lint_errors(sql, RULE);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start.0, 4);
        let (fixed, _, after) = fix_text("t.sql", sql, &Selection::only(RULE), None);
        assert!(after.findings.is_empty(), "{fixed}");
        assert!(
            fixed.contains("SET lock_timeout = '5s';\n-- driftlint-ignore: add-column-with-foreign-key\nALTER TABLE users"),
            "{fixed}"
        );
    }

    #[test]
    fn timeout_set_or_nothing_locked() {
        lint_ok(
            "SET lock_timeout = '3s';\nALTER TABLE users ADD COLUMN IF NOT EXISTS c int;",
            RULE,
        );
        lint_ok(
            "SELECT set_config('lock_timeout', '3s', true);\nALTER TABLE users ADD COLUMN IF NOT EXISTS c int;",
            RULE,
        );
        lint_ok(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON users (a);\nINSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
            RULE,
        );
        lint_errors(
            "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN IF NOT EXISTS c int;",
            RULE,
        );
    }

    #[test]
    fn a_new_foreign_key_locks_the_referenced_table() {
        let found = lint_errors(
            "CREATE TABLE IF NOT EXISTS audit (id int, order_id int REFERENCES orders (id));",
            RULE,
        );
        assert!(found[0].message.contains("orders, which its new foreign key references"));
        assert!(found[0].message.contains("SHARE ROW EXCLUSIVE"));
        lint_errors(
            "CREATE TABLE IF NOT EXISTS audit (id int);\nALTER TABLE audit ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES orders (id) NOT VALID;",
            RULE,
        );
        lint_errors(
            "CREATE TABLE IF NOT EXISTS audit (id int);\nALTER TABLE audit ADD COLUMN IF NOT EXISTS o int REFERENCES public.orders;",
            RULE,
        );
        // Referencing itself or a table of the same file locks nothing in use.
        lint_ok(
            "CREATE TABLE IF NOT EXISTS node (id int PRIMARY KEY, parent int REFERENCES node (id));\nCREATE TABLE IF NOT EXISTS leaf (n int REFERENCES node);",
            RULE,
        );
    }

    #[test]
    fn defaults_triggers_and_schema_drops_lock_too() {
        for sql in [
            "ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';",
            "ALTER TABLE orders ALTER COLUMN note DROP DEFAULT;",
            "ALTER TABLE orders DISABLE TRIGGER ALL;",
            "ALTER TABLE orders ENABLE ALWAYS TRIGGER audit;",
        ] {
            lint_errors(sql, RULE);
        }
        let found = lint_errors("DROP SCHEMA IF EXISTS billing CASCADE;", RULE);
        assert!(found[0].message.contains("every table of schema billing"));
        lint_ok("DROP SCHEMA IF EXISTS billing;", RULE);
        lint_ok(
            "CREATE SCHEMA IF NOT EXISTS scratch;\nDROP SCHEMA scratch CASCADE;",
            RULE,
        );
        lint_ok("ALTER TABLE orders ENABLE ROW LEVEL SECURITY;", RULE);
    }
}
