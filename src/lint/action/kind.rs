//! What each kind of action means for the judgements made of it: whether it creates something,
//! whether its object is named per table, what a create makes and a drop removes ([`Target`]),
//! which `EXCEPTION WHEN` condition catches the error its second run raises. Every helper is an
//! exhaustive `match`, so a new [`Kind`] (or [`ObjectKind`], [`RenameKind`]) makes the compiler
//! point at each of them. Which of these a rule reads is the rule's business.

use super::{ConstraintKind, Flags, Kind, LockMode, ObjectKind, RenameKind};

/// What a create makes or a drop removes, as a key shared by both: an object of a kind, or a
/// column or constraint of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Object(ObjectKind),
    Constraint,
    Column,
}

impl Kind {
    /// Whether the action creates or adds something (so an `IF NOT EXISTS` guard must name it).
    pub fn creates(&self) -> bool {
        match self {
            Kind::CreateTable
            | Kind::CreateIndex
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::CreateTrigger
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::AddColumn(_)
            | Kind::AddConstraint(_)
            | Kind::AddEnumValue => true,
            Kind::CreateView
            | Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::Drop(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::Rename(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => false,
        }
    }

    /// Whether the action drops or renames an existing object (so a guard must find it present).
    pub fn needs_existing(&self) -> bool {
        match self {
            Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint | Kind::Rename(_) => true,
            Kind::CreateTable
            | Kind::CreateIndex
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateView
            | Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateTrigger
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::AddEnumValue
            | Kind::AddColumn(_)
            | Kind::AddConstraint(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => false,
        }
    }

    /// Whether the action's object is named within its table (so a guard must check that table).
    pub fn named_per_table(&self) -> bool {
        match self {
            Kind::AddColumn(_)
            | Kind::AddConstraint(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::CreateTrigger
            | Kind::CreatePolicy
            | Kind::CreateIndex => true,
            Kind::Rename(kind) => kind.named_per_table(),
            Kind::CreateTable
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateView
            | Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateEventTrigger
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::AddEnumValue
            | Kind::Drop(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => false,
        }
    }

    /// Whether the clause a `CREATE` needs to run twice is `OR REPLACE` (right after `CREATE`)
    /// rather than `IF NOT EXISTS` (after the object kind).
    pub fn or_replace_clause(&self) -> bool {
        match self {
            Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateView
            | Kind::CreateTrigger => true,
            Kind::CreateTable
            | Kind::CreateIndex
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::AddEnumValue
            | Kind::AddColumn(_)
            | Kind::AddConstraint(_)
            | Kind::Drop(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::Rename(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => false,
        }
    }

    /// What a create action makes, as its `DROP` names it.
    pub fn created(&self) -> Option<Target> {
        let object = match self {
            Kind::CreateTable => ObjectKind::Table,
            Kind::CreateIndex => ObjectKind::Index,
            Kind::CreateView => ObjectKind::View,
            Kind::CreateMaterializedView => ObjectKind::MaterializedView,
            Kind::CreateSequence => ObjectKind::Sequence,
            Kind::CreateType => ObjectKind::Type,
            Kind::CreateDomain => ObjectKind::Domain,
            Kind::CreateSchema => ObjectKind::Schema,
            Kind::CreateFunction => ObjectKind::Function,
            Kind::CreateProcedure => ObjectKind::Procedure,
            Kind::CreateAggregate => ObjectKind::Other("AGGREGATE"),
            Kind::CreateTrigger => ObjectKind::Trigger,
            Kind::CreatePolicy => ObjectKind::Policy,
            Kind::CreateExtension => ObjectKind::Extension,
            Kind::CreateEventTrigger => ObjectKind::Other("EVENT TRIGGER"),
            Kind::AddColumn(_) => return Some(Target::Column),
            Kind::AddConstraint(_) => return Some(Target::Constraint),
            Kind::AddEnumValue
            | Kind::Drop(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::Rename(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => return None,
        };
        Some(Target::Object(object))
    }

    /// What a drop action removes.
    pub fn dropped(&self) -> Option<Target> {
        match self {
            Kind::Drop(kind) => Some(Target::Object(*kind)),
            Kind::DropColumn => Some(Target::Column),
            Kind::DropConstraint => Some(Target::Constraint),
            Kind::CreateTable
            | Kind::CreateIndex
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateView
            | Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateTrigger
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::AddEnumValue
            | Kind::AddColumn(_)
            | Kind::AddConstraint(_)
            | Kind::Rename(_)
            | Kind::Insert { .. }
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::AttachPartition
            | Kind::DetachPartition
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => None,
        }
    }

    /// Whether an `EXCEPTION WHEN <condition>` handler catches the error a second run of the
    /// action raises.
    pub fn rerun_caught_by(&self, condition: &str) -> bool {
        let c = condition;
        if c == "others" {
            return true;
        }
        match self {
            Kind::CreateTable
            | Kind::CreateIndex
            | Kind::CreateSequence
            | Kind::CreateView
            | Kind::CreateMaterializedView => c == "duplicate_table",
            Kind::AddConstraint(_) => matches!(
                c,
                "duplicate_object" | "duplicate_table" | "invalid_table_definition"
            ),
            Kind::CreateType
            | Kind::CreateDomain
            | Kind::CreateTrigger
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::CreateExtension
            | Kind::AddEnumValue => c == "duplicate_object",
            Kind::CreateSchema => c == "duplicate_schema",
            Kind::CreateFunction | Kind::CreateProcedure | Kind::CreateAggregate => {
                c == "duplicate_function"
            }
            Kind::AddColumn(_) => c == "duplicate_column",
            Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint => c.starts_with("undefined_"),
            Kind::Rename(_) => c.starts_with("undefined_") || c.starts_with("duplicate_"),
            Kind::Insert { .. } => c == "unique_violation",
            // `"p" is already a partition` is 42809; `"p" is not a partition of "t"` is 42P01.
            Kind::AttachPartition => c == "wrong_object_type",
            Kind::DetachPartition => c == "undefined_table",
            Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::EnableTrigger { .. }
            | Kind::Reindex(_)
            | Kind::ValidateConstraint
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::LockTable(_)
            | Kind::Truncate
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => false,
        }
    }
}

impl Kind {
    /// The lock the action takes on the table it acts on (with its `flags`: `CONCURRENTLY`
    /// takes a weaker one), when it takes one on a table that may be in use.
    pub fn table_lock(&self, flags: &Flags) -> Option<LockMode> {
        let concurrent = |strong| {
            Some(if flags.concurrently {
                LockMode::ShareUpdateExclusive
            } else {
                strong
            })
        };
        match self {
            Kind::CreateIndex => concurrent(LockMode::Share),
            Kind::Reindex(_) | Kind::DetachPartition => concurrent(LockMode::AccessExclusive),
            Kind::Drop(ObjectKind::Index) => concurrent(LockMode::AccessExclusive),
            Kind::CreateTrigger | Kind::EnableTrigger { .. } => Some(LockMode::ShareRowExclusive),
            Kind::AddConstraint(ConstraintKind::ForeignKey) => Some(LockMode::ShareRowExclusive),
            // Drops every table of the schema, each under ACCESS EXCLUSIVE.
            Kind::Drop(ObjectKind::Schema) if flags.cascade => Some(LockMode::AccessExclusive),
            Kind::AddConstraint(_)
            | Kind::AddColumn(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::AlterColumnType { .. }
            | Kind::SetNotNull
            | Kind::SetDefault
            | Kind::DropDefault
            | Kind::VacuumFull
            | Kind::Cluster
            | Kind::Truncate
            | Kind::Drop(ObjectKind::Table | ObjectKind::Trigger | ObjectKind::Policy)
            | Kind::Rename(
                RenameKind::Table
                | RenameKind::Column
                | RenameKind::Constraint
                | RenameKind::Index
                | RenameKind::Trigger,
            ) => Some(LockMode::AccessExclusive),
            Kind::ValidateConstraint | Kind::AttachPartition => {
                Some(LockMode::ShareUpdateExclusive)
            }
            Kind::Insert { .. } => Some(LockMode::RowExclusive),
            Kind::LockTable(mode) => Some(*mode),
            Kind::CreateTable
            | Kind::CreateSchema
            | Kind::CreateExtension
            | Kind::CreateSequence
            | Kind::CreateMaterializedView
            | Kind::CreateView
            | Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateEventTrigger
            | Kind::CreatePolicy
            | Kind::CreateType
            | Kind::CreateDomain
            | Kind::AddEnumValue
            | Kind::Drop(_)
            | Kind::Rename(_)
            | Kind::SetLockTimeout { .. }
            | Kind::TransactionControl { .. }
            | Kind::NewerSyntax { .. }
            | Kind::SyntaxError { .. }
            | Kind::ConcurrentlyInBody { .. }
            | Kind::HandlerOthers
            | Kind::Unparsed { .. }
            | Kind::MetaCommand => None,
        }
    }
}

impl ObjectKind {
    /// Whether objects of this kind are named per table (triggers, policies and rules); other
    /// objects, an index too, are named per schema.
    pub fn named_per_table(self) -> bool {
        match self {
            ObjectKind::Trigger | ObjectKind::Policy => true,
            ObjectKind::Other(sql) => sql == "RULE",
            ObjectKind::Table
            | ObjectKind::Index
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::Type
            | ObjectKind::Domain
            | ObjectKind::Schema
            | ObjectKind::Function
            | ObjectKind::Procedure
            | ObjectKind::Extension => false,
        }
    }
}

impl RenameKind {
    /// Whether the renamed object is named within its table.
    pub fn named_per_table(self) -> bool {
        match self {
            RenameKind::Column
            | RenameKind::MaterializedViewColumn
            | RenameKind::Constraint
            | RenameKind::Trigger => true,
            RenameKind::Table
            | RenameKind::Index
            | RenameKind::View
            | RenameKind::MaterializedView
            | RenameKind::Sequence
            | RenameKind::Type
            | RenameKind::Domain
            | RenameKind::EnumValue
            | RenameKind::Schema
            | RenameKind::Function
            | RenameKind::Procedure => false,
        }
    }

    /// What the renamed object is, as a drop of it names it; `None` for an enum value, which is
    /// not an object of its own.
    pub fn target(self) -> Option<Target> {
        let object = match self {
            RenameKind::Column | RenameKind::MaterializedViewColumn => return Some(Target::Column),
            RenameKind::Constraint => return Some(Target::Constraint),
            RenameKind::Table => ObjectKind::Table,
            RenameKind::Index => ObjectKind::Index,
            RenameKind::View => ObjectKind::View,
            RenameKind::MaterializedView => ObjectKind::MaterializedView,
            RenameKind::Sequence => ObjectKind::Sequence,
            RenameKind::Type => ObjectKind::Type,
            RenameKind::Domain => ObjectKind::Domain,
            RenameKind::Schema => ObjectKind::Schema,
            RenameKind::Function => ObjectKind::Function,
            RenameKind::Procedure => ObjectKind::Procedure,
            RenameKind::Trigger => ObjectKind::Trigger,
            RenameKind::EnumValue => return None,
        };
        Some(Target::Object(object))
    }
}
