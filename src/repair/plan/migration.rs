//! The repair as data: a [`Migration`] of [`Step`]s, the [`Hazard`]s each carries and the
//! [`LockLevel`]s they name, and the [`Phase`] that orders the steps and decides which run outside
//! the transaction. What goes into a migration is decided by the planner; how it is written out,
//! by `sql.rs` and `alembic.rs`.

use std::fmt;

use crate::model::QualifiedName;

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
    pub(super) fn outside_transaction(self) -> bool {
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
