//! `create-materialized-view-without-if-not-exists`: `CREATE MATERIALIZED VIEW` fails when the view already exists.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_materialized_view_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateMaterializedView = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) {
        return None;
    }
    if ctx.object_dropped_earlier(ObjectKind::MaterializedView, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE MATERIALIZED VIEW {} fails when the view already exists",
                shown(&action.name)
            ),
            "add IF NOT EXISTS after CREATE MATERIALIZED VIEW",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateMaterializedViewWithoutIfNotExists;

    #[test]
    fn plain_create_matview() {
        lint_errors(
            r#"CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM orders;"#,
            RULE,
        );
    }

    #[test]
    fn if_not_exists() {
        lint_ok(
            r#"CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1;"#,
            RULE,
        );
    }

    #[test]
    fn dropped_first() {
        lint_ok(
            r#"DROP MATERIALIZED VIEW IF EXISTS totals;
CREATE MATERIALIZED VIEW totals AS SELECT 1;"#,
            RULE,
        );
    }
}
