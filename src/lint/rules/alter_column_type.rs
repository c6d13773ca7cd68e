//! `alter-column-type`: changing a column's type usually rewrites the table and its indexes
//! under an ACCESS EXCLUSIVE lock. Some changes do not: PostgreSQL only updates the catalog when
//! the new type is binary-coercible with the old one and accepts every stored value (a
//! `varchar(n)` widened to `varchar(m)`, `m >= n`, or to `varchar` or `text`; a `numeric(p, s)`
//! widened with the same scale), and only scans (no rewrite) when it must check a shorter length
//! (`text` to `varchar(50)`). The judgement needs the current type: from an `ADD COLUMN` or an
//! earlier type change in the same file, or from the database (`lint --database-url`).

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

/// What changing a column from one type to another costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Catalog only.
    Free,
    /// Every row is checked (a shorter length), under ACCESS EXCLUSIVE.
    Scan,
    /// The table and its indexes are rewritten under ACCESS EXCLUSIVE.
    Rewrite,
}

pub fn alter_column_type(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::AlterColumnType { to } = &action.kind else {
        return None;
    };
    if ctx.table_created_earlier(action.table_str()) {
        return None;
    }
    let column = format!("{}.{}", shown(&action.table), shown(&action.name));
    let from = ctx.column_type(&action.table, action.name_str());
    let (message, help) = match from.as_deref().map(|from| (from, change(from, to))) {
        Some((_, Change::Free)) => return None,
        Some((from, Change::Scan)) => (
            format!("changing {column} from {from} to {to} scans the whole table under an ACCESS EXCLUSIVE lock"),
            "add a CHECK (length(col) <= n) NOT VALID constraint and VALIDATE it first, or keep the longer type",
        ),
        Some((from, Change::Rewrite)) => (
            format!("changing {column} from {from} to {to} rewrites the table under an ACCESS EXCLUSIVE lock"),
            "add a new column, backfill it in batches and switch over",
        ),
        None => (
            format!("changing the type of {column} may rewrite the table under an ACCESS EXCLUSIVE lock"),
            "add a new column, backfill it in batches and switch over; or check that this change is binary-compatible",
        ),
    };
    Some(Hit::new(action, message, help))
}

/// What changing a column of type `from` to type `to` costs (both as written).
pub fn change(from: &str, to: &str) -> Change {
    let (Ok(from), Ok(to)) = (
        crate::types::canonical(from),
        crate::types::canonical(to),
    ) else {
        return Change::Rewrite;
    };
    if from == to {
        return Change::Free;
    }
    let varchar = |t: &str| -> Option<Option<u64>> {
        if t == "character varying" {
            return Some(None);
        }
        let n = t.strip_prefix("character varying(")?.strip_suffix(')')?;
        n.parse().ok().map(Some)
    };
    let numeric = |t: &str| -> Option<Option<(u64, u64)>> {
        if t == "numeric" {
            return Some(None);
        }
        let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
        Some(Some((p.trim().parse().ok()?, s.trim().parse().ok()?)))
    };
    let string = |t: &str| t == "text" || varchar(t).is_some();
    match (varchar(&to), string(&from)) {
        // To text or unbounded varchar from any string type: binary-coercible.
        (Some(None), true) => return Change::Free,
        (Some(Some(m)), true) => {
            return match varchar(&from) {
                Some(Some(n)) if n <= m => Change::Free,
                _ => Change::Scan,
            };
        }
        _ => {}
    }
    if to == "text" && string(&from) {
        return Change::Free;
    }
    match (numeric(&from), numeric(&to)) {
        (Some(_), Some(None)) => Change::Free,
        (Some(Some((p, s))), Some(Some((p2, s2)))) if s == s2 && p2 >= p => Change::Free,
        _ => Change::Rewrite,
    }
}

#[cfg(test)]
mod tests {
    use super::{change, Change};
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::AlterColumnType;

    #[test]
    fn type_changes() {
        lint_errors("ALTER TABLE t ALTER COLUMN a TYPE bigint;", RULE);
        lint_errors(
            "ALTER TABLE t ALTER a SET DATA TYPE text USING a::text;",
            RULE,
        );
    }

    #[test]
    fn other_alters() {
        lint_ok("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;", RULE);
    }

    /// A widened varchar (or one turned into text) is binary-coercible: no rewrite, no scan.
    #[test]
    fn varchar_widened_or_to_text_is_not_a_rewrite() {
        lint_ok(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS name varchar(50);\nALTER TABLE t ALTER COLUMN name TYPE varchar(100);",
            RULE,
        );
        lint_ok(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS name character varying(50);\nALTER TABLE t ALTER COLUMN name TYPE text;",
            RULE,
        );
        let found = lint_errors(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS name text;\nALTER TABLE t ALTER COLUMN name TYPE varchar(50);",
            RULE,
        );
        assert!(found[0].message.contains("scans"), "{}", found[0].message);
        let found = lint_errors(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS n int;\nALTER TABLE t ALTER COLUMN n TYPE bigint;",
            RULE,
        );
        assert!(found[0].message.contains("from int to bigint rewrites"), "{}", found[0].message);
    }

    #[test]
    fn changes_judged_by_their_types() {
        assert_eq!(change("varchar(50)", "varchar(100)"), Change::Free);
        assert_eq!(change("varchar(100)", "varchar(50)"), Change::Scan);
        assert_eq!(change("text", "varchar(50)"), Change::Scan);
        assert_eq!(change("varchar", "text"), Change::Free);
        assert_eq!(change("numeric(10,2)", "numeric(12,2)"), Change::Free);
        assert_eq!(change("numeric(10,2)", "numeric(12,3)"), Change::Rewrite);
        assert_eq!(change("integer", "bigint"), Change::Rewrite);
        assert_eq!(change("int4", "integer"), Change::Free);
    }
}
