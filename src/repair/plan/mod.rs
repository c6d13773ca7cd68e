//! Drift into a [`Migration`]: the ordered steps that repair it, each idempotent, with the locks it
//! takes, the scans and rewrites it causes, and the statement that reverses it.
//!
//! This module decides *what* to run and in which order; it renders nothing and does no I/O.
//! `sql.rs` and `alembic.rs` turn a [`Migration`] into a file.
//!
//! The order is fixed by [`Phase`]: enum values first (outside a transaction, so later statements
//! can use them), then one transaction (types, tables, columns, defaults, constraints added
//! `NOT VALID`), then the part that must run outside a transaction (indexes built
//! `CONCURRENTLY`, validations, `SET NOT NULL`, constraints that need those indexes).
//!
//! This module holds the planner itself (what is known, the dispatch of each drift item to its
//! recipe, the header lines); `migration` holds the types the renderers read, and each family of
//! recipes has its file: `columns`, `comments`, `generation` (defaults, identity, generated columns), `indexes`, `keys` (unique constraints and primary keys),
//! `foreign_keys`, `checks`, `constraints` (what those three share), `exclusions`, `tables`,
//! `enums` and `sequences`.

mod checks;
mod columns;
mod comments;
mod constraints;
mod enums;
mod exclusions;
mod foreign_keys;
mod generation;
mod indexes;
mod keys;
mod migration;
mod sequences;
mod tables;

pub(crate) use migration::Phase;
pub use migration::{Hazard, LockLevel, Migration, Step};

use std::collections::BTreeSet;

use crate::diff::{Drift, DriftKind, Object};
use crate::model::{QualifiedName, Schema, Table};

/// What the planner knows besides the drift list.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    pub declared: &'a Schema,
    pub live: &'a Schema,
    /// Emit drops and type changes as executable statements instead of commented-out ones.
    pub destructive: bool,
}

/// Builds the migration for `drift`.
pub fn plan(drift: &[Drift], context: &PlanContext) -> Migration {
    let mut planner = Planner::new(context);
    planner.run(drift);
    planner.finish()
}

struct Planner<'a> {
    context: &'a PlanContext<'a>,
    steps: Vec<Step>,
    repairs: Vec<String>,
    held: Vec<String>,
    /// (schema, name) of relations and constraints that exist or will: new names avoid them.
    taken: BTreeSet<(String, String)>,
    new_tables: BTreeSet<QualifiedName>,
    new_enums: BTreeSet<QualifiedName>,
    /// Keys (table, sorted columns) whose unique index is built concurrently by this migration:
    /// foreign keys referencing them must wait for it.
    late_keys: BTreeSet<(QualifiedName, Vec<String>)>,
    /// Columns that already get the safe `SET NOT NULL` sequence.
    not_null: BTreeSet<(QualifiedName, String)>,
}

impl<'a> Planner<'a> {
    fn new(context: &'a PlanContext<'a>) -> Self {
        let mut taken = BTreeSet::new();
        for schema in [context.live, context.declared] {
            for table in schema.tables.values() {
                let s = &table.name.schema;
                taken.insert((s.clone(), table.name.name.clone()));
                let names = table
                    .indexes
                    .iter()
                    .filter_map(|i| i.name.clone())
                    .chain(table.uniques.iter().filter_map(|u| u.name.clone()))
                    .chain(table.foreign_keys.iter().filter_map(|f| f.name.clone()))
                    .chain(table.checks.iter().filter_map(|c| c.name.clone()))
                    .chain(table.exclusions.iter().filter_map(|x| x.name.clone()))
                    .chain(table.primary_key.iter().filter_map(|p| p.name.clone()));
                for name in names {
                    taken.insert((s.clone(), name));
                }
            }
        }
        Planner {
            context,
            steps: Vec::new(),
            repairs: Vec::new(),
            held: Vec::new(),
            taken,
            new_tables: BTreeSet::new(),
            new_enums: BTreeSet::new(),
            late_keys: BTreeSet::new(),
            not_null: BTreeSet::new(),
        }
    }

    fn finish(mut self) -> Migration {
        self.steps.sort_by_key(|s| s.phase);
        Migration {
            steps: self.steps,
            repairs: self.repairs,
            held: self.held,
        }
    }

    fn push(&mut self, phase: Phase, sql: String, comment: String) -> &mut Step {
        self.steps.push(Step {
            sql,
            outside_transaction: phase.outside_transaction(),
            hazards: Vec::new(),
            reverse: None,
            reverse_outside_transaction: false,
            comment,
            commented_out: None,
            lint_suppression: None,
            phase,
        });
        self.steps.last_mut().expect("just pushed")
    }

    fn live_table(&self, name: &QualifiedName) -> Option<&'a Table> {
        self.context.live.tables.get(name)
    }

    /// `true` unless the live table is known to be empty (unknown counts as "has rows").
    fn has_rows(&self, name: &QualifiedName) -> bool {
        if self.new_tables.contains(name) {
            return false;
        }
        self.live_table(name)
            .and_then(|t| t.row_estimate)
            .is_none_or(|rows| rows > 0)
    }

    fn run(&mut self, drift: &[Drift]) {
        for d in drift {
            match d.kind {
                DriftKind::MissingTable => {
                    self.new_tables.insert(d.table.clone());
                }
                DriftKind::MissingEnum => {
                    self.new_enums.insert(d.table.clone());
                }
                _ => {}
            }
        }
        // Keys built concurrently, known before any foreign key is placed.
        for d in drift {
            if self.new_tables.contains(&d.table) {
                continue;
            }
            let columns = match (&d.kind, &d.declared) {
                (DriftKind::MissingUnique, Some(Object::Unique(u))) => u.columns.clone(),
                (DriftKind::MissingPrimaryKey, Some(Object::PrimaryKey(p))) => p.columns.clone(),
                (DriftKind::MissingIndex, Some(Object::Index(i)))
                    if i.unique
                        && i.predicate.is_none()
                        && i.keys.iter().all(|k| !k.expression) =>
                {
                    i.keys.iter().map(|k| k.expr.clone()).collect()
                }
                _ => continue,
            };
            self.late_keys.insert((d.table.clone(), sorted(columns)));
        }

        self.enum_types(drift);
        self.enum_values(drift);
        self.tables(drift);

        for d in drift {
            let on_new_table = !matches!(d.kind, DriftKind::MissingTable | DriftKind::MissingEnum)
                && (self.new_tables.contains(&d.table) || self.new_enums.contains(&d.table));
            if on_new_table {
                continue;
            }
            let (steps_before, lines_before) = (self.steps.len(), self.repairs.len());
            self.repair_one(d);
            let new_steps = &self.steps[steps_before..];
            if !new_steps.is_empty() && new_steps.iter().all(|s| s.commented_out.is_some()) {
                let lines: Vec<String> = self.repairs.drain(lines_before..).collect();
                self.held.extend(lines);
            }
        }
    }

    /// Plans the repair of one drift item (not a new table or enum, planned together above).
    fn repair_one(&mut self, d: &Drift) {
        if matches!(
            d.kind,
            DriftKind::MissingTable | DriftKind::MissingEnum | DriftKind::MissingEnumValue
        ) {
            return;
        }
        self.repaired(d);
        if !(self.repair_missing(d) || self.repair_mismatch(d) || self.repair_extra(d)) {
            // A drift item without the object repair needs: say so in the file.
            let comment = format!(
                "{} on {}: not enough information to repair it; fix by hand",
                d.kind.as_str(),
                d.table
            );
            let step = self.push(Phase::Destructive, String::new(), comment);
            step.commented_out = Some("cannot be repaired automatically".into());
        }
    }

    /// Adds a missing object; `false` when `d` is not a missing object this can add.
    fn repair_missing(&mut self, d: &Drift) -> bool {
        match (d.kind, &d.declared, &d.live) {
            (DriftKind::MissingColumn, Some(Object::Column(c)), _) => {
                self.missing_column(&d.table, c)
            }
            (DriftKind::MissingIndex, Some(Object::Index(i)), _) => {
                self.create_index(&d.table, i, "");
            }
            (DriftKind::MissingForeignKey, Some(Object::ForeignKey(fk)), _) => {
                self.add_foreign_key(&d.table, fk)
            }
            (DriftKind::MissingCheck, Some(Object::Check(check)), live) => {
                if let Some(Object::Check(live)) = live {
                    // Same name, other expression: replace it in the same transaction.
                    self.drop_changed_check(&d.table, live);
                }
                self.add_check(&d.table, check);
            }
            (DriftKind::MissingUnique, Some(Object::Unique(u)), Some(Object::Unique(live))) => {
                self.replace_unique(&d.table, u, live)
            }
            (DriftKind::MissingUnique, Some(Object::Unique(u)), _) => self.add_unique(&d.table, u),
            (DriftKind::MissingPrimaryKey, Some(Object::PrimaryKey(pk)), _) => {
                self.add_primary_key(&d.table, pk)
            }
            (
                DriftKind::MissingExclusion,
                Some(Object::Exclusion(exclusion)),
                Some(Object::Exclusion(live)),
            ) => self.replace_exclusion(&d.table, exclusion, live),
            (DriftKind::MissingExclusion, Some(Object::Exclusion(exclusion)), _) => {
                self.add_exclusion(&d.table, exclusion)
            }
            (DriftKind::MissingSequence, Some(Object::Sequence(sequence)), _) => {
                self.create_sequence(sequence)
            }
            _ => return false,
        }
        true
    }

    /// Brings a mismatched object to its declared definition; `false` when `d` is not a mismatch
    /// this can repair.
    fn repair_mismatch(&mut self, d: &Drift) -> bool {
        match (d.kind, &d.declared, &d.live) {
            (DriftKind::ColumnDefaultMismatch, Some(Object::Column(c)), live) => {
                let live = match live {
                    Some(Object::Column(l)) => Some(l),
                    _ => None,
                };
                self.repair_default(&d.table, c, live);
            }
            (DriftKind::ColumnNullabilityMismatch, Some(Object::Column(c)), _) => {
                if c.nullable {
                    self.drop_not_null(&d.table, c);
                } else {
                    self.set_not_null(&d.table, &c.name, None);
                }
            }
            (DriftKind::ColumnTypeMismatch, Some(Object::Column(c)), live) => {
                let live = match live {
                    Some(Object::Column(l)) => Some(l),
                    _ => None,
                };
                self.change_type(&d.table, c, live);
            }
            (DriftKind::IndexMismatch, Some(Object::Index(i)), Some(Object::Index(l))) => {
                self.replace_index(&d.table, i, l);
            }
            (
                DriftKind::ForeignKeyMismatch,
                Some(Object::ForeignKey(fk)),
                Some(Object::ForeignKey(l)),
            ) => self.replace_foreign_key(&d.table, fk, l),
            (
                DriftKind::PrimaryKeyMismatch,
                Some(Object::PrimaryKey(pk)),
                Some(Object::PrimaryKey(l)),
            ) => self.replace_primary_key(&d.table, pk, l),
            (DriftKind::CommentMismatch, Some(Object::Column(c)), live) => {
                let before = match live {
                    Some(Object::Column(l)) => l.comment.as_deref(),
                    _ => None,
                };
                let comment = c.comment.as_deref().unwrap_or_default();
                self.comment_on(&d.table, Some(&c.name), comment, before);
            }
            (DriftKind::CommentMismatch, Some(Object::Table(t)), live) => {
                let before = match live {
                    Some(Object::Table(l)) => l.comment.as_deref(),
                    _ => None,
                };
                let comment = t.comment.as_deref().unwrap_or_default();
                self.comment_on(&d.table, None, comment, before);
            }
            (
                DriftKind::SequenceMismatch,
                Some(Object::Sequence(sequence)),
                Some(Object::Sequence(live)),
            ) => self.alter_sequence(sequence, live),
            (
                DriftKind::SequenceMismatch,
                Some(Object::Column(column)),
                Some(Object::Column(live)),
            ) => self.alter_identity_options(&d.table, column, live),
            (DriftKind::EnumMismatch, ..) => {
                let comment = format!(
                    "enum {} lists its labels in another order: PostgreSQL cannot reorder enum \
                     labels; recreate the type by hand if the order matters",
                    d.table
                );
                let step = self.push(Phase::Destructive, String::new(), comment);
                step.commented_out = Some("PostgreSQL cannot reorder enum labels".into());
            }
            _ => return false,
        }
        true
    }

    /// Drops an object the declaration does not have (held back unless `--destructive`);
    /// `false` when `d` is not an extra object this can drop.
    fn repair_extra(&mut self, d: &Drift) -> bool {
        match (d.kind, &d.live) {
            (DriftKind::ExtraTable, _) => self.drop_table(&d.table),
            (DriftKind::ExtraColumn, Some(Object::Column(c))) => self.drop_column(&d.table, c),
            (DriftKind::ExtraIndex, Some(Object::Index(i))) => self.drop_index(&d.table, i),
            (
                DriftKind::ExtraForeignKey
                | DriftKind::ExtraUnique
                | DriftKind::ExtraCheck
                | DriftKind::ExtraExclusion,
                _,
            ) => self.drop_constraint(d),
            (DriftKind::ExtraEnumValue, _) => self.extra_enum_value(d),
            (DriftKind::ExtraEnum, _) => self.drop_enum(&d.table),
            (DriftKind::ExtraSequence, Some(Object::Sequence(sequence))) => {
                self.drop_sequence(sequence)
            }
            _ => return false,
        }
        true
    }

    /// Records the header line of a drift item.
    fn repaired(&mut self, d: &Drift) {
        let mut line = format!("{} {}", d.kind.as_str(), d.table);
        if let Some(object) = &d.object {
            line.push('.');
            line.push_str(object);
        }
        match (&d.expected, &d.actual) {
            (Some(e), Some(a)) => line.push_str(&format!(" (expected {e}, found {a})")),
            (Some(e), None) => line.push_str(&format!(" ({e})")),
            (None, Some(a)) => line.push_str(&format!(" ({a})")),
            (None, None) => {}
        }
        self.repairs.push(line);
    }

    /// Comments out the steps from `first` on unless `--destructive` was given: a replacement
    /// of `what` (`the primary key`, `a unique constraint`).
    fn hold_replacement(&mut self, first: usize, what: &str) {
        if !self.context.destructive {
            for step in &mut self.steps[first..] {
                step.commented_out = Some(format!("replaces {what} (--destructive runs it)"));
            }
        }
    }

    /// Comments out the last step unless `--destructive` was given.
    fn destructive_gate(&mut self) {
        if !self.context.destructive {
            if let Some(step) = self.steps.last_mut() {
                step.commented_out = Some("destructive: run with --destructive to apply".into());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SQL fragments

fn lock(table: &QualifiedName, level: LockLevel, brief: bool) -> Hazard {
    Hazard::Lock {
        table: table.clone(),
        level,
        brief,
    }
}

fn sorted(mut columns: Vec<String>) -> Vec<String> {
    columns.sort();
    columns
}
