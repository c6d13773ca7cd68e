//! `CREATE ...` from the tree: the object's name (and table), its `OR REPLACE` / `IF NOT EXISTS`
//! / `TEMPORARY` / `CONCURRENTLY` flags, where a missing clause goes, and the tables a new
//! table's foreign keys reference.

use sqlparser::ast::{
    ColumnOption, CreateFunction, CreateIndex, CreateTable, FunctionBehavior, ObjectName,
    SchemaName, Statement, TableConstraint,
};

use super::super::{Action, Flags, Kind, Name};
use super::Locator;

impl Locator<'_> {
    /// A `CREATE` statement's action; `None` for other statements and unconverted ones.
    pub(super) fn create(&self, statement: &Statement) -> Option<Action> {
        match statement {
            Statement::CreateTable(t) => self.create_table(t),
            Statement::CreateIndex(i) => self.create_index(i),
            Statement::CreateView(v) => {
                let kind = if v.materialized {
                    Kind::CreateMaterializedView
                } else {
                    Kind::CreateView
                };
                let flags = Flags {
                    or_replace: v.or_replace,
                    temporary: v.temporary,
                    if_not_exists: v.if_not_exists,
                    ..Flags::default()
                };
                self.created(kind, flags, &v.name)
            }
            Statement::CreateSchema {
                schema_name,
                or_replace,
                if_not_exists,
                ..
            } => {
                let flags = Flags {
                    or_replace: *or_replace,
                    if_not_exists: *if_not_exists,
                    ..Flags::default()
                };
                self.create_schema(schema_name, flags)
            }
            Statement::CreateSequence {
                temporary,
                if_not_exists,
                name,
                ..
            } => {
                let flags = Flags {
                    temporary: *temporary,
                    if_not_exists: *if_not_exists,
                    ..Flags::default()
                };
                self.created(Kind::CreateSequence, flags, name)
            }
            Statement::CreateExtension(e) => {
                let flags = Flags {
                    if_not_exists: e.if_not_exists,
                    ..Flags::default()
                };
                let (name, first) = self.parts(&[&e.name])?;
                self.with_name(Kind::CreateExtension, flags, name, first)
            }
            _ => self.create_on_table(statement),
        }
    }

    /// `CREATE TRIGGER | POLICY` (of a table), `CREATE TYPE | DOMAIN`.
    fn create_on_table(&self, statement: &Statement) -> Option<Action> {
        match statement {
            Statement::CreateTrigger(t) => {
                let flags = Flags {
                    or_replace: t.or_replace,
                    temporary: t.temporary,
                    ..Flags::default()
                };
                let mut action = self.created(Kind::CreateTrigger, flags, &t.name)?;
                action.table = Some(self.name(&t.table_name)?.0);
                Some(action)
            }
            Statement::CreatePolicy(p) => {
                let (name, first) = self.parts(&[&p.name])?;
                let mut action =
                    self.with_name(Kind::CreatePolicy, Flags::default(), name, first)?;
                action.table = Some(self.name(&p.table_name)?.0);
                Some(action)
            }
            Statement::CreateType { name, .. } => {
                self.created(Kind::CreateType, Flags::default(), name)
            }
            Statement::CreateDomain(d) => {
                self.created(Kind::CreateDomain, Flags::default(), &d.name)
            }
            _ => None,
        }
    }

    fn create_table(&self, t: &CreateTable) -> Option<Action> {
        let flags = Flags {
            or_replace: t.or_replace,
            temporary: t.temporary,
            if_not_exists: t.if_not_exists,
            ..Flags::default()
        };
        let mut action = self.created(Kind::CreateTable, flags, &t.name)?;
        action.table = action.name.clone();
        let inline = t
            .columns
            .iter()
            .flat_map(|c| &c.options)
            .filter_map(|o| match &o.option {
                ColumnOption::ForeignKey(fk) => Some(&fk.foreign_table),
                _ => None,
            });
        let table_keys = t.constraints.iter().filter_map(|c| match c {
            TableConstraint::ForeignKey(fk) => Some(&fk.foreign_table),
            _ => None,
        });
        action.referenced = self.referenced(inline.chain(table_keys))?;
        Some(action)
    }

    fn create_index(&self, i: &CreateIndex) -> Option<Action> {
        let flags = Flags {
            if_not_exists: i.if_not_exists,
            concurrently: i.concurrently,
            ..Flags::default()
        };
        let mut action = match &i.name {
            Some(name) => self.created(Kind::CreateIndex, flags, name)?,
            None => self.flagged(Kind::CreateIndex, flags),
        };
        let (table, first) = self.name(&i.table_name)?;
        action.flags.only = first.checked_sub(1).is_some_and(|k| self.is(k, "only"));
        action.table = Some(table);
        Some(action)
    }

    fn create_schema(&self, schema_name: &SchemaName, flags: Flags) -> Option<Action> {
        match schema_name {
            SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                self.created(Kind::CreateSchema, flags, name)
            }
            SchemaName::UnnamedAuthorization(owner) => {
                // `CREATE SCHEMA AUTHORIZATION owner` names the schema after its owner; a
                // missing `IF NOT EXISTS` goes before `AUTHORIZATION`.
                let at = self.index(owner)?;
                let clause = if flags.if_not_exists { 4 } else { 1 };
                let mut action = self.flagged(Kind::CreateSchema, flags);
                action.insert_at = self.start(at.checked_sub(clause)?);
                action.name = Some(self.parts(&[owner])?.0);
                Some(action)
            }
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION`: converted unless its text holds the word `CONCURRENTLY`
    /// (the token reader reads the statements of the body, which the tree keeps as a string).
    pub(super) fn create_function(&self, f: &CreateFunction) -> Option<Vec<Action>> {
        let text = self.text.get(self.statement.clone())?;
        if text.to_ascii_lowercase().contains("concurrently") {
            return None;
        }
        let flags = Flags {
            or_replace: f.or_replace,
            temporary: f.temporary,
            if_not_exists: f.if_not_exists,
            not_volatile: matches!(
                f.behavior,
                Some(FunctionBehavior::Immutable | FunctionBehavior::Stable)
            ),
            ..Flags::default()
        };
        Some(vec![self.created(Kind::CreateFunction, flags, &f.name)?])
    }

    /// A `CREATE` of the object `name`.
    pub(super) fn created(&self, kind: Kind, flags: Flags, name: &ObjectName) -> Option<Action> {
        let (name, first) = self.name(name)?;
        self.with_name(kind, flags, name, first)
    }

    /// A `CREATE` of the object `name`, written from the token `first` on: a missing
    /// `IF NOT EXISTS` goes before the name (before `IF NOT EXISTS` when written), a missing
    /// `OR REPLACE` right after `CREATE`.
    fn with_name(&self, kind: Kind, flags: Flags, name: Name, first: usize) -> Option<Action> {
        let insert_at = if kind.or_replace_clause() {
            self.start(if flags.or_replace { 3 } else { 1 })?
        } else if flags.if_not_exists {
            self.start(first.checked_sub(3)?)?
        } else {
            self.start(first)?
        };
        let mut action = self.flagged(kind, flags);
        action.insert_at = Some(insert_at);
        action.name = Some(name);
        Some(action)
    }
}
