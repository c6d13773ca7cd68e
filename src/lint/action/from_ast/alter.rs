//! `ALTER INDEX | TYPE | SCHEMA ... RENAME` and `ALTER TYPE ... ADD VALUE | RENAME VALUE` from
//! the tree (sqlparser parses no other rename of these, nor of sequences and views).

use sqlparser::ast::{
    AlterIndexOperation, AlterSchemaOperation, AlterTypeOperation, Ident, ObjectName, Statement,
};

use super::super::{Action, Kind, Name, RenameKind};
use super::{folded, Locator};

impl Locator<'_> {
    pub(super) fn alter(&self, statement: &Statement) -> Option<Action> {
        match statement {
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => self.renamed(RenameKind::Index, name, index_name),
            Statement::AlterSchema(alter) => match alter.operations.as_slice() {
                [AlterSchemaOperation::Rename { name }] if !alter.if_exists => {
                    self.renamed(RenameKind::Schema, &alter.name, name)
                }
                _ => None,
            },
            Statement::AlterType(alter) => {
                let (name, first) = self.name(&alter.name)?;
                // The token after the type's name.
                let after = first + 2 * (alter.name.0.len() - 1) + 1;
                match &alter.operation {
                    AlterTypeOperation::Rename(rename) => {
                        let mut action = self.action(Kind::Rename(RenameKind::Type));
                        action.name = Some(name);
                        action.new_name = Some(folded(&rename.new_name));
                        Some(action)
                    }
                    AlterTypeOperation::AddValue(add) => {
                        // The tree keeps no position of the value: a missing `IF NOT EXISTS`
                        // goes after `ADD VALUE`.
                        if !(self.is(after, "add") && self.is(after + 1, "value")) {
                            return None;
                        }
                        let mut action = self.action(Kind::AddEnumValue);
                        action.insert_at = self.start(after + 2);
                        action.flags.if_not_exists = add.if_not_exists;
                        action.table = Some(name);
                        action.name = Some(enum_value(&add.value)?);
                        Some(action)
                    }
                    AlterTypeOperation::RenameValue(rename) => {
                        let mut action = self.action(Kind::Rename(RenameKind::EnumValue));
                        action.table = Some(name);
                        action.name = Some(enum_value(&rename.from)?);
                        action.new_name = Some(enum_value(&rename.to)?.name);
                        Some(action)
                    }
                }
            }
            _ => None,
        }
    }

    /// A `RENAME TO new` of the object `name` (the new name is one identifier).
    fn renamed(&self, kind: RenameKind, name: &ObjectName, new: &ObjectName) -> Option<Action> {
        let [new] = new.0.as_slice() else {
            return None;
        };
        let mut action = self.action(Kind::Rename(kind));
        action.name = Some(self.name(name)?.0);
        action.new_name = Some(folded(new.as_ident()?));
        Some(action)
    }
}

/// An enum value (a string literal in the tree's identifier) as the name of the value.
fn enum_value(value: &Ident) -> Option<Name> {
    (value.quote_style == Some('\'')).then(|| Name {
        name: value.value.clone(),
        schema: None,
        written: crate::model::quote_literal(&value.value),
    })
}
