//! `ALTER ...` other than the actions of `ALTER TABLE` ([`super::alter_table`]): renames of
//! indexes, sequences, views, materialized views, foreign tables and their columns, of types,
//! domains, schemas, functions, procedures and triggers, and `ALTER TYPE ... ADD VALUE` /
//! `RENAME VALUE`.

use sqlparser::tokenizer::Token;

use super::reader::Reader;
use super::{Cursor, Kind, Name, RenameKind};

impl Reader<'_, '_, '_> {
    /// `ALTER ...`, the cursor after `ALTER`.
    pub(super) fn alter(&mut self) {
        let c = &mut self.c;
        if c.eat("table") {
            self.alter_table();
        } else if let Some(kind) = relation_kind(c) {
            self.alter_relation(kind);
        } else if c.eat("type") {
            self.alter_type();
        } else if c.eat("domain") || c.eat("schema") {
            let kind = if c.toks[c.i - 1].is("domain") {
                RenameKind::Domain
            } else {
                RenameKind::Schema
            };
            let Some(name) = c.name() else { return };
            if c.eat_seq(&["rename", "to"]) {
                self.rename_to(kind, name);
            }
        } else if c.eat("function") || c.eat("procedure") {
            self.alter_routine();
        } else if c.eat("trigger") {
            self.alter_trigger();
        }
    }

    /// `ALTER INDEX | SEQUENCE | VIEW | MATERIALIZED VIEW | FOREIGN TABLE name RENAME ...`: of
    /// the relation, or of one of its columns.
    fn alter_relation(&mut self, kind: RenameKind) {
        let c = &mut self.c;
        let if_exists = c.eat_seq(&["if", "exists"]);
        let Some(name) = c.name() else { return };
        if !c.eat("rename") {
            return;
        }
        let column = !c.at("to") && kind != RenameKind::Index && kind != RenameKind::Sequence;
        let mut action = self.action(Kind::Rename(kind));
        let c = &mut self.c;
        if column {
            c.eat("column");
            action.kind = Kind::Rename(if kind == RenameKind::MaterializedView {
                RenameKind::MaterializedViewColumn
            } else {
                RenameKind::Column
            });
            action.table = Some(name);
            action.name = c.name();
        } else {
            action.flags.if_exists = if_exists;
            action.name = Some(name);
        }
        if !c.eat("to") {
            return;
        }
        action.new_name = c.peek().and_then(|t| t.ident());
        self.out.push(action);
    }

    /// `ALTER TYPE name ADD VALUE | RENAME VALUE | RENAME TO`.
    fn alter_type(&mut self) {
        let c = &mut self.c;
        let Some(name) = c.name() else { return };
        if c.eat_seq(&["add", "value"]) {
            let mut action = self.action(Kind::AddEnumValue);
            let c = &mut self.c;
            action.insert_at = Some(c.here());
            action.flags.if_not_exists = c.eat_seq(&["if", "not", "exists"]);
            action.table = Some(name);
            action.name = c.peek().and_then(|t| t.string()).map(value_name);
            self.out.push(action);
        } else if c.eat_seq(&["rename", "value"]) {
            let old = c.peek().and_then(|t| t.string()).map(value_name);
            c.i += 1;
            if !c.eat("to") {
                return;
            }
            let mut action = self.action(Kind::Rename(RenameKind::EnumValue));
            action.new_name = self.c.peek().and_then(|t| t.string()).map(str::to_string);
            action.table = Some(name);
            action.name = old;
            self.out.push(action);
        } else if c.eat_seq(&["rename", "to"]) {
            self.rename_to(RenameKind::Type, name);
        }
    }

    /// `ALTER FUNCTION | PROCEDURE name [(args)] RENAME TO`, the cursor after the keyword.
    fn alter_routine(&mut self) {
        let c = &mut self.c;
        let kind = if c.toks[c.i - 1].is("function") {
            RenameKind::Function
        } else {
            RenameKind::Procedure
        };
        let Some(name) = c.name() else { return };
        if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
            c.i += 1;
            c.seek_close();
        }
        if c.eat_seq(&["rename", "to"]) {
            self.rename_to(kind, name);
        }
    }

    /// `ALTER TRIGGER name ON table RENAME TO`.
    fn alter_trigger(&mut self) {
        let c = &mut self.c;
        let Some(name) = c.name() else { return };
        if !c.eat("on") {
            return;
        }
        let table = c.name();
        if c.eat_seq(&["rename", "to"]) {
            self.rename_to(RenameKind::Trigger, name);
            if let Some(action) = self.out.last_mut() {
                action.table = table;
            }
        }
    }

    /// A `... RENAME TO <new>` of `name` (the cursor is after `TO`).
    fn rename_to(&mut self, kind: RenameKind, name: Name) {
        let mut action = self.action(Kind::Rename(kind));
        action.name = Some(name);
        action.new_name = self.c.peek().and_then(|t| t.ident());
        self.out.push(action);
    }
}

/// After ALTER: a relation kind other than TABLE whose statement may rename it or its columns.
fn relation_kind(c: &mut Cursor) -> Option<RenameKind> {
    if c.eat("index") {
        Some(RenameKind::Index)
    } else if c.eat("sequence") {
        Some(RenameKind::Sequence)
    } else if c.eat("view") {
        Some(RenameKind::View)
    } else if c.eat_seq(&["materialized", "view"]) {
        Some(RenameKind::MaterializedView)
    } else if c.eat_seq(&["foreign", "table"]) {
        Some(RenameKind::Table)
    } else {
        None
    }
}

/// A string literal's value as the name of an enum value.
fn value_name(value: &str) -> Name {
    Name {
        name: value.to_string(),
        schema: None,
        written: crate::model::quote_literal(value),
    }
}
