//! `rename-without-guard`: a `RENAME` fails on a second run (the old name is gone) unless a DO
//! block checks that the old name still exists. Covers columns (of tables, views and
//! materialized views), tables, indexes, constraints, views, materialized views, sequences,
//! types, domains, enum values, schemas, functions, procedures and triggers.

use super::Hit;
use crate::lint::action::{quote_ident, Action, Kind, RenameKind};
use crate::lint::context::Ctx;
use crate::lint::fix::{schema_condition, wrap_fix};
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown, shown_name};

pub fn rename_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Rename(kind) = action.kind else {
        return None;
    };
    if action.flags.if_exists || !unprotected(action, ctx) || ctx.safe_after_earlier() {
        return None;
    }
    let noun = kind.noun();
    let new_name = match (&action.new_name, kind) {
        (None, _) => "?".to_string(),
        (Some(value), RenameKind::EnumValue) => literal(value),
        (Some(name), _) => quote_ident(name),
    };
    let old = shown_name(action);
    let object = match kind {
        RenameKind::Column | RenameKind::MaterializedViewColumn | RenameKind::Constraint => {
            format!("{noun} {old} of {}", shown(&action.table))
        }
        RenameKind::EnumValue => format!("{noun} {old} of type {}", shown(&action.table)),
        RenameKind::Trigger => format!("{noun} {old} on {}", shown(&action.table)),
        _ => format!("{noun} {old}"),
    };
    // Code built from schema.yaml reads the old name.
    let declared = match kind {
        RenameKind::Column => action
            .table
            .as_ref()
            .zip(action.name.as_ref())
            .and_then(|(table, column)| ctx.still_declared(table, Some(&column.name))),
        RenameKind::Table => action
            .name
            .as_ref()
            .and_then(|table| ctx.still_declared(table, None)),
        _ => None,
    };
    let still_read = declared
        .map(|declared| format!("; schema.yaml still declares {declared}: running code reads it"))
        .unwrap_or_default();
    Some(
        Hit::new(
            action,
            format!(
                "renaming {object} to {new_name} fails when it was already renamed{still_read}"
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
    let relation = |relkind: &str| {
        format!(
            "EXISTS (\n        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace\n        WHERE c.relname = {} AND {}{relkind}\n    )",
            literal(&name.name),
            schema_condition("n.nspname", name.schema.as_ref())
        )
    };
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
        RenameKind::MaterializedViewColumn => format!(
            "EXISTS (\n        SELECT 1 FROM pg_attribute\n        WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped\n    )",
            literal(&table?.written),
            literal(&name.name)
        ),
        RenameKind::Table | RenameKind::Index => relation(""),
        RenameKind::View => relation(" AND c.relkind = 'v'"),
        RenameKind::MaterializedView => relation(" AND c.relkind = 'm'"),
        RenameKind::Sequence => relation(" AND c.relkind = 'S'"),
        RenameKind::Constraint => format!(
            "EXISTS (\n        SELECT 1 FROM pg_constraint\n        WHERE conname = {} AND conrelid = {}::regclass\n    )",
            literal(&name.name),
            literal(&table?.written)
        ),
        RenameKind::Type | RenameKind::Domain => format!(
            "EXISTS (\n        SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace\n        WHERE t.typname = {} AND {}\n    )",
            literal(&name.name),
            schema_condition("n.nspname", name.schema.as_ref())
        ),
        RenameKind::EnumValue => {
            let table = table?;
            format!(
                "EXISTS (\n        SELECT 1 FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid\n        JOIN pg_namespace n ON n.oid = t.typnamespace\n        WHERE t.typname = {} AND {} AND e.enumlabel = {}\n    )",
                literal(&table.name),
                schema_condition("n.nspname", table.schema.as_ref()),
                literal(&name.name)
            )
        }
        RenameKind::Schema => format!(
            "EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {})",
            literal(&name.name)
        ),
        RenameKind::Function | RenameKind::Procedure => format!(
            "EXISTS (\n        SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace\n        WHERE p.proname = {} AND {}\n    )",
            literal(&name.name),
            schema_condition("n.nspname", name.schema.as_ref())
        ),
        RenameKind::Trigger => format!(
            "EXISTS (\n        SELECT 1 FROM pg_trigger\n        WHERE tgname = {} AND tgrelid = to_regclass({})\n    )",
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
    use crate::lint::rules::test::{lint_declared, lint_errors, lint_ok};
    use crate::lint::{Rule, Selection, Severity};

    const RULE: Rule = Rule::RenameWithoutGuard;

    #[test]
    fn renames_that_cannot_fail_after_the_statements_before_them() {
        // An enum swap: only the first rename can fail (when x is missing or x_old exists).
        let sql = "CREATE TYPE x_new AS ENUM ('a');\nALTER TYPE x RENAME TO x_old;\nALTER TYPE x_new RENAME TO x;\nDROP TYPE x_old;";
        let found = lint_errors(sql, RULE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.starts_with("renaming type x to x_old"));
        lint_ok(sql, Rule::DropWithoutIfExists);
        lint_errors(sql, Rule::CreateTypeWithoutGuard);
        lint_ok(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;\nALTER TABLE t DROP COLUMN IF EXISTS b;\nALTER TABLE t RENAME COLUMN a TO b;",
            RULE,
        );
        // The target may exist: not known to be absent.
        lint_errors(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;\nALTER TABLE t RENAME COLUMN a TO b;",
            RULE,
        );
        // Created only under a condition: not known.
        lint_errors(
            "DO $$ BEGIN IF current_setting('x') = 'y' THEN CREATE TYPE x_new AS ENUM ('a'); END IF; END $$;\nDROP TYPE IF EXISTS x;\nALTER TYPE x_new RENAME TO x;",
            RULE,
        );
        // Renamed away, then created again under the old name.
        lint_ok(
            "ALTER TABLE t RENAME TO t_old;\nCREATE TABLE t (id int);",
            Rule::CreateTableWithoutIfNotExists,
        );
    }

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
    fn every_renamable_object_kind_is_named_in_the_message() {
        for (sql, message) in [
            (
                "ALTER TYPE mood RENAME TO feeling;",
                "renaming type mood to feeling",
            ),
            (
                "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
                "renaming enum value 'sad' of type mood to 'blue'",
            ),
            (
                "ALTER SCHEMA billing RENAME TO invoicing;",
                "renaming schema billing to invoicing",
            ),
            (
                "ALTER FUNCTION app.total(int, text) RENAME TO grand_total;",
                "renaming function app.total to grand_total",
            ),
            (
                "ALTER PROCEDURE purge() RENAME TO purge_all;",
                "renaming procedure purge to purge_all",
            ),
            (
                "ALTER VIEW v_open RENAME TO v_pending;",
                "renaming view v_open to v_pending",
            ),
            (
                "ALTER MATERIALIZED VIEW mv_totals RENAME TO mv_sums;",
                "renaming materialized view mv_totals to mv_sums",
            ),
            (
                "ALTER SEQUENCE orders_id_seq RENAME TO purchases_id_seq;",
                "renaming sequence orders_id_seq to purchases_id_seq",
            ),
            (
                "ALTER VIEW v_open RENAME COLUMN total TO amount;",
                "renaming column total of v_open to amount",
            ),
            (
                "ALTER MATERIALIZED VIEW mv_totals RENAME total TO amount;",
                "renaming column total of mv_totals to amount",
            ),
            (
                "ALTER TRIGGER trg_a ON orders RENAME TO trg_b;",
                "renaming trigger trg_a on orders to trg_b",
            ),
            (
                "ALTER DOMAIN email RENAME TO email_address;",
                "renaming domain email to email_address",
            ),
        ] {
            let found = lint_errors(sql, RULE);
            assert!(
                found[0].message.starts_with(message),
                "{sql}: {}",
                found[0].message
            );
            let fix = found[0].fix.as_ref().expect("a fix");
            lint_ok(&fix.replacement, RULE);
            // The guarded block is read as far as the statement alone was.
            let stats = |sql: &str| crate::lint::lint_text("t.sql", sql, &Selection::all()).stats;
            assert_eq!(
                stats(&fix.replacement).parsed,
                stats(sql).parsed,
                "{}",
                fix.replacement
            );
        }
    }

    #[test]
    fn names_with_quotes_are_shown_as_sql_identifiers() {
        let found = lint_errors(r#"ALTER TABLE "x""y" RENAME COLUMN "A" TO "b""c";"#, RULE);
        assert_eq!(
            found[0].message,
            r#"renaming column "A" of "x""y" to "b""c" fails when it was already renamed"#
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert!(
            fix.replacement.contains("table_name = 'x\"y'"),
            "{}",
            fix.replacement
        );
    }

    #[test]
    fn guarded_renames_of_other_kinds() {
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN ALTER TYPE mood RENAME TO feeling; END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = 'sad') THEN ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'; END IF; END $$;",
            RULE,
        );
        lint_ok("ALTER VIEW IF EXISTS v_open RENAME TO v_pending;", RULE);
        lint_ok("ALTER SEQUENCE IF EXISTS s RENAME TO t;", RULE);
        lint_ok("ALTER MATERIALIZED VIEW IF EXISTS mv RENAME TO mv2;", RULE);
        // Not a rename.
        lint_ok("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';", RULE);
        lint_ok("ALTER FUNCTION f(int) OWNER TO app;", RULE);
        lint_ok("ALTER SCHEMA billing OWNER TO app;", RULE);
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

    #[test]
    fn renaming_what_schema_yaml_still_declares_says_so() {
        let schema =
            "version: 1\ntables:\n  prospects:\n    columns:\n      domain: { type: text }\n";
        let finding = lint_declared(
            "ALTER TABLE prospects RENAME COLUMN domain TO host;",
            RULE,
            schema,
        );
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding
                .message
                .ends_with("; schema.yaml still declares prospects.domain: running code reads it"),
            "{}",
            finding.message
        );
        let finding = lint_declared("ALTER TABLE prospects RENAME TO leads;", RULE, schema);
        assert!(
            finding
                .message
                .ends_with("schema.yaml still declares prospects: running code reads it"),
            "{}",
            finding.message
        );
        let finding = lint_declared(
            "ALTER TABLE prospects RENAME COLUMN host TO domain;",
            RULE,
            schema,
        );
        assert!(
            !finding.message.contains("schema.yaml"),
            "{}",
            finding.message
        );
    }
}
