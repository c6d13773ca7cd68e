//! `guard-checks-wrong-object`: a DO block whose `IF NOT EXISTS (...)` guard looks up one object
//! while its body creates another. It looks idempotent, but the guard passes on the second run
//! and the body fails (or the guard blocks the body forever).

use super::Hit;
use crate::lint::action::{quote_ident, Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::guard::Protection;
use crate::lint::names::shown_name;

pub fn guard_checks_wrong_object(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let flags = action.flags;
    if flags.if_not_exists || flags.if_exists || flags.or_replace || action.name.is_none() {
        return None;
    }
    let verb = match action.kind {
        Kind::AddColumn(_) | Kind::AddConstraint(_) | Kind::AddEnumValue => "adds",
        Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint => "drops",
        Kind::Rename(_) => "renames",
        _ => "creates",
    };
    let protection = ctx.protection(action);
    if matches!(protection, Protection::None | Protection::Protected) {
        return None;
    }
    let name = shown_name(action);
    match protection {
        Protection::WrongSense { checked, present } => {
            let what = match (&action.new_name, &action.kind) {
                (Some(new_name), Kind::Rename(_)) if checked != name => {
                    format!("{name} to {}", quote_ident(new_name))
                }
                _ => name.clone(),
            };
            let state = if present {
                "already exists"
            } else {
                "does not exist"
            };
            let wanted = if present { "NOT EXISTS" } else { "EXISTS" };
            Some(Hit::new(
                action,
                format!("guard has the wrong sense: the body {verb} {what} only when {checked} {state}"),
                format!("turn the guard around (IF {wanted} ...) so that the body runs when it can succeed"),
            ))
        }
        Protection::WrongGuard {
            checks,
            sentinel: true,
        } => Some(Hit::new(
            action,
            format!(
                "guard checks only {checks}, which this block also creates, not {name}: the block fails when {name} exists without {checks} (a half-applied hotfix), and never {verb} {name} when {checks} exists without it"
            ),
            format!(
                "guard each object with its own lookup: put {name} under an IF NOT EXISTS of its own (or use IF NOT EXISTS on the statement where PostgreSQL has it)"
            ),
        )),
        Protection::WrongGuard { checks, .. } => Some(Hit::new(
            action,
            format!("guard checks {checks}, body {verb} {name}"),
            format!("make the guard look up {name} (the object the body {verb})"),
        )),
        Protection::None | Protection::Protected => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::GuardChecksWrongObject;

    #[test]
    fn guard_on_another_column() {
        let found = lint_errors(
            "DO $$\nBEGIN\n    IF NOT EXISTS (\n        SELECT 1 FROM information_schema.columns\n        WHERE table_name = 'deals' AND column_name = 'closing_date'\n    ) THEN\n        ALTER TABLE deals ADD COLUMN announced_date date;\n    END IF;\nEND $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard checks closing_date, body adds announced_date"
        );
    }

    #[test]
    fn the_action_is_idempotent_on_its_own() {
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'EventRecord') THEN ALTER TABLE \"EventRecord\" DROP COLUMN IF EXISTS \"x\"; END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn guard_on_the_right_name_in_another_table() {
        let found = lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'tenders' AND column_name = 'region') THEN ALTER TABLE offers ADD COLUMN region text; END IF; END $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard checks tenders.region, body adds region"
        );
        lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_a' AND conrelid = 'public.orders'::regclass) THEN ALTER TABLE invoices ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES u (id); END IF; END $$;",
            RULE,
        );
        // constraint_column_usage.table_name of a foreign key is the referenced table.
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT * FROM information_schema.constraint_column_usage WHERE table_schema = 'auth' AND table_name = 'sessions' AND constraint_name = 'fk_s') THEN ALTER TABLE auth.tokens ADD CONSTRAINT fk_s FOREIGN KEY (s) REFERENCES auth.sessions (id); END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_a' AND conrelid = 'public.invoices'::regclass) THEN ALTER TABLE invoices ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES u (id); END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn guard_on_the_right_object() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'announced_date') THEN ALTER TABLE deals ADD COLUMN announced_date date; END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn wrong_constraint_and_type_names() {
        lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_old') THEN ALTER TABLE t ADD CONSTRAINT fk_new FOREIGN KEY (a) REFERENCES u (id); END IF; END $$;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'status') THEN CREATE TYPE state AS ENUM ('a'); END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn a_table_created_under_the_guard_covers_its_indexes() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 't') THEN CREATE TABLE t (a int); CREATE INDEX ix_t_a ON t (a); END IF; END $$;",
            RULE,
        );
    }

    #[test]
    fn an_if_exists_guard_on_another_column_before_a_rename() {
        let found = lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'tenders' AND column_name = 'budget') THEN ALTER TABLE tenders RENAME COLUMN closing_date TO closes_at; END IF; END $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard checks budget, body renames closing_date"
        );
    }

    #[test]
    fn a_guard_with_the_wrong_sense() {
        let found = lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'e') THEN ALTER TABLE deals ADD COLUMN e int; END IF; END $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard has the wrong sense: the body adds e only when e already exists"
        );
        let found = lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'ck_a') THEN ALTER TABLE t DROP CONSTRAINT ck_a; END IF; END $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard has the wrong sense: the body drops ck_a only when ck_a does not exist"
        );
        lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('a'); END IF; END $$;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN ALTER TABLE t RENAME COLUMN a TO b; END IF; END $$;",
            RULE,
        );
        let found = lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b') THEN ALTER TABLE t RENAME COLUMN a TO b; END IF; END $$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "guard has the wrong sense: the body renames a to b only when b already exists"
        );
    }

    #[test]
    fn a_guard_with_the_right_sense() {
        for sql in [
            // The ELSE branch runs when the column is absent.
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'e') THEN NULL; ELSE ALTER TABLE deals ADD COLUMN e int; END IF; END $$;",
            // Rename guarded by the new name's absence.
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b') THEN ALTER TABLE t RENAME COLUMN a TO b; END IF; END $$;",
            // Replace an enum: the old type is renamed away first in the same branch.
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN ALTER TYPE mood RENAME TO mood_old; CREATE TYPE mood AS ENUM ('a', 'b'); END IF; END $$;",
            // Re-create when present: dropped first in the same branch.
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'ck_a') THEN ALTER TABLE t DROP CONSTRAINT ck_a; ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0); END IF; END $$;",
        ] {
            lint_ok(sql, RULE);
        }
    }

    #[test]
    fn the_base_rule_is_silent_under_a_guard_with_the_wrong_sense() {
        // The body never runs twice; the guard is the problem, and this rule says so.
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'e') THEN ALTER TABLE deals ADD COLUMN e int; END IF; END $$;",
            Rule::AddColumnWithoutIfNotExists,
        );
    }

    #[test]
    fn a_sentinel_guard_checks_one_object_before_creating_several() {
        let found = lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'a') THEN CREATE TYPE a AS ENUM ('x'); CREATE TABLE b (id int); END IF; END $$;",
            RULE,
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "guard checks only a, which this block also creates, not b: the block fails when b exists without a (a half-applied hotfix), and never creates b when a exists without it"
        );
    }

    #[test]
    fn the_base_rule_reports_under_a_wrong_guard_too() {
        lint_errors(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'status') THEN CREATE TYPE state AS ENUM ('a'); END IF; END $$;",
            Rule::CreateTypeWithoutGuard,
        );
    }
}
