//! `partition-without-guard`: `ALTER TABLE ... ATTACH PARTITION` fails on a second run (`"p" is
//! already a partition`), and so does `DETACH PARTITION` (`"p" is not a partition of "t"`),
//! unless a DO block looks the partition up in `pg_inherits` first.
//!
//! `DETACH PARTITION ... CONCURRENTLY` is not reported: it cannot run inside a DO block, so SQL
//! offers no guard for it.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::fix::wrap_fix;
use crate::lint::guard::unprotected;
use crate::lint::names::{literal, shown};

pub fn partition_without_guard(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let attach = match action.kind {
        Kind::AttachPartition => true,
        Kind::DetachPartition if !action.flags.concurrently => false,
        _ => return None,
    };
    if !unprotected(action, ctx) {
        return None;
    }
    let (partition, table) = (shown(&action.name), shown(&action.table));
    let (message, help, title) = if attach {
        (
            format!("ATTACH PARTITION {partition} fails when {partition} is already a partition of {table}"),
            "attach only while the table is not yet a partition (a DO block that looks it up in pg_inherits)",
            "Attach only while it is not a partition",
        )
    } else {
        (
            format!("DETACH PARTITION {partition} fails when {partition} is no longer a partition of {table}"),
            "detach only while the table is still a partition (a DO block that looks it up in pg_inherits)",
            "Detach only while it is a partition",
        )
    };
    let fix = action.name.as_ref().zip(action.table.as_ref()).and_then(|(partition, table)| {
        let lookup = format!(
            "EXISTS (\n        SELECT 1 FROM pg_inherits\n        WHERE inhrelid = to_regclass({}) AND inhparent = to_regclass({})\n    )",
            literal(&partition.written),
            literal(&table.written)
        );
        let condition = if attach {
            format!("NOT {lookup}")
        } else {
            lookup
        };
        wrap_fix(action, ctx, &condition, title)
    });
    Some(Hit::new(action, message, help).with_fix(fix))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::PartitionWithoutGuard;

    #[test]
    fn attach_and_detach_are_reported_with_a_fix_that_reads_clean() {
        for (sql, message) in [
            (
                "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
                "ATTACH PARTITION measurements_2024 fails when measurements_2024 is already a partition of measurements",
            ),
            (
                "ALTER TABLE ONLY app.\"Events\" ATTACH PARTITION app.events_default DEFAULT;",
                "ATTACH PARTITION app.events_default fails when app.events_default is already a partition of app.\"Events\"",
            ),
            (
                "ALTER TABLE measurements DETACH PARTITION measurements_2020;",
                "DETACH PARTITION measurements_2020 fails when measurements_2020 is no longer a partition of measurements",
            ),
            (
                "ALTER TABLE measurements DETACH PARTITION measurements_2020 FINALIZE;",
                "DETACH PARTITION measurements_2020 fails",
            ),
        ] {
            let found = lint_errors(sql, RULE);
            assert!(found[0].message.starts_with(message), "{}", found[0].message);
            let fix = found[0].fix.as_ref().expect("a fix");
            assert!(fix.replacement.contains("pg_inherits"), "{}", fix.replacement);
            lint_ok(&fix.replacement, RULE);
        }
    }

    #[test]
    fn guards_handlers_and_concurrently() {
        lint_ok(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = 'm_2024'::regclass) THEN ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024); END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass('m_2020')) THEN ALTER TABLE m DETACH PARTITION m_2020; END IF; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024); EXCEPTION WHEN wrong_object_type THEN NULL; END $$;",
            RULE,
        );
        lint_ok(
            "DO $$ BEGIN ALTER TABLE m DETACH PARTITION m_2020; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            RULE,
        );
        // No guard exists for it: it cannot run in a DO block.
        lint_ok("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;", RULE);
        // A handler for another error does not cover it.
        lint_errors(
            "DO $$ BEGIN ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            RULE,
        );
        // The wrong sense: attaches only when already attached.
        lint_ok(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = 'm_2024'::regclass) THEN ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024); END IF; END $$;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = 'm_2024'::regclass) THEN ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024); END IF; END $$;",
            Rule::GuardChecksWrongObject,
        );
    }
}
