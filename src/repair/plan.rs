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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diff::{Drift, DriftKind, Object};
use crate::model::{
    quote_ident, quote_literal, Check, Column, Enum, FkAction, ForeignKey, Identity, Index,
    PrimaryKey, QualifiedName, Schema, Table, Unique,
};

use super::names::{
    choose_name, column_list, column_nullable, columns_in_expression, constraint_exists, do_block,
    invalid_index_exists, qualified, regclass, type_exists,
};

/// What the planner knows besides the drift list.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    pub declared: &'a Schema,
    pub live: &'a Schema,
    /// Emit drops and type changes as executable statements instead of commented-out ones.
    pub destructive: bool,
}

/// A repair migration: steps in the order they must run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    pub steps: Vec<Step>,
    /// One line per drift item the migration repairs, for the file header.
    pub repairs: Vec<String>,
    /// One line per drift item whose statements are all held back (commented out).
    pub held: Vec<String>,
}

impl Migration {
    /// Steps that will run (not commented out).
    pub fn applied(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.commented_out.is_none())
    }

    /// Steps written as comments only (destructive without `--destructive`, or needing a backfill).
    pub fn held_back(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.commented_out.is_some())
    }

    /// `true` when nothing would run.
    pub fn is_empty(&self) -> bool {
        self.applied().next().is_none()
    }
}

/// One statement of the repair.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// One SQL statement, ending in `;`, safe to run twice.
    pub sql: String,
    /// Runs outside a transaction block (`CREATE INDEX CONCURRENTLY`, `ALTER TYPE .. ADD VALUE`,
    /// and the long validations kept apart from the transaction's locks).
    pub outside_transaction: bool,
    pub hazards: Vec<Hazard>,
    /// The statement that undoes this step, if one exists.
    pub reverse: Option<String>,
    /// The reverse must run outside a transaction (`DROP INDEX CONCURRENTLY`).
    pub reverse_outside_transaction: bool,
    /// What the step does, in a line.
    pub comment: String,
    /// `Some(reason)`: written as a comment and never run (a destructive change without
    /// `--destructive`, or a step that needs a backfill first).
    pub commented_out: Option<String>,
    /// A `driftlint lint` suppression for the statement, with its reason, when a rule cannot see
    /// why the statement is safe (`SET NOT NULL` proven by a validated check).
    pub lint_suppression: Option<String>,
    pub(crate) phase: Phase,
}

/// A lock level, as PostgreSQL names it, with what it blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockLevel {
    AccessExclusive,
    ShareRowExclusive,
    Share,
    ShareUpdateExclusive,
}

impl LockLevel {
    pub fn name(self) -> &'static str {
        match self {
            LockLevel::AccessExclusive => "ACCESS EXCLUSIVE",
            LockLevel::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockLevel::Share => "SHARE",
            LockLevel::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
        }
    }

    pub fn blocks(self) -> &'static str {
        match self {
            LockLevel::AccessExclusive => "blocks reads and writes",
            LockLevel::ShareRowExclusive | LockLevel::Share => "blocks writes",
            LockLevel::ShareUpdateExclusive => "blocks DDL and VACUUM, not reads or writes",
        }
    }
}

/// Something a step does to a busy table that a reviewer must know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hazard {
    /// Takes `level` on `table`; `brief` when held only for a catalog update.
    Lock {
        table: QualifiedName,
        level: LockLevel,
        brief: bool,
    },
    /// Reads the whole table.
    TableScan { table: QualifiedName },
    /// Rewrites the whole table under its lock.
    TableRewrite { table: QualifiedName },
    /// Destroys data.
    DataLoss { what: String },
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hazard::Lock {
                table,
                level,
                brief,
            } => write!(
                f,
                "{} lock on {table}{} ({})",
                level.name(),
                if *brief { ", brief" } else { "" },
                level.blocks()
            ),
            Hazard::TableScan { table } => write!(f, "scans {table}"),
            Hazard::TableRewrite { table } => write!(f, "rewrites {table}"),
            Hazard::DataLoss { what } => write!(f, "data loss: {what}"),
        }
    }
}

/// Where a step runs; steps are sorted by phase (stable), and the phase decides whether the step
/// is inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    EnumValues,
    Types,
    Tables,
    Columns,
    Alter,
    /// Drops of constraints replaced by their declared definition, before the re-adds.
    Replace,
    Constraints,
    Destructive,
    Indexes,
    Validate,
    NotNull,
    KeyConstraints,
    LateForeignKeys,
    LateValidate,
    DropIndexes,
}

impl Phase {
    fn outside_transaction(self) -> bool {
        !matches!(
            self,
            Phase::Types
                | Phase::Tables
                | Phase::Columns
                | Phase::Alter
                | Phase::Replace
                | Phase::Constraints
                | Phase::Destructive
        )
    }
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
        match (d.kind, &d.declared, &d.live) {
            (DriftKind::MissingTable | DriftKind::MissingEnum, ..)
            | (DriftKind::MissingEnumValue, ..) => {}
            (DriftKind::MissingColumn, Some(Object::Column(c)), _) => {
                self.repaired(d);
                self.missing_column(&d.table, c);
            }
            (DriftKind::MissingIndex, Some(Object::Index(i)), _) => {
                self.repaired(d);
                self.create_index(&d.table, i, "");
            }
            (DriftKind::MissingForeignKey, Some(Object::ForeignKey(fk)), _) => {
                self.repaired(d);
                self.add_foreign_key(&d.table, fk);
            }
            (DriftKind::MissingCheck, Some(Object::Check(check)), live) => {
                self.repaired(d);
                if let Some(Object::Check(live)) = live {
                    // Same name, other expression: replace it in the same transaction.
                    self.drop_changed_check(&d.table, live);
                }
                self.add_check(&d.table, check);
            }
            (DriftKind::MissingUnique, Some(Object::Unique(u)), _) => {
                self.repaired(d);
                self.add_unique(&d.table, u);
            }
            (DriftKind::MissingPrimaryKey, Some(Object::PrimaryKey(pk)), _) => {
                self.repaired(d);
                self.add_primary_key(&d.table, pk);
            }
            (DriftKind::ColumnDefaultMismatch, Some(Object::Column(c)), live) => {
                self.repaired(d);
                let before = match live {
                    Some(Object::Column(l)) => l.default.clone(),
                    _ => None,
                };
                self.set_default(&d.table, c, before);
            }
            (DriftKind::ColumnNullabilityMismatch, Some(Object::Column(c)), _) => {
                self.repaired(d);
                if c.nullable {
                    self.drop_not_null(&d.table, c);
                } else {
                    self.set_not_null(&d.table, &c.name, None);
                }
            }
            (DriftKind::ColumnTypeMismatch, Some(Object::Column(c)), live) => {
                self.repaired(d);
                let before = match live {
                    Some(Object::Column(l)) => Some(l.data_type.clone()),
                    _ => None,
                };
                self.change_type(&d.table, c, before);
            }
            (DriftKind::IndexMismatch, Some(Object::Index(i)), Some(Object::Index(l))) => {
                self.repaired(d);
                self.replace_index(&d.table, i, l);
            }
            (
                DriftKind::ForeignKeyMismatch,
                Some(Object::ForeignKey(fk)),
                Some(Object::ForeignKey(l)),
            ) => {
                self.repaired(d);
                self.replace_foreign_key(&d.table, fk, l);
            }
            (
                DriftKind::PrimaryKeyMismatch,
                Some(Object::PrimaryKey(pk)),
                Some(Object::PrimaryKey(l)),
            ) => {
                self.repaired(d);
                self.replace_primary_key(&d.table, pk, l);
            }
            (DriftKind::ExtraTable, ..) => {
                self.repaired(d);
                self.drop_table(&d.table);
            }
            (DriftKind::ExtraColumn, _, Some(Object::Column(c))) => {
                self.repaired(d);
                self.drop_column(&d.table, c);
            }
            (DriftKind::ExtraIndex, _, Some(Object::Index(i))) => {
                self.repaired(d);
                self.drop_index(&d.table, i);
            }
            (DriftKind::ExtraForeignKey | DriftKind::ExtraUnique | DriftKind::ExtraCheck, ..) => {
                self.repaired(d);
                self.drop_constraint(d);
            }
            (DriftKind::ExtraEnumValue, ..) => {
                self.repaired(d);
                self.extra_enum_value(d);
            }
            (DriftKind::ExtraEnum, ..) => {
                self.repaired(d);
                self.drop_enum(&d.table);
            }
            (DriftKind::EnumMismatch, ..) => {
                self.repaired(d);
                let comment = format!(
                    "enum {} lists its labels in another order: PostgreSQL cannot reorder enum \
                     labels; recreate the type by hand if the order matters",
                    d.table
                );
                let step = self.push(Phase::Destructive, String::new(), comment);
                step.commented_out = Some("PostgreSQL cannot reorder enum labels".into());
            }
            _ => {
                // A drift item without the object repair needs: say so in the file.
                self.repaired(d);
                let comment = format!(
                    "{} on {}: not enough information to repair it; fix by hand",
                    d.kind.as_str(),
                    d.table
                );
                let step = self.push(Phase::Destructive, String::new(), comment);
                step.commented_out = Some("cannot be repaired automatically".into());
            }
        }
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

    // -----------------------------------------------------------------------------------------
    // enums

    fn enum_types(&mut self, drift: &[Drift]) {
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

    fn enum_values(&mut self, drift: &[Drift]) {
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

    fn extra_enum_value(&mut self, d: &Drift) {
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

    fn drop_enum(&mut self, name: &QualifiedName) {
        self.push(
            Phase::Destructive,
            format!("DROP TYPE IF EXISTS {};", name.to_sql()),
            format!("drop enum {name}, which schema.yaml does not declare (fails while a column uses it)"),
        );
        self.destructive_gate();
    }

    // -----------------------------------------------------------------------------------------
    // tables

    fn tables(&mut self, drift: &[Drift]) {
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
            for fk in &table.foreign_keys {
                self.add_foreign_key(name, fk);
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
                column_list(&pk.columns)
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
                column_list(&u.columns)
            ));
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
        }
    }

    // -----------------------------------------------------------------------------------------
    // columns

    fn missing_column(&mut self, table: &QualifiedName, column: &Column) {
        let has_rows = self.has_rows(table);
        // NOT NULL needs a value for every existing row: a default, or an empty table.
        let direct_not_null = column.nullable
            || column.default.is_some()
            || column.identity.is_some()
            || column.generated.is_some()
            || !has_rows;
        let sql = format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {};",
            table.to_sql(),
            column_definition(column, direct_not_null)
        );
        let mut comment = format!("add column {}.{}", table, column.name);
        if !direct_not_null {
            comment.push_str(
                " (nullable for now: it is NOT NULL without a default on a table with rows)",
            );
        }
        let rewrites = has_rows && rewrites_on_add(column);
        // A rewrite holds the lock for as long as it takes.
        let mut hazards = vec![lock(table, LockLevel::AccessExclusive, !rewrites)];
        if rewrites {
            hazards.push(Hazard::TableRewrite {
                table: table.clone(),
            });
        }
        let step = self.push(Phase::Columns, sql, comment);
        step.hazards = hazards;
        step.reverse = Some(format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {};",
            table.to_sql(),
            quote_ident(&column.name)
        ));
        if !direct_not_null {
            self.set_not_null(
                table,
                &column.name,
                Some(format!(
                    "backfill first: UPDATE {} SET {} = ... WHERE {} IS NULL; then run these",
                    table.to_sql(),
                    quote_ident(&column.name),
                    quote_ident(&column.name)
                )),
            );
        }
    }

    fn set_default(&mut self, table: &QualifiedName, column: &Column, before: Option<String>) {
        if column.default.is_none() && crate::types::serial_base(&column.data_type).is_some() {
            self.serial_default(table, column, before);
            return;
        }
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let (sql, comment) = match &column.default {
            Some(default) => (
                format!("{alter} SET DEFAULT {default};"),
                format!("set the default of {}.{}", table, column.name),
            ),
            None => (
                format!("{alter} DROP DEFAULT;"),
                format!("drop the default of {}.{}", table, column.name),
            ),
        };
        let reverse = match &before {
            Some(default) => format!("{alter} SET DEFAULT {default};"),
            None => format!("{alter} DROP DEFAULT;"),
        };
        let step = self.push(Phase::Alter, sql, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(reverse);
    }

    /// A `serial` column without its sequence: create the sequence, start it above the values
    /// already there, and make it the default.
    fn serial_default(&mut self, table: &QualifiedName, column: &Column, before: Option<String>) {
        let base = crate::types::serial_base(&column.data_type).unwrap_or("integer");
        let seq = QualifiedName::new(
            table.schema.clone(),
            super::names::object_name(&table.name, Some(&column.name), "seq"),
        );
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let s = seq.to_sql();
        let seq_literal = quote_literal(&s);
        let steps = [
            (
                format!("CREATE SEQUENCE IF NOT EXISTS {s} AS {base} OWNED BY {t}.{c};"),
                format!("create sequence {seq} for the serial column {table}.{}", column.name),
                vec![],
                Some(format!("DROP SEQUENCE IF EXISTS {s};")),
            ),
            (
                super::names::do_statement(&format!(
                    "PERFORM pg_catalog.setval({seq_literal}, GREATEST(\
                     (SELECT COALESCE(max({c}), 0) + 1 FROM {t}), \
                     (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {s})), false)"
                )),
                format!(
                    "start {seq} above the values already in {table}.{} (never moves it back)",
                    column.name
                ),
                vec![Hazard::TableScan {
                    table: table.clone(),
                }],
                None,
            ),
            (
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT nextval({}::regclass);",
                    seq_literal
                ),
                format!("make {seq} the default of {table}.{}", column.name),
                vec![lock(table, LockLevel::AccessExclusive, true)],
                Some(match &before {
                    Some(default) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {default};"),
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;"),
                }),
            ),
        ];
        for (sql, comment, hazards, reverse) in steps {
            let step = self.push(Phase::Alter, sql, comment);
            step.hazards = hazards;
            step.reverse = reverse;
        }
    }

    fn drop_not_null(&mut self, table: &QualifiedName, column: &Column) {
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let step = self.push(
            Phase::Alter,
            format!("{alter} DROP NOT NULL;"),
            format!("make {}.{} nullable", table, column.name),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!("{alter} SET NOT NULL;"));
    }

    /// The safe `SET NOT NULL`: a `CHECK (col IS NOT NULL) NOT VALID`, validated without blocking
    /// writes, lets `SET NOT NULL` skip its scan under ACCESS EXCLUSIVE; then the check goes.
    fn set_not_null(&mut self, table: &QualifiedName, column: &str, held_back: Option<String>) {
        if !self.not_null.insert((table.clone(), column.to_string())) {
            return;
        }
        let check = choose_name(
            &mut self.taken,
            &table.schema,
            &table.name,
            &[column.to_string()],
            "not_null",
        );
        let t = table.to_sql();
        let c = quote_ident(column);
        let add = do_block(
            &format!(
                "NOT {} AND {}",
                constraint_exists(table, &check),
                column_nullable(table, column)
            ),
            &format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({c} IS NOT NULL) NOT VALID",
                quote_ident(&check)
            ),
        );
        let validate = do_block(
            &format!(
                "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} \
                 AND conrelid = {} AND NOT convalidated)",
                quote_literal(&check),
                regclass(table)
            ),
            &format!(
                "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
                quote_ident(&check)
            ),
        );
        let phase_add = if held_back.is_some() {
            Phase::Validate
        } else {
            Phase::Constraints
        };
        let steps = [
            (
                phase_add,
                add,
                format!("{table}.{column} NOT NULL, step 1: a check constraint, not validated yet"),
                vec![lock(table, LockLevel::AccessExclusive, true)],
                Some(format!(
                    "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                    quote_ident(&check)
                )),
            ),
            (
                Phase::Validate,
                validate,
                format!("{table}.{column} NOT NULL, step 2: validate the check (fails if a row is NULL)"),
                vec![
                    lock(table, LockLevel::ShareUpdateExclusive, false),
                    Hazard::TableScan {
                        table: table.clone(),
                    },
                ],
                None,
            ),
            (
                Phase::NotNull,
                format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;"),
                format!("{table}.{column} NOT NULL, step 3: SET NOT NULL, proven by the check without a scan"),
                vec![lock(table, LockLevel::AccessExclusive, true)],
                Some(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;")),
            ),
            (
                Phase::NotNull,
                format!(
                    "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                    quote_ident(&check)
                ),
                format!("{table}.{column} NOT NULL, step 4: drop the helper check"),
                vec![lock(table, LockLevel::AccessExclusive, true)],
                None,
            ),
        ];
        for (phase, sql, comment, hazards, reverse) in steps {
            let set_not_null = sql.ends_with(" SET NOT NULL;");
            let step = self.push(phase, sql, comment);
            step.hazards = hazards;
            step.reverse = reverse;
            step.commented_out = held_back.clone();
            if set_not_null {
                step.lint_suppression = Some(
                    "driftlint-ignore: set-not-null -- the validated check above proves it: no scan"
                        .into(),
                );
            }
        }
    }

    fn change_type(&mut self, table: &QualifiedName, column: &Column, before: Option<String>) {
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let ty = crate::types::serial_base(&column.data_type).unwrap_or(&column.data_type);
        let alter = format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {c}::{ty}");
        let condition = format!(
            "(SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute \
             WHERE attrelid = {} AND attname = {} AND NOT attisdropped) <> {}",
            regclass(table),
            quote_literal(&column.name),
            quote_literal(ty)
        );
        let comment = format!(
            "change the type of {}.{} to {}",
            table, column.name, column.data_type
        );
        let destructive = self.context.destructive;
        let step = self.push(Phase::Destructive, do_block(&condition, &alter), comment);
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, false),
            Hazard::TableRewrite {
                table: table.clone(),
            },
            Hazard::DataLoss {
                what: format!(
                    "values of {}.{} that do not convert are an error or get truncated",
                    table, column.name
                ),
            },
        ];
        step.reverse =
            before.map(|ty| format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {c}::{ty};"));
        if !destructive {
            step.commented_out = Some(
                "a type change rewrites the table under an ACCESS EXCLUSIVE lock (--destructive runs it)"
                    .into(),
            );
        }
    }

    fn drop_column(&mut self, table: &QualifiedName, column: &Column) {
        let sql = format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {};",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let reverse = format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {};",
            table.to_sql(),
            column_definition(column, column.default.is_some() || column.nullable)
        );
        let step = self.push(
            Phase::Destructive,
            sql,
            format!(
                "drop column {}.{}, which schema.yaml does not declare",
                table, column.name
            ),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            Hazard::DataLoss {
                what: format!("every value of {}.{}", table, column.name),
            },
        ];
        step.reverse = Some(reverse);
        self.destructive_gate();
    }

    fn drop_table(&mut self, table: &QualifiedName) {
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

    /// Comments out the last step unless `--destructive` was given.
    fn destructive_gate(&mut self) {
        if !self.context.destructive {
            if let Some(step) = self.steps.last_mut() {
                step.commented_out = Some("destructive: run with --destructive to apply".into());
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // indexes

    fn index_name(&mut self, table: &QualifiedName, index: &Index) -> String {
        if let Some(name) = &index.name {
            return name.clone();
        }
        let columns: Vec<String> = index
            .keys
            .iter()
            .map(|k| {
                if k.expression {
                    "expr".to_string()
                } else {
                    k.expr.clone()
                }
            })
            .collect();
        choose_name(&mut self.taken, &table.schema, &table.name, &columns, "idx")
    }

    /// Builds `index` concurrently, first dropping an INVALID index of the same name left by a
    /// failed concurrent build (`IF NOT EXISTS` would otherwise skip it and "succeed").
    /// `true` for a partitioned table: PostgreSQL builds no index on one concurrently.
    fn partitioned(&self, table: &QualifiedName) -> bool {
        self.live_table(table)
            .or_else(|| self.context.declared.tables.get(table))
            .is_some_and(|t| t.partitioned)
    }

    fn create_index(&mut self, table: &QualifiedName, index: &Index, why: &str) -> String {
        let name = self.index_name(table, index);
        if self.partitioned(table) {
            let sql = index_sql(table, &name, index).replacen(" CONCURRENTLY", "", 1);
            let step = self.push(
                Phase::Constraints,
                sql,
                format!(
                    "build index {name} on the partitioned table {table} (partitioned tables cannot build concurrently)"
                ),
            );
            step.hazards = vec![
                lock(table, LockLevel::Share, false),
                Hazard::TableScan {
                    table: table.clone(),
                },
            ];
            step.reverse = Some(format!(
                "DROP INDEX IF EXISTS {};",
                qualified(&table.schema, &name)
            ));
            return name;
        }
        self.rebuild_invalid(table, &name);
        let sql = index_sql(table, &name, index);
        let step = self.push(
            Phase::Indexes,
            sql,
            if why.is_empty() {
                format!("build index {name} on {table} without blocking writes")
            } else {
                format!("build index {name} on {table} ({why}) without blocking writes")
            },
        );
        step.hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {};",
            qualified(&table.schema, &name)
        ));
        step.reverse_outside_transaction = true;
        name
    }

    fn rebuild_invalid(&mut self, table: &QualifiedName, name: &str) {
        let sql = do_block(
            &invalid_index_exists(&table.schema, name),
            &format!("DROP INDEX IF EXISTS {}", qualified(&table.schema, name)),
        );
        let step = self.push(
            Phase::Indexes,
            sql,
            format!(
                "drop index {name} if a failed concurrent build left it INVALID, so it is rebuilt"
            ),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
    }

    fn replace_index(&mut self, table: &QualifiedName, declared: &Index, live: &Index) {
        // An undeclared name keeps the live one.
        let declared = &Index {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        if !live.valid {
            // An INVALID index serves no query: rebuilding it loses nothing.
            self.create_index(table, declared, "replaces an INVALID index");
            return;
        }
        let name = self.index_name(table, declared);
        let Some(definition) = &live.definition else {
            let step = self.push(
                Phase::DropIndexes,
                String::new(),
                format!("index {name} on {table} differs from schema.yaml: recreate it by hand"),
            );
            step.commented_out = Some("the live definition is unknown".into());
            return;
        };
        let drop = do_block(
            &format!(
                "EXISTS (SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = {} \
                 AND indexname = {} AND indexdef = {})",
                quote_literal(&table.schema),
                quote_literal(&name),
                quote_literal(definition)
            ),
            &format!("DROP INDEX IF EXISTS {}", qualified(&table.schema, &name)),
        );
        let reverse = format!("{};", definition.trim_end_matches(';'));
        let gate = !self.context.destructive;
        let step = self.push(
            Phase::Indexes,
            drop,
            format!("drop index {name}, whose definition differs from schema.yaml"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(reverse);
        if gate {
            step.commented_out = Some(
                "replacing an index leaves queries without it until it is rebuilt (--destructive runs it)"
                    .into(),
            );
        }
        let sql = index_sql(table, &name, declared);
        let step = self.push(
            Phase::Indexes,
            sql,
            format!("rebuild index {name} as declared, without blocking writes"),
        );
        step.hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        if gate {
            step.commented_out = Some("follows the drop above".into());
        }
    }

    fn drop_index(&mut self, table: &QualifiedName, index: &Index) {
        let Some(name) = &index.name else { return };
        let step = self.push(
            Phase::DropIndexes,
            format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {};",
                qualified(&table.schema, name)
            ),
            format!("drop index {name} on {table}, which schema.yaml does not declare"),
        );
        step.hazards = vec![lock(table, LockLevel::ShareUpdateExclusive, false)];
        step.reverse = Some(index_sql(table, name, index));
        step.reverse_outside_transaction = true;
        self.destructive_gate();
    }

    // -----------------------------------------------------------------------------------------
    // constraints

    fn constraint_name(
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
    fn add_not_valid(
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
            Some(_) => do_block(
                &format!(
                    "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} \
                     AND conrelid = {} AND NOT convalidated)",
                    quote_literal(name),
                    regclass(table)
                ),
                &validate,
            ),
            None => validate,
        };
        let step = self.push(
            phases.1,
            validate,
            format!("validate {what} {name} without blocking writes"),
        );
        step.hazards = validate_hazards;
    }

    fn add_foreign_key(&mut self, table: &QualifiedName, fk: &ForeignKey) {
        let name = self.constraint_name(table, &fk.name, &fk.columns, "fkey");
        let late = self
            .late_keys
            .contains(&(fk.ref_table.clone(), sorted(fk.ref_columns.clone())));
        let phases = if late {
            (Phase::LateForeignKeys, Phase::LateValidate)
        } else {
            (Phase::Constraints, Phase::Validate)
        };
        let mut add_hazards = vec![lock(table, LockLevel::ShareRowExclusive, true)];
        let mut validate_hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        if fk.ref_table != *table {
            add_hazards.push(lock(&fk.ref_table, LockLevel::ShareRowExclusive, true));
            validate_hazards.push(Hazard::TableScan {
                table: fk.ref_table.clone(),
            });
        }
        // A foreign key declared without a name matches any equivalent one (a hand-run hotfix
        // may have added it under another name).
        let equivalent = fk.name.is_none().then(|| {
            format!(
                "EXISTS (  -- the same foreign key under another name\n\
                 \x20          SELECT 1 FROM pg_catalog.pg_constraint c\n\
                 \x20          WHERE c.conrelid = {} AND c.contype = 'f'\n\
                 \x20            AND c.conkey = {}\n\
                 \x20            AND c.confrelid = {}\n\
                 \x20            AND c.confkey = {})",
                regclass(table),
                key_attnums("c.conrelid", &fk.columns),
                regclass(&fk.ref_table),
                key_attnums("c.confrelid", &fk.ref_columns)
            )
        });
        self.add_not_valid(
            table,
            NotValid {
                name: &name,
                definition: &foreign_key_definition(fk),
                equivalent,
                what: "foreign key",
            },
            phases,
            (add_hazards, validate_hazards),
        );
    }

    fn add_check(&mut self, table: &QualifiedName, check: &Check) {
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

    /// A unique index built concurrently, then attached as a constraint (`USING INDEX`).
    /// A unique key or primary key added directly (a partitioned table has no `USING INDEX`).
    fn add_key_directly(
        &mut self,
        table: &QualifiedName,
        name: &str,
        definition: &str,
        what: &str,
    ) {
        let t = table.to_sql();
        let n = quote_ident(name);
        let sql = do_block(
            &format!("NOT {}", constraint_exists(table, name)),
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {definition}"),
        );
        let step = self.push(
            Phase::Constraints,
            sql,
            format!(
                "add {what} {name} on the partitioned table {table} (no concurrent build possible)"
            ),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
    }

    fn add_unique(&mut self, table: &QualifiedName, unique: &Unique) {
        let name = self.constraint_name(table, &unique.name, &unique.columns, "key");
        if self.partitioned(table) {
            let definition = format!(
                "UNIQUE{} ({})",
                if unique.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                column_list(&unique.columns)
            );
            self.add_key_directly(table, &name, &definition, "unique constraint");
            return;
        }
        let index = key_index(&unique.columns, unique.nulls_not_distinct);
        let index_name = Some(name.clone());
        self.create_index(
            table,
            &Index {
                name: index_name,
                ..index
            },
            &format!("backs unique constraint {name}"),
        );
        self.attach_index(table, &name, "UNIQUE", "unique constraint");
    }

    fn add_primary_key(&mut self, table: &QualifiedName, pk: &PrimaryKey) {
        let name = self.constraint_name(table, &pk.name, &[], "pkey");
        if self.partitioned(table) {
            let definition = format!("PRIMARY KEY ({})", column_list(&pk.columns));
            self.add_key_directly(table, &name, &definition, "primary key");
            return;
        }
        // PRIMARY KEY USING INDEX would SET NOT NULL with a scan under ACCESS EXCLUSIVE:
        // prove NOT NULL first, the safe way.
        if let Some(live) = self.live_table(table) {
            for column in &pk.columns {
                if live.column(column).is_some_and(|c| c.nullable) {
                    self.set_not_null(table, column, None);
                }
            }
        }
        let index = Index {
            name: Some(name.clone()),
            ..key_index(&pk.columns, false)
        };
        self.create_index(table, &index, &format!("backs primary key {name}"));
        self.attach_index(table, &name, "PRIMARY KEY", "primary key");
    }

    fn attach_index(&mut self, table: &QualifiedName, name: &str, kind: &str, what: &str) {
        let t = table.to_sql();
        let n = quote_ident(name);
        let sql = do_block(
            &format!("NOT {}", constraint_exists(table, name)),
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {kind} USING INDEX {n}"),
        );
        let step = self.push(
            Phase::KeyConstraints,
            sql,
            format!("make index {name} the {what} of {table}"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
    }

    fn replace_foreign_key(
        &mut self,
        table: &QualifiedName,
        declared: &ForeignKey,
        live: &ForeignKey,
    ) {
        let Some(live_name) = &live.name else { return };
        let declared = &ForeignKey {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        let t = table.to_sql();
        // Drop the live constraint only while it still differs from the declared one, so a
        // second run keeps the new constraint.
        let same = format!(
            "c.confrelid = {}\n\
             \x20            AND c.conkey = {}\n\
             \x20            AND c.confkey = {}\n\
             \x20            AND c.confdeltype = {} AND c.confupdtype = {}\n\
             \x20            AND c.condeferrable = {} AND c.condeferred = {}",
            regclass(&declared.ref_table),
            key_attnums("c.conrelid", &declared.columns),
            key_attnums("c.confrelid", &declared.ref_columns),
            quote_literal(action_code(declared.on_delete)),
            quote_literal(action_code(declared.on_update)),
            declared.deferrable,
            declared.initially_deferred
        );
        let condition = format!(
            "EXISTS (  -- still the old definition\n\
             \x20          SELECT 1 FROM pg_catalog.pg_constraint c\n\
             \x20          WHERE c.conname = {} AND c.conrelid = {}\n\
             \x20            AND NOT ({same}))",
            quote_literal(live_name),
            regclass(table)
        );
        let drop = do_block(
            &condition,
            &format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
                quote_ident(live_name)
            ),
        );
        let step = self.push(
            Phase::Replace,
            drop,
            format!("drop foreign key {live_name} on {table}, which differs from schema.yaml"),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            lock(&live.ref_table, LockLevel::AccessExclusive, true),
        ];
        step.reverse = Some(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {};",
            quote_ident(live_name),
            foreign_key_definition(live)
        ));
        // Dropped and added NOT VALID in the same transaction: new rows are checked at once,
        // existing ones by the VALIDATE outside it.
        self.add_foreign_key(table, declared);
    }

    /// Drops the live check `live` while its definition is still the one found, so a second run
    /// keeps the declared check added after it.
    fn drop_changed_check(&mut self, table: &QualifiedName, live: &Check) {
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
        let drop = do_block(
            &condition,
            &format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
                quote_ident(name)
            ),
        );
        let step = self.push(
            Phase::Replace,
            drop,
            format!("drop check {name} on {table}, whose expression differs from schema.yaml"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {definition} NOT VALID;",
            quote_ident(name)
        ));
    }

    fn replace_primary_key(
        &mut self,
        table: &QualifiedName,
        declared: &PrimaryKey,
        live: &PrimaryKey,
    ) {
        let Some(live_name) = &live.name else { return };
        let declared = &PrimaryKey {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        let t = table.to_sql();
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conname = {} \
             AND c.conrelid = {} AND c.contype = 'p' AND c.conkey <> {})",
            quote_literal(live_name),
            regclass(table),
            key_attnums("c.conrelid", &declared.columns)
        );
        let drop = do_block(
            &condition,
            &format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
                quote_ident(live_name)
            ),
        );
        let step = self.push(
            Phase::Replace,
            drop,
            format!("drop primary key {live_name} on {table}, which differs from schema.yaml (fails while foreign keys reference it)"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = None;
        let first = self.steps.len() - 1;
        self.add_primary_key(table, declared);
        if !self.context.destructive {
            for step in &mut self.steps[first..] {
                step.commented_out =
                    Some("replaces the primary key (--destructive runs it)".into());
            }
        }
    }

    fn drop_constraint(&mut self, d: &Drift) {
        let (name, what) = match &d.live {
            Some(Object::ForeignKey(fk)) => (fk.name.clone(), "foreign key"),
            Some(Object::Unique(u)) => (u.name.clone(), "unique constraint"),
            Some(Object::Check(c)) => (c.name.clone(), "check"),
            _ => (d.object.clone(), "constraint"),
        };
        let Some(name) = name.or_else(|| d.object.clone()) else {
            return;
        };
        let t = d.table.to_sql();
        let reverse = match &d.live {
            Some(Object::ForeignKey(fk)) => Some(foreign_key_definition(fk)),
            Some(Object::Unique(u)) => Some(format!("UNIQUE ({})", column_list(&u.columns))),
            Some(Object::Check(c)) => Some(format!("CHECK ({})", c.expression)),
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
struct NotValid<'a> {
    name: &'a str,
    /// `FOREIGN KEY (..) REFERENCES ..`, `CHECK (..)`.
    definition: &'a str,
    /// A catalog condition true when an equivalent constraint exists under another name.
    equivalent: Option<String>,
    /// `foreign key`, `check`: for comments.
    what: &'a str,
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

fn constraint_prefix(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default()
}

/// The attribute numbers of `columns` of the relation `relation` (an SQL expression), in order,
/// as an `int2[]` to compare with `conkey` / `confkey`.
fn key_attnums(relation: &str, columns: &[String]) -> String {
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

/// `"user" text DEFAULT 'x' NOT NULL` (NOT NULL only when `with_not_null`).
pub(crate) fn column_definition(column: &Column, with_not_null: bool) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.data_type);
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    } else if let Some(identity) = column.identity {
        sql.push_str(match identity {
            Identity::Always => " GENERATED ALWAYS AS IDENTITY",
            Identity::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
        });
    } else if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if with_not_null && !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// Whether adding `column` to a table with rows rewrites it: a stored generated column, an
/// identity, or a default that is (by its look) volatile.
fn rewrites_on_add(column: &Column) -> bool {
    if column.generated.is_some() || column.identity.is_some() {
        return true;
    }
    let Some(default) = &column.default else {
        return false;
    };
    let default = default.to_lowercase();
    const VOLATILE: &[&str] = &[
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
        "txid_current(",
    ];
    VOLATILE.iter().any(|f| default.contains(f)) || column.data_type.ends_with("serial")
}

fn key_index(columns: &[String], nulls_not_distinct: bool) -> Index {
    Index {
        name: None,
        unique: true,
        method: "btree".to_string(),
        keys: columns
            .iter()
            .map(|c| crate::model::IndexKey {
                expr: c.clone(),
                expression: false,
                opclass: None,
                descending: false,
                nulls_first: None,
            })
            .collect(),
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct,
        valid: true,
        definition: None,
        pos: None,
    }
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name ON table USING method (keys) ...;`
pub(crate) fn index_sql(table: &QualifiedName, name: &str, index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            let mut key = if k.expression {
                format!("({})", k.expr)
            } else {
                quote_ident(&k.expr)
            };
            if let Some(opclass) = &k.opclass {
                key.push(' ');
                key.push_str(opclass);
            }
            if k.descending {
                key.push_str(" DESC");
            }
            match k.nulls_first {
                Some(true) => key.push_str(" NULLS FIRST"),
                Some(false) => key.push_str(" NULLS LAST"),
                None => {}
            }
            key
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(name),
        table.to_sql(),
        quote_ident(&index.method),
        keys.join(", ")
    );
    if !index.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", column_list(&index.include)));
    }
    if index.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    sql.push(';');
    sql
}

/// `FOREIGN KEY (a) REFERENCES public.t (id) ON DELETE SET NULL DEFERRABLE ...`
fn foreign_key_definition(fk: &ForeignKey) -> String {
    let mut sql = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        column_list(&fk.columns),
        fk.ref_table.to_sql(),
        column_list(&fk.ref_columns)
    );
    if fk.on_update != FkAction::NoAction {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.to_sql()));
    }
    if fk.on_delete != FkAction::NoAction {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.to_sql()));
    }
    if fk.deferrable {
        sql.push_str(" DEFERRABLE");
        if fk.initially_deferred {
            sql.push_str(" INITIALLY DEFERRED");
        }
    }
    sql
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn action_code(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "a",
        FkAction::Restrict => "r",
        FkAction::Cascade => "c",
        FkAction::SetNull => "n",
        FkAction::SetDefault => "d",
    }
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
