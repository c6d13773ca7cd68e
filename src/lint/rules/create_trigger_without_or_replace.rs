//! `create-trigger-without-or-replace`: `CREATE TRIGGER` fails when the trigger exists, unless
//! written `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+) or preceded by `DROP TRIGGER IF EXISTS`.
//! `CREATE EVENT TRIGGER` has no `OR REPLACE`: it needs `DROP EVENT TRIGGER IF EXISTS` first or
//! a `pg_event_trigger` guard.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::{insert_fix, wrap_fix};
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown};
use crate::lint::Fix;

pub fn create_trigger_without_or_replace(action: &Action, ctx: &Ctx) -> Option<Hit> {
    match action.kind {
        Kind::CreateTrigger => create_trigger(action, ctx),
        Kind::CreateEventTrigger => create_event_trigger(action, ctx),
        _ => None,
    }
}

fn create_trigger(action: &Action, ctx: &Ctx) -> Option<Hit> {
    if action.flags.or_replace
        || !unprotected(action, ctx)
        || ctx.object_dropped_earlier(ObjectKind::Trigger, action)
    {
        return None;
    }
    let message = format!(
        "CREATE TRIGGER {} fails when {} already has the trigger",
        shown(&action.name),
        shown(&action.table)
    );
    if ctx.pg_version >= 14 {
        return Some(
            Hit::new(
                action,
                message,
                "write CREATE OR REPLACE TRIGGER (PostgreSQL 14+) or DROP TRIGGER IF EXISTS ... ON ... first",
            )
            .with_fix(insert_fix(action, "OR REPLACE ", "Add OR REPLACE")),
        );
    }
    // Before PostgreSQL 14 there is no CREATE OR REPLACE TRIGGER: drop it first.
    let fix = match (&action.name, &action.table, action.exact) {
        (Some(name), Some(table), true) => Some(Fix {
            title: "Drop the trigger first (DROP TRIGGER IF EXISTS)".to_string(),
            span: action.statement.start..action.statement.start,
            replacement: format!(
                "DROP TRIGGER IF EXISTS {} ON {};\n",
                name.written, table.written
            ),
            safe: true,
        }),
        _ => None,
    };
    Some(
        Hit::new(
            action,
            message,
            "DROP TRIGGER IF EXISTS ... ON ... first (CREATE OR REPLACE TRIGGER needs PostgreSQL 14; --pg-version says older)",
        )
        .with_fix(fix),
    )
}

fn create_event_trigger(action: &Action, ctx: &Ctx) -> Option<Hit> {
    if !unprotected(action, ctx)
        || ctx.object_dropped_earlier(ObjectKind::Other("EVENT TRIGGER"), action)
    {
        return None;
    }
    let name = action.name.as_ref()?;
    let condition = format!(
        "NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = {})",
        literal(&name.name)
    );
    Some(
        Hit::new(
            action,
            format!(
                "CREATE EVENT TRIGGER {} fails when the event trigger already exists",
                shown(&action.name)
            ),
            "guard it with a pg_event_trigger lookup, or DROP EVENT TRIGGER IF EXISTS first (there is no OR REPLACE)",
        )
        .with_fix(wrap_fix(
            action,
            ctx,
            &condition,
            "Guard with a pg_event_trigger lookup",
        )),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateTriggerWithoutOrReplace;

    #[test]
    fn plain_create_trigger() {
        lint_errors(
            "CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
            RULE,
        );
    }

    #[test]
    fn dropped_first_on_the_same_table() {
        lint_ok(
            "DROP TRIGGER IF EXISTS trg ON t;\nCREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
            RULE,
        );
        lint_errors(
            "DROP TRIGGER IF EXISTS trg ON other;\nCREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
            RULE,
        );
    }

    #[test]
    fn event_triggers() {
        let found = lint_errors(
            "CREATE EVENT TRIGGER issue_pg_net_access ON ddl_command_end WHEN TAG IN ('CREATE EXTENSION') EXECUTE FUNCTION extensions.grant_pg_net_access();",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "CREATE EVENT TRIGGER issue_pg_net_access fails when the event trigger already exists"
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.replacement.contains("pg_event_trigger"),
            "{}",
            fix.replacement
        );
        lint_ok(&fix.replacement, RULE);
        lint_ok(
            "DROP EVENT TRIGGER IF EXISTS watch;\nCREATE EVENT TRIGGER watch ON sql_drop EXECUTE FUNCTION f();",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'watch') THEN CREATE EVENT TRIGGER watch ON sql_drop EXECUTE FUNCTION f(); END IF; END $$;",
            RULE,
        );
        lint_errors(
            "DROP TRIGGER IF EXISTS watch ON t;\nCREATE EVENT TRIGGER watch ON sql_drop EXECUTE FUNCTION f();",
            RULE,
        );
    }

    /// CREATE OR REPLACE TRIGGER exists from PostgreSQL 14: before, the fix drops the trigger.
    #[test]
    fn the_fix_follows_the_postgresql_version() {
        use crate::lint::rules::test::lint_with;
        use crate::lint::Settings;
        let sql = "CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();";
        let fix = |version: u32| {
            let found = lint_with(sql, RULE, |s| Settings { pg_version: version, ..s }, 1);
            found[0].fix.clone().expect("a fix").statement
        };
        assert_eq!(
            fix(13),
            format!("DROP TRIGGER IF EXISTS trg ON t;\n{sql}")
        );
        assert_eq!(
            fix(14),
            "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();"
        );
    }

    #[test]
    fn or_replace() {
        lint_ok(
            "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
            RULE,
        );
    }
}
