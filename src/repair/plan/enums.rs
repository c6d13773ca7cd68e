//! Recipes for enum types: `CREATE TYPE` for a missing enum, `ALTER TYPE .. ADD VALUE IF NOT
//! EXISTS` for missing labels (in their declared place), and the held-back drops of extra labels
//! and types. Not the columns using an enum: those are `columns`.

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::{Drift, DriftKind, Object};
use crate::model::{quote_literal, Enum, QualifiedName};

use crate::repair::names::{do_block, type_exists};

use super::{Phase, Planner};

impl Planner<'_> {
    pub(super) fn enum_types(&mut self, drift: &[Drift]) {
        for d in drift.iter().filter(|d| d.kind == DriftKind::MissingEnum) {
            let found = match &d.declared {
                Some(Object::Enum(e)) => Some(e.clone()),
                _ => self.context.declared.enums.get(&d.table).cloned(),
            };
            let Some(e) = found else { continue };
            self.repaired(d);
            self.create_enum(&e);
        }
    }

    fn create_enum(&mut self, e: &Enum) {
        let labels: Vec<String> = e.values.iter().map(|v| quote_literal(v)).collect();
        let create = format!(
            "CREATE TYPE {} AS ENUM ({})",
            e.name.to_sql(),
            labels.join(", ")
        );
        let sql = do_block(&format!("NOT {}", type_exists(&e.name)), &create);
        let step = self.push(Phase::Types, sql, format!("create enum type {}", e.name));
        step.reverse = Some(format!("DROP TYPE IF EXISTS {};", e.name.to_sql()));
    }

    pub(super) fn enum_values(&mut self, drift: &[Drift]) {
        let mut wanted: BTreeMap<QualifiedName, BTreeSet<String>> = BTreeMap::new();
        for d in drift
            .iter()
            .filter(|d| d.kind == DriftKind::MissingEnumValue)
        {
            if self.new_enums.contains(&d.table) {
                continue;
            }
            let value = match (&d.declared, &d.object) {
                (Some(Object::EnumValue { value, .. }), _) => value.clone(),
                (_, Some(object)) => object.clone(),
                _ => continue,
            };
            self.repaired(d);
            wanted.entry(d.table.clone()).or_default().insert(value);
        }
        for (name, missing) in wanted {
            let declared: Vec<String> = match self.context.declared.enums.get(&name) {
                Some(e) => e.values.clone(),
                None => missing.iter().cloned().collect(),
            };
            let live: Vec<String> = self
                .context
                .live
                .enums
                .get(&name)
                .map(|e| e.values.clone())
                .unwrap_or_default();
            for (i, value) in declared.iter().enumerate() {
                if !missing.contains(value) {
                    continue;
                }
                // After the declared predecessor (present, or added by the step before); the
                // first value goes before the first later value the database already has.
                let position = if i > 0 {
                    format!(" AFTER {}", quote_literal(&declared[i - 1]))
                } else {
                    declared[1..]
                        .iter()
                        .find(|v| live.contains(v))
                        .map(|v| format!(" BEFORE {}", quote_literal(v)))
                        .unwrap_or_default()
                };
                let sql = format!(
                    "ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position};",
                    name.to_sql(),
                    quote_literal(value)
                );
                let comment = format!(
                    "add value {} to enum {name} (a new value cannot be used in the transaction \
                     that adds it, so this runs first, on its own)",
                    quote_literal(value)
                );
                let step = self.push(Phase::EnumValues, sql, comment);
                step.reverse = None;
            }
        }
    }

    pub(super) fn extra_enum_value(&mut self, d: &Drift) {
        let value = match (&d.live, &d.object) {
            (Some(Object::EnumValue { value, .. }), _) => value.clone(),
            (_, Some(o)) => o.clone(),
            _ => String::new(),
        };
        let comment = format!(
            "enum {} has the undeclared value {}: PostgreSQL cannot drop an enum value; \
             recreate the type by hand if it must go",
            d.table,
            quote_literal(&value)
        );
        let step = self.push(Phase::Destructive, String::new(), comment);
        step.commented_out = Some("PostgreSQL cannot drop an enum value".into());
    }

    pub(super) fn drop_enum(&mut self, name: &QualifiedName) {
        self.push(
            Phase::Destructive,
            format!("DROP TYPE IF EXISTS {};", name.to_sql()),
            format!("drop enum {name}, which schema.yaml does not declare (fails while a column uses it)"),
        );
        self.destructive_gate();
    }
}
