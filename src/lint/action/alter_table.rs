//! `ALTER TABLE`: the statement is cut at its depth-0 commas and each part becomes its own
//! action with its own span — add or drop a column or constraint, change a column's type or
//! nullability, attach or detach a partition, rename the table, a column or a constraint.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::column::{new_column, type_text};
use super::reader::Reader;
use super::{quote_ident, Action, ConstraintKind, Cursor, Kind, Name, RenameKind};
use crate::sql::tokens::Tok;

/// The words an `ADD` of a table constraint starts with.
const CONSTRAINT_START: [&str; 6] = [
    "constraint",
    "primary",
    "unique",
    "foreign",
    "check",
    "exclude",
];

/// One part of an `ALTER TABLE`: the table it alters and the spans its action gets.
struct Part<'p> {
    table: &'p Name,
    table_if_exists: bool,
    span: Range<usize>,
    statement: Range<usize>,
}

impl Part<'_> {
    fn action(&self, kind: Kind) -> Action {
        let mut action = Action::new(kind, self.span.clone(), self.statement.clone());
        action.table = Some(self.table.clone());
        action
    }
}

impl Reader<'_, '_, '_> {
    /// `ALTER TABLE [IF EXISTS] [ONLY] name [*] action, ...`, the cursor after `TABLE`.
    pub(super) fn alter_table(&mut self) {
        let c = &mut self.c;
        let table_if_exists = c.eat_seq(&["if", "exists"]);
        c.eat("only");
        let Some(table) = c.name() else { return };
        if c.peek().is_some_and(|t| t.is_punct(&Token::Mul)) {
            c.i += 1;
        }
        let start = c.i;
        let parts = split_commas(c.toks, start, c.toks.len());
        let first_new = self.out.len();
        let count = parts.len();
        for (from, to) in parts {
            self.alter_table_action(&table, table_if_exists, from, to);
        }
        let head_end = self.c.toks.get(start).map(|t| t.span.0);
        for action in &mut self.out[first_new..] {
            action.siblings = count;
            action.head_end = head_end;
        }
    }

    /// One part of an ALTER TABLE: tokens `from..to`.
    fn alter_table_action(&mut self, table: &Name, table_if_exists: bool, from: usize, to: usize) {
        let toks = self.c.toks;
        if from >= to || to > toks.len() {
            return;
        }
        let part = Part {
            table,
            table_if_exists,
            span: toks[from].span.0..toks[to - 1].span.1,
            statement: self.statement.clone(),
        };
        let mut c = Cursor::new(&toks[..to]);
        c.i = from;
        let action = if c.eat("add") {
            if CONSTRAINT_START.iter().any(|k| c.at(k)) {
                add_constraint(&mut c, &part, from, to)
            } else {
                Some(add_column(&mut c, &part, toks, to))
            }
        } else if c.eat("drop") {
            Some(drop_column_or_constraint(&mut c, &part))
        } else if c.eat("alter") {
            alter_column(&mut c, &part)
        } else if c.eat_seq(&["attach", "partition"]) {
            let mut action = part.action(Kind::AttachPartition);
            action.name = c.name();
            Some(action)
        } else if c.eat_seq(&["detach", "partition"]) {
            let mut action = part.action(Kind::DetachPartition);
            action.name = c.name();
            action.flags.concurrently = c.eat("concurrently");
            Some(action)
        } else if c.eat("rename") {
            Some(rename(&mut c, &part))
        } else if c.at("enable") || c.at("disable") {
            enable_trigger(&mut c, &part)
        } else if c.eat_seq(&["validate", "constraint"]) {
            let mut action = part.action(Kind::ValidateConstraint);
            action.name = c.name();
            Some(action)
        } else {
            None
        };
        self.out.extend(action);
    }
}

/// `ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | FOREIGN KEY | CHECK | EXCLUDE ...`, the cursor
/// after `ADD`; tokens `from..to` are the part.
fn add_constraint(c: &mut Cursor, part: &Part, from: usize, to: usize) -> Option<Action> {
    let name = if c.eat("constraint") { c.name() } else { None };
    let kind = if c.at_seq(&["not", "null"]) {
        // PostgreSQL 18: `ADD CONSTRAINT name NOT NULL column [NO INHERIT | NOT VALID]`.
        c.i += 2;
        ConstraintKind::NotNull
    } else if c.eat("primary") {
        ConstraintKind::PrimaryKey
    } else if c.eat("unique") {
        ConstraintKind::Unique
    } else if c.eat("foreign") {
        ConstraintKind::ForeignKey
    } else if c.eat("check") {
        ConstraintKind::Check
    } else if c.eat("exclude") {
        ConstraintKind::Exclude
    } else {
        return None;
    };
    let mut action = part.action(Kind::AddConstraint(kind));
    action.referenced = referenced(&c.toks[c.i..to]);
    // PostgreSQL names an unnamed primary key `<table>_pkey` (when that fits in 63 bytes; a
    // longer name is cut, which is not modelled).
    let implicit = format!("{}_pkey", part.table.name);
    if name.is_none() && kind == ConstraintKind::PrimaryKey && implicit.len() <= 63 {
        action.flags.implicit_name = true;
        action.name = Some(Name {
            written: quote_ident(&implicit),
            name: implicit,
            schema: None,
        });
    } else {
        action.name = name;
    }
    let toks = c.toks;
    let n = to - from;
    action.flags.not_valid = n >= 2 && toks[to - 2].is("not") && toks[to - 1].is("valid");
    action.flags.using_index = toks[c.i..to]
        .windows(2)
        .any(|w| w[0].is("using") && w[1].is("index"));
    action.columns = match kind {
        ConstraintKind::NotNull => c.peek().and_then(|t| t.ident()).into_iter().collect(),
        ConstraintKind::Check => not_null_checked(&toks[c.i..to]).into_iter().collect(),
        _ => Vec::new(),
    };
    Some(action)
}

/// `ADD [COLUMN] [IF NOT EXISTS] name type ...`, the cursor after `ADD`; `toks` are the
/// statement's, the part ends before `to`.
fn add_column(c: &mut Cursor, part: &Part, toks: &[Tok], to: usize) -> Action {
    c.eat("column");
    let insert_at = c.here();
    let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
    let name = c.name();
    let mut action = part.action(Kind::AddColumn(new_column(toks, c.i, to)));
    action.referenced = referenced(&toks[c.i..to]);
    action.flags.if_not_exists = if_not_exists;
    action.insert_at = Some(insert_at);
    action.name = name;
    action
}

/// The column a `CHECK (col IS NOT NULL)` constraint checks (tokens from `CHECK` on), when
/// that is all it checks.
fn not_null_checked(toks: &[Tok]) -> Option<String> {
    let inner: Vec<&Tok> = toks
        .iter()
        .filter(|t| !t.is_punct(&Token::LParen) && !t.is_punct(&Token::RParen))
        .collect();
    match inner.as_slice() {
        [column, is, not, null, rest @ ..]
            if is.is("is")
                && not.is("not")
                && null.is("null")
                && rest.iter().all(|t| t.is("not") || t.is("valid")) =>
        {
            column.ident()
        }
        _ => None,
    }
}

/// `DROP [COLUMN] [IF EXISTS] name` or `DROP CONSTRAINT [IF EXISTS] name`, the cursor after
/// `DROP`.
fn drop_column_or_constraint(c: &mut Cursor, part: &Part) -> Action {
    let constraint = c.eat("constraint");
    if !constraint {
        c.eat("column");
    }
    let insert_at = c.here();
    let if_exists = c.eat_seq(&["if", "exists"]);
    let kind = if constraint {
        Kind::DropConstraint
    } else {
        Kind::DropColumn
    };
    let mut action = part.action(kind);
    action.flags.if_exists = if_exists;
    action.insert_at = Some(insert_at);
    action.name = c.name();
    action
}

/// `ALTER [COLUMN] name [SET DATA] TYPE ...`, `... SET NOT NULL` or `... SET | DROP DEFAULT`,
/// the cursor after `ALTER`.
fn alter_column(c: &mut Cursor, part: &Part) -> Option<Action> {
    c.eat("column");
    let column = c.name();
    let kind = if c.eat("type") || c.eat_seq(&["set", "data", "type"]) {
        Kind::AlterColumnType {
            to: type_text(c.toks, c.i, c.toks.len(), &["using", "collate"]),
        }
    } else if c.eat_seq(&["set", "not", "null"]) {
        Kind::SetNotNull
    } else if c.eat_seq(&["set", "default"]) {
        Kind::SetDefault
    } else if c.eat_seq(&["drop", "default"]) {
        Kind::DropDefault
    } else {
        return None;
    };
    let mut action = part.action(kind);
    action.name = column;
    Some(action)
}

/// `ENABLE [ALWAYS | REPLICA] TRIGGER name` or `DISABLE TRIGGER name` (`ALL`, `USER` or a
/// trigger's name), the cursor at `ENABLE` / `DISABLE`; `None` for the other `ENABLE`s (`ROW
/// LEVEL SECURITY`, `RULE`).
fn enable_trigger(c: &mut Cursor, part: &Part) -> Option<Action> {
    let enable = c.eat("enable");
    if !enable {
        c.eat("disable");
    } else if !c.eat("always") {
        c.eat("replica");
    }
    if !c.eat("trigger") {
        return None;
    }
    let mut action = part.action(Kind::EnableTrigger { enable });
    action.name = c.name();
    Some(action)
}

/// The tables the `REFERENCES` clauses among `toks` name, in order.
pub(super) fn referenced(toks: &[Tok]) -> Vec<Name> {
    toks.iter()
        .enumerate()
        .filter(|(_, t)| t.is("references"))
        .filter_map(|(k, _)| {
            let mut c = Cursor::new(toks);
            c.i = k + 1;
            c.name()
        })
        .collect()
}

/// `RENAME TO new`, `RENAME CONSTRAINT a TO b` or `RENAME [COLUMN] a TO b`, the cursor after
/// `RENAME`.
fn rename(c: &mut Cursor, part: &Part) -> Action {
    let (kind, name) = if c.eat("to") {
        (RenameKind::Table, Some(part.table.clone()))
    } else if c.eat("constraint") {
        let name = c.name();
        c.eat("to");
        (RenameKind::Constraint, name)
    } else {
        c.eat("column");
        let name = c.name();
        c.eat("to");
        (RenameKind::Column, name)
    };
    let mut action = part.action(Kind::Rename(kind));
    action.name = name;
    action.new_name = c.peek().and_then(|t| t.ident());
    action.flags.if_exists = part.table_if_exists && kind == RenameKind::Table;
    action
}

/// Split token indices `from..to` at depth-0 commas.
fn split_commas(toks: &[Tok], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = from;
    for (i, t) in toks.iter().enumerate().take(to).skip(from) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                if start < i {
                    parts.push((start, i));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < to {
        parts.push((start, to));
    }
    parts
}
