//! `drop-table`: dropping a table loses its data. Tables created earlier in the same file (a
//! staging table) are not flagged.

//!
//! With `--schema`, dropping a table schema.yaml still declares is an error: the code built from
//! schema.yaml reads it.

use super::Hit;
use crate::lint::Severity;
use crate::lint::action::{Action, Kind, ObjectKind};
use crate::lint::context::Ctx;
use crate::lint::names::{shown, shown_all};

pub fn drop_table(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Drop(ObjectKind::Table) = action.kind else {
        return None;
    };
    if ctx.table_created_earlier(action.name_str()) {
        return None;
    }
    let declared: Vec<String> = action
        .name
        .iter()
        .chain(&action.more_names)
        .filter_map(|table| ctx.still_declared(table, None))
        .collect();
    if !declared.is_empty() {
        return Some(
            Hit::new(
                action,
                format!(
                    "schema.yaml still declares {}: running code reads it",
                    declared.join(", ")
                ),
                "remove the table from schema.yaml and stop using it in a release first; drop it in a later one",
            )
            .with_severity(Severity::Error),
        );
    }
    let message = if action.more_names.is_empty() {
        format!("dropping table {} loses its data", shown(&action.name))
    } else {
        format!("dropping tables {} loses their data", shown_all(action))
    };
    Some(Hit::new(
        action,
        message,
        "make sure nothing uses the table any more and that its data is backed up",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_declared, lint_errors, lint_ok};
    use crate::lint::{Rule, Severity};

    const RULE: Rule = Rule::DropTable;
    const SCHEMA: &str = "version: 1\ntables:\n  prospects:\n    columns:\n      id: { type: uuid, primary_key: true }\n      domain: { type: text }\n  billing.invoices:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn drop_table() {
        lint_errors("DROP TABLE IF EXISTS old_orders;", RULE);
    }

    #[test]
    fn temporary_table_of_the_same_file() {
        lint_ok(
            "CREATE TABLE IF NOT EXISTS staging (a int);\nDROP TABLE IF EXISTS staging;",
            RULE,
        );
        lint_ok("DROP VIEW IF EXISTS v;", RULE);
    }

    #[test]
    fn a_table_schema_yaml_still_declares_is_an_error() {
        let finding = lint_declared(
            "DROP TABLE IF EXISTS old_orders, billing.invoices;",
            RULE,
            SCHEMA,
        );
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.message,
            "schema.yaml still declares billing.invoices: running code reads it"
        );
        let finding = lint_declared("DROP TABLE invoices;", RULE, SCHEMA);
        assert_eq!(
            finding.severity,
            Severity::Warning,
            "public.invoices is not declared"
        );
    }
}
