//! `concurrently-in-transaction`: `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`,
//! `REINDEX ... CONCURRENTLY` and `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY` cannot run
//! inside a transaction block (BEGIN ... COMMIT) nor in a DO block or function, which always runs
//! inside one: PostgreSQL rejects them, so the migration fails every time.

use super::Hit;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn concurrently_in_transaction(action: &Action, ctx: &Ctx) -> Option<Hit> {
    if let Kind::ConcurrentlyInBody { what, procedure } = action.kind {
        let noun = if procedure { "procedure" } else { "function" };
        return Some(Hit::new(
            action,
            format!(
                "{what} CONCURRENTLY cannot run inside {noun} {}",
                shown(&action.name)
            ),
            format!("run it as a statement of its own in a migration, outside any {noun}, DO block or transaction"),
        ));
    }
    let what = match action.kind {
        Kind::CreateIndex => "CREATE INDEX",
        Kind::Drop(ObjectKind::Index) => "DROP INDEX",
        Kind::Reindex(_) => "REINDEX",
        Kind::DetachPartition => "DETACH PARTITION",
        _ => return None,
    };
    if !action.flags.concurrently || !action.in_transaction {
        return None;
    }
    let (place, help) = if action.nested {
        (
            "a DO block".to_string(),
            "run it as a statement of its own at the top level of the file: a DO block always runs inside a transaction".to_string(),
        )
    } else if let Some(reason) = ctx.wrapped() {
        let opt_out = ctx.runner.map_or(
            "write `-- driftlint: no-transaction` once the file runs outside one",
            |r| r.opt_out(),
        );
        (
            format!("a transaction ({reason})"),
            format!("move it to a migration of its own that runs outside a transaction: {opt_out}"),
        )
    } else {
        (
            "a transaction block".to_string(),
            "run it on its own, outside BEGIN ... COMMIT (and tell the migration tool not to wrap the file in a transaction)".to_string(),
        )
    };
    Some(Hit::new(
        action,
        format!(
            "{what} CONCURRENTLY {} cannot run inside {place}",
            shown(&action.name)
        ),
        help,
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::ConcurrentlyInTransaction;

    #[test]
    fn inside_begin_commit_or_do() {
        lint_errors(
            "BEGIN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);\nCOMMIT;",
            RULE,
        );
        lint_errors(
            "BEGIN;\nDROP INDEX CONCURRENTLY IF EXISTS ix;\nCOMMIT;",
            RULE,
        );
        lint_errors(
            "DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)'; END $$;",
            RULE,
        );
    }

    #[test]
    fn reindex_and_detach_partition_inside_begin_commit_or_do() {
        let found = lint_errors("BEGIN;\nREINDEX INDEX CONCURRENTLY ix;\nCOMMIT;", RULE);
        assert_eq!(
            found[0].message,
            "REINDEX CONCURRENTLY ix cannot run inside a transaction block"
        );
        lint_errors(
            "BEGIN;\nREINDEX (VERBOSE) TABLE CONCURRENTLY public.t;\nCOMMIT;",
            RULE,
        );
        let found = lint_errors(
            "BEGIN;\nALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;\nCOMMIT;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "DETACH PARTITION CONCURRENTLY m_2020 cannot run inside a transaction block"
        );
        let found = lint_errors(
            "DO $$ BEGIN ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY; END $$;",
            RULE,
        );
        assert!(found[0].message.ends_with("cannot run inside a DO block"));
        lint_errors("DO $$ BEGIN REINDEX INDEX CONCURRENTLY ix; END $$;", RULE);
    }

    #[test]
    fn reindex_and_detach_without_concurrently_or_outside() {
        lint_ok("BEGIN;\nREINDEX INDEX ix;\nCOMMIT;", RULE);
        lint_ok(
            "BEGIN;\nALTER TABLE m DETACH PARTITION m_2020;\nCOMMIT;",
            RULE,
        );
        lint_ok("REINDEX INDEX CONCURRENTLY ix;", RULE);
        lint_ok("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;", RULE);
        lint_ok(
            "BEGIN;\nALTER TABLE m DETACH PARTITION m_2020 FINALIZE;\nCOMMIT;",
            RULE,
        );
    }

    #[test]
    fn inside_a_function_or_procedure_body() {
        let sql = "CREATE OR REPLACE PROCEDURE build_indexes() LANGUAGE plpgsql AS $$\nBEGIN\n    CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON t (a);\nEND\n$$;";
        let found = lint_errors(sql, RULE);
        assert_eq!(
            found[0].message,
            "CREATE INDEX CONCURRENTLY cannot run inside procedure build_indexes"
        );
        assert_eq!(
            &sql[found[0].span.clone()],
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON t (a)"
        );
        let found = lint_errors(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $fn$ BEGIN EXECUTE 'REINDEX TABLE CONCURRENTLY t'; END $fn$;",
            RULE,
        );
        assert_eq!(
            found[0].message,
            "REINDEX CONCURRENTLY cannot run inside function f"
        );
        lint_errors(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS 'BEGIN DROP INDEX CONCURRENTLY ix; END';",
            RULE,
        );
        lint_errors(
            "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE m DETACH PARTITION public.m_1 CONCURRENTLY; END $$;",
            RULE,
        );
        lint_errors(
            "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE m DETACH PARTITION m_1 CONCURRENTLY; END $$;",
            RULE,
        );
        // REFRESH MATERIALIZED VIEW CONCURRENTLY may run in a function.
        lint_ok(
            "CREATE OR REPLACE FUNCTION refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW CONCURRENTLY mv; RETURN NULL; END $$;",
            RULE,
        );
        // A function body is not a migration statement: no other rule reads it.
        lint_ok(
            "CREATE OR REPLACE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX CONCURRENTLY ix ON t (a); END $$;",
            Rule::CreateIndexWithoutIfNotExists,
        );
    }

    /// Each runner's transaction rule, with the file layout the runner reads.
    #[test]
    fn a_file_its_runner_wraps_in_a_transaction() {
        use crate::lint::rules::test::lint_with;
        use crate::lint::{Runner, Settings};
        let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);";
        for runner in [
            Runner::Alembic,
            Runner::Diesel,
            Runner::Prisma,
            Runner::Flyway,
            Runner::Dbmate,
        ] {
            let found = lint_with(
                sql,
                RULE,
                |s| Settings {
                    runner: Some(runner),
                    ..s
                },
                1,
            );
            assert!(found[0].help.contains(runner.opt_out()), "{}", found[0].help);
        }
        for runner in [Runner::Psql, Runner::Sqitch, Runner::None, Runner::GolangMigrate] {
            lint_with(
                sql,
                RULE,
                |s| Settings {
                    runner: Some(runner),
                    ..s
                },
                0,
            );
        }
        // golang-migrate sends a file of several statements as one implicit transaction.
        let two = format!("SET lock_timeout = '5s';\n{sql}");
        lint_with(
            &two,
            RULE,
            |s| Settings {
                runner: Some(Runner::GolangMigrate),
                ..s
            },
            1,
        );
        // dbmate's and postgres-migrations' own opt-outs, and the runner-independent directive.
        for opt_out in [
            "-- migrate:up transaction:false",
            "-- postgres-migrations disable-transaction",
            "-- driftlint: no-transaction",
        ] {
            lint_with(
                &format!("{opt_out}\n{sql}"),
                RULE,
                |s| Settings {
                    runner: Some(Runner::Dbmate),
                    ..s
                },
                0,
            );
        }
        // An opt-out the caller read next to the file (Diesel's metadata.toml).
        lint_with(
            sql,
            RULE,
            |s| Settings {
                runner: Some(Runner::Diesel),
                no_transaction: Some("metadata.toml: run_in_transaction = false".into()),
                ..s
            },
            0,
        );
        // Without a runner the directive still says the file runs in a transaction.
        lint_with(&format!("-- driftlint: transaction\n{sql}"), RULE, |s| s, 1);
    }

    #[test]
    fn outside_a_transaction() {
        lint_ok("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);", RULE);
        lint_ok(
            "BEGIN;\nCREATE TABLE IF NOT EXISTS t (a int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a);",
            RULE,
        );
    }
}
