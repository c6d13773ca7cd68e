//! `create-view-without-or-replace`: `CREATE VIEW` fails when the view exists; `CREATE OR
//! REPLACE VIEW` does not (materialized views are `create-materialized-view-without-if-not-exists`).

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_view_without_or_replace(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateView = action.kind else {
        return None;
    };
    if action.flags.or_replace
        || action.flags.temporary
        || !unprotected(action, ctx)
        || ctx.object_dropped_earlier(ObjectKind::View, action)
    {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE VIEW {} fails when the view already exists",
                shown(&action.name)
            ),
            "write CREATE OR REPLACE VIEW",
        )
        .with_fix(insert_fix(action, "OR REPLACE ", "Add OR REPLACE")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateViewWithoutOrReplace;

    #[test]
    fn plain_create_view() {
        lint_errors(
            "CREATE VIEW active AS SELECT * FROM users WHERE active;",
            RULE,
        );
        lint_errors("CREATE RECURSIVE VIEW nums (n) AS SELECT 1;", RULE);
    }

    #[test]
    fn or_replace_or_dropped_first() {
        lint_ok("CREATE OR REPLACE VIEW active AS SELECT 1;", RULE);
        lint_ok(
            "DROP VIEW IF EXISTS active;\nCREATE VIEW active AS SELECT 1;",
            RULE,
        );
        lint_ok("CREATE MATERIALIZED VIEW m AS SELECT 1;", RULE);
    }
}
