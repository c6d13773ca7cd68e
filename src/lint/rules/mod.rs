//! The rule registry: one enum, [`Rule`], with its name, category, default severity and one
//! exhaustive `match` that dispatches to the rule's function, one file per rule.
//!
//! A rule looks at one [`Action`] and the file's context ([`Ctx`]: earlier actions, the guards
//! around the action) and returns a [`Hit`] — the problem (message), the action (help) and, where
//! a mechanical one exists, a [`Fix`]. Rules do no I/O. Shared judgements (is this action
//! protected by a guard, a handler or an earlier `DROP ... IF EXISTS`?) and fix builders live here.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::action::{quote_ident, Action, Guard, Kind, Name, ObjectKind, RenameKind};
use super::{Category, Fix, Severity};
use crate::declared::Declared;
use crate::model::QualifiedName;

mod add_check_without_not_valid;
mod add_column_with_volatile_default;
mod add_column_without_if_not_exists;
mod add_constraint_without_guard;
mod add_enum_value_without_if_not_exists;
mod add_foreign_key_without_not_valid;
mod alter_column_type;
mod concurrently_in_transaction;
mod create_domain_without_guard;
mod create_extension_without_if_not_exists;
mod create_function_without_or_replace;
mod create_index_without_concurrently;
mod create_index_without_if_not_exists;
mod create_materialized_view_without_if_not_exists;
mod create_policy_without_guard;
mod create_schema_without_if_not_exists;
mod create_sequence_without_if_not_exists;
mod create_table_without_if_not_exists;
mod create_trigger_without_or_replace;
mod create_type_without_guard;
mod create_view_without_or_replace;
mod drop_column;
mod drop_column_without_if_exists;
mod drop_constraint_without_if_exists;
mod drop_table;
mod drop_without_if_exists;
mod exception_when_others;
mod guard_checks_wrong_object;
mod insert_without_on_conflict;
mod partition_without_guard;
mod psql_meta_command;
mod rename_without_guard;
mod set_not_null;
mod unknown_suppression;
mod unparsed_statement;

pub use unknown_suppression::unknown_suppression;

/// Every lint rule. The name of a variant is its kebab-case rule name in CamelCase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    CreateTableWithoutIfNotExists,
    CreateIndexWithoutIfNotExists,
    CreateSchemaWithoutIfNotExists,
    CreateExtensionWithoutIfNotExists,
    CreateSequenceWithoutIfNotExists,
    CreateMaterializedViewWithoutIfNotExists,
    AddColumnWithoutIfNotExists,
    DropWithoutIfExists,
    DropColumnWithoutIfExists,
    DropConstraintWithoutIfExists,
    AddConstraintWithoutGuard,
    CreateTypeWithoutGuard,
    CreateDomainWithoutGuard,
    AddEnumValueWithoutIfNotExists,
    CreateFunctionWithoutOrReplace,
    CreateViewWithoutOrReplace,
    CreateTriggerWithoutOrReplace,
    CreatePolicyWithoutGuard,
    RenameWithoutGuard,
    PartitionWithoutGuard,
    InsertWithoutOnConflict,
    GuardChecksWrongObject,
    CreateIndexWithoutConcurrently,
    AddForeignKeyWithoutNotValid,
    AddCheckWithoutNotValid,
    SetNotNull,
    AlterColumnType,
    AddColumnWithVolatileDefault,
    ConcurrentlyInTransaction,
    DropColumn,
    DropTable,
    ExceptionWhenOthers,
    UnknownSuppression,
    UnparsedStatement,
    PsqlMetaCommand,
}

impl Rule {
    pub const ALL: [Rule; 35] = [
        Rule::CreateTableWithoutIfNotExists,
        Rule::CreateIndexWithoutIfNotExists,
        Rule::CreateSchemaWithoutIfNotExists,
        Rule::CreateExtensionWithoutIfNotExists,
        Rule::CreateSequenceWithoutIfNotExists,
        Rule::CreateMaterializedViewWithoutIfNotExists,
        Rule::AddColumnWithoutIfNotExists,
        Rule::DropWithoutIfExists,
        Rule::DropColumnWithoutIfExists,
        Rule::DropConstraintWithoutIfExists,
        Rule::AddConstraintWithoutGuard,
        Rule::CreateTypeWithoutGuard,
        Rule::CreateDomainWithoutGuard,
        Rule::AddEnumValueWithoutIfNotExists,
        Rule::CreateFunctionWithoutOrReplace,
        Rule::CreateViewWithoutOrReplace,
        Rule::CreateTriggerWithoutOrReplace,
        Rule::CreatePolicyWithoutGuard,
        Rule::RenameWithoutGuard,
        Rule::PartitionWithoutGuard,
        Rule::InsertWithoutOnConflict,
        Rule::GuardChecksWrongObject,
        Rule::CreateIndexWithoutConcurrently,
        Rule::AddForeignKeyWithoutNotValid,
        Rule::AddCheckWithoutNotValid,
        Rule::SetNotNull,
        Rule::AlterColumnType,
        Rule::AddColumnWithVolatileDefault,
        Rule::ConcurrentlyInTransaction,
        Rule::DropColumn,
        Rule::DropTable,
        Rule::ExceptionWhenOthers,
        Rule::UnknownSuppression,
        Rule::UnparsedStatement,
        Rule::PsqlMetaCommand,
    ];

    pub fn all() -> &'static [Rule] {
        &Self::ALL
    }

    pub fn name(self) -> &'static str {
        self.describe().0
    }

    pub fn category(self) -> Category {
        self.describe().1
    }

    pub fn default_severity(self) -> Severity {
        self.describe().2
    }

    /// One line: what the rule flags.
    pub fn summary(self) -> &'static str {
        self.describe().3
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    fn describe(self) -> (&'static str, Category, Severity, &'static str) {
        use Category::*;
        use Severity::*;
        match self {
            Rule::CreateTableWithoutIfNotExists => ("create-table-without-if-not-exists", Idempotency, Error, "CREATE TABLE without IF NOT EXISTS"),
            Rule::CreateIndexWithoutIfNotExists => ("create-index-without-if-not-exists", Idempotency, Error, "CREATE [UNIQUE] INDEX without IF NOT EXISTS (or without a name)"),
            Rule::CreateSchemaWithoutIfNotExists => ("create-schema-without-if-not-exists", Idempotency, Error, "CREATE SCHEMA without IF NOT EXISTS"),
            Rule::CreateExtensionWithoutIfNotExists => ("create-extension-without-if-not-exists", Idempotency, Error, "CREATE EXTENSION without IF NOT EXISTS"),
            Rule::CreateSequenceWithoutIfNotExists => ("create-sequence-without-if-not-exists", Idempotency, Error, "CREATE SEQUENCE without IF NOT EXISTS"),
            Rule::CreateMaterializedViewWithoutIfNotExists => ("create-materialized-view-without-if-not-exists", Idempotency, Error, "CREATE MATERIALIZED VIEW without IF NOT EXISTS"),
            Rule::AddColumnWithoutIfNotExists => ("add-column-without-if-not-exists", Idempotency, Error, "ALTER TABLE ... ADD COLUMN without IF NOT EXISTS"),
            Rule::DropWithoutIfExists => ("drop-without-if-exists", Idempotency, Error, "DROP TABLE/INDEX/VIEW/TYPE/FUNCTION/... without IF EXISTS"),
            Rule::DropColumnWithoutIfExists => ("drop-column-without-if-exists", Idempotency, Error, "ALTER TABLE ... DROP COLUMN without IF EXISTS"),
            Rule::DropConstraintWithoutIfExists => ("drop-constraint-without-if-exists", Idempotency, Error, "ALTER TABLE ... DROP CONSTRAINT without IF EXISTS"),
            Rule::AddConstraintWithoutGuard => ("add-constraint-without-guard", Idempotency, Error, "ADD CONSTRAINT not guarded by a catalog check or a preceding DROP CONSTRAINT IF EXISTS"),
            Rule::CreateTypeWithoutGuard => ("create-type-without-guard", Idempotency, Error, "CREATE TYPE (enum, composite, range) not guarded"),
            Rule::CreateDomainWithoutGuard => ("create-domain-without-guard", Idempotency, Error, "CREATE DOMAIN not guarded"),
            Rule::AddEnumValueWithoutIfNotExists => ("add-enum-value-without-if-not-exists", Idempotency, Error, "ALTER TYPE ... ADD VALUE without IF NOT EXISTS"),
            Rule::CreateFunctionWithoutOrReplace => ("create-function-without-or-replace", Idempotency, Error, "CREATE FUNCTION/PROCEDURE/AGGREGATE without OR REPLACE"),
            Rule::CreateViewWithoutOrReplace => ("create-view-without-or-replace", Idempotency, Error, "CREATE VIEW without OR REPLACE"),
            Rule::CreateTriggerWithoutOrReplace => ("create-trigger-without-or-replace", Idempotency, Error, "CREATE TRIGGER without OR REPLACE or a preceding DROP TRIGGER IF EXISTS"),
            Rule::CreatePolicyWithoutGuard => ("create-policy-without-guard", Idempotency, Error, "CREATE POLICY without a guard or a preceding DROP POLICY IF EXISTS"),
            Rule::RenameWithoutGuard => ("rename-without-guard", Idempotency, Error, "RENAME of a column, table, index, constraint, view, sequence, type, enum value, schema, function or trigger without a guard"),
            Rule::PartitionWithoutGuard => ("partition-without-guard", Idempotency, Error, "ALTER TABLE ... ATTACH PARTITION or DETACH PARTITION without a guard"),
            Rule::InsertWithoutOnConflict => ("insert-without-on-conflict", Idempotency, Warning, "INSERT without ON CONFLICT (seed rows are duplicated on a re-run)"),
            Rule::GuardChecksWrongObject => ("guard-checks-wrong-object", Idempotency, Error, "a DO-block guard that checks another object than its body changes, a sentinel for several, or the right one with the wrong sense"),
            Rule::CreateIndexWithoutConcurrently => ("create-index-without-concurrently", Locking, Warning, "CREATE INDEX on an existing table without CONCURRENTLY (blocks writes)"),
            Rule::AddForeignKeyWithoutNotValid => ("add-foreign-key-without-not-valid", Locking, Warning, "ADD FOREIGN KEY without NOT VALID (scans both tables under lock)"),
            Rule::AddCheckWithoutNotValid => ("add-check-without-not-valid", Locking, Warning, "ADD CHECK without NOT VALID (scans the table under lock)"),
            Rule::SetNotNull => ("set-not-null", Locking, Warning, "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE"),
            Rule::AlterColumnType => ("alter-column-type", Locking, Warning, "ALTER COLUMN ... TYPE may rewrite the table under ACCESS EXCLUSIVE"),
            Rule::AddColumnWithVolatileDefault => ("add-column-with-volatile-default", Locking, Warning, "ADD COLUMN with a volatile default (random(), gen_random_uuid(), serial) rewrites the table"),
            Rule::ConcurrentlyInTransaction => ("concurrently-in-transaction", Locking, Error, "CREATE/DROP INDEX, REINDEX or DETACH PARTITION CONCURRENTLY inside a transaction or DO block fails"),
            Rule::DropColumn => ("drop-column", Destructive, Warning, "DROP COLUMN loses data and breaks running code"),
            Rule::DropTable => ("drop-table", Destructive, Warning, "DROP TABLE loses data"),
            Rule::ExceptionWhenOthers => ("exception-when-others", Style, Warning, "EXCEPTION WHEN others hides real errors"),
            Rule::UnknownSuppression => ("unknown-suppression", Style, Warning, "a suppression comment names an unknown rule"),
            Rule::UnparsedStatement => ("unparsed-statement", Syntax, Info, "a statement was not fully parsed (token-level rules only)"),
            Rule::PsqlMetaCommand => ("psql-meta-command", Syntax, Info, "a psql meta-command (skipped)"),
        }
    }

    /// The rule's documentation page (`rules/<name>.md`).
    pub fn page(self) -> &'static str {
        match self {
            Rule::CreateTableWithoutIfNotExists => {
                include_str!("../../../rules/create-table-without-if-not-exists.md")
            }
            Rule::CreateIndexWithoutIfNotExists => {
                include_str!("../../../rules/create-index-without-if-not-exists.md")
            }
            Rule::CreateSchemaWithoutIfNotExists => {
                include_str!("../../../rules/create-schema-without-if-not-exists.md")
            }
            Rule::CreateExtensionWithoutIfNotExists => {
                include_str!("../../../rules/create-extension-without-if-not-exists.md")
            }
            Rule::CreateSequenceWithoutIfNotExists => {
                include_str!("../../../rules/create-sequence-without-if-not-exists.md")
            }
            Rule::CreateMaterializedViewWithoutIfNotExists => {
                include_str!("../../../rules/create-materialized-view-without-if-not-exists.md")
            }
            Rule::AddColumnWithoutIfNotExists => {
                include_str!("../../../rules/add-column-without-if-not-exists.md")
            }
            Rule::DropWithoutIfExists => include_str!("../../../rules/drop-without-if-exists.md"),
            Rule::DropColumnWithoutIfExists => {
                include_str!("../../../rules/drop-column-without-if-exists.md")
            }
            Rule::DropConstraintWithoutIfExists => {
                include_str!("../../../rules/drop-constraint-without-if-exists.md")
            }
            Rule::AddConstraintWithoutGuard => {
                include_str!("../../../rules/add-constraint-without-guard.md")
            }
            Rule::CreateTypeWithoutGuard => {
                include_str!("../../../rules/create-type-without-guard.md")
            }
            Rule::CreateDomainWithoutGuard => {
                include_str!("../../../rules/create-domain-without-guard.md")
            }
            Rule::AddEnumValueWithoutIfNotExists => {
                include_str!("../../../rules/add-enum-value-without-if-not-exists.md")
            }
            Rule::CreateFunctionWithoutOrReplace => {
                include_str!("../../../rules/create-function-without-or-replace.md")
            }
            Rule::CreateViewWithoutOrReplace => {
                include_str!("../../../rules/create-view-without-or-replace.md")
            }
            Rule::CreateTriggerWithoutOrReplace => {
                include_str!("../../../rules/create-trigger-without-or-replace.md")
            }
            Rule::CreatePolicyWithoutGuard => {
                include_str!("../../../rules/create-policy-without-guard.md")
            }
            Rule::RenameWithoutGuard => include_str!("../../../rules/rename-without-guard.md"),
            Rule::PartitionWithoutGuard => {
                include_str!("../../../rules/partition-without-guard.md")
            }
            Rule::InsertWithoutOnConflict => {
                include_str!("../../../rules/insert-without-on-conflict.md")
            }
            Rule::GuardChecksWrongObject => {
                include_str!("../../../rules/guard-checks-wrong-object.md")
            }
            Rule::CreateIndexWithoutConcurrently => {
                include_str!("../../../rules/create-index-without-concurrently.md")
            }
            Rule::AddForeignKeyWithoutNotValid => {
                include_str!("../../../rules/add-foreign-key-without-not-valid.md")
            }
            Rule::AddCheckWithoutNotValid => {
                include_str!("../../../rules/add-check-without-not-valid.md")
            }
            Rule::SetNotNull => include_str!("../../../rules/set-not-null.md"),
            Rule::AlterColumnType => include_str!("../../../rules/alter-column-type.md"),
            Rule::AddColumnWithVolatileDefault => {
                include_str!("../../../rules/add-column-with-volatile-default.md")
            }
            Rule::ConcurrentlyInTransaction => {
                include_str!("../../../rules/concurrently-in-transaction.md")
            }
            Rule::DropColumn => include_str!("../../../rules/drop-column.md"),
            Rule::DropTable => include_str!("../../../rules/drop-table.md"),
            Rule::ExceptionWhenOthers => include_str!("../../../rules/exception-when-others.md"),
            Rule::UnknownSuppression => include_str!("../../../rules/unknown-suppression.md"),
            Rule::UnparsedStatement => include_str!("../../../rules/unparsed-statement.md"),
            Rule::PsqlMetaCommand => include_str!("../../../rules/psql-meta-command.md"),
        }
    }

    /// Run this rule on one action.
    pub fn check(self, action: &Action, ctx: &Ctx) -> Option<Hit> {
        match self {
            Rule::CreateTableWithoutIfNotExists => create_table_without_if_not_exists::create_table_without_if_not_exists(action, ctx),
            Rule::CreateIndexWithoutIfNotExists => create_index_without_if_not_exists::create_index_without_if_not_exists(action, ctx),
            Rule::CreateSchemaWithoutIfNotExists => create_schema_without_if_not_exists::create_schema_without_if_not_exists(action, ctx),
            Rule::CreateExtensionWithoutIfNotExists => create_extension_without_if_not_exists::create_extension_without_if_not_exists(action, ctx),
            Rule::CreateSequenceWithoutIfNotExists => create_sequence_without_if_not_exists::create_sequence_without_if_not_exists(action, ctx),
            Rule::CreateMaterializedViewWithoutIfNotExists => create_materialized_view_without_if_not_exists::create_materialized_view_without_if_not_exists(action, ctx),
            Rule::AddColumnWithoutIfNotExists => add_column_without_if_not_exists::add_column_without_if_not_exists(action, ctx),
            Rule::DropWithoutIfExists => drop_without_if_exists::drop_without_if_exists(action, ctx),
            Rule::DropColumnWithoutIfExists => drop_column_without_if_exists::drop_column_without_if_exists(action, ctx),
            Rule::DropConstraintWithoutIfExists => drop_constraint_without_if_exists::drop_constraint_without_if_exists(action, ctx),
            Rule::AddConstraintWithoutGuard => add_constraint_without_guard::add_constraint_without_guard(action, ctx),
            Rule::CreateTypeWithoutGuard => create_type_without_guard::create_type_without_guard(action, ctx),
            Rule::CreateDomainWithoutGuard => create_domain_without_guard::create_domain_without_guard(action, ctx),
            Rule::AddEnumValueWithoutIfNotExists => add_enum_value_without_if_not_exists::add_enum_value_without_if_not_exists(action, ctx),
            Rule::CreateFunctionWithoutOrReplace => create_function_without_or_replace::create_function_without_or_replace(action, ctx),
            Rule::CreateViewWithoutOrReplace => create_view_without_or_replace::create_view_without_or_replace(action, ctx),
            Rule::CreateTriggerWithoutOrReplace => create_trigger_without_or_replace::create_trigger_without_or_replace(action, ctx),
            Rule::CreatePolicyWithoutGuard => create_policy_without_guard::create_policy_without_guard(action, ctx),
            Rule::RenameWithoutGuard => rename_without_guard::rename_without_guard(action, ctx),
            Rule::PartitionWithoutGuard => partition_without_guard::partition_without_guard(action, ctx),
            Rule::InsertWithoutOnConflict => insert_without_on_conflict::insert_without_on_conflict(action, ctx),
            Rule::GuardChecksWrongObject => guard_checks_wrong_object::guard_checks_wrong_object(action, ctx),
            Rule::CreateIndexWithoutConcurrently => create_index_without_concurrently::create_index_without_concurrently(action, ctx),
            Rule::AddForeignKeyWithoutNotValid => add_foreign_key_without_not_valid::add_foreign_key_without_not_valid(action, ctx),
            Rule::AddCheckWithoutNotValid => add_check_without_not_valid::add_check_without_not_valid(action, ctx),
            Rule::SetNotNull => set_not_null::set_not_null(action, ctx),
            Rule::AlterColumnType => alter_column_type::alter_column_type(action, ctx),
            Rule::AddColumnWithVolatileDefault => add_column_with_volatile_default::add_column_with_volatile_default(action, ctx),
            Rule::ConcurrentlyInTransaction => concurrently_in_transaction::concurrently_in_transaction(action, ctx),
            Rule::DropColumn => drop_column::drop_column(action, ctx),
            Rule::DropTable => drop_table::drop_table(action, ctx),
            Rule::ExceptionWhenOthers => exception_when_others::exception_when_others(action, ctx),
            // Reported from the suppression comments, not from actions.
            Rule::UnknownSuppression => None,
            Rule::UnparsedStatement => unparsed_statement::unparsed_statement(action, ctx),
            Rule::PsqlMetaCommand => psql_meta_command::psql_meta_command(action, ctx),
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule reports: where, the problem, the action to take, and maybe a fix.
#[derive(Debug, Clone)]
pub struct Hit {
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    /// Overrides the rule's default severity (a drop of a column schema.yaml still declares).
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(action: &Action, message: String, help: impl Into<String>) -> Hit {
        Hit {
            span: action.span.clone(),
            message,
            help: help.into(),
            fix: None,
            severity: None,
        }
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Hit {
        self.fix = fix;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Hit {
        self.severity = Some(severity);
        self
    }
}

/// What the file says around an action: computed once per file.
#[derive(Debug, Default)]
pub struct Facts {
    /// Table name -> index of the first action creating it.
    created_tables: HashMap<String, usize>,
    /// (kind, name, table) -> index of the first `DROP` of it (with or without `IF EXISTS`).
    drops: HashMap<(DropKey, String, String), usize>,
    /// (kind, name, table) -> index of the first action creating it for sure (not under a
    /// condition other than a catalog lookup).
    creates: HashMap<(DropKey, String, String), usize>,
    /// Guard id -> tables created under that guard.
    guard_tables: HashMap<usize, HashSet<String>>,
    /// Indices of actions that cannot fail once the statements before them ran, whatever the
    /// database held before the file: a create of an object known to be absent there, a drop of
    /// objects known to exist, a rename from a known-present to a known-absent name.
    safe_after_earlier: HashSet<usize>,
}

/// One object's key: kind, name, table (for objects named per table).
type ObjectKey = (DropKey, String, String);

/// The key of a renamed object and of its new name.
fn rename_keys(kind: RenameKind, action: &Action) -> Option<(ObjectKey, ObjectKey)> {
    let key = match kind {
        RenameKind::Column | RenameKind::MaterializedViewColumn => DropKey::Column,
        RenameKind::Constraint => DropKey::Constraint,
        RenameKind::Table => DropKey::Object(ObjectKind::Table),
        RenameKind::Index => DropKey::Object(ObjectKind::Index),
        RenameKind::View => DropKey::Object(ObjectKind::View),
        RenameKind::MaterializedView => DropKey::Object(ObjectKind::MaterializedView),
        RenameKind::Sequence => DropKey::Object(ObjectKind::Sequence),
        RenameKind::Type => DropKey::Object(ObjectKind::Type),
        RenameKind::Domain => DropKey::Object(ObjectKind::Domain),
        RenameKind::Schema => DropKey::Object(ObjectKind::Schema),
        RenameKind::Function => DropKey::Object(ObjectKind::Function),
        RenameKind::Procedure => DropKey::Object(ObjectKind::Procedure),
        RenameKind::Trigger => DropKey::Object(ObjectKind::Trigger),
        RenameKind::EnumValue => return None,
    };
    let table = key_table(key, action).to_string();
    let old = action.name.as_ref()?.name.clone();
    let new = action.new_name.clone()?;
    Some(((key, old, table.clone()), (key, new, table)))
}

/// Follow the file from an unknown database: which objects are known to exist (`true`) or to
/// be absent (`false`) before each action, and which actions therefore cannot fail.
fn safe_after_earlier(actions: &[Action]) -> HashSet<usize> {
    let mut state: HashMap<ObjectKey, bool> = HashMap::new();
    let mut safe = HashSet::new();
    for (i, action) in actions.iter().enumerate() {
        // What the action needs (key, must exist) and what it leaves (key, exists after).
        let mut needs: Vec<(ObjectKey, bool)> = Vec::new();
        let mut leaves: Vec<(ObjectKey, bool)> = Vec::new();
        match &action.kind {
            Kind::Drop(kind) => {
                let table = table_of_drop(*kind, action).to_string();
                for name in action.name.iter().chain(&action.more_names) {
                    let key = (DropKey::Object(*kind), name.name.clone(), table.clone());
                    needs.push((key.clone(), true));
                    leaves.push((key, false));
                }
            }
            Kind::DropColumn | Kind::DropConstraint => {
                let kind = if action.kind == Kind::DropColumn {
                    DropKey::Column
                } else {
                    DropKey::Constraint
                };
                let key = (
                    kind,
                    action.name_str().to_string(),
                    action.table_str().to_string(),
                );
                needs.push((key.clone(), true));
                leaves.push((key, false));
            }
            Kind::Rename(kind) => {
                if let Some((old, new)) = rename_keys(*kind, action) {
                    needs.push((old.clone(), true));
                    needs.push((new.clone(), false));
                    leaves.push((old, false));
                    leaves.push((new, true));
                }
            }
            kind => {
                if let (Some(key), Some(name)) = (created_kind(kind), &action.name) {
                    let key = (key, name.name.clone(), key_table(key, action).to_string());
                    needs.push((key.clone(), false));
                    leaves.push((key, true));
                }
            }
        }
        if needs.is_empty() && leaves.is_empty() {
            continue;
        }
        // A table created, dropped or renamed: what its columns and constraints are is unknown.
        let relation = matches!(
            action.kind,
            Kind::CreateTable | Kind::Drop(ObjectKind::Table) | Kind::Rename(RenameKind::Table)
        );
        if relation {
            let tables: Vec<String> = leaves.iter().map(|(k, _)| k.1.clone()).collect();
            state.retain(|(kind, _, table), _| {
                !matches!(kind, DropKey::Column | DropKey::Constraint) || !tables.contains(table)
            });
        }
        if !action.guards.is_empty() {
            // Under a condition: it may not have run.
            for (key, _) in &leaves {
                state.remove(key);
            }
            continue;
        }
        if !needs.is_empty()
            && needs
                .iter()
                .all(|(key, exists)| state.get(key) == Some(exists))
        {
            safe.insert(i);
        }
        for (key, exists) in leaves {
            state.insert(key, exists);
        }
    }
    safe
}

/// What a drop removes or a create makes, as a key shared by both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DropKey {
    Object(ObjectKind),
    Constraint,
    Column,
}

/// The object kind a create action makes, as its `DROP` names it.
fn created_kind(kind: &Kind) -> Option<DropKey> {
    let object = match kind {
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
        Kind::AddColumn { .. } => return Some(DropKey::Column),
        Kind::AddConstraint(_) => return Some(DropKey::Constraint),
        _ => return None,
    };
    Some(DropKey::Object(object))
}

/// The table part of a key: columns, constraints, triggers, policies and rules are named per
/// table; other objects (an index too) per schema.
fn key_table(key: DropKey, action: &Action) -> &str {
    match key {
        DropKey::Object(kind) => table_of_drop(kind, action),
        DropKey::Constraint | DropKey::Column => action.table_str(),
    }
}

impl Facts {
    pub fn new(actions: &[Action]) -> Facts {
        let mut facts = Facts::default();
        for (i, action) in actions.iter().enumerate() {
            match &action.kind {
                Kind::CreateTable => {
                    let table = action.name_str().to_string();
                    for guard in &action.guards {
                        if let Guard::Catalog { id, .. } = guard {
                            facts
                                .guard_tables
                                .entry(*id)
                                .or_default()
                                .insert(table.clone());
                        }
                    }
                    facts.created_tables.entry(table).or_insert(i);
                }
                // A plain DROP counts too: it is flagged on its own, and once it ran, the object
                // is gone, so re-creating it cannot fail.
                Kind::Drop(kind) => {
                    let table = table_of_drop(*kind, action);
                    let names = action.name.iter().chain(&action.more_names);
                    for name in names {
                        let key = (DropKey::Object(*kind), name.name.clone(), table.to_string());
                        facts.drops.entry(key).or_insert(i);
                    }
                }
                Kind::DropConstraint | Kind::DropColumn => {
                    let key = if action.kind == Kind::DropColumn {
                        DropKey::Column
                    } else {
                        DropKey::Constraint
                    };
                    let key = (
                        key,
                        action.name_str().to_string(),
                        action.table_str().to_string(),
                    );
                    facts.drops.entry(key).or_insert(i);
                }
                _ => {}
            }
            // Created for sure: nothing but catalog lookups decides whether it runs.
            let certain = action
                .guards
                .iter()
                .all(|g| matches!(g, Guard::Catalog { .. }));
            if let (Some(key), Some(name), true) =
                (created_kind(&action.kind), &action.name, certain)
            {
                let table = key_table(key, action).to_string();
                facts
                    .creates
                    .entry((key, name.name.clone(), table))
                    .or_insert(i);
            }
        }
        facts.safe_after_earlier = safe_after_earlier(actions);
        facts
    }
}

/// The table part of a drop's key: triggers, policies and rules are named per table; other
/// objects (an index too) are named per schema.
fn table_of_drop(kind: ObjectKind, action: &Action) -> &str {
    match kind {
        ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Other("RULE") => action.table_str(),
        _ => "",
    }
}

/// How an action is protected against a second run by what surrounds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// Nothing protects it.
    None,
    /// A guard, handler or earlier drop makes it safe to run twice.
    Protected,
    /// An `IF NOT EXISTS` guard surrounds it but checks other objects (listed). `sentinel`: one
    /// of them is created in the same guarded branch (the guard checks it for all of them).
    WrongGuard { checks: String, sentinel: bool },
    /// A guard checks the right object with the wrong sense: the body creates it only when it
    /// already exists (`present`), or drops or renames it only when it is absent.
    WrongSense { checked: String, present: bool },
}

/// The file context a rule sees.
pub struct Ctx<'a> {
    pub text: &'a str,
    pub actions: &'a [Action],
    pub index: usize,
    pub facts: &'a Facts,
    /// The declared schema (`lint --schema schema.yaml`), when given: what running code reads.
    pub declared: Option<&'a Declared>,
}

impl Ctx<'_> {
    /// The declared table `table` names, if schema.yaml declares it. An unqualified name is
    /// looked up in schema.yaml's default schema.
    fn declared_table(&self, table: &Name) -> Option<&crate::model::Table> {
        let declared = self.declared?;
        let key = QualifiedName {
            schema: table
                .schema
                .clone()
                .unwrap_or_else(|| declared.default_schema.clone()),
            name: table.name.clone(),
        };
        declared.schema.tables.get(&key)
    }

    /// `table` (or `table.column`) as schema.yaml names it, when schema.yaml still declares it:
    /// code built from schema.yaml reads it. `None` without `--schema`.
    pub fn still_declared(&self, table: &Name, column: Option<&str>) -> Option<String> {
        let declared = self.declared?;
        let found = self.declared_table(table)?;
        let mut shown = if found.name.schema == declared.default_schema {
            quote_ident(&found.name.name)
        } else {
            format!(
                "{}.{}",
                quote_ident(&found.name.schema),
                quote_ident(&found.name.name)
            )
        };
        if let Some(column) = column {
            let column = found.column(column)?;
            shown.push('.');
            shown.push_str(&quote_ident(&column.name));
        }
        Some(shown)
    }
    /// Whether `table` was created earlier in this file.
    pub fn table_created_earlier(&self, table: &str) -> bool {
        self.facts
            .created_tables
            .get(table)
            .is_some_and(|&i| i < self.index)
    }

    fn dropped_earlier(&self, key: DropKey, name: &str, table: &str) -> bool {
        self.safe_after_earlier()
            || self
                .facts
                .drops
                .get(&(key, name.to_string(), table.to_string()))
                .is_some_and(|&i| i < self.index)
    }

    /// Whether the statements before the action make it unable to fail, whatever the database
    /// held before the file (a rename from a name just created to a name just dropped, ...).
    pub fn safe_after_earlier(&self) -> bool {
        self.facts.safe_after_earlier.contains(&self.index)
    }

    /// Whether every object a drop removes is created earlier in the file: a re-run creates it
    /// again before dropping it, so the drop cannot fail.
    pub fn created_earlier(&self, action: &Action) -> bool {
        if self.safe_after_earlier() {
            return true;
        }
        let key = match action.kind {
            Kind::Drop(kind) => DropKey::Object(kind),
            Kind::DropColumn => DropKey::Column,
            Kind::DropConstraint => DropKey::Constraint,
            _ => return false,
        };
        let table = key_table(key, action);
        let mut names = action.name.iter().chain(&action.more_names).peekable();
        names.peek().is_some()
            && names.all(|name| {
                self.facts
                    .creates
                    .get(&(key, name.name.clone(), table.to_string()))
                    .is_some_and(|&i| i < self.index)
            })
    }

    /// Whether `DROP COLUMN` of the same column of the same table comes earlier.
    pub fn column_dropped_earlier(&self, action: &Action) -> bool {
        self.dropped_earlier(DropKey::Column, action.name_str(), action.table_str())
    }

    /// Whether a `DROP <kind>` of the same object comes earlier in the file.
    pub fn object_dropped_earlier(&self, kind: ObjectKind, action: &Action) -> bool {
        self.dropped_earlier(
            DropKey::Object(kind),
            action.name_str(),
            table_of_drop(kind, action),
        )
    }

    /// Whether `DROP CONSTRAINT` of the same constraint on the same table comes earlier.
    pub fn constraint_dropped_earlier(&self, action: &Action) -> bool {
        self.dropped_earlier(DropKey::Constraint, action.name_str(), action.table_str())
    }

    /// How the guards around `action` protect it.
    pub fn protection(&self, action: &Action) -> Protection {
        let mut subjects = vec![action.name_str().to_lowercase()];
        if let Some(new_name) = &action.new_name {
            subjects.push(new_name.to_lowercase());
        }
        let table = action.table_str().to_lowercase();
        let mut wrong = None;
        for guard in action.guards.iter().rev() {
            match guard {
                Guard::Handler { conditions } => {
                    if conditions.iter().any(|c| handler_covers(c, &action.kind)) {
                        return Protection::Protected;
                    }
                }
                Guard::Catalog {
                    absent,
                    names,
                    tables,
                    id,
                } => {
                    let mentions = |s: &String| !s.is_empty() && names.iter().any(|n| n == s);
                    let old_named = mentions(&subjects[0]);
                    let new_named = subjects.get(1).is_some_and(mentions);
                    if old_named || new_named {
                        // The right name, but maybe on another table.
                        let right_table = tables.is_empty()
                            || table.is_empty()
                            || !named_per_table(&action.kind)
                            || tables.contains(&table);
                        if right_table {
                            return match self
                                .wrong_sense(action, *absent, old_named, new_named, *id)
                            {
                                Some(present) => Protection::WrongSense {
                                    checked: if !new_named || old_named {
                                        shown_name(action)
                                    } else if action.kind == Kind::Rename(RenameKind::EnumValue) {
                                        literal(&subjects[1])
                                    } else {
                                        quote_ident(&subjects[1])
                                    },
                                    present,
                                },
                                None => Protection::Protected,
                            };
                        }
                        if wrong.is_none() {
                            let tables: Vec<String> =
                                tables.iter().map(|t| quote_ident(t)).collect();
                            wrong = Some((
                                format!("{}.{}", tables.join(", "), quote_ident(action.name_str())),
                                false,
                            ));
                        }
                        continue;
                    }
                    let table_made_here = self
                        .facts
                        .guard_tables
                        .get(id)
                        .is_some_and(|tables| tables.iter().any(|t| t.to_lowercase() == table));
                    if table_made_here && !matches!(action.kind, Kind::CreateTable) {
                        return Protection::Protected;
                    }
                    let checks_presence = matches!(
                        action.kind,
                        Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint | Kind::Rename(_)
                    );
                    let misguided = match absent {
                        Some(true) => creates(&action.kind),
                        Some(false) => checks_presence,
                        None => false,
                    };
                    if misguided && wrong.is_none() {
                        wrong = Some((
                            checked_names(names, action),
                            self.sentinel(action, names, *id),
                        ));
                    }
                }
                Guard::Rows { absent: true } if matches!(action.kind, Kind::Insert { .. }) => {
                    return Protection::Protected;
                }
                Guard::Rows { .. } | Guard::Plain => {}
            }
        }
        match wrong {
            Some((checks, sentinel)) => Protection::WrongGuard { checks, sentinel },
            None => Protection::None,
        }
    }

    /// Whether a guard that names the action's object has the wrong sense for it: `Some(true)`
    /// when the body creates the object only when it exists, `Some(false)` when it drops or
    /// renames it only when it is absent (or renames onto a new name only when that exists).
    fn wrong_sense(
        &self,
        action: &Action,
        absent: Option<bool>,
        old_named: bool,
        new_named: bool,
        id: usize,
    ) -> Option<bool> {
        let absent = absent?;
        let kind = &action.kind;
        if creates(kind) {
            // `IF EXISTS (x) THEN DROP x; CREATE x; END IF` re-creates x: fine.
            return (!absent && !self.dropped_in_branch(action, id)).then_some(true);
        }
        match kind {
            Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint => absent.then_some(false),
            Kind::Rename(_) if old_named && new_named => None,
            Kind::Rename(_) if old_named => absent.then_some(false),
            Kind::Rename(_) => (!absent).then_some(true),
            // Attach while the partition is not attached, detach while it is.
            Kind::AttachPartition => (!absent).then_some(true),
            Kind::DetachPartition => absent.then_some(false),
            _ => None,
        }
    }

    /// Whether an earlier action under the same guarded branch drops the action's object or
    /// renames it away.
    fn dropped_in_branch(&self, action: &Action, id: usize) -> bool {
        self.actions[..self.index.min(self.actions.len())]
            .iter()
            .filter(|a| {
                matches!(
                    a.kind,
                    Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint | Kind::Rename(_)
                )
            })
            .filter(|a| a.name_str().eq_ignore_ascii_case(action.name_str()))
            .any(|a| {
                a.guards
                    .iter()
                    .any(|g| matches!(g, Guard::Catalog { id: other, .. } if *other == id))
            })
    }

    /// Whether the guard checks an object that another action of the same guarded branch
    /// creates: a sentinel standing for the whole branch.
    fn sentinel(&self, action: &Action, names: &[String], id: usize) -> bool {
        self.actions.iter().any(|other| {
            !std::ptr::eq(other, action)
                && creates(&other.kind)
                && names.iter().any(|n| n == &other.name_str().to_lowercase())
                && other
                    .guards
                    .iter()
                    .any(|g| matches!(g, Guard::Catalog { id: o, .. } if *o == id))
        })
    }

    /// The text of the statement an action is in.
    pub fn statement_text(&self, action: &Action) -> &str {
        self.text.get(action.statement.clone()).unwrap_or("")
    }
}

/// Whether the action's object is named within its table (so a guard must check that table).
fn named_per_table(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::AddColumn { .. }
            | Kind::AddConstraint(_)
            | Kind::DropColumn
            | Kind::DropConstraint
            | Kind::Rename(
                RenameKind::Column
                    | RenameKind::MaterializedViewColumn
                    | RenameKind::Constraint
                    | RenameKind::Trigger
            )
            | Kind::CreateTrigger
            | Kind::CreatePolicy
            | Kind::CreateIndex
    )
}

/// Whether the action creates or adds something (so an `IF NOT EXISTS` guard must name it).
pub fn creates(kind: &Kind) -> bool {
    matches!(
        kind,
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
            | Kind::AddColumn { .. }
            | Kind::AddConstraint(_)
            | Kind::AddEnumValue
    )
}

/// The names a guard checks, without the table and schema the action names anyway.
fn checked_names(names: &[String], action: &Action) -> String {
    let table = action.table_str().to_lowercase();
    let schema = action
        .table
        .as_ref()
        .and_then(|t| t.schema.clone())
        .unwrap_or_else(|| "public".into());
    let mut shown: Vec<&str> = Vec::new();
    for name in names {
        if *name != table
            && *name != schema
            && !name.contains('.')
            && !shown.contains(&name.as_str())
        {
            shown.push(name);
        }
    }
    if shown.is_empty() {
        shown = names.iter().map(String::as_str).collect();
        shown.dedup();
    }
    if shown.is_empty() {
        "nothing by name".to_string()
    } else {
        shown
            .iter()
            .map(|name| quote_ident(name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether an `EXCEPTION WHEN <condition>` handler catches the error a re-run of `kind` raises.
pub fn handler_covers(condition: &str, kind: &Kind) -> bool {
    let c = condition;
    if c == "others" {
        return true;
    }
    match kind {
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
        Kind::AddColumn { .. } => c == "duplicate_column",
        Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint => c.starts_with("undefined_"),
        Kind::Rename(_) => c.starts_with("undefined_") || c.starts_with("duplicate_"),
        Kind::Insert { .. } => c == "unique_violation",
        // `"p" is already a partition` is 42809; `"p" is not a partition of "t"` is 42P01.
        Kind::AttachPartition => c == "wrong_object_type",
        Kind::DetachPartition => c == "undefined_table",
        _ => false,
    }
}

/// Whether nothing around the action (a guard that checks it, a handler) makes it safe. A guard
/// that checks another object protects nothing: the rule reports, and so does
/// `guard-checks-wrong-object`. A guard on the object with the wrong sense keeps the body from
/// ever running twice: only `guard-checks-wrong-object` reports it.
pub fn unprotected(action: &Action, ctx: &Ctx) -> bool {
    !matches!(
        ctx.protection(action),
        Protection::Protected | Protection::WrongSense { .. }
    )
}

// ---------------------------------------------------------------------------------------------
// Fix builders

/// Insert `text` where the action's missing clause goes.
pub fn insert_fix(action: &Action, text: &str, title: &str) -> Option<Fix> {
    let at = action.insert_at?;
    if !action.exact {
        return None;
    }
    Some(Fix {
        title: title.to_string(),
        span: at..at,
        replacement: text.to_string(),
        safe: true,
    })
}

/// Append `text` at the end of the action (an unsafe fix: it changes what the statement does).
pub fn append_fix(action: &Action, text: &str, title: &str) -> Option<Fix> {
    if !action.exact {
        return None;
    }
    Some(Fix {
        title: title.to_string(),
        span: action.append_at..action.append_at,
        replacement: text.to_string(),
        safe: false,
    })
}

/// A string literal holding `value`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `n.nspname = '<schema>'` or `= current_schema()` for an unqualified name.
pub fn schema_condition(column: &str, schema: Option<&String>) -> String {
    match schema {
        Some(schema) => format!("{column} = {}", literal(schema)),
        None => format!("{column} = current_schema()"),
    }
}

/// Wrap the action in a DO block that runs it only when `condition` holds. A statement holding
/// this one action is replaced whole; from a multi-action ALTER TABLE the action is moved out:
/// the rest of the statement stays, followed by the guarded block. Offered only at the top level.
pub fn wrap_fix(action: &Action, ctx: &Ctx, condition: &str, title: &str) -> Option<Fix> {
    if action.nested || !action.exact {
        return None;
    }
    let statement = ctx.statement_text(action);
    let (rest, body) = if action.siblings == 1 {
        (
            String::new(),
            statement
                .trim_end()
                .trim_end_matches(';')
                .trim_end()
                .to_string(),
        )
    } else {
        split_out(action, statement)?
    };
    let tag = if body.contains("$$") {
        "$driftlint$"
    } else {
        "$$"
    };
    let body = body.replace('\n', "\n        ");
    let replacement = format!(
        "{rest}DO {tag}\nBEGIN\n    IF {condition} THEN\n        {body};\n    END IF;\nEND\n{tag};"
    );
    Some(Fix {
        title: title.to_string(),
        span: action.statement.clone(),
        replacement,
        safe: true,
    })
}

/// Move one action out of a multi-action ALTER TABLE: (the statement without it, ending in
/// `;` and a newline; `ALTER TABLE ... <the action>`).
fn split_out(action: &Action, statement: &str) -> Option<(String, String)> {
    let base = action.statement.start;
    let head_end = action.head_end?.checked_sub(base)?;
    let start = action.span.start.checked_sub(base)?;
    let end = action.span.end.checked_sub(base)?;
    let head = statement.get(..head_end)?.trim_end();
    let text = statement.get(start..end)?;
    let after = statement.get(end..)?;
    let after_trimmed = after.trim_start();
    let (cut_start, cut_end) = if let Some(next) = after_trimmed.strip_prefix(',') {
        let next_start = statement.len() - next.trim_start().len();
        (start, next_start)
    } else {
        let before = statement.get(..start)?.trim_end();
        let comma = before.strip_suffix(',')?;
        (comma.len(), end)
    };
    let rest = format!(
        "{}{}",
        statement.get(..cut_start)?,
        statement.get(cut_end..)?
    );
    let rest = rest.trim_end().trim_end_matches(';').trim_end();
    // A newline after the head: it may end in a `--` comment.
    Some((format!("{rest};\n"), format!("{head}\n    {text}")))
}

/// The object's name for messages: `schema.name` as SQL identifiers (quoted where PostgreSQL
/// needs quotes), or a placeholder.
/// The name of the object an action acts on, for messages: an enum value as a string literal,
/// anything else as [`shown`] renders it.
pub fn shown_name(action: &Action) -> String {
    match (&action.kind, &action.name) {
        (Kind::AddEnumValue | Kind::Rename(RenameKind::EnumValue), Some(value)) => {
            literal(&value.name)
        }
        _ => shown(&action.name),
    }
}

/// Every object a multi-name `DROP a, b` names, as [`shown`] renders them, comma-separated.
pub fn shown_all(action: &Action) -> String {
    let mut all = vec![shown(&action.name)];
    all.extend(action.more_names.iter().map(|n| shown(&Some(n.clone()))));
    all.join(", ")
}

pub fn shown(name: &Option<super::action::Name>) -> String {
    let Some(name) = name else {
        return "(unnamed)".to_string();
    };
    match &name.schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&name.name)),
        None => quote_ident(&name.name),
    }
}

#[cfg(test)]
pub mod test {
    //! squawk-style helpers: `lint_errors` fails when the rule reports nothing, `lint_ok` fails
    //! when it reports anything.

    use super::Rule;
    use crate::lint::{lint_text, Finding, Selection};

    fn findings(sql: &str, rule: Rule) -> Vec<Finding> {
        let selection = Selection::only(rule);
        lint_text("test.sql", sql, &selection)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// Lint `sql` with `rule` alone; fail unless it reports something. Returns the findings.
    pub fn lint_errors(sql: &str, rule: Rule) -> Vec<Finding> {
        let found = findings(sql, rule);
        assert!(!found.is_empty(), "{rule} reported nothing for:\n{sql}");
        found
    }

    /// Lint `sql` with `rule` alone, knowing the declared schema `yaml`; fail unless it reports
    /// exactly one finding. Returns it.
    pub fn lint_declared(sql: &str, rule: Rule, yaml: &str) -> Finding {
        let declared = crate::declared::parse("schema.yaml", yaml).expect("a valid schema.yaml");
        let selection = Selection::only(rule);
        let mut found: Vec<Finding> =
            crate::lint::lint_text_declared("test.sql", sql, &selection, Some(&declared))
                .findings
                .into_iter()
                .filter(|f| f.rule == rule)
                .collect();
        assert_eq!(found.len(), 1, "{rule} for:\n{sql}\n{found:#?}");
        found.remove(0)
    }

    /// Lint `sql` with `rule` alone; fail if it reports anything.
    pub fn lint_ok(sql: &str, rule: Rule) {
        let found = findings(sql, rule);
        assert!(
            found.is_empty(),
            "{rule} reported for:\n{sql}\n{:#?}",
            found.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_text, Selection};

    /// Every rule that names an object names it as an SQL identifier: `x"y` is `"x""y"`.
    #[test]
    fn names_with_quotes_are_sql_identifiers_in_every_message() {
        let sql = r#"
CREATE TABLE "x""y" (id int);
CREATE INDEX "x""y_ix" ON "x""z" (id);
CREATE SCHEMA "x""y";
CREATE EXTENSION "x""y";
CREATE SEQUENCE "x""y_seq";
CREATE MATERIALIZED VIEW "x""y_mv" AS SELECT 1;
CREATE VIEW "x""y_v" AS SELECT 1;
CREATE FUNCTION "x""y_f"() RETURNS int LANGUAGE sql AS 'select 1';
CREATE TRIGGER "x""y_t" BEFORE INSERT ON "x""y" FOR EACH ROW EXECUTE FUNCTION f();
CREATE POLICY "x""y_p" ON "x""y" USING (true);
CREATE TYPE "x""y_e" AS ENUM ('a');
CREATE DOMAIN "x""y_d" AS int;
ALTER TYPE "x""y_e" ADD VALUE 'b';
ALTER TABLE "x""z" ADD COLUMN "x""y_c" int DEFAULT random(), DROP COLUMN "x""y_old",
    DROP CONSTRAINT "x""y_ck", ADD CONSTRAINT "x""y_fk" FOREIGN KEY (id) REFERENCES "x""y" (id),
    ADD CONSTRAINT "x""y_ck2" CHECK (id > 0), ALTER COLUMN "x""y_c" TYPE bigint,
    ALTER COLUMN "x""y_c" SET NOT NULL;
ALTER TABLE "x""y" RENAME COLUMN "x""y_c" TO "x""y_n";
DROP VIEW "x""y_v";
DROP TABLE "x""z2";
INSERT INTO "x""y" VALUES (1);
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS "x""y_ix2" ON "x""y" (id);
COMMIT;
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x"y_z') THEN CREATE TYPE "x""y_w" AS ENUM ('a'); END IF; END $$;
"#;
        let report = lint_text("quotes.sql", sql, &Selection::all());
        let mut rules = std::collections::BTreeSet::new();
        for finding in &report.findings {
            let message = &finding.message;
            assert!(!message.contains(r#""x"y"#), "{}: {message}", finding.rule);
            if message.contains("x\"") {
                rules.insert(finding.rule.name());
            }
        }
        // Every rule that names an object was exercised.
        let expected = [
            "add-check-without-not-valid",
            "add-column-with-volatile-default",
            "add-column-without-if-not-exists",
            "add-constraint-without-guard",
            "add-enum-value-without-if-not-exists",
            "add-foreign-key-without-not-valid",
            "alter-column-type",
            "concurrently-in-transaction",
            "create-domain-without-guard",
            "create-extension-without-if-not-exists",
            "create-function-without-or-replace",
            "create-index-without-concurrently",
            "create-index-without-if-not-exists",
            "create-materialized-view-without-if-not-exists",
            "create-policy-without-guard",
            "create-schema-without-if-not-exists",
            "create-sequence-without-if-not-exists",
            "create-table-without-if-not-exists",
            "create-trigger-without-or-replace",
            "create-type-without-guard",
            "create-view-without-or-replace",
            "drop-column",
            "drop-column-without-if-exists",
            "drop-constraint-without-if-exists",
            "drop-table",
            "drop-without-if-exists",
            "guard-checks-wrong-object",
            "insert-without-on-conflict",
            "rename-without-guard",
            "set-not-null",
        ];
        assert_eq!(rules.into_iter().collect::<Vec<_>>(), expected);
    }
}
