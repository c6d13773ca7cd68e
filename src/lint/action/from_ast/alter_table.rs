//! `ALTER TABLE` from the tree: one action per operation, each spanning its part of the
//! statement (cut at the depth-0 commas of the tokens after the table's name). A statement is
//! converted when every operation is: either one with an action, or one the token reader also
//! gives none (`OWNER TO`, `ENABLE ROW LEVEL SECURITY`, `ALTER COLUMN ... DROP NOT NULL`, ...).

use std::ops::Range;

use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, Ident, RenameTableNameKind,
    TableConstraint,
};

use super::super::{quote_ident, Action, ConstraintKind, Kind, Name, RenameKind};
use super::{constraint_kind, folded, not_null_checked, Locator, Punct};

/// What the tree says of one operation.
enum Operation {
    /// An action (its kind, flags and names filled in).
    Action(Box<Action>),
    /// An operation no rule reads: no action, but it counts among the statement's siblings.
    Nothing,
}

impl Locator<'_> {
    /// The actions of an `ALTER TABLE` whose every operation is converted.
    pub(super) fn alter_table(&self, alter: &AlterTable) -> Option<Vec<Action>> {
        let (table, first) = self.name(&alter.name)?;
        let mut head = first + 2 * (alter.name.0.len() - 1) + 1;
        if self.toks.get(head).is_some_and(|t| t.punct == Punct::Star) {
            head += 1;
        }
        let parts = self.parts_from(head);
        if parts.len() != alter.operations.len() {
            return None;
        }
        let head_end = self.start(head);
        let mut actions = Vec::new();
        for (operation, part) in alter.operations.iter().zip(&parts) {
            let span = self.toks[part.start].span.0..self.toks[part.end - 1].span.1;
            let mut action = Action::new(Kind::ValidateConstraint, span, self.statement.clone());
            action.table = Some(table.clone());
            action.siblings = parts.len();
            action.head_end = head_end;
            let made = match operation {
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => self.add_constraint(action, constraint, *not_valid, part),
                AlterTableOperation::AddColumn {
                    if_not_exists,
                    column_def,
                    ..
                } => self.add_column(action, column_def, *if_not_exists, part),
                AlterTableOperation::RenameTable {
                    table_name: RenameTableNameKind::To(new),
                } => {
                    let new = new.0.first()?.as_ident()?;
                    if !part.contains(&self.index(new)?) {
                        return None;
                    }
                    action.kind = Kind::Rename(RenameKind::Table);
                    action.new_name = Some(folded(new));
                    action.name = Some(table.clone());
                    action.flags.if_exists = alter.if_exists;
                    Some(Operation::Action(Box::new(action)))
                }
                _ => self.named_operation(action, operation, part),
            };
            if let Operation::Action(action) = made? {
                actions.push(*action);
            }
        }
        Some(actions)
    }

    /// An operation on one named column, constraint or trigger of the table, or one with no
    /// action.
    fn named_operation(
        &self,
        mut action: Action,
        operation: &AlterTableOperation,
        part: &Range<usize>,
    ) -> Option<Operation> {
        let (kind, ident) = match operation {
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                let [column] = column_names.as_slice() else {
                    return None;
                };
                action.flags.if_exists = *if_exists;
                (Kind::DropColumn, column)
            }
            AlterTableOperation::DropConstraint {
                if_exists, name, ..
            } => {
                action.flags.if_exists = *if_exists;
                (Kind::DropConstraint, name)
            }
            AlterTableOperation::ValidateConstraint { name } => (Kind::ValidateConstraint, name),
            AlterTableOperation::AlterColumn { column_name, op } => {
                let Some(kind) = self.column_change(op, column_name, part)? else {
                    return Some(Operation::Nothing);
                };
                (kind, column_name)
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                action.new_name = Some(folded(new_column_name));
                (Kind::Rename(RenameKind::Column), old_column_name)
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                action.new_name = Some(folded(new_name));
                (Kind::Rename(RenameKind::Constraint), old_name)
            }
            AlterTableOperation::EnableTrigger { name }
            | AlterTableOperation::EnableAlwaysTrigger { name }
            | AlterTableOperation::EnableReplicaTrigger { name } => {
                (Kind::EnableTrigger { enable: true }, name)
            }
            AlterTableOperation::DisableTrigger { name } => {
                (Kind::EnableTrigger { enable: false }, name)
            }
            other => return no_action(other).then_some(Operation::Nothing),
        };
        let (name, at) = self.name_in(ident, part)?;
        if matches!(kind, Kind::DropColumn | Kind::DropConstraint) {
            let clause = at.checked_sub(if action.flags.if_exists { 2 } else { 0 })?;
            action.insert_at = self.start(clause);
        }
        action.kind = kind;
        action.name = Some(name);
        Some(Operation::Action(Box::new(action)))
    }

    /// The kind of an `ALTER COLUMN` operation: `Some(None)` when it has no action, `None` when
    /// it is not converted.
    fn column_change(
        &self,
        op: &AlterColumnOperation,
        column: &Ident,
        part: &Range<usize>,
    ) -> Option<Option<Kind>> {
        Some(Some(match op {
            AlterColumnOperation::SetNotNull => Kind::SetNotNull,
            AlterColumnOperation::DropNotNull => return Some(None),
            AlterColumnOperation::SetDefault { .. } => Kind::SetDefault,
            AlterColumnOperation::DropDefault => Kind::DropDefault,
            AlterColumnOperation::SetDataType { had_set, .. } => {
                // `name [SET DATA] TYPE`: the type is written after it, up to `USING`/`COLLATE`.
                let at = self.index(column)? + if *had_set { 4 } else { 2 };
                Kind::AlterColumnType {
                    to: self.type_text(at, part.end, &["using", "collate"]),
                }
            }
            AlterColumnOperation::AddGenerated { .. } => return None,
        }))
    }

    /// The name `ident` and the index of its token, when that token is within the operation's
    /// `part` (the tree's name is found in the statement's own text).
    fn name_in(&self, ident: &Ident, part: &Range<usize>) -> Option<(Name, usize)> {
        let (name, at) = self.parts(&[ident])?;
        part.contains(&at).then_some((name, at))
    }

    /// `ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | FOREIGN KEY | CHECK ... [NOT VALID]`.
    fn add_constraint(
        &self,
        mut action: Action,
        constraint: &TableConstraint,
        not_valid: bool,
        part: &Range<usize>,
    ) -> Option<Operation> {
        let (kind, name) = constraint_kind(constraint)?;
        action.kind = Kind::AddConstraint(kind);
        action.flags.not_valid = not_valid;
        action.flags.using_index = matches!(
            constraint,
            TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_)
        );
        match constraint {
            TableConstraint::Check(check) => {
                action.columns = not_null_checked(&check.expr).into_iter().collect();
            }
            TableConstraint::ForeignKey(fk) => {
                action.referenced = self.referenced(std::iter::once(&fk.foreign_table))?;
            }
            _ => {}
        }
        // PostgreSQL names an unnamed primary key `<table>_pkey` (when that fits in 63 bytes).
        let implicit = format!("{}_pkey", action.table_str());
        match name {
            Some(ident) => {
                let (name, _) = self.name_in(ident, part)?;
                action.name = Some(name);
            }
            None if kind == ConstraintKind::PrimaryKey && implicit.len() <= 63 => {
                action.flags.implicit_name = true;
                action.name = Some(Name {
                    written: quote_ident(&implicit),
                    name: implicit,
                    schema: None,
                });
            }
            None => {}
        }
        Some(Operation::Action(Box::new(action)))
    }

    /// `ADD [COLUMN] [IF NOT EXISTS] name type ...`: a missing `IF NOT EXISTS` goes before the
    /// name.
    fn add_column(
        &self,
        mut action: Action,
        column: &ColumnDef,
        if_not_exists: bool,
        part: &Range<usize>,
    ) -> Option<Operation> {
        let (name, at) = self.name_in(&column.name, part)?;
        let clause = at.checked_sub(if if_not_exists { 3 } else { 0 })?;
        action.insert_at = self.start(clause);
        action.flags.if_not_exists = if_not_exists;
        action.name = Some(name);
        let (new, referenced) = self.new_column(column, at + 1, part.end)?;
        action.kind = Kind::AddColumn(new);
        action.referenced = self.referenced(referenced.into_iter())?;
        Some(Operation::Action(Box::new(action)))
    }
}

/// Whether an operation is one the token reader gives no action for (and no rule reads).
fn no_action(operation: &AlterTableOperation) -> bool {
    matches!(
        operation,
        AlterTableOperation::OwnerTo { .. }
            | AlterTableOperation::EnableRowLevelSecurity
            | AlterTableOperation::DisableRowLevelSecurity
            | AlterTableOperation::ForceRowLevelSecurity
            | AlterTableOperation::NoForceRowLevelSecurity
            | AlterTableOperation::EnableRule { .. }
            | AlterTableOperation::EnableAlwaysRule { .. }
            | AlterTableOperation::EnableReplicaRule { .. }
            | AlterTableOperation::DisableRule { .. }
            | AlterTableOperation::ReplicaIdentity { .. }
            | AlterTableOperation::SetOptionsParens { .. }
    )
}
