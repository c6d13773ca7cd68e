//! `create-domain-without-guard`: `CREATE DOMAIN` has no `IF NOT EXISTS`; it fails on a second
//! run unless guarded by a `pg_type` lookup or a `duplicate_object` handler.

use super::Hit;
use super::create_type_without_guard::type_guard_fix;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::guard::unprotected;
use crate::lint::names::shown;

pub fn create_domain_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::CreateDomain = action.kind else {
        return None;
    };
    if !unprotected(action, ctx) || ctx.object_dropped_earlier(ObjectKind::Domain, action) {
        return None;
    }
    Some(
        Hit::new(
            action,
            format!(
                "CREATE DOMAIN {} fails when the domain already exists",
                shown(&action.name)
            ),
            "run it only when pg_type has no such domain (a guarded DO block)",
        )
        .with_fix(type_guard_fix(action, ctx)),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::CreateDomainWithoutGuard;

    #[test]
    fn plain_create_domain() {
        lint_errors("CREATE DOMAIN email AS text CHECK (VALUE ~ '@');", RULE);
    }

    #[test]
    fn guarded() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'email') THEN CREATE DOMAIN email AS text; END IF; END $$;",
            RULE,
        );
        let found = lint_errors("CREATE DOMAIN email AS text;", RULE);
        lint_ok(&found[0].fix.as_ref().expect("a fix").replacement, RULE);
    }
}
