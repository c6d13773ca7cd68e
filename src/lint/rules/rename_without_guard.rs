//! `rename-without-guard`: a `RENAME` of a column, table, index or constraint fails on a second
//! run (the old name is gone) unless a DO block checks that the old name still exists.

use super::{literal, rename_noun, schema_condition, shown, unprotected, wrap_fix, Ctx, Hit};
use crate::lint::action::{Action, Kind, RenameKind};

pub fn rename_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Rename(kind) = action.kind else {
        return None;
    };
    if action.flags.if_exists || !unprotected(action, ctx) {
        return None;
    }
    let noun = rename_noun(kind);
    let new_name = action.new_name.as_deref().unwrap_or("?");
    Some(
        Hit::new(
            action,
            format!(
                "renaming {noun} {} to {new_name} fails when it was already renamed",
                shown(&action.name)
            ),
            format!(
                "run the rename only when the {noun} still has its old name (a guarded DO block)"
            ),
        )
        .with_fix(guard_fix(action, ctx, kind)),
    )
}

fn guard_fix(action: &Action, ctx: &Ctx, kind: RenameKind) -> Option<crate::lint::Fix> {
    let name = action.name.as_ref()?;
    let table = action.table.as_ref();
    let condition = match kind {
        RenameKind::Column => {
            let table = table?;
            format!(
                "EXISTS (\n        SELECT 1 FROM information_schema.columns\n        WHERE {} AND table_name = {} AND column_name = {}\n    )",
                schema_condition("table_schema", table.schema.as_ref()),
                literal(&table.name),
                literal(&name.name)
            )
        }
        RenameKind::Table | RenameKind::Index => format!(
            "EXISTS (\n        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace\n        WHERE c.relname = {} AND {}\n    )",
            literal(&name.name),
            schema_condition("n.nspname", name.schema.as_ref())
        ),
        RenameKind::Constraint => format!(
            "EXISTS (\n        SELECT 1 FROM pg_constraint\n        WHERE conname = {} AND conrelid = {}::regclass\n    )",
            literal(&name.name),
            literal(&table?.written)
        ),
    };
    wrap_fix(
        action,
        ctx,
        &condition,
        "Guard with a lookup of the old name",
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::RenameWithoutGuard;

    #[test]
    fn column_table_index_and_constraint() {
        for sql in [
            "ALTER TABLE t RENAME COLUMN a TO b;",
            "ALTER TABLE t RENAME a TO b;",
            "ALTER TABLE t RENAME TO u;",
            "ALTER INDEX ix_a RENAME TO ix_b;",
            "ALTER TABLE t RENAME CONSTRAINT ck_a TO ck_b;",
        ] {
            let found = lint_errors(sql, RULE);
            let fix = found[0].fix.as_ref().expect("a fix");
            lint_ok(&fix.replacement, RULE);
        }
    }

    #[test]
    fn guarded_or_if_exists() {
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN ALTER TABLE t RENAME COLUMN a TO b; END IF; END $$;",
            RULE,
        );
        lint_ok("ALTER TABLE IF EXISTS t RENAME TO u;", RULE);
        lint_ok("ALTER INDEX IF EXISTS ix_a RENAME TO ix_b;", RULE);
    }
}
