//! `CREATE ...`: the object kind, its name (and table, for indexes, triggers and policies), the
//! `OR REPLACE` / `IF NOT EXISTS` / `CONCURRENTLY` clauses and where a missing one goes, and the
//! `... CONCURRENTLY` statements in a routine's body ([`super::body`]).

use super::alter_table::referenced;
use super::body::concurrently_in_body;
use super::reader::Reader;
use super::{Action, Flags, Kind};

impl Reader<'_, '_, '_> {
    /// `CREATE ...`, the cursor after `CREATE`.
    pub(super) fn create(&mut self) {
        let mut flags = Flags {
            or_replace: self.c.eat_seq(&["or", "replace"]),
            ..Flags::default()
        };
        let or_replace_at = self.c.here();
        flags.temporary = self.create_modifiers();
        let Some(kind) = self.created_kind() else {
            return;
        };
        let mut action = self.action(kind.clone());
        let c = &mut self.c;
        if matches!(kind, Kind::CreateIndex) && c.eat("concurrently") {
            action.flags.concurrently = true;
        }
        let if_at = c.here();
        if c.eat_seq(&["if", "not", "exists"]) {
            flags.if_not_exists = true;
        }
        action.flags = Flags {
            concurrently: action.flags.concurrently,
            ..flags
        };
        action.insert_at = Some(if kind.or_replace_clause() {
            or_replace_at
        } else {
            if_at
        });
        self.created_names(&mut action);
        if matches!(kind, Kind::CreateTable) {
            action.table = action.name.clone();
            action.referenced = referenced(&self.c.toks[self.c.i..]);
        }
        if matches!(kind, Kind::CreateFunction) {
            // The body is a string token: these words are the function's own attributes.
            let rest = &self.c.toks[self.c.i..];
            action.flags.not_volatile = rest.iter().any(|t| t.is("immutable") || t.is("stable"));
        }
        if matches!(kind, Kind::CreateFunction | Kind::CreateProcedure) {
            let procedure = kind == Kind::CreateProcedure;
            for mut inner in concurrently_in_body(self.c.toks, procedure) {
                inner.statement = self.statement.clone();
                inner.name = action.name.clone();
                self.out.push(inner);
            }
        }
        self.out.push(action);
    }

    /// Skip the modifiers between `CREATE [OR REPLACE]` and the object kind; whether one of them
    /// is `TEMP` / `TEMPORARY`.
    fn create_modifiers(&mut self) -> bool {
        let c = &mut self.c;
        let mut temporary = false;
        loop {
            if c.eat("temp") || c.eat("temporary") {
                temporary = true;
                continue;
            }
            let modifier = [
                "unique",
                "global",
                "local",
                "unlogged",
                "recursive",
                "constraint",
            ]
            .iter()
            .chain(&["trusted", "procedural"])
            .any(|k| c.eat(k));
            if !modifier {
                return temporary;
            }
        }
    }

    /// The kind of object created (the cursor after it), if one the rules read.
    fn created_kind(&mut self) -> Option<Kind> {
        let c = &mut self.c;
        let kw = c
            .peek()
            .and_then(|t| t.word())
            .map(str::to_ascii_lowercase)?;
        c.i += 1;
        let kind = match kw.as_str() {
            "table" => Kind::CreateTable,
            "index" => Kind::CreateIndex,
            "schema" => Kind::CreateSchema,
            "extension" => Kind::CreateExtension,
            "sequence" => Kind::CreateSequence,
            "materialized" if c.eat("view") => Kind::CreateMaterializedView,
            "view" => Kind::CreateView,
            "function" => Kind::CreateFunction,
            "procedure" => Kind::CreateProcedure,
            "aggregate" => Kind::CreateAggregate,
            "trigger" => Kind::CreateTrigger,
            "event" if c.eat("trigger") => Kind::CreateEventTrigger,
            "policy" => Kind::CreatePolicy,
            "type" => Kind::CreateType,
            "domain" => Kind::CreateDomain,
            _ => return None,
        };
        Some(kind)
    }

    /// The created object's name, and the table of an index, trigger or policy.
    fn created_names(&mut self, action: &mut Action) {
        let c = &mut self.c;
        match action.kind {
            Kind::CreateIndex => {
                if !c.at("on") {
                    action.name = c.name();
                } else {
                    action.insert_at = None;
                }
                if c.seek("on") {
                    c.i += 1;
                    action.flags.only = c.eat("only");
                    action.table = c.name();
                }
            }
            Kind::CreateSchema => {
                c.eat("authorization");
                action.name = c.name();
            }
            Kind::CreateTrigger | Kind::CreatePolicy => {
                action.name = c.name();
                if c.seek("on") {
                    c.i += 1;
                    action.table = c.name();
                }
            }
            _ => action.name = c.name(),
        }
    }
}
