//! Recipes for whole tables: new tables created in dependency order with their columns, keys,
//! exclusion constraints and checks inline (then their indexes and foreign keys once every table exists), and the
//! held-back drop of an undeclared table. Not the columns of an existing table (`columns`).

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::{Drift, DriftKind, Object};
use crate::model::{quote_ident, quote_ident_list, ForeignKey, QualifiedName, Table};

use super::columns::column_definition;
use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn tables(&mut self, drift: &[Drift]) {
        let mut tables: BTreeMap<QualifiedName, Table> = BTreeMap::new();
        for d in drift.iter().filter(|d| d.kind == DriftKind::MissingTable) {
            let found = match &d.declared {
                Some(Object::Table(t)) => Some(t.clone()),
                _ => self.context.declared.tables.get(&d.table).cloned(),
            };
            if let Some(t) = found {
                self.repaired(d);
                tables.insert(d.table.clone(), t);
            }
        }
        for name in dependency_order(&tables) {
            let table = &tables[&name];
            self.create_table(&name, table);
        }
        // Indexes and foreign keys after every table exists (a partitioned table is left to the
        // reader, whole).
        let tables: BTreeMap<QualifiedName, Table> =
            tables.into_iter().filter(|(_, t)| !t.partitioned).collect();
        for (name, table) in &tables {
            for index in &table.indexes {
                self.create_index(name, index, "new table");
            }
        }
        for (name, table) in &tables {
            for (i, fk) in table.foreign_keys.iter().enumerate() {
                // An unnamed key declared twice alike (on the column and under
                // `foreign_keys:`) is one key.
                let unplaced = |key: &ForeignKey| ForeignKey {
                    pos: None,
                    ..key.clone()
                };
                let twice = fk.name.is_none()
                    && table.foreign_keys[..i]
                        .iter()
                        .any(|other| unplaced(other) == unplaced(fk));
                if !twice {
                    self.add_foreign_key(name, fk);
                }
            }
        }
    }

    fn create_table(&mut self, name: &QualifiedName, table: &Table) {
        let mut lines: Vec<String> = table
            .columns
            .iter()
            .map(|c| column_definition(c, true))
            .collect();
        if let Some(pk) = &table.primary_key {
            lines.push(format!(
                "{}PRIMARY KEY ({})",
                constraint_prefix(&pk.name),
                quote_ident_list(&pk.columns)
            ));
        }
        for u in &table.uniques {
            lines.push(format!(
                "{}UNIQUE{} ({})",
                constraint_prefix(&u.name),
                if u.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                quote_ident_list(&u.columns)
            ));
            if let Some(line) = lines.last_mut() {
                line.push_str(u.deferrable_sql());
            }
        }
        for x in &table.exclusions {
            lines.push(format!("{}{}", constraint_prefix(&x.name), x.to_sql()));
        }
        for c in &table.checks {
            lines.push(format!(
                "{}CHECK ({})",
                constraint_prefix(&c.name),
                c.expression
            ));
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    {}\n);",
            name.to_sql(),
            lines.join(",\n    ")
        );
        let step = self.push(Phase::Tables, sql, format!("create table {name}"));
        step.reverse = Some(format!("DROP TABLE IF EXISTS {};", name.to_sql()));
        if table.partitioned {
            step.commented_out = Some(
                "a partitioned table: add its PARTITION BY clause and partitions by hand".into(),
            );
            return;
        }
        self.new_table_comments(name, table);
    }

    pub(super) fn drop_table(&mut self, table: &QualifiedName) {
        let step = self.push(
            Phase::Destructive,
            format!("DROP TABLE IF EXISTS {};", table.to_sql()),
            format!("drop table {table}, which schema.yaml does not declare"),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            Hazard::DataLoss {
                what: format!("every row of {table}"),
            },
        ];
        self.destructive_gate();
    }
}

fn constraint_prefix(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default()
}

/// Tables ordered so that a referenced table comes before the tables referencing it (among the
/// new tables); cycles and self references keep name order (their keys are separate ALTERs).
fn dependency_order(tables: &BTreeMap<QualifiedName, Table>) -> Vec<QualifiedName> {
    let mut order = Vec::new();
    let mut done: BTreeSet<&QualifiedName> = BTreeSet::new();
    let mut remaining: Vec<&QualifiedName> = tables.keys().collect();
    while !remaining.is_empty() {
        let ready: Vec<&QualifiedName> = remaining
            .iter()
            .copied()
            .filter(|name| {
                tables[*name].foreign_keys.iter().all(|fk| {
                    fk.ref_table == **name
                        || !tables.contains_key(&fk.ref_table)
                        || done.contains(&fk.ref_table)
                })
            })
            .collect();
        // A cycle: take the first remaining table as is.
        let next = if ready.is_empty() {
            vec![remaining[0]]
        } else {
            ready
        };
        for name in next {
            done.insert(name);
            order.push(name.clone());
            remaining.retain(|n| *n != name);
        }
    }
    order
}
