//! `add-enum-value-without-if-not-exists`: `ALTER TYPE ... ADD VALUE` fails when the enum already has the value.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::{shown, shown_name};

pub fn add_enum_value_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddEnumValue = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || !unprotected(action, ctx) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "ADD VALUE {} fails when the enum {} already has it",
                shown_name(action),
                shown(&action.table)
            ),
            "add IF NOT EXISTS after ADD VALUE",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddEnumValueWithoutIfNotExists;

    #[test]
    fn plain_add_value() {
        lint_errors(r#"ALTER TYPE mood ADD VALUE 'happy';"#, RULE);
    }

    #[test]
    fn add_value_before() {
        lint_errors(r#"ALTER TYPE mood ADD VALUE 'meh' BEFORE 'happy';"#, RULE);
    }

    #[test]
    fn if_not_exists() {
        lint_ok(r#"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';"#, RULE);
    }

    #[test]
    fn guarded_by_pg_enum() {
        lint_ok(
            r#"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = 'happy') THEN ALTER TYPE mood ADD VALUE 'happy'; END IF; END $$;"#,
            RULE,
        );
    }
}
