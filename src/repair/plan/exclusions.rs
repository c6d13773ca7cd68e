//! Exclusion constraints: added in the transaction behind a `pg_constraint` guard (they cannot
//! be added `NOT VALID`: the index is built and every row checked under the ACCESS EXCLUSIVE
//! lock, which the hazards say); one of the declared name with another definition dropped while
//! its definition is still the one found, then added as declared, only with `--destructive`.

use crate::model::{quote_ident, quote_literal, Exclusion, QualifiedName};

use crate::repair::names::{constraint_exists, do_block, regclass};

use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn add_exclusion(&mut self, table: &QualifiedName, exclusion: &Exclusion) {
        let columns: Vec<String> = match exclusion.elements.as_slice() {
            [only] if !only.key.expression => vec![only.key.expr.clone()],
            _ => Vec::new(),
        };
        let name = self.constraint_name(table, &exclusion.name, &columns, "excl");
        let t = table.to_sql();
        let n = quote_ident(&name);
        let sql = do_block(
            &format!("NOT {}", constraint_exists(table, &name)),
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {}", exclusion.to_sql()),
        );
        let step = self.push(
            Phase::Constraints,
            sql,
            format!("add exclusion constraint {name} on {table} (builds its index and checks every row)"),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
    }

    pub(super) fn replace_exclusion(
        &mut self,
        table: &QualifiedName,
        declared: &Exclusion,
        live: &Exclusion,
    ) {
        let (Some(live_name), Some(definition)) = (&live.name, &live.definition) else {
            return;
        };
        let t = table.to_sql();
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} AND conrelid = {} \
             AND contype = 'x' AND pg_catalog.pg_get_constraintdef(oid) = {})",
            quote_literal(live_name),
            regclass(table),
            quote_literal(definition)
        );
        let step = self.drop_changed_constraint(table, live_name, &condition, format!("drop exclusion constraint {live_name} on {table}, whose definition differs from schema.yaml"));
        step.reverse = Some(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {definition};",
            quote_ident(live_name)
        ));
        let first = self.steps.len() - 1;
        let declared = Exclusion {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        self.add_exclusion(table, &declared);
        self.hold_replacement(first, "an exclusion constraint");
    }
}
