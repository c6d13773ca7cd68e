//! `INSERT`, `TRUNCATE`, `LOCK TABLE`, `VACUUM FULL` and `SET lock_timeout` from the tree.

use sqlparser::ast::{
    Expr, Insert, Lock, LockTableMode, ObjectName, OnInsert, Set, TableObject, Truncate,
    VacuumStatement, Value,
};

use super::super::maintenance::zero_duration;
use super::super::{Action, Kind, LockMode};
use super::{filters_by_not_exists, Locator};

impl Locator<'_> {
    pub(super) fn insert(&self, insert: &Insert) -> Option<Action> {
        let TableObject::TableName(table) = &insert.table else {
            return None;
        };
        let (table, _) = self.name(table)?;
        let on_conflict = matches!(insert.on, Some(OnInsert::OnConflict(_)));
        let not_exists = insert
            .source
            .as_ref()
            .is_some_and(|query| filters_by_not_exists(query));
        let mut action = self.action(Kind::Insert {
            on_conflict,
            not_exists,
        });
        action.table = Some(table.clone());
        action.name = Some(table);
        Some(action)
    }

    pub(super) fn truncate(&self, truncate: &Truncate) -> Option<Action> {
        self.on_tables(Kind::Truncate, truncate.table_names.iter().map(|t| &t.name))
    }

    /// `LOCK [TABLE] name, ... [IN mode MODE]`: ACCESS EXCLUSIVE when no mode is written.
    pub(super) fn lock(&self, lock: &Lock) -> Option<Action> {
        let mode = match lock.lock_mode {
            None | Some(LockTableMode::AccessExclusive) => LockMode::AccessExclusive,
            Some(LockTableMode::AccessShare) => LockMode::AccessShare,
            Some(LockTableMode::RowShare) => LockMode::RowShare,
            Some(LockTableMode::RowExclusive) => LockMode::RowExclusive,
            Some(LockTableMode::ShareUpdateExclusive) => LockMode::ShareUpdateExclusive,
            Some(LockTableMode::Share) => LockMode::Share,
            Some(LockTableMode::ShareRowExclusive) => LockMode::ShareRowExclusive,
            Some(LockTableMode::Exclusive) => LockMode::Exclusive,
        };
        self.on_tables(Kind::LockTable(mode), lock.tables.iter().map(|t| &t.name))
    }

    /// `VACUUM [FULL] [table]`: an action for `FULL` only.
    pub(super) fn vacuum(&self, vacuum: &VacuumStatement) -> Option<Vec<Action>> {
        let other = vacuum.sort_only
            || vacuum.delete_only
            || vacuum.reindex
            || vacuum.recluster
            || vacuum.boost
            || vacuum.threshold.is_some();
        if other {
            return None;
        }
        if !vacuum.full {
            return Some(Vec::new());
        }
        Some(vec![
            self.on_tables(Kind::VacuumFull, vacuum.table_name.iter())?
        ])
    }

    /// One action on the first of `names` (the table), the others in `more_names`.
    fn on_tables<'n>(
        &self,
        kind: Kind,
        names: impl Iterator<Item = &'n ObjectName>,
    ) -> Option<Action> {
        let mut names = names
            .map(|n| self.name(n).map(|(name, _)| name))
            .collect::<Option<Vec<_>>>()?
            .into_iter();
        let mut action = self.action(kind);
        if let Some(first) = names.next() {
            action.table = Some(first.clone());
            action.name = Some(first);
            action.more_names = names.collect();
        }
        Some(action)
    }

    /// `SET [SESSION | LOCAL] name {TO | =} value`: an action for `lock_timeout` only (other
    /// settings are converted with none).
    pub(super) fn set(&self, set: &Set) -> Option<Vec<Action>> {
        let Set::SingleAssignment {
            variable, values, ..
        } = set
        else {
            return None;
        };
        let [part] = variable.0.as_slice() else {
            return Some(Vec::new());
        };
        let ident = part.as_ident()?;
        if ident.quote_style.is_some() || !ident.value.eq_ignore_ascii_case("lock_timeout") {
            return Some(Vec::new());
        }
        let value = match values.first()? {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::Number(s, _) => s.clone(),
                _ => return None,
            },
            Expr::Identifier(id) => id.value.clone(),
            _ => return None,
        };
        let disables = zero_duration(&value);
        Some(vec![self.action(Kind::SetLockTimeout { disables })])
    }
}
