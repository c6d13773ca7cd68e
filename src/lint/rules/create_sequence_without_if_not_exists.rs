//! `create-sequence-without-if-not-exists`: `CREATE SEQUENCE` fails when the sequence already exists.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_sequence_without_if_not_exists(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateSequence = action.kind else {
        return None;
    };
    if action.flags.if_not_exists || action.flags.temporary || !unprotected(action, ctx) {
        return None;
    }
    if ctx.object_dropped_earlier(ObjectKind::Sequence, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE SEQUENCE {} fails when the sequence already exists",
                shown(&action.name)
            ),
            "add IF NOT EXISTS after CREATE SEQUENCE",
        )
        .with_fix(insert_fix(action, "IF NOT EXISTS ", "Add IF NOT EXISTS")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateSequenceWithoutIfNotExists;

    #[test]
    fn plain_create_sequence() {
        lint_errors(r#"CREATE SEQUENCE order_no START 1000;"#, RULE);
    }

    #[test]
    fn if_not_exists() {
        lint_ok(r#"CREATE SEQUENCE IF NOT EXISTS order_no;"#, RULE);
    }
}
