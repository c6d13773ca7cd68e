//! `syntax-newer-than-pg-version`: a statement written with syntax that a newer PostgreSQL
//! brought than the one the migrations run on (`--pg-version`, default 13): `CREATE OR REPLACE
//! TRIGGER` and `DETACH PARTITION ... CONCURRENTLY` (14), `NULLS NOT DISTINCT` and `MERGE`
//! (15), `ADD CONSTRAINT name NOT NULL col` and virtual generated columns (18). The server rejects
//! the statement, so the migration fails. (Functions new in a release, such as 18's `uuidv7()`,
//! are left alone: projects often define a function of the same name themselves.)

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;

pub fn syntax_newer_than_pg_version(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::NewerSyntax { version, what } = action.kind else {
        return None;
    };
    if ctx.pg_version >= version {
        return None;
    }
    Some(Hit::new(
        action,
        format!(
            "{what} needs PostgreSQL {version}, but the migrations run on PostgreSQL {}",
            ctx.pg_version
        ),
        format!("write it the way PostgreSQL {} accepts, or set --pg-version (or [lint] pg-version) to the server's version", ctx.pg_version),
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::lint_with;
    use crate::lint::{Rule, Settings};

    const RULE: Rule = Rule::SyntaxNewerThanPgVersion;

    /// Each feature on both sides of the version that brought it.
    #[test]
    fn each_feature_on_both_sides_of_its_version() {
        let cases = [
            ("CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();", 14),
            ("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;", 14),
            ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON t (a) NULLS NOT DISTINCT;", 15),
            ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING;", 15),
            ("ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a;", 18),
            ("ALTER TABLE t ADD COLUMN IF NOT EXISTS total numeric GENERATED ALWAYS AS (a * b);", 18),
        ];
        for (sql, version) in cases {
            let found = lint_with(sql, RULE, |s| Settings { pg_version: version - 1, ..s }, 1);
            assert!(
                found[0].message.contains(&format!("needs PostgreSQL {version}")),
                "{}",
                found[0].message
            );
            lint_with(sql, RULE, |s| Settings { pg_version: version, ..s }, 0);
        }
        let stored = "ALTER TABLE t ADD COLUMN IF NOT EXISTS total numeric GENERATED ALWAYS AS (a * b) STORED;";
        lint_with(stored, RULE, |s| s, 0);
    }

    /// PostgreSQL 18's `ADD CONSTRAINT name NOT NULL col` is read (as a NOT NULL constraint),
    /// not reported as an unparsed statement.
    #[test]
    fn postgresql_18_not_null_constraints_are_read() {
        let sql = "ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a;";
        let selection = crate::lint::Selection::all();
        let report = crate::lint::lint_file(
            "t.sql",
            sql,
            &Settings {
                pg_version: 18,
                ..Settings::new(&selection)
            },
        );
        assert_eq!(report.stats.parsed, 1, "{:?}", report.stats);
        assert!(report
            .findings
            .iter()
            .all(|f| f.rule != Rule::UnparsedStatement));
        assert!(report.findings.iter().any(|f| f.rule == Rule::SetNotNull));
    }
}
