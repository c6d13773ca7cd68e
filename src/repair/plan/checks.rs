//! Recipes for check constraints: added `NOT VALID` and validated, and a changed check (same name,
//! other expression) dropped first in the same transaction.

use crate::model::{quote_ident, quote_literal, Check, QualifiedName};

use crate::repair::names::{columns_in_expression, regclass};

use super::constraints::NotValid;
use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn add_check(&mut self, table: &QualifiedName, check: &Check) {
        let columns: Vec<String> = self
            .context
            .declared
            .tables
            .get(table)
            .or_else(|| self.live_table(table))
            .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let used = columns_in_expression(&check.expression, &columns);
        let label_columns = if used.len() == 1 { used } else { Vec::new() };
        let name = self.constraint_name(table, &check.name, &label_columns, "check");
        self.add_not_valid(
            table,
            NotValid {
                name: &name,
                definition: &format!("CHECK ({})", check.expression),
                equivalent: None,
                what: "check",
            },
            (Phase::Constraints, Phase::Validate),
            (
                vec![lock(table, LockLevel::AccessExclusive, true)],
                vec![
                    lock(table, LockLevel::ShareUpdateExclusive, false),
                    Hazard::TableScan {
                        table: table.clone(),
                    },
                ],
            ),
        );
    }

    /// Drops the live check `live` while its definition is still the one found, so a second run
    /// keeps the declared check added after it.
    pub(super) fn drop_changed_check(&mut self, table: &QualifiedName, live: &Check) {
        let Some(name) = &live.name else { return };
        let t = table.to_sql();
        let definition = format!("CHECK ({})", live.expression);
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} AND conrelid = {} \
             AND contype = 'c' AND pg_catalog.pg_get_constraintdef(oid) IN ({}, {}))",
            quote_literal(name),
            regclass(table),
            quote_literal(&definition),
            quote_literal(&format!("{definition} NOT VALID"))
        );
        let step = self.drop_changed_constraint(
            table,
            name,
            &condition,
            format!("drop check {name} on {table}, whose expression differs from schema.yaml"),
        );
        step.reverse = Some(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {definition} NOT VALID;",
            quote_ident(name)
        ));
    }
}
