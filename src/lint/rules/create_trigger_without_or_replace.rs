//! `create-trigger-without-or-replace`: `CREATE TRIGGER` fails when the trigger exists, unless
//! written `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+) or preceded by `DROP TRIGGER IF EXISTS`.

use super::{insert_fix, shown, unprotected, Ctx, Hit};
use crate::lint::action::{Action, Kind, ObjectKind};

pub fn create_trigger_without_or_replace(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateTrigger = action.kind else {
        return None;
    };
    if action.flags.or_replace
        || !unprotected(action, ctx)
        || ctx.object_dropped_earlier(ObjectKind::Trigger, action)
    {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE TRIGGER {} fails when {} already has the trigger",
                shown(&action.name),
                shown(&action.table)
            ),
            "write CREATE OR REPLACE TRIGGER (PostgreSQL 14+) or DROP TRIGGER IF EXISTS ... ON ... first",
        )
        .with_fix(insert_fix(action, "OR REPLACE ", "Add OR REPLACE")),
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
    fn or_replace() {
        lint_ok(
            "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
            RULE,
        );
    }
}
