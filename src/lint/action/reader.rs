//! The token reader's entry point: [`read`] recognizes the statement kind from its first
//! keyword, hands `CREATE` and `ALTER` to their readers ([`super::create`], [`super::alter`],
//! [`super::alter_table`]), maintenance statements to [`super::maintenance`], and reads `DROP`,
//! `REINDEX`, `INSERT` and `DO` itself.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::{Action, Cursor, Kind, ObjectKind, Shape};
use crate::sql::tokens::Tok;

/// Statement kinds known to the reader: a statement starting with one of these is understood
/// at least at the token level.
const KNOWN_COMMANDS: &[&str] = &[
    "abort",
    "alter",
    "analyze",
    "begin",
    "call",
    "checkpoint",
    "close",
    "cluster",
    "comment",
    "commit",
    "copy",
    "create",
    "deallocate",
    "declare",
    "delete",
    "discard",
    "do",
    "drop",
    "end",
    "execute",
    "explain",
    "fetch",
    "grant",
    "import",
    "insert",
    "listen",
    "load",
    "lock",
    "merge",
    "move",
    "notify",
    "prepare",
    "reassign",
    "refresh",
    "reindex",
    "release",
    "reset",
    "revoke",
    "rollback",
    "savepoint",
    "security",
    "select",
    "set",
    "show",
    "start",
    "table",
    "truncate",
    "unlisten",
    "update",
    "vacuum",
    "values",
    "with",
];

/// Read one statement's significant tokens into actions (appended to `out`).
pub fn read(toks: &[Tok], out: &mut Vec<Action>) -> Shape {
    let Some(first) = toks.first() else {
        return Shape::Unknown;
    };
    let statement = first.span.0..toks.last().map_or(first.span.1, |t| t.span.1);
    let mut end = toks.len();
    while end > 0 && toks[end - 1].is_punct(&Token::SemiColon) {
        end -= 1;
    }
    let toks = &toks[..end];
    let mut reader = Reader {
        c: Cursor::new(toks),
        statement,
        out,
    };
    reader.statement()
}

pub(super) struct Reader<'t, 'a, 'o> {
    pub(super) c: Cursor<'t, 'a>,
    pub(super) statement: Range<usize>,
    pub(super) out: &'o mut Vec<Action>,
}

impl Reader<'_, '_, '_> {
    pub(super) fn action(&self, kind: Kind) -> Action {
        Action::new(kind, self.statement.clone(), self.statement.clone())
    }

    fn statement(&mut self) -> Shape {
        let Some(first) = self.c.peek() else {
            return Shape::Unknown;
        };
        if first.is_punct(&Token::LParen) {
            return Shape::Known;
        }
        let Some(word) = first.word().map(str::to_ascii_lowercase) else {
            return Shape::Unknown;
        };
        if matches!(first.token, Token::Word(w) if w.quote_style.is_some()) {
            return Shape::Unknown;
        }
        self.c.i += 1;
        match word.as_str() {
            "create" => self.create(),
            "alter" => self.alter(),
            "drop" => self.drop(),
            "insert" => self.insert(),
            "reindex" => self.reindex(),
            "vacuum" => self.vacuum(),
            "cluster" => self.cluster(),
            "lock" => self.lock(),
            "truncate" => self.truncate(),
            "set" => self.set(),
            "select" => self.select(),
            "do" => return self.do_block(),
            "begin" | "start" => return Shape::Begin,
            "commit" | "end" | "rollback" | "abort" => {
                if word == "rollback" && self.c.at_seq(&["to"]) {
                    return Shape::Known;
                }
                if matches!(word.as_str(), "commit" | "rollback") && self.c.at("prepared") {
                    return Shape::Known;
                }
                return Shape::End;
            }
            w if KNOWN_COMMANDS.contains(&w) => {}
            _ => return Shape::Unknown,
        }
        Shape::Known
    }

    fn do_block(&mut self) -> Shape {
        let mut plpgsql = true;
        let mut body = None;
        while let Some(t) = self.c.peek() {
            if t.is("language") {
                self.c.i += 1;
                if let Some(lang) = self.c.peek() {
                    let name = lang.word().or(lang.string()).unwrap_or("");
                    plpgsql = name.eq_ignore_ascii_case("plpgsql");
                }
            } else if t.string().is_some() && body.is_none() {
                body = Some(self.c.i);
            }
            self.c.i += 1;
        }
        match body {
            Some(body) => Shape::Do { body, plpgsql },
            None => Shape::Unknown,
        }
    }

    fn drop(&mut self) {
        let c = &mut self.c;
        let kind = if c.eat("table") {
            ObjectKind::Table
        } else if c.eat("index") {
            ObjectKind::Index
        } else if c.eat("view") {
            ObjectKind::View
        } else if c.eat_seq(&["materialized", "view"]) {
            ObjectKind::MaterializedView
        } else if c.eat("sequence") {
            ObjectKind::Sequence
        } else if c.eat("type") {
            ObjectKind::Type
        } else if c.eat("domain") {
            ObjectKind::Domain
        } else if c.eat("schema") {
            ObjectKind::Schema
        } else if c.eat("function") {
            ObjectKind::Function
        } else if c.eat("procedure") {
            ObjectKind::Procedure
        } else if c.eat("trigger") {
            ObjectKind::Trigger
        } else if c.eat("policy") {
            ObjectKind::Policy
        } else if c.eat("extension") {
            ObjectKind::Extension
        } else if c.eat_seq(&["foreign", "table"]) {
            ObjectKind::Other("FOREIGN TABLE")
        } else if c.eat_seq(&["event", "trigger"]) {
            ObjectKind::Other("EVENT TRIGGER")
        } else if c.eat("rule") {
            ObjectKind::Other("RULE")
        } else if c.eat("aggregate") {
            ObjectKind::Other("AGGREGATE")
        } else if c.eat("routine") {
            ObjectKind::Other("ROUTINE")
        } else if c.eat("collation") {
            ObjectKind::Other("COLLATION")
        } else if c.eat("publication") {
            ObjectKind::Other("PUBLICATION")
        } else {
            return;
        };
        let mut action = self.action(Kind::Drop(kind));
        let c = &mut self.c;
        action.flags.cascade = c.toks.last().is_some_and(|t| t.is("cascade"));
        if kind == ObjectKind::Index && c.eat("concurrently") {
            action.flags.concurrently = true;
        }
        action.insert_at = Some(c.here());
        action.flags.if_exists = c.eat_seq(&["if", "exists"]);
        action.name = c.name();
        if !matches!(kind, ObjectKind::Function | ObjectKind::Procedure) {
            while c.peek().is_some_and(|t| t.is_punct(&Token::Comma)) {
                c.i += 1;
                let Some(name) = c.name() else { break };
                action.more_names.push(name);
            }
        }
        if matches!(
            kind,
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Other("RULE")
        ) && c.eat("on")
        {
            action.table = c.name();
        }
        if kind == ObjectKind::Table {
            action.table = action.name.clone();
        }
        self.out.push(action);
    }

    fn reindex(&mut self) {
        let c = &mut self.c;
        if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
            // `REINDEX (VERBOSE, TABLESPACE x) ...`
            c.i += 1;
            c.seek_close();
        }
        let kind = if c.eat("index") {
            ObjectKind::Index
        } else if c.eat("table") {
            ObjectKind::Table
        } else if c.eat("schema") {
            ObjectKind::Schema
        } else if c.eat("database") {
            ObjectKind::Other("DATABASE")
        } else if c.eat("system") {
            ObjectKind::Other("SYSTEM")
        } else {
            return;
        };
        let mut action = self.action(Kind::Reindex(kind));
        let c = &mut self.c;
        action.insert_at = Some(c.here());
        action.flags.concurrently = c.eat("concurrently");
        action.name = c.name();
        if kind == ObjectKind::Table {
            action.table = action.name.clone();
        }
        self.out.push(action);
    }

    fn insert(&mut self) {
        let c = &mut self.c;
        if !c.eat("into") {
            return;
        }
        let table = c.name();
        let rest = &c.toks[c.i..];
        let on_conflict = rest
            .windows(2)
            .any(|w| w[0].is("on") && w[1].is("conflict"));
        // `INSERT ... SELECT ... WHERE NOT EXISTS (SELECT ...)` inserts only missing rows.
        let not_exists = rest.windows(2).any(|w| w[0].is("not") && w[1].is("exists"));
        let mut action = self.action(Kind::Insert {
            on_conflict,
            not_exists,
        });
        action.table = table.clone();
        action.name = table;
        self.out.push(action);
    }
}
