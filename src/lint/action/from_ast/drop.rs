//! `DROP ...` from the tree: the objects dropped (all of a `DROP a, b`), `IF EXISTS`,
//! `CASCADE`, `CONCURRENTLY` (read from the tokens) and where a missing `IF EXISTS` goes.

use sqlparser::ast::{
    DropBehavior, FunctionDesc, ObjectName, ObjectType, ReferentialAction, Statement,
};

use super::super::{Action, Kind, Name, ObjectKind};
use super::Locator;

impl Locator<'_> {
    /// A `DROP` statement's action; `None` for other statements and unconverted ones.
    pub(super) fn drop(&self, statement: &Statement) -> Option<Action> {
        let cascade = |b: &Option<DropBehavior>| matches!(b, Some(DropBehavior::Cascade));
        match statement {
            Statement::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                ..
            } => {
                let kind = match object_type {
                    ObjectType::Table => ObjectKind::Table,
                    ObjectType::View => ObjectKind::View,
                    ObjectType::MaterializedView => ObjectKind::MaterializedView,
                    ObjectType::Index => ObjectKind::Index,
                    ObjectType::Schema => ObjectKind::Schema,
                    ObjectType::Sequence => ObjectKind::Sequence,
                    ObjectType::Type => ObjectKind::Type,
                    ObjectType::Collation => ObjectKind::Other("COLLATION"),
                    _ => return None,
                };
                let names = names
                    .iter()
                    .map(|n| self.name(n))
                    .collect::<Option<Vec<_>>>()?;
                self.dropped(kind, *if_exists, *cascade, names)
            }
            Statement::DropDomain(d) => {
                let name = vec![self.name(&d.name)?];
                self.dropped(
                    ObjectKind::Domain,
                    d.if_exists,
                    cascade(&d.drop_behavior),
                    name,
                )
            }
            Statement::DropExtension(d) => {
                let names = d
                    .names
                    .iter()
                    .map(|n| self.parts(&[n]))
                    .collect::<Option<Vec<_>>>()?;
                let cascade = matches!(d.cascade_or_restrict, Some(ReferentialAction::Cascade));
                self.dropped(ObjectKind::Extension, d.if_exists, cascade, names)
            }
            _ => self.drop_routine_or_per_table(statement),
        }
    }

    /// `DROP FUNCTION | PROCEDURE` (of the first routine named: the token reader keeps one),
    /// `DROP TRIGGER | POLICY name ON table`.
    fn drop_routine_or_per_table(&self, statement: &Statement) -> Option<Action> {
        let cascade = |b: &Option<DropBehavior>| matches!(b, Some(DropBehavior::Cascade));
        let routine = |kind, if_exists, descs: &[FunctionDesc], behavior| {
            let name = vec![self.name(&descs.first()?.name)?];
            self.dropped(kind, if_exists, cascade(behavior), name)
        };
        match statement {
            Statement::DropFunction(d) => routine(
                ObjectKind::Function,
                d.if_exists,
                &d.func_desc,
                &d.drop_behavior,
            ),
            Statement::DropProcedure {
                if_exists,
                proc_desc,
                drop_behavior,
            } => routine(ObjectKind::Procedure, *if_exists, proc_desc, drop_behavior),
            Statement::DropTrigger(d) => {
                let cascade = matches!(d.option, Some(ReferentialAction::Cascade));
                let name = vec![self.name(&d.trigger_name)?];
                let action = self.dropped(ObjectKind::Trigger, d.if_exists, cascade, name)?;
                self.on_table(action, d.table_name.as_ref())
            }
            Statement::DropPolicy(d) => {
                let name = vec![self.parts(&[&d.name])?];
                let cascade = cascade(&d.drop_behavior);
                let action = self.dropped(ObjectKind::Policy, d.if_exists, cascade, name)?;
                self.on_table(action, Some(&d.table_name))
            }
            _ => None,
        }
    }

    /// The action with its `ON table`.
    fn on_table(&self, mut action: Action, table: Option<&ObjectName>) -> Option<Action> {
        action.table = match table {
            Some(table) => Some(self.name(table)?.0),
            None => None,
        };
        Some(action)
    }

    /// A `DROP` of `names` (at least one); a missing `IF EXISTS` goes before the first name.
    fn dropped(
        &self,
        kind: ObjectKind,
        if_exists: bool,
        cascade: bool,
        names: Vec<(Name, usize)>,
    ) -> Option<Action> {
        let mut names = names.into_iter();
        let (name, first) = names.next()?;
        let clause = first.checked_sub(if if_exists { 2 } else { 0 })?;
        let mut action = self.action(Kind::Drop(kind));
        action.flags.if_exists = if_exists;
        action.flags.cascade = cascade;
        action.flags.concurrently = kind == ObjectKind::Index
            && clause
                .checked_sub(1)
                .is_some_and(|k| self.is(k, "concurrently"));
        action.insert_at = self.start(clause);
        if kind == ObjectKind::Table {
            action.table = Some(name.clone());
        }
        action.name = Some(name);
        action.more_names = names.map(|(name, _)| name).collect();
        Some(action)
    }
}
