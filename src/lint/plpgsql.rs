//! `DO` bodies read as PL/pgSQL.
//!
//! A small recursive reader over sqlparser tokens: blocks (`[DECLARE] BEGIN ... [EXCEPTION WHEN
//! ... THEN ...] END`), `IF / ELSIF / ELSE / END IF`, loops, `CASE`, `EXECUTE '<literal>'` (the
//! literal is read as SQL, spans mapped into the file), `PERFORM`, assignments and embedded SQL
//! statements. Embedded statements become actions like top-level ones, each carrying the guards
//! around it: the catalog lookup of an `IF [NOT] EXISTS (...)` condition (its string literals),
//! or the conditions of an `EXCEPTION WHEN` handler. Judging whether a guard protects an action
//! is the rules' job; this module only records them.

use std::collections::HashMap;

use sqlparser::tokenizer::Token;

use super::action::{Action, Cursor, Guard, Kind, Parsed};
use super::statement::{self, FileState};
use crate::sql::split;
use crate::sql::tokens::{Tok, Tokens};

/// Read the body of a DO statement (its string token) and append the actions inside it.
/// `Err` says why the body was not understood completely (actions found so far are kept).
pub fn read_do(state: &mut FileState, body: &Tok, out: &mut Vec<Action>) -> Result<(), String> {
    let Some(value) = body.string() else {
        return Err("DO without a body".to_string());
    };
    let (base, exact) = literal_base(body, state.text, value);
    let tokens = match Tokens::new(value, base) {
        Ok(tokens) => tokens,
        Err(message) => return Err(format!("could not tokenize the DO body: {message}")),
    };
    let first_new = out.len();
    let significant = tokens.significant();
    let mut reader = Reader {
        c: Cursor::new(&significant),
        tokens: &tokens,
        state,
        out,
        guards: Vec::new(),
        problem: None,
        found_names: None,
        variables: HashMap::new(),
    };
    reader.block();
    if reader
        .c
        .peek()
        .is_some_and(|t| !t.is_punct(&Token::SemiColon))
    {
        reader.problem("text after the END of the DO body");
    }
    let problem = reader.problem.take();
    for action in &mut out[first_new..] {
        action.nested = true;
        action.in_transaction = true;
        if !exact {
            blur(action, body.range());
        }
    }
    match problem {
        None => Ok(()),
        Some(problem) => Err(problem),
    }
}

/// Where the content of a string literal starts in the file, and whether offsets inside the
/// value map one to one onto the file (no escapes were removed).
pub fn literal_base(tok: &Tok, text: &str, value: &str) -> (usize, bool) {
    let raw = text.get(tok.range()).unwrap_or("");
    let (prefix, suffix) = match tok.token {
        Token::DollarQuotedString(d) => {
            let quote = d.tag.as_ref().map_or(0, |t| t.len()) + 2;
            (quote, quote)
        }
        Token::EscapedStringLiteral(_) | Token::NationalStringLiteral(_) => (2, 1),
        Token::UnicodeStringLiteral(_) => (3, 1),
        _ => (1, 1),
    };
    let exact = raw.len() == prefix + value.len() + suffix
        && raw.get(prefix..prefix + value.len()) == Some(value);
    (tok.span.0 + prefix, exact)
}

/// Point an action found in an escaped literal at the whole literal: offsets inside it are not
/// exact, so no in-place fix is offered.
fn blur(action: &mut Action, span: std::ops::Range<usize>) {
    action.span = span.clone();
    action.statement = span.clone();
    action.append_at = span.end;
    action.insert_at = None;
    action.exact = false;
}

/// Words that make a condition a catalog lookup.
fn is_catalog_word(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    w.starts_with("pg_")
        || w == "information_schema"
        || w.starts_with("to_reg")
        || matches!(
            w.as_str(),
            "regclass" | "regtype" | "regnamespace" | "regproc" | "regprocedure"
        )
}

/// The string literals of a condition, lower-cased, each dotted part on its own too.
fn literal_names(toks: &[Tok]) -> Vec<String> {
    let mut names = Vec::new();
    for tok in toks {
        let Some(value) = tok.string() else { continue };
        // As an identifier (quotes resolved) and as written (an enum label is not one).
        names.extend(name_parts(value));
        names.push(value.to_lowercase().trim_matches('"').to_string());
    }
    names
}

/// The dotted parts of a name written in a string literal (`'public.deals'`,
/// `'"my schema"."a""b"'`) as PostgreSQL reads them — a dot inside double quotes is part of the
/// name, the quotes go and `""` is one `"` — lower-cased for comparing.
fn name_parts(value: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                part.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part).to_lowercase()),
            _ => part.push(c),
        }
    }
    parts.push(part.to_lowercase());
    parts
}

/// What a catalog query looks up: its string literals, and those compared with a table column.
#[derive(Debug, Clone)]
struct Lookup {
    names: Vec<String>,
    tables: Vec<String>,
}

/// Catalog columns that hold (or point at) the table an object belongs to.
const TABLE_COLUMNS: &[&str] = &[
    "table_name",
    "tablename",
    "event_object_table",
    "conrelid",
    "attrelid",
    "tgrelid",
    "indrelid",
    "polrelid",
];

/// The literals compared with a table column (`table_name = 'deals'`,
/// `conrelid = 'public.deals'::regclass`), lower-cased, without schema.
fn table_literals(toks: &[Tok]) -> Vec<String> {
    let is_table_column = |t: &Tok| {
        t.word()
            .is_some_and(|w| TABLE_COLUMNS.iter().any(|c| w.eq_ignore_ascii_case(c)))
    };
    let mut tables = Vec::new();
    // There `table_name` is the table of a column the constraint uses: for a foreign key, the
    // referenced table.
    if toks.iter().any(|t| t.is("constraint_column_usage")) {
        return tables;
    }
    for (k, t) in toks.iter().enumerate() {
        if !t.is_punct(&Token::Eq) || k == 0 {
            continue;
        }
        let (left, right) = (&toks[k - 1], toks.get(k + 1));
        let literal = match right {
            Some(r) if is_table_column(left) => r.string(),
            Some(r) if is_table_column(r) => left.string(),
            _ => None,
        };
        if let Some(table) = literal.and_then(|value| name_parts(value).pop()) {
            tables.push(table);
        }
    }
    tables
}

struct Reader<'t, 'a, 's, 'f> {
    c: Cursor<'t, 'a>,
    tokens: &'a Tokens,
    state: &'s mut FileState<'f>,
    out: &'s mut Vec<Action>,
    guards: Vec<Guard>,
    problem: Option<String>,
    /// The names looked up by the last catalog query (`PERFORM ... FROM pg_...`), for `FOUND`.
    found_names: Option<Lookup>,
    /// Variables assigned from catalog queries, and the names those queries looked up.
    variables: HashMap<String, Lookup>,
}

impl Reader<'_, '_, '_, '_> {
    fn problem(&mut self, what: &str) {
        if self.problem.is_none() {
            self.problem = Some(what.to_string());
        }
    }

    fn at_punct(&self, token: &Token) -> bool {
        self.c.peek().is_some_and(|t| t.is_punct(token))
    }

    /// Skip a `<<label>>`.
    fn label(&mut self) {
        if self.at_punct(&Token::ShiftLeft) {
            self.c.i += 1;
            self.c.i += 1;
            if self.at_punct(&Token::ShiftRight) {
                self.c.i += 1;
            }
        }
    }

    /// Index of the next depth-0 `;` (or the end).
    fn statement_end(&self) -> usize {
        let mut depth = 0usize;
        let mut i = self.c.i;
        while let Some(t) = self.c.toks.get(i) {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                Token::SemiColon if depth == 0 => return i,
                _ => {}
            }
            i += 1;
        }
        i
    }

    fn skip_statement(&mut self) {
        self.c.i = self.statement_end();
        self.eat_semicolon();
    }

    fn eat_semicolon(&mut self) {
        if self.at_punct(&Token::SemiColon) {
            self.c.i += 1;
        }
    }

    /// `[<<label>>] [DECLARE ...] BEGIN stmts [EXCEPTION handlers] END [label]`
    fn block(&mut self) {
        self.label();
        if self.c.eat("declare") {
            // Declarations run to BEGIN; their default expressions hold no DDL.
            while self.c.peek().is_some() && !self.c.at("begin") {
                self.c.i += 1;
            }
        }
        if !self.c.eat("begin") {
            self.problem("a PL/pgSQL block must start with BEGIN");
            self.c.i = self.c.toks.len();
            return;
        }
        let first_new = self.out.len();
        self.statements(&["end", "exception"]);
        if self.c.eat("exception") {
            let body_end = self.out.len();
            let mut conditions = Vec::new();
            while self.c.eat("when") {
                while let Some(t) = self.c.peek() {
                    if t.is("then") {
                        self.c.i += 1;
                        break;
                    }
                    if t.is("others") {
                        let mut action = Action::new(Kind::HandlerOthers, t.range(), t.range());
                        action.guards = self.guards.clone();
                        self.out.push(action);
                    }
                    if t.is("sqlstate") {
                        self.c.i += 1;
                        if let Some(code) = self.c.peek().and_then(|t| t.string()) {
                            conditions.push(sqlstate_name(code).to_string());
                        }
                    } else if let Some(w) = t.word() {
                        if !t.is("or") {
                            conditions.push(w.to_ascii_lowercase());
                        }
                    }
                    self.c.i += 1;
                }
                self.statements(&["when", "end"]);
            }
            for action in &mut self.out[first_new..body_end] {
                action.guards.push(Guard::Handler {
                    conditions: conditions.clone(),
                });
            }
        }
        if !self.c.eat("end") {
            self.problem("a PL/pgSQL block must end with END");
            self.c.i = self.c.toks.len();
            return;
        }
        // An optional label, then `;` (absent at the very end of a DO body).
        if self.c.peek().is_some_and(|t| t.word().is_some()) {
            self.c.i += 1;
        }
        self.eat_semicolon();
    }

    /// Statements until one of `terminators` (not consumed) or the end of the tokens.
    fn statements(&mut self, terminators: &[&str]) {
        while let Some(t) = self.c.peek() {
            if terminators.iter().any(|k| t.is(k)) {
                // `END IF` / `END LOOP` inside cannot reach here: nested readers consume them.
                return;
            }
            let before = self.c.i;
            self.statement();
            if self.c.i == before {
                self.c.i += 1;
            }
        }
    }

    fn statement(&mut self) {
        self.label();
        let Some(t) = self.c.peek() else { return };
        let word = t.word().map(str::to_ascii_lowercase).unwrap_or_default();
        match word.as_str() {
            "begin" | "declare" => self.block(),
            "if" => self.if_statement(),
            "case" => self.case_statement(),
            "loop" | "while" | "for" | "foreach" => self.loop_statement(),
            "execute" => self.execute(),
            "perform" => {
                let end = self.statement_end();
                let lookup = self.catalog_lookup(self.c.i, end);
                if lookup.is_some() {
                    self.found_names = lookup;
                }
                self.skip_statement();
            }
            "select" if self.has_into() => {
                let end = self.statement_end();
                if let Some(lookup) = self.catalog_lookup(self.c.i, end) {
                    if let Some(var) = self.variable_after_into(end) {
                        self.variables.insert(var, lookup.clone());
                    }
                    self.found_names = Some(lookup);
                }
                self.skip_statement();
            }
            "raise" | "return" | "null" | "get" | "assert" | "open" | "close" | "fetch"
            | "move" | "exit" | "continue" | "commit" | "rollback" | "call" => {
                self.skip_statement()
            }
            _ if self.is_assignment() => {
                let end = self.statement_end();
                let lookup = self.catalog_lookup(self.c.i, end);
                if let (Some(lookup), Some(var)) = (lookup, t.ident()) {
                    self.variables.insert(var, lookup);
                }
                self.skip_statement();
            }
            _ => self.sql_statement(),
        }
    }

    fn is_assignment(&self) -> bool {
        let mut k = 1;
        // `var := ...`, `var = ...`, `rec.field := ...`, `arr[1] := ...`
        while let Some(t) = self.c.peek_at(k) {
            match t.token {
                Token::Assignment | Token::Eq => return true,
                Token::Colon
                    if self
                        .c
                        .peek_at(k + 1)
                        .is_some_and(|n| n.is_punct(&Token::Eq)) =>
                {
                    return true
                }
                Token::Period | Token::Word(_) if k < 3 => k += 1,
                _ => return false,
            }
        }
        false
    }

    fn has_into(&self) -> bool {
        let end = self.statement_end();
        self.c.toks[self.c.i..end].iter().any(|t| t.is("into"))
    }

    fn variable_after_into(&self, end: usize) -> Option<String> {
        let toks = &self.c.toks[self.c.i..end];
        let at = toks.iter().position(|t| t.is("into"))?;
        let mut k = at + 1;
        if toks.get(k).is_some_and(|t| t.is("strict")) {
            k += 1;
        }
        toks.get(k).and_then(|t| t.ident())
    }

    /// What tokens `from..to` look up, if they look up the catalog.
    fn catalog_lookup(&self, from: usize, to: usize) -> Option<Lookup> {
        let toks = &self.c.toks[from..to];
        let catalog = toks.iter().any(|t| t.word().is_some_and(is_catalog_word));
        catalog.then(|| Lookup {
            names: literal_names(toks),
            tables: table_literals(toks),
        })
    }

    fn new_guard_id(&mut self) -> usize {
        self.state.next_guard += 1;
        self.state.next_guard
    }

    /// The guard an `IF` condition (tokens `from..to`) sets up.
    fn guard(&mut self, from: usize, to: usize) -> Guard {
        let toks = &self.c.toks[from..to];
        let mut lookup = self.catalog_lookup(from, to);
        if lookup.is_none() {
            if toks.iter().any(|t| t.is("found")) {
                lookup = self.found_names.clone();
            } else {
                lookup = toks
                    .iter()
                    .filter_map(|t| t.ident())
                    .find_map(|w| self.variables.get(&w).cloned());
            }
        }
        let Some(Lookup { names, tables }) = lookup else {
            // `IF [NOT] EXISTS (SELECT ... FROM <a table>)`: a lookup of rows, not of objects.
            let negated = toks.first().is_some_and(|t| t.is("not"));
            let exists = toks
                .get(usize::from(negated))
                .is_some_and(|t| t.is("exists"));
            return if exists {
                Guard::Rows { absent: negated }
            } else {
                Guard::Plain
            };
        };
        let starts_negated = toks.first().is_some_and(|t| t.is("not"));
        let mut absent_hint = starts_negated;
        let mut present_hint = false;
        for (k, t) in toks.iter().enumerate() {
            let next = toks.get(k + 1);
            let next2 = toks.get(k + 2);
            if t.is("is") && next.is_some_and(|n| n.is("null")) {
                absent_hint = true;
            }
            if t.is("is")
                && next.is_some_and(|n| n.is("not"))
                && next2.is_some_and(|n| n.is("null"))
            {
                present_hint = true;
            }
            if t.is_punct(&Token::Eq)
                && next.is_some_and(|n| matches!(n.token, Token::Number(v, _) if v == "0"))
            {
                absent_hint = true;
            }
        }
        let absent = match (absent_hint, present_hint) {
            (true, false) => Some(true),
            (false, _) => Some(false),
            (true, true) => None,
        };
        Guard::Catalog {
            absent,
            names,
            tables,
            id: self.new_guard_id(),
        }
    }

    /// Read a condition up to THEN (consumed); return its guard.
    fn condition(&mut self) -> Guard {
        let from = self.c.i;
        if !self.c.seek("then") {
            self.problem("IF without THEN");
            return Guard::Plain;
        }
        let to = self.c.i;
        self.c.i += 1;
        self.guard(from, to)
    }

    fn if_statement(&mut self) {
        self.c.i += 1; // IF
        let guard = self.condition();
        let mut previous = vec![guard.clone()];
        self.guards.push(guard);
        self.statements(&["elsif", "elseif", "else", "end"]);
        self.guards.pop();
        loop {
            if self.c.eat("elsif") || self.c.eat("elseif") {
                let guard = self.condition();
                previous.push(guard.clone());
                self.guards.push(guard);
                self.statements(&["elsif", "elseif", "else", "end"]);
                self.guards.pop();
            } else if self.c.eat("else") {
                // The ELSE branch runs when the first condition did not hold.
                let flipped = match &previous[0] {
                    Guard::Catalog {
                        absent,
                        names,
                        tables,
                        ..
                    } => Guard::Catalog {
                        absent: absent.map(|a| !a),
                        names: names.clone(),
                        tables: tables.clone(),
                        id: self.new_guard_id(),
                    },
                    Guard::Rows { absent } => Guard::Rows { absent: !absent },
                    other => other.clone(),
                };
                self.guards.push(flipped);
                self.statements(&["end"]);
                self.guards.pop();
            } else {
                break;
            }
        }
        if !self.c.eat_seq(&["end", "if"]) {
            self.problem("IF without END IF");
            self.c.i = self.c.toks.len();
            return;
        }
        self.eat_semicolon();
    }

    fn case_statement(&mut self) {
        self.c.i += 1; // CASE
        if !self.c.seek("when") {
            self.problem("CASE without WHEN");
            return;
        }
        while self.c.eat("when") {
            if !self.c.seek("then") {
                self.problem("WHEN without THEN");
                return;
            }
            self.c.i += 1;
            self.guards.push(Guard::Plain);
            self.statements(&["when", "else", "end"]);
            self.guards.pop();
        }
        if self.c.eat("else") {
            self.guards.push(Guard::Plain);
            self.statements(&["end"]);
            self.guards.pop();
        }
        if !self.c.eat_seq(&["end", "case"]) {
            self.problem("CASE without END CASE");
            self.c.i = self.c.toks.len();
            return;
        }
        self.eat_semicolon();
    }

    fn loop_statement(&mut self) {
        if !self.c.seek("loop") {
            self.problem("a loop without LOOP");
            return;
        }
        self.c.i += 1;
        self.guards.push(Guard::Plain);
        self.statements(&["end"]);
        self.guards.pop();
        if !self.c.eat_seq(&["end", "loop"]) {
            self.problem("LOOP without END LOOP");
            self.c.i = self.c.toks.len();
            return;
        }
        if self.c.peek().is_some_and(|t| t.word().is_some()) {
            self.c.i += 1;
        }
        self.eat_semicolon();
    }

    /// `EXECUTE '<literal>' [INTO ...] [USING ...];`: the literal is SQL.
    fn execute(&mut self) {
        self.c.i += 1;
        let end = self.statement_end();
        let literal = self.c.peek().copied().filter(|t| t.string().is_some());
        let plain = literal.is_some()
            && self
                .c
                .peek_at(1)
                .is_none_or(|t| t.is_punct(&Token::SemiColon) || t.is("into") || t.is("using"));
        match literal {
            Some(literal) if plain => self.literal_sql(&literal),
            _ => self.problem("dynamic SQL in EXECUTE"),
        }
        self.c.i = end;
        self.eat_semicolon();
    }

    fn literal_sql(&mut self, literal: &Tok) {
        let Some(value) = literal.string() else {
            return;
        };
        let (base, exact) = literal_base(literal, self.state.text, value);
        for piece in split::split(value) {
            if piece.kind != split::PieceKind::Statement {
                self.problem("a psql command inside EXECUTE");
                continue;
            }
            let text = &value[piece.span.clone()];
            let offset = if exact { base + piece.span.start } else { 0 };
            let tokens = match Tokens::new(text, offset) {
                Ok(tokens) => tokens,
                Err(_) => {
                    self.problem("could not tokenize the EXECUTE literal");
                    continue;
                }
            };
            let first_new = self.out.len();
            let understood = statement::understand(self.state, tokens, false, self.out);
            if understood.parsed != Parsed::Fully {
                self.problem(understood.reason.as_deref().unwrap_or("EXECUTE literal"));
            }
            for action in &mut self.out[first_new..] {
                action.guards.splice(0..0, self.guards.iter().cloned());
                if !exact {
                    blur(action, literal.range());
                }
            }
        }
    }

    /// An SQL statement embedded in the body, up to its `;`.
    fn sql_statement(&mut self) {
        let from = self.c.i;
        let end = self.statement_end();
        if end == from {
            return;
        }
        let toks = self.c.toks;
        // PL/pgSQL's `... RETURNING x INTO var` / `SELECT ... INTO var`: not SQL, left out of
        // what the parser sees.
        let skipped = into_clause(&toks[from..end]);
        let first = toks[from].index;
        let last = toks[end - 1].index;
        let keep = |index: &usize| !skipped.contains(index);
        let tokens = Tokens {
            all: (first..=last)
                .filter(keep)
                .map(|i| self.tokens.all[i].clone())
                .collect(),
            spans: (first..=last)
                .filter(keep)
                .map(|i| self.tokens.spans[i])
                .collect(),
        };
        let first_new = self.out.len();
        let understood = statement::understand(self.state, tokens, false, self.out);
        if understood.parsed != Parsed::Fully {
            self.problem(
                understood
                    .reason
                    .as_deref()
                    .unwrap_or("statement in DO body"),
            );
        }
        for action in &mut self.out[first_new..] {
            action.guards.splice(0..0, self.guards.iter().cloned());
        }
        self.c.i = end;
        self.eat_semicolon();
    }
}

/// The token indices (into `Tokens::all`) of a PL/pgSQL `INTO [STRICT] target [, target]`
/// clause in a DML statement: an INTO at depth 0 that is not `INSERT INTO` / `MERGE INTO`.
fn into_clause(toks: &[Tok]) -> Vec<usize> {
    let dml = toks.first().is_some_and(|t| {
        ["insert", "update", "delete", "with", "select", "merge"]
            .iter()
            .any(|k| t.is(k))
    });
    if !dml {
        return Vec::new();
    }
    let mut skipped = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < toks.len() {
        let t = &toks[k];
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        let after_insert = k > 0 && (toks[k - 1].is("insert") || toks[k - 1].is("merge"));
        if depth == 0 && t.is("into") && !after_insert {
            skipped.push(t.index);
            k += 1;
            if toks.get(k).is_some_and(|t| t.is("strict")) {
                skipped.push(toks[k].index);
                k += 1;
            }
            // target [, target]...: words joined by dots, separated by commas
            while let Some(t) = toks.get(k) {
                let joins = t.is_punct(&Token::Period) || t.is_punct(&Token::Comma);
                if t.word().is_none() && !joins {
                    break;
                }
                let keyword = [
                    "from",
                    "where",
                    "returning",
                    "on",
                    "group",
                    "order",
                    "limit",
                ];
                if keyword.iter().any(|w| t.is(w)) {
                    break;
                }
                skipped.push(t.index);
                k += 1;
            }
            continue;
        }
        k += 1;
    }
    skipped
}

/// The condition name of an SQLSTATE code used in `WHEN SQLSTATE '...'`.
fn sqlstate_name(code: &str) -> &str {
    match code {
        "42710" => "duplicate_object",
        "42701" => "duplicate_column",
        "42P07" => "duplicate_table",
        "42P06" => "duplicate_schema",
        "42723" => "duplicate_function",
        "42704" => "undefined_object",
        "42P01" => "undefined_table",
        "42703" => "undefined_column",
        "42883" => "undefined_function",
        "23505" => "unique_violation",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::action::Guard;

    fn read(text: &str) -> (Result<(), String>, Vec<Action>) {
        let mut state = FileState::new(text);
        let mut out = Vec::new();
        let understood = statement::top_level(&mut state, 0..text.len(), &mut out);
        let result = match understood.reason {
            None => Ok(()),
            Some(reason) => Err(reason),
        };
        (result, out)
    }

    #[test]
    fn guarded_add_column_records_the_guard() {
        let text = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'closing_date') THEN\n    ALTER TABLE deals ADD COLUMN announced_date date;\n  END IF;\nEND $$;";
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        assert_eq!(actions.len(), 1);
        let action = &actions[0];
        assert_eq!(&text[action.span.clone()], "ADD COLUMN announced_date date");
        let Guard::Catalog { absent, names, .. } = &action.guards[0] else {
            panic!("{:?}", action.guards)
        };
        assert_eq!(*absent, Some(true));
        assert!(names.contains(&"closing_date".to_string()));
    }

    #[test]
    fn quoted_names_in_guard_literals_are_read_as_postgresql_reads_them() {
        assert_eq!(name_parts("public.deals"), ["public", "deals"]);
        assert_eq!(name_parts(r#""my schema"."a""b""#), ["my schema", r#"a"b"#]);
        assert_eq!(name_parts(r#""a.b""#), ["a.b"]);
        let text = r#"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'ck it''s' AND conrelid = '"my schema"."a""b"'::regclass) THEN ALTER TABLE "my schema"."a""b" ADD CONSTRAINT "ck it's" CHECK (x > 0) NOT VALID; END IF; END $$;"#;
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        let Guard::Catalog { tables, names, .. } = &actions[0].guards[0] else {
            panic!("{:?}", actions[0].guards)
        };
        assert_eq!(tables, &[r#"a"b"#.to_string()]);
        assert!(names.contains(&"ck it's".to_string()), "{names:?}");
    }

    #[test]
    fn exception_handlers_cover_the_block_body() {
        let text = "DO $body$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $body$;";
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].guards,
            vec![Guard::Handler {
                conditions: vec!["duplicate_object".into()]
            }]
        );
        assert_eq!(
            &text[actions[0].span.clone()],
            "CREATE TYPE mood AS ENUM ('a')"
        );
    }

    #[test]
    fn execute_literal_is_read_as_sql_with_file_spans() {
        let text = "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN c int'; EXECUTE 'DROP TABLE \"it''s\"'; END $$;";
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        assert_eq!(actions.len(), 2);
        assert_eq!(&text[actions[0].span.clone()], "ADD COLUMN c int");
        assert!(actions[0].exact);
        assert!(!actions[1].exact);
        assert_eq!(&text[actions[1].span.clone()], "'DROP TABLE \"it''s\"'");
    }

    #[test]
    fn found_and_variables_after_catalog_queries() {
        let text = "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM pg_type WHERE typname = 'mood'; IF n = 0 THEN CREATE TYPE mood AS ENUM ('a'); END IF; PERFORM 1 FROM pg_constraint WHERE conname = 'fk'; IF NOT FOUND THEN ALTER TABLE t ADD CONSTRAINT fk CHECK (a > 0); END IF; END $$;";
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        for action in &actions {
            let Guard::Catalog { absent, names, .. } = &action.guards[0] else {
                panic!("{action:?}")
            };
            assert_eq!(*absent, Some(true));
            assert!(names.contains(&action.name_str().to_string()), "{names:?}");
        }
    }

    #[test]
    fn into_clauses_of_dml_are_plpgsql_not_sql() {
        let text = "DO $$ DECLARE v int; n int; BEGIN INSERT INTO t (a) VALUES (1) RETURNING id INTO v; WITH x AS (SELECT 1) SELECT count(*) INTO STRICT n FROM x; UPDATE t SET a = 2 WHERE id = v RETURNING a INTO n; END $$;";
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].kind,
            Kind::Insert {
                on_conflict: false,
                not_exists: false
            }
        );
    }

    #[test]
    fn labels_loops_nested_blocks_elsif_and_else() {
        let text = r#"DO LANGUAGE plpgsql $x$
<<main>>
DECLARE
    r record;
BEGIN
    FOR r IN SELECT 1 AS a LOOP
        RAISE NOTICE 'row %', r.a;
    END LOOP;
    <<inner>>
    BEGIN
        IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'old_mood') THEN
            DROP TYPE old_mood;
        ELSIF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
            CREATE TYPE mood AS ENUM ('a');
        ELSE
            ALTER TYPE mood ADD VALUE 'b';
        END IF;
    END inner;
END main $x$;"#;
        let (result, actions) = read(text);
        assert_eq!(result, Ok(()));
        let kinds: Vec<&Kind> = actions.iter().map(|a| &a.kind).collect();
        assert_eq!(
            kinds,
            [
                &Kind::Drop(crate::lint::action::ObjectKind::Type),
                &Kind::CreateType,
                &Kind::AddEnumValue
            ]
        );
        // The ELSE branch runs when the first condition did not hold: old_mood is absent.
        let Guard::Catalog { absent, names, .. } = &actions[2].guards[0] else {
            panic!("{:?}", actions[2].guards)
        };
        assert_eq!(*absent, Some(true));
        assert!(names.contains(&"old_mood".to_string()));
        assert!(actions.iter().all(|a| a.nested && a.in_transaction));
    }

    #[test]
    fn other_languages_and_broken_bodies_fall_back() {
        let (result, actions) = read("DO LANGUAGE plpython3u $$ print(1) $$;");
        assert!(result.is_err());
        assert!(actions.is_empty());
        let (result, _) = read("DO $$ BEGIN IF true THEN CREATE TABLE t (a int); END $$;");
        assert!(result.is_err());
    }

    #[test]
    fn dynamic_execute_is_not_fully_understood() {
        let (result, _) = read("DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'x'); END $$;");
        assert!(result.is_err());
    }
}
