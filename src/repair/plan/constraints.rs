//! What every constraint recipe shares: names for unnamed constraints, the `NOT VALID` add guarded
//! by a `pg_constraint` lookup and validated on its own, and the held-back drop of an extra
//! constraint. The recipes themselves are `foreign_keys`, `checks` and `keys`.

use crate::diff::{Drift, Object};
use crate::model::{quote_ident, quote_ident_list, quote_literal, QualifiedName};

use crate::repair::names::{choose_name, constraint_exists, constraint_not_validated, do_block};

use super::foreign_keys::foreign_key_definition;
use super::{lock, Hazard, LockLevel, Phase, Planner, Step};

impl Planner<'_> {
    pub(super) fn constraint_name(
        &mut self,
        table: &QualifiedName,
        name: &Option<String>,
        columns: &[String],
        label: &str,
    ) -> String {
        match name {
            Some(name) => name.clone(),
            None => choose_name(&mut self.taken, &table.schema, &table.name, columns, label),
        }
    }

    /// `ALTER TABLE .. ADD CONSTRAINT .. NOT VALID` guarded by a `pg_constraint` lookup, then
    /// `VALIDATE CONSTRAINT` on its own, so the scan does not hold the ADD's lock.
    pub(super) fn add_not_valid(
        &mut self,
        table: &QualifiedName,
        constraint: NotValid<'_>,
        phases: (Phase, Phase),
        (add_hazards, validate_hazards): (Vec<Hazard>, Vec<Hazard>),
    ) {
        let NotValid {
            name,
            definition,
            equivalent,
            what,
        } = constraint;
        let t = table.to_sql();
        let n = quote_ident(name);
        let mut condition = format!("NOT {}", constraint_exists(table, name));
        if let Some(equivalent) = &equivalent {
            condition.push_str(&format!("\n       AND NOT {equivalent}"));
        }
        let add = do_block(
            &condition,
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {definition} NOT VALID"),
        );
        let step = self.push(
            phases.0,
            add,
            format!("add {what} {name} on {table}, NOT VALID: existing rows are checked below"),
        );
        step.hazards = add_hazards;
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
        let validate = format!("ALTER TABLE {t} VALIDATE CONSTRAINT {n};");
        // When an equivalent constraint under another name stops the ADD, there is nothing of
        // this name to validate.
        let validate = match equivalent {
            Some(_) => do_block(&constraint_not_validated(table, name), &validate),
            None => validate,
        };
        let step = self.push(
            phases.1,
            validate,
            format!("validate {what} {name} without blocking writes"),
        );
        step.hazards = validate_hazards;
    }

    /// `DROP CONSTRAINT name` while `condition` (a catalog lookup that sees the old definition)
    /// holds, so that a second run keeps what replaced it; in the transaction, before the
    /// re-adds. The caller sets the reverse (and other hazards).
    pub(super) fn drop_changed_constraint(
        &mut self,
        table: &QualifiedName,
        name: &str,
        condition: &str,
        comment: String,
    ) -> &mut Step {
        let drop = do_block(
            condition,
            &format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                table.to_sql(),
                quote_ident(name)
            ),
        );
        let step = self.push(Phase::Replace, drop, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step
    }

    pub(super) fn drop_constraint(&mut self, d: &Drift) {
        let (name, what) = match &d.live {
            Some(Object::ForeignKey(fk)) => (fk.name.clone(), "foreign key"),
            Some(Object::Unique(u)) => (u.name.clone(), "unique constraint"),
            Some(Object::Check(c)) => (c.name.clone(), "check"),
            Some(Object::Exclusion(x)) => (x.name.clone(), "exclusion constraint"),
            _ => (d.object.clone(), "constraint"),
        };
        let Some(name) = name.or_else(|| d.object.clone()) else {
            return;
        };
        let t = d.table.to_sql();
        let reverse = match &d.live {
            Some(Object::ForeignKey(fk)) => Some(foreign_key_definition(fk)),
            Some(Object::Unique(u)) => Some(format!("UNIQUE ({})", quote_ident_list(&u.columns))),
            Some(Object::Check(c)) => Some(format!("CHECK ({})", c.expression)),
            Some(Object::Exclusion(x)) => x.definition.clone(),
            _ => None,
        }
        .map(|definition| {
            do_block(
                &format!("NOT {}", constraint_exists(&d.table, &name)),
                &format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {} {definition}",
                    quote_ident(&name)
                ),
            )
        });
        let step = self.push(
            Phase::Destructive,
            format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                quote_ident(&name)
            ),
            format!(
                "drop {what} {name} on {}, which schema.yaml does not declare",
                d.table
            ),
        );
        step.hazards = vec![lock(&d.table, LockLevel::AccessExclusive, true)];
        step.reverse = reverse;
        self.destructive_gate();
    }
}

/// A constraint added `NOT VALID` and validated afterwards.
pub(super) struct NotValid<'a> {
    pub(super) name: &'a str,
    /// `FOREIGN KEY (..) REFERENCES ..`, `CHECK (..)`.
    pub(super) definition: &'a str,
    /// A catalog condition true when an equivalent constraint exists under another name.
    pub(super) equivalent: Option<String>,
    /// `foreign key`, `check`: for comments.
    pub(super) what: &'a str,
}

/// The attribute numbers of `columns` of the relation `relation` (an SQL expression), in order,
/// as an `int2[]` to compare with `conkey` / `confkey`.
pub(super) fn key_attnums(relation: &str, columns: &[String]) -> String {
    let numbers: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "(SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = {relation} AND attname = {})",
                quote_literal(c)
            )
        })
        .collect();
    format!("ARRAY[{}]::int2[]", numbers.join(", "))
}
