//! `add-constraint-without-guard`: PostgreSQL has no `ADD CONSTRAINT IF NOT EXISTS`, so a plain
//! `ADD CONSTRAINT` (foreign key, unique, check, primary key, exclusion) fails on a second run
//! unless a DO block checks `pg_constraint` first, an exception handler catches the duplicate,
//! or the file drops the constraint with `DROP CONSTRAINT IF EXISTS` just before.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::wrap_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown};

pub fn add_constraint_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AddConstraint(kind) = action.kind else {
        return None;
    };
    if !unprotected(action, ctx) || ctx.constraint_dropped_earlier(action) {
        return None;
    }
    let table = action.table.as_ref()?;
    let Some(name) = &action.name else {
        return Some(Hit::new(
            action,
            format!(
                "unnamed {} constraint on {} is added again on every run",
                kind.sql(),
                shown(&action.table)
            ),
            "name the constraint (ADD CONSTRAINT <name> ...) and guard it with a pg_constraint lookup",
        ));
    };
    let condition = format!(
        "NOT EXISTS (\n        SELECT 1 FROM pg_constraint\n        WHERE conname = {} AND conrelid = {}::regclass\n    )",
        literal(&name.name),
        literal(&table.written)
    );
    let message = if action.flags.implicit_name {
        format!(
            "ADD {} (named {}) fails when {} already has a primary key",
            kind.sql(),
            shown(&action.name),
            shown(&action.table)
        )
    } else {
        format!(
            "ADD CONSTRAINT {} fails when {} already has the constraint",
            shown(&action.name),
            shown(&action.table)
        )
    };
    Some(
        Hit::new(
            action,
            message,
            "run it only when pg_constraint has no such constraint (a guarded DO block), or drop it with DROP CONSTRAINT IF EXISTS first",
        )
        .with_fix(wrap_fix(action, ctx, &condition, "Guard with a pg_constraint lookup")),
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AddConstraintWithoutGuard;

    #[test]
    fn names_with_quotes_are_shown_as_sql_identifiers() {
        let found = lint_errors(
            r#"ALTER TABLE app."Line""Item" ADD CONSTRAINT "ck""a" CHECK (a > 0);"#,
            RULE,
        );
        assert_eq!(
            found[0].message,
            r#"ADD CONSTRAINT "ck""a" fails when app."Line""Item" already has the constraint"#
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.replacement
                .contains(r#"conname = 'ck"a' AND conrelid = 'app."Line""Item"'::regclass"#),
            "{}",
            fix.replacement
        );
    }

    #[test]
    fn every_constraint_kind() {
        for sql in [
            "ALTER TABLE t ADD CONSTRAINT fk_t_u FOREIGN KEY (u_id) REFERENCES u (id);",
            "ALTER TABLE t ADD CONSTRAINT uq_t_a UNIQUE (a);",
            "ALTER TABLE t ADD CONSTRAINT ck_t_a CHECK (a > 0) NOT VALID;",
            "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
            "ALTER TABLE t ADD CONSTRAINT ex_t EXCLUDE USING gist (r WITH &&);",
            "ALTER TABLE ONLY t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);",
            "ALTER TABLE t ADD PRIMARY KEY (id);",
        ] {
            lint_errors(sql, RULE);
        }
    }

    #[test]
    fn guarded_by_pg_constraint() {
        lint_ok(
            "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_t_u') THEN\n    ALTER TABLE t ADD CONSTRAINT fk_t_u FOREIGN KEY (u_id) REFERENCES u (id);\n  END IF;\nEND $$;",
            RULE,
        );
    }

    #[test]
    fn dropped_if_exists_just_before() {
        lint_ok(
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS uq_t_a;\nALTER TABLE t ADD CONSTRAINT uq_t_a UNIQUE (a);",
            RULE,
        );
        lint_ok(
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS uq_t_a, ADD CONSTRAINT uq_t_a UNIQUE (a);",
            RULE,
        );
        // A plain DROP first: it is flagged itself, and once it ran the ADD cannot fail.
        lint_ok(
            "ALTER TABLE t DROP CONSTRAINT \"t_u_fkey\";\nALTER TABLE t ADD CONSTRAINT \"t_u_fkey\" FOREIGN KEY (u) REFERENCES u (id);",
            RULE,
        );
        lint_errors(
            "ALTER TABLE t DROP CONSTRAINT \"t_u_fkey\";\nALTER TABLE t ADD CONSTRAINT \"t_u_fkey\" FOREIGN KEY (u) REFERENCES u (id);",
            Rule::DropConstraintWithoutIfExists,
        );
        // A drop on another table does not count.
        lint_errors(
            "ALTER TABLE other DROP CONSTRAINT IF EXISTS uq_t_a;\nALTER TABLE t ADD CONSTRAINT uq_t_a UNIQUE (a);",
            RULE,
        );
    }

    #[test]
    fn an_unnamed_primary_key_is_named_table_pkey() {
        // PostgreSQL names it `<table>_pkey`: dropping that first makes the pair re-runnable.
        lint_ok(
            "ALTER TABLE iceberg_catalogs DROP CONSTRAINT IF EXISTS iceberg_catalogs_pkey;\nALTER TABLE iceberg_catalogs ADD PRIMARY KEY (id);",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'orders_pkey') THEN ALTER TABLE app.orders ADD PRIMARY KEY (id); END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'orders_pkey') THEN ALTER TABLE app.orders ADD PRIMARY KEY (id); END IF; END $$;",
            Rule::GuardChecksWrongObject,
        );
        let found = lint_errors("ALTER TABLE app.orders ADD PRIMARY KEY (id);", RULE);
        assert_eq!(
            found[0].message,
            "ADD PRIMARY KEY (named orders_pkey) fails when app.orders already has a primary key"
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.replacement.contains("conname = 'orders_pkey'"),
            "{}",
            fix.replacement
        );
        lint_ok(&fix.replacement, RULE);
        // Another constraint's drop does not count.
        lint_errors(
            "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_id_key;\nALTER TABLE orders ADD PRIMARY KEY (id);",
            RULE,
        );
    }

    #[test]
    fn exception_handler() {
        lint_ok(
            "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            RULE,
        );
    }

    #[test]
    fn the_fix_moves_the_constraint_out_of_a_multi_action_alter() {
        let sql = "ALTER TABLE ONLY t\n    ADD COLUMN IF NOT EXISTS a int,\n    ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id),\n    ALTER COLUMN b SET DEFAULT 0;";
        let found = lint_errors(sql, RULE);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.statement.starts_with(
                "ALTER TABLE ONLY t\n    ADD COLUMN IF NOT EXISTS a int,\n    ALTER COLUMN b SET DEFAULT 0;\nDO $$"
            ),
            "{}",
            fix.statement
        );
        assert!(fix.statement.contains(
            "        ALTER TABLE ONLY t\n            ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);"
        ));
        lint_ok(&fix.statement, RULE);
        // A comment at the end of the head stays a comment.
        let found = lint_errors(
            "ALTER TABLE t -- note\n  ALTER COLUMN a DROP DEFAULT,\n  ADD CONSTRAINT uq UNIQUE (a);",
            RULE,
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.statement
                .contains("ALTER TABLE t -- note\n            ADD CONSTRAINT uq UNIQUE (a);"),
            "{}",
            fix.statement
        );
        // The last action: the comma before it goes. Actions no rule reads stay too.
        let found = lint_errors(
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 0, ADD CONSTRAINT ck CHECK (a > 0);",
            RULE,
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.statement
                .starts_with("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;\nDO $$"),
            "{}",
            fix.statement
        );
        let found = lint_errors(
            "ALTER TABLE t ADD COLUMN a int, ADD CONSTRAINT ck CHECK (a > 0);",
            RULE,
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.statement
                .starts_with("ALTER TABLE t ADD COLUMN a int;\nDO $$"),
            "{}",
            fix.statement
        );
    }

    #[test]
    fn the_fix_is_a_guarded_do_block() {
        let found = lint_errors(
            "ALTER TABLE \"Order\" ADD CONSTRAINT ck CHECK (total > 0);",
            RULE,
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(fix
            .replacement
            .contains("conname = 'ck' AND conrelid = '\"Order\"'::regclass"));
        lint_ok(&fix.replacement, RULE);
    }
}
