//! `drop-column`: dropping a column loses its data, and code still selecting it breaks the
//! moment the migration runs.

//!
//! With `--schema`, dropping a column schema.yaml still declares is an error: the code built
//! from schema.yaml reads it.

use super::Hit;
use crate::lint::Severity;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn drop_column(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::DropColumn = action.kind else {
        return None;
    };
    let declared = action
        .table
        .as_ref()
        .zip(action.name.as_ref())
        .and_then(|(table, column)| ctx.still_declared(table, Some(&column.name)));
    if let Some(declared) = declared {
        return Some(
            Hit::new(
                action,
                format!("schema.yaml still declares {declared}: running code reads it"),
                "remove the column from schema.yaml and stop reading and writing it in a release first; drop it in a later one",
            )
            .with_severity(Severity::Error),
        );
    }
    Some(Hit::new(
        action,
        format!(
            "dropping {}.{} loses its data and breaks code that still reads it",
            shown(&action.table),
            shown(&action.name)
        ),
        "stop reading and writing the column in a release first; keep a backup of the data",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_declared, lint_errors, lint_ok};
    use crate::lint::{Rule, Severity};

    const RULE: Rule = Rule::DropColumn;
    const SCHEMA: &str = "version: 1\ntables:\n  prospects:\n    columns:\n      id: { type: uuid, primary_key: true }\n      domain: { type: text }\n  billing.invoices:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn any_drop_column() {
        lint_errors("ALTER TABLE t DROP COLUMN IF EXISTS legacy;", RULE);
    }

    #[test]
    fn add_column() {
        lint_ok("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;", RULE);
    }

    #[test]
    fn a_column_schema_yaml_still_declares_is_an_error() {
        let finding = lint_declared(
            "ALTER TABLE prospects DROP COLUMN IF EXISTS domain;",
            RULE,
            SCHEMA,
        );
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.message,
            "schema.yaml still declares prospects.domain: running code reads it"
        );
        let finding = lint_declared(
            "ALTER TABLE public.prospects DROP COLUMN Domain;",
            RULE,
            SCHEMA,
        );
        assert_eq!(finding.severity, Severity::Error);
    }

    #[test]
    fn a_column_schema_yaml_no_longer_declares_stays_a_warning() {
        for sql in [
            "ALTER TABLE prospects DROP COLUMN legacy;",
            "ALTER TABLE other.prospects DROP COLUMN domain;",
            "ALTER TABLE prospects DROP COLUMN \"Domain\";",
        ] {
            let finding = lint_declared(sql, RULE, SCHEMA);
            assert_eq!(finding.severity, Severity::Warning, "{sql}");
            assert!(finding.message.starts_with("dropping"), "{sql}");
        }
    }
}
