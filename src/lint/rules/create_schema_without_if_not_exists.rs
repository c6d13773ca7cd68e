//! `create-schema-without-if-not-exists`: `CREATE SCHEMA` fails when the schema already exists.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_schema_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateSchema = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) {
        return None;
    }
    if ctx.object_dropped_earlier(ObjectKind::Schema, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE SCHEMA {} fails when the schema already exists",
                shown(&action.name)
            ),
            "add IF NOT EXISTS after CREATE SCHEMA",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateSchemaWithoutIfNotExists;

    #[test]
    fn plain_create_schema() {
        lint_errors(r#"CREATE SCHEMA billing;"#, RULE);
    }

    #[test]
    fn if_not_exists() {
        lint_ok(r#"CREATE SCHEMA IF NOT EXISTS billing;"#, RULE);
    }

    #[test]
    fn duplicate_schema_handler() {
        lint_ok(
            r#"DO $$ BEGIN CREATE SCHEMA billing; EXCEPTION WHEN duplicate_schema THEN NULL; END $$;"#,
            RULE,
        );
    }
}
