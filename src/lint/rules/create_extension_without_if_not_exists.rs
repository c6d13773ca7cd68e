//! `create-extension-without-if-not-exists`: `CREATE EXTENSION` fails when the extension is already installed.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_extension_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateExtension = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) {
        return None;
    }
    if ctx.object_dropped_earlier(ObjectKind::Extension, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE EXTENSION {} fails when the extension is already installed",
                shown(&action.name)
            ),
            "add IF NOT EXISTS after CREATE EXTENSION",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateExtensionWithoutIfNotExists;

    #[test]
    fn plain_create_extension() {
        lint_errors(r#"CREATE EXTENSION "uuid-ossp";"#, RULE);
    }

    #[test]
    fn with_schema() {
        lint_errors(r#"CREATE EXTENSION pgcrypto WITH SCHEMA extensions;"#, RULE);
    }

    #[test]
    fn if_not_exists() {
        lint_ok(r#"CREATE EXTENSION IF NOT EXISTS pgcrypto;"#, RULE);
    }
}
