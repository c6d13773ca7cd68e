//! Statements that lock or rewrite tables without changing the schema — `VACUUM FULL`,
//! `CLUSTER`, `LOCK TABLE`, `TRUNCATE` — and the `SET lock_timeout` that bounds how long a
//! migration waits for a lock (also written `SELECT set_config('lock_timeout', ...)`).

use sqlparser::tokenizer::Token;

use super::reader::Reader;
use super::{Kind, LockMode, Name};

impl Reader<'_, '_, '_> {
    /// `VACUUM [FULL] ... [table, ...]` or `VACUUM (FULL [true], ...) [table, ...]`, the cursor
    /// after `VACUUM`: an action only for `FULL`.
    pub(super) fn vacuum(&mut self) {
        let c = &mut self.c;
        let mut full = false;
        if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
            c.i += 1;
            let start = c.i;
            c.seek_close();
            let options = &c.toks[start..c.i.saturating_sub(1)];
            full = options.iter().enumerate().any(|(k, t)| {
                t.is("full")
                    && !options
                        .get(k + 1)
                        .is_some_and(|v| v.is("false") || v.is("off") || v.token.to_string() == "0")
            });
        }
        while let Some(t) = c.peek() {
            if t.is("full") {
                full = true;
            } else if !["freeze", "verbose", "analyze", "analyse"]
                .iter()
                .any(|k| t.is(k))
            {
                break;
            }
            c.i += 1;
        }
        if !full {
            return;
        }
        let names = self.names();
        self.push_on_tables(Kind::VacuumFull, names);
    }

    /// `CLUSTER [VERBOSE] [table [USING index]]`, `CLUSTER (VERBOSE) table` or the old
    /// `CLUSTER index ON table`.
    pub(super) fn cluster(&mut self) {
        let c = &mut self.c;
        if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
            c.i += 1;
            c.seek_close();
        }
        c.eat("verbose");
        let first = c.name();
        let table = if c.eat("on") { c.name() } else { first };
        self.push_on_tables(Kind::Cluster, table.into_iter().collect());
    }

    /// `LOCK [TABLE] [ONLY] name [*], ... [IN mode MODE] [NOWAIT]`.
    pub(super) fn lock(&mut self) {
        self.c.eat("table");
        let names = self.names();
        let c = &mut self.c;
        let mut mode = LockMode::AccessExclusive;
        if c.eat("in") {
            let words: Vec<String> = c.toks[c.i..]
                .iter()
                .take_while(|t| !t.is("mode"))
                .filter_map(|t| t.word().map(str::to_ascii_lowercase))
                .collect();
            mode = match words.join(" ").as_str() {
                "access share" => LockMode::AccessShare,
                "row share" => LockMode::RowShare,
                "row exclusive" => LockMode::RowExclusive,
                "share update exclusive" => LockMode::ShareUpdateExclusive,
                "share" => LockMode::Share,
                "share row exclusive" => LockMode::ShareRowExclusive,
                "exclusive" => LockMode::Exclusive,
                _ => LockMode::AccessExclusive,
            };
        }
        self.push_on_tables(Kind::LockTable(mode), names);
    }

    /// `TRUNCATE [TABLE] [ONLY] name [*], ... [RESTART IDENTITY] [CASCADE]`.
    pub(super) fn truncate(&mut self) {
        self.c.eat("table");
        let names = self.names();
        self.push_on_tables(Kind::Truncate, names);
    }

    /// `SET [SESSION | LOCAL] lock_timeout {TO | =} value`, the cursor after `SET`.
    pub(super) fn set(&mut self) {
        let c = &mut self.c;
        if !c.eat("session") {
            c.eat("local");
        }
        if !c.eat("lock_timeout") {
            return;
        }
        if !c.eat("to") && c.peek().is_some_and(|t| t.is_punct(&Token::Eq)) {
            c.i += 1;
        }
        let value = c
            .peek()
            .map(|t| t.string().map_or(t.token.to_string(), str::to_string));
        let disables = value.is_some_and(|v| zero_duration(&v));
        self.out
            .push(self.action(Kind::SetLockTimeout { disables }));
    }

    /// `SELECT set_config('lock_timeout', value, is_local)`, the cursor after `SELECT`.
    pub(super) fn select(&mut self) {
        let c = &mut self.c;
        if !(c.eat("set_config") && c.peek().is_some_and(|t| t.is_punct(&Token::LParen))) {
            return;
        }
        c.i += 1;
        let is_lock_timeout = c
            .peek()
            .and_then(|t| t.string())
            .is_some_and(|s| s.eq_ignore_ascii_case("lock_timeout"));
        if !is_lock_timeout {
            return;
        }
        let value = c.peek_at(2).and_then(|t| t.string()).unwrap_or("");
        let disables = zero_duration(value);
        self.out
            .push(self.action(Kind::SetLockTimeout { disables }));
    }

    /// Comma-separated table names (`ONLY` and a trailing `*` skipped).
    fn names(&mut self) -> Vec<Name> {
        let c = &mut self.c;
        let mut names = Vec::new();
        loop {
            c.eat("only");
            let Some(name) = c.name() else { break };
            names.push(name);
            if c.peek().is_some_and(|t| t.is_punct(&Token::Mul)) {
                c.i += 1;
            }
            if c.peek().is_some_and(|t| t.is_punct(&Token::Comma)) {
                c.i += 1;
            } else {
                break;
            }
        }
        names
    }

    /// One action of `kind` on the first of `names` (the table), the others in `more_names`.
    fn push_on_tables(&mut self, kind: Kind, mut names: Vec<Name>) {
        let mut action = self.action(kind);
        if !names.is_empty() {
            let first = names.remove(0);
            action.table = Some(first.clone());
            action.name = Some(first);
            action.more_names = names;
        }
        self.out.push(action);
    }
}

/// Whether a `lock_timeout` value is zero (no timeout): `0`, `'0'`, `'0s'`, `0ms`.
pub(super) fn zero_duration(value: &str) -> bool {
    let digits: String = value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    !digits.is_empty() && digits.parse::<f64>().is_ok_and(|n| n == 0.0)
}
