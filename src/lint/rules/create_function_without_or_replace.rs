//! `create-function-without-or-replace`: `CREATE FUNCTION` / `CREATE PROCEDURE` /
//! `CREATE AGGREGATE` fails when a routine with the same signature exists; `CREATE OR REPLACE`
//! does not.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::fix::insert_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_function_without_or_replace(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let (what, kind) = match action.kind {
        Kind::CreateFunction => ("FUNCTION", ObjectKind::Function),
        Kind::CreateProcedure => ("PROCEDURE", ObjectKind::Procedure),
        Kind::CreateAggregate => ("AGGREGATE", ObjectKind::Other("AGGREGATE")),
        _ => return None,
    };
    if action.flags.or_replace
        || !unprotected(action, ctx)
        || ctx.object_dropped_earlier(kind, action)
    {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE {what} {} fails when it already exists",
                shown(&action.name)
            ),
            format!("write CREATE OR REPLACE {what}"),
        )
        .with_fix(insert_fix(action, "OR REPLACE ", "Add OR REPLACE")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateFunctionWithoutOrReplace;

    #[test]
    fn aggregates() {
        let found = lint_errors(
            "CREATE AGGREGATE public.group_concat(text) (SFUNC = public._group_concat, STYPE = text);",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "CREATE AGGREGATE public.group_concat fails when it already exists"
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(fix
            .statement
            .starts_with("CREATE OR REPLACE AGGREGATE public.group_concat"));
        lint_ok(
            "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);",
            RULE,
        );
        lint_ok(
            "DROP AGGREGATE IF EXISTS group_concat(text);\nCREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);",
            RULE,
        );
    }

    #[test]
    fn functions_and_procedures() {
        lint_errors(
            "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$ LANGUAGE plpgsql;",
            RULE,
        );
        lint_errors("CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;", RULE);
    }

    #[test]
    fn or_replace_is_fine() {
        lint_ok(
            "CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            RULE,
        );
        lint_ok(
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;",
            RULE,
        );
    }
}
