//! Sequences: a missing standalone one created (`CREATE SEQUENCE IF NOT EXISTS`, before the
//! tables whose defaults may use it) and given its owner; one whose declared options or owner
//! differ altered (`ALTER SEQUENCE`, idempotent as written); an extra one dropped only with
//! `--destructive`. An identity column's declared options are set on its sequence through the
//! column (`ALTER COLUMN .. SET START WITH ..`).

use crate::model::{quote_ident, Column, QualifiedName, Sequence, SequenceOptions};

use super::{lock, LockLevel, Phase, Planner};

/// The live values of the options `declared` sets: what reverses setting them.
fn previous(declared: &SequenceOptions, live: &SequenceOptions) -> SequenceOptions {
    let keep = |set: bool, value: Option<i64>| value.filter(|_| set);
    SequenceOptions {
        data_type: live
            .data_type
            .clone()
            .filter(|_| declared.data_type.is_some()),
        start: keep(declared.start.is_some(), live.start),
        increment: keep(declared.increment.is_some(), live.increment),
        min_value: keep(declared.min_value.is_some(), live.min_value),
        max_value: keep(declared.max_value.is_some(), live.max_value),
        cache: keep(declared.cache.is_some(), live.cache),
        cycle: live.cycle.filter(|_| declared.cycle.is_some()),
    }
}

/// ` OWNED BY t.c`.
fn owner_sql((table, column): &(QualifiedName, String)) -> String {
    format!("OWNED BY {}.{}", table.to_sql(), quote_ident(column))
}

impl Planner<'_> {
    pub(super) fn create_sequence(&mut self, sequence: &Sequence) {
        let name = sequence.name.to_sql();
        let options = sequence.options.to_sql("");
        let sql = format!(
            "CREATE SEQUENCE IF NOT EXISTS {name}{}{options};",
            if options.is_empty() { "" } else { " " }
        );
        let step = self.push(
            Phase::Types,
            sql,
            format!("create sequence {}", sequence.name),
        );
        step.reverse = Some(format!("DROP SEQUENCE IF EXISTS {name};"));
        if let Some(owner) = &sequence.owned_by {
            // Once the owning table and column exist (they may be created by this migration).
            let sql = format!("ALTER SEQUENCE {name} {};", owner_sql(owner));
            self.push(
                Phase::Alter,
                sql,
                format!(
                    "make {}.{} the owner of sequence {}",
                    owner.0, owner.1, sequence.name
                ),
            );
        }
    }

    pub(super) fn alter_sequence(&mut self, declared: &Sequence, live: &Sequence) {
        let name = declared.name.to_sql();
        let mut parts = Vec::new();
        let options = declared.options.to_sql("");
        if !options.is_empty() {
            parts.push(options);
        }
        if let Some(owner) = &declared.owned_by {
            parts.push(owner_sql(owner));
        }
        let mut before = vec![previous(&declared.options, &live.options).to_sql("")];
        if declared.owned_by.is_some() {
            before.push(match &live.owned_by {
                Some(owner) => owner_sql(owner),
                None => "OWNED BY NONE".into(),
            });
        }
        let step = self.push(
            Phase::Alter,
            format!("ALTER SEQUENCE {name} {};", parts.join(" ")),
            format!("set the declared options of sequence {}", declared.name),
        );
        step.reverse = Some(format!("ALTER SEQUENCE {name} {};", before.join(" ")));
    }

    pub(super) fn drop_sequence(&mut self, sequence: &Sequence) {
        self.push(
            Phase::Destructive,
            format!("DROP SEQUENCE IF EXISTS {};", sequence.name.to_sql()),
            format!(
                "drop sequence {}, which schema.yaml does not declare (fails while a default uses it)",
                sequence.name
            ),
        );
        self.destructive_gate();
    }

    /// The declared options of an identity column's sequence, set through the column.
    pub(super) fn alter_identity_options(
        &mut self,
        table: &QualifiedName,
        column: &Column,
        live: &Column,
    ) {
        let Some(declared) = column.identity_options.as_deref() else {
            return;
        };
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let live_options = live
            .identity_options
            .as_deref()
            .cloned()
            .unwrap_or_default();
        let step = self.push(
            Phase::Alter,
            format!("{alter} {};", declared.to_sql("SET ")),
            format!(
                "set the declared sequence options of identity column {table}.{}",
                column.name
            ),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!(
            "{alter} {};",
            previous(declared, &live_options).to_sql("SET ")
        ));
    }
}
