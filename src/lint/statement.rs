//! Understanding one statement: tokenize it once, read its actions from the tokens, parse it with
//! sqlparser's PostgreSQL dialect, and hand `DO` bodies to the PL/pgSQL reader. When sqlparser
//! parses a top-level statement of a kind [`action::Locator`] converts, the statement's actions
//! are the tree's, replacing the token reader's.
//!
//! The result is the statement's actions (appended to a list) and how far it was understood:
//! fully (sqlparser parsed it, or a DO body was read completely), by the token-level fallback,
//! or not at all. It does not judge the actions: rules do.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::action::{self, Action, Parsed, Shape};
use super::plpgsql;
use crate::sql::tokens::{Tok, Tokens, DIALECT};

/// What the reader carries from one statement of a file to the next.
#[derive(Clone)]
pub struct FileState<'f> {
    pub text: &'f str,
    /// Counter for guard ids, unique within the file.
    pub next_guard: usize,
    /// Between a top-level BEGIN and its COMMIT/ROLLBACK, or in a file its runner wraps.
    pub in_transaction: bool,
    /// The runner runs the whole file in one transaction: BEGIN and COMMIT do not end it.
    pub wrapped: bool,
    /// The number of the transaction the statements run in (a new one per statement outside a
    /// transaction block).
    pub transaction: usize,
}

impl<'f> FileState<'f> {
    pub fn new(text: &'f str) -> Self {
        FileState {
            text,
            next_guard: 0,
            in_transaction: false,
            wrapped: false,
            transaction: 0,
        }
    }

    /// A top-level statement starts: outside a transaction block it is a transaction of its
    /// own.
    fn statement_starts(&mut self) {
        if !self.in_transaction {
            self.transaction += 1;
        }
    }

    /// Stamp `actions` with the transaction they run in.
    fn stamp(&self, actions: &mut [Action]) {
        for action in actions {
            action.in_transaction = self.in_transaction;
            action.transaction = self.transaction;
        }
    }

    /// A file its runner runs in one transaction.
    pub fn wrapped(text: &'f str) -> Self {
        FileState {
            in_transaction: true,
            wrapped: true,
            ..FileState::new(text)
        }
    }
}

/// How a statement was understood, and why not fully when it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understood {
    pub parsed: Parsed,
    pub reason: Option<String>,
}

impl Understood {
    fn fully() -> Self {
        Understood {
            parsed: Parsed::Fully,
            reason: None,
        }
    }

    fn not(parsed: Parsed, reason: impl Into<String>) -> Self {
        Understood {
            parsed,
            reason: Some(reason.into()),
        }
    }
}

/// Understand the statement at `span` of the file (a top-level statement).
pub fn top_level(state: &mut FileState, span: Range<usize>, out: &mut Vec<Action>) -> Understood {
    let text = state.text;
    let tokens = match Tokens::new(&text[span.clone()], span.start) {
        Ok(tokens) => tokens,
        Err(message) => {
            return Understood::not(Parsed::NotAtAll, format!("could not tokenize: {message}"))
        }
    };
    understand(state, tokens, true, out)
}

/// Understand a tokenized statement. `top` is false inside DO bodies: there BEGIN/COMMIT do not
/// change the file's transaction state.
pub fn understand(
    state: &mut FileState,
    tokens: Tokens,
    top: bool,
    out: &mut Vec<Action>,
) -> Understood {
    let first_new = out.len();
    let (tokens, known) = match top {
        true => match by_tree_alone(state, tokens, out) {
            Ok(understood) => return understood,
            Err(not) => not,
        },
        false => (tokens, None),
    };
    let significant = tokens.significant();
    let shape = action::read(&significant, out);
    let read_end = out.len();
    let locator = match (top, &known) {
        (true, None) => action::Locator::new(&significant, &tokens.all, state.text),
        _ => None,
    };
    let newer = action::newer_syntax(&significant);
    out.extend(newer_action(newer.clone(), &significant));
    if top {
        state.statement_starts();
    }
    match shape {
        Shape::Do { body, plpgsql } => {
            if !plpgsql {
                return Understood::not(
                    Parsed::Fallback,
                    "DO block in a language other than PL/pgSQL",
                );
            }
            let read = plpgsql::read_do(state, &significant[body], out);
            for action in &mut out[first_new..] {
                action.transaction = state.transaction;
            }
            return match read {
                Ok(()) => Understood::fully(),
                Err(reason) => Understood::not(Parsed::Fallback, reason),
            };
        }
        Shape::Begin | Shape::End if top => {
            transaction_control(state, shape == Shape::Begin, &significant, out)
        }
        _ => {}
    }
    if top {
        state.stamp(&mut out[first_new..]);
    }
    drop(significant);
    if tokens.all.len() > MAX_PARSED_TOKENS {
        // A data load, not DDL: sqlparser's tree of it would take many times the text's size.
        return Understood::not(
            Parsed::Fallback,
            format!(
                "a statement of {} tokens is read by the token reader only",
                tokens.all.len()
            ),
        );
    }
    let parsed = match known {
        Some(parsed) => parsed,
        None => parse_with_tree(state, tokens.all, locator, first_new..read_end, out),
    };
    match parsed {
        Ok(()) => Understood::fully(),
        // Newer DDL sqlparser does not know yet, which the token reader reads whole.
        Err(_) if newer.is_some_and(|n| n.0 >= 16) && shape == Shape::Known => Understood::fully(),
        Err(reason) if shape == Shape::Unknown => Understood::not(Parsed::NotAtAll, reason),
        Err(reason) => Understood::not(Parsed::Fallback, reason),
    }
}

/// A statement [`by_tree_alone`] left to the token reader: its tokens, and whether it parsed
/// (`None`: not tried).
type Unread = (Tokens, Option<Result<(), String>>);

/// The action saying a statement needs a newer PostgreSQL, if it does.
fn newer_action(
    newer: Option<(u32, &'static str, Range<usize>)>,
    significant: &[Tok],
) -> Option<Action> {
    let (version, what, span) = newer?;
    let statement =
        significant.first().map_or(0, |t| t.span.0)..significant.last().map_or(0, |t| t.span.1);
    Some(Action::new(
        action::Kind::NewerSyntax { version, what },
        span,
        statement,
    ))
}

/// A top-level statement whose actions sqlparser's tree gives, read from the tree alone: the
/// token reader's actions would only be replaced. Otherwise (no tree of this kind of statement,
/// or it does not parse) the tokens back, read again if the parser took them, with the parse's
/// outcome when there was one, for [`understand`] to read the statement as usual.
fn by_tree_alone(
    state: &mut FileState,
    tokens: Tokens,
    out: &mut Vec<Action>,
) -> Result<Understood, Unread> {
    let converts = tokens
        .first()
        .is_some_and(|first| action::Locator::converts(&first));
    if !converts || tokens.all.len() > MAX_PARSED_TOKENS {
        // Most statements: their significant tokens are found once, by the caller.
        return Err((tokens, None));
    }
    let significant = tokens.significant();
    let locator = action::Locator::new(&significant, &tokens.all, state.text);
    let (Some(locator), Some(first), Some(last)) =
        (locator, tokens.spans.first(), tokens.spans.last())
    else {
        drop(significant);
        return Err((tokens, None));
    };
    let span = first.0..last.1;
    let newer = newer_action(action::newer_syntax(&significant), &significant);
    drop(significant);
    let Tokens { all, spans } = tokens;
    let (parsed, all) = parse_giving_back(all);
    let actions = match &parsed {
        Ok(statement) => locator.actions(statement),
        Err(_) => None,
    };
    let Some(actions) = actions else {
        let parsed = parsed.map(drop);
        return match all {
            Some(all) => Err((Tokens { all, spans }, Some(parsed))),
            // The parser panicked with the tokens: read the same text again.
            None => match Tokens::new(&state.text[span.clone()], span.start) {
                Ok(tokens) => Err((tokens, Some(parsed))),
                Err(message) => Ok(Understood::not(
                    Parsed::NotAtAll,
                    format!("could not tokenize: {message}"),
                )),
            },
        };
    };
    state.statement_starts();
    let first_new = out.len();
    out.extend(actions);
    out.extend(newer);
    state.stamp(&mut out[first_new..]);
    Ok(Understood::fully())
}

/// A top-level `BEGIN` (`begin`) or `COMMIT` / `ROLLBACK`: its action, and the file's
/// transaction state after it (unchanged in a file its runner wraps).
fn transaction_control(
    state: &mut FileState,
    begin: bool,
    significant: &[Tok],
    out: &mut Vec<Action>,
) {
    if let (Some(first), Some(last)) = (significant.first(), significant.last()) {
        let span = first.span.0..last.span.1;
        out.push(Action::new(
            action::Kind::TransactionControl { begin },
            span.clone(),
            span,
        ));
    }
    if !state.wrapped {
        if begin && !state.in_transaction {
            state.transaction += 1;
        }
        state.in_transaction = begin;
    }
}

/// Parse the statement with sqlparser; where the tree's actions exist they replace the token
/// reader's (`read`, the range of `out` it filled), stamped with the same file state.
fn parse_with_tree(
    state: &FileState,
    all: Vec<TokenWithSpan>,
    locator: Option<action::Locator>,
    read: Range<usize>,
    out: &mut Vec<Action>,
) -> Result<(), String> {
    let statement = parse_statement(all)?;
    if let Some(mut actions) = locator.and_then(|l| l.actions(&statement)) {
        state.stamp(&mut actions);
        out.splice(read, actions);
    }
    Ok(())
}

/// The longest statement handed to sqlparser, in significant tokens. The longest of the corpus
/// of real migrations has about 4,400; a longer one is a data load (`INSERT ... VALUES` of thousands of rows),
/// whose tree would take many times the text's memory and tells the rules nothing more.
const MAX_PARSED_TOKENS: usize = 200_000;

/// Parse exactly one statement (and optional semicolons) from `tokens`.
pub fn parse(tokens: Vec<TokenWithSpan>) -> Result<(), String> {
    parse_statement(tokens).map(drop)
}

/// [`parse`], keeping the statement's tree (boxed: it is large, and moved several times).
///
/// The tokens are the significant ones ([`Tokens`] keeps no others). The parser would skip
/// whitespace and comments itself, but on every look ahead; in PostgreSQL's grammar as sqlparser
/// reads it no rule depends on them.
pub fn parse_statement(tokens: Vec<TokenWithSpan>) -> Result<Box<Statement>, String> {
    parse_giving_back(tokens).0
}

/// [`parse_statement`], giving the tokens back as well (`None` if the parser panicked), for a
/// caller that reads them again when the tree is of no use.
fn parse_giving_back(
    tokens: Vec<TokenWithSpan>,
) -> (Result<Box<Statement>, String>, Option<Vec<TokenWithSpan>>) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut parser = Parser::new(&DIALECT).with_tokens_with_locations(tokens);
        let parsed = parse_one(&mut parser);
        (parsed, parser.into_tokens())
    }));
    match result {
        Ok((Ok(statement), tokens)) => (Ok(statement), Some(tokens)),
        Ok((Err(error), tokens)) => (Err(parser_message(&error)), Some(tokens)),
        Err(_) => (
            Err("the SQL parser failed on this statement".to_string()),
            None,
        ),
    }
}

/// One statement and optional semicolons: the whole of the parser's tokens.
fn parse_one(parser: &mut Parser) -> Result<Box<Statement>, ParserError> {
    let statement = Box::new(parser.parse_statement()?);
    while parser.consume_token(&Token::SemiColon) {}
    match parser.peek_token().token {
        Token::EOF => Ok(statement),
        other => Err(ParserError::ParserError(format!(
            "Expected: end of statement, found: {other}"
        ))),
    }
}

/// sqlparser's message without its prefix and statement-relative location.
fn parser_message(error: &ParserError) -> String {
    let text = match error {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.as_str(),
        ParserError::RecursionLimitExceeded => "nested too deeply",
    };
    let text = text.split(" at Line: ").next().unwrap_or(text);
    format!("sqlparser: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_load_too_long_to_parse_is_read_by_the_token_reader_only() {
        let rows: Vec<String> = (0..60_000).map(|n| format!("({n}, 'row')")).collect();
        let text = format!(
            "ALTER TABLE t ADD COLUMN a int;\nINSERT INTO t VALUES {};\nDROP TABLE u;",
            rows.join(", ")
        );
        let report = crate::lint::lint_text("load.sql", &text, &crate::lint::Selection::all());
        assert_eq!(report.stats.statements, 3);
        assert_eq!((report.stats.parsed, report.stats.fallback), (2, 1));
        let unparsed: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule.name() == "unparsed-statement")
            .collect();
        assert_eq!(unparsed.len(), 1);
        assert!(
            unparsed[0].message.contains("token reader only"),
            "{}",
            unparsed[0].message
        );
        // The statements around it keep their findings.
        assert!(report
            .findings
            .iter()
            .any(|f| f.rule.name() == "drop-table"));
    }

    #[test]
    fn parsed_fallback_and_unparsed() {
        let text = "CREATE TABLE t (id int); DROP INDEX CONCURRENTLY IF EXISTS ix; frobnicate;";
        let mut state = FileState::new(text);
        let mut out = Vec::new();
        let kinds: Vec<Parsed> = crate::sql::split::split(text)
            .into_iter()
            .map(|piece| top_level(&mut state, piece.span, &mut out).parsed)
            .collect();
        assert_eq!(kinds[0], Parsed::Fully);
        assert_eq!(kinds[2], Parsed::NotAtAll);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn transaction_state_follows_begin_and_commit() {
        let text = "BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT; CREATE INDEX j ON t (a);";
        let mut state = FileState::new(text);
        let mut out = Vec::new();
        for piece in crate::sql::split::split(text) {
            top_level(&mut state, piece.span, &mut out);
        }
        let indexes: Vec<&Action> = out
            .iter()
            .filter(|a| a.kind == crate::lint::action::Kind::CreateIndex)
            .collect();
        assert!(indexes[0].in_transaction);
        assert!(!indexes[1].in_transaction);
        assert_ne!(indexes[0].transaction, indexes[1].transaction);
    }

    /// What sqlparser's AST says a statement does: (kind, object name, flag) per action, for the
    /// kinds both readers know. The token reader must say the same.
    fn ast_facts(statement: &sqlparser::ast::Statement) -> Vec<(String, String, bool)> {
        use sqlparser::ast::{ObjectType, Statement};
        let last = last_part;
        let mut facts = Vec::new();
        match statement {
            Statement::CreateTable(t) if !t.temporary => {
                facts.push(("create table".into(), last(&t.name), t.if_not_exists))
            }
            Statement::CreateIndex(i) => facts.push((
                "create index".into(),
                i.name.as_ref().map(last).unwrap_or_default(),
                i.if_not_exists,
            )),
            Statement::CreateView(v) if v.materialized => {
                facts.push(("create matview".into(), last(&v.name), v.if_not_exists))
            }
            Statement::CreateView(v) => {
                facts.push(("create view".into(), last(&v.name), v.or_replace))
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                ..
            } => {
                let kind = match object_type {
                    ObjectType::Table => "drop table",
                    ObjectType::View => "drop view",
                    ObjectType::MaterializedView => "drop matview",
                    ObjectType::Index => "drop index",
                    ObjectType::Schema => "drop schema",
                    ObjectType::Sequence => "drop sequence",
                    ObjectType::Type => "drop type",
                    _ => return facts,
                };
                let name = names.first().map(last).unwrap_or_default();
                facts.push((kind.into(), name, *if_exists));
            }
            Statement::AlterTable(alter) => {
                facts.extend(alter.operations.iter().filter_map(alter_table_fact));
            }
            _ => {}
        }
        facts
    }

    /// An identifier as PostgreSQL stores it: unquoted ones fold to lower case.
    fn folded(id: &sqlparser::ast::Ident) -> String {
        match id.quote_style {
            Some(_) => id.value.clone(),
            None => id.value.to_ascii_lowercase(),
        }
    }

    /// The last part of a name, folded.
    fn last_part(name: &sqlparser::ast::ObjectName) -> String {
        name.0
            .last()
            .and_then(|part| part.as_ident())
            .map(folded)
            .unwrap_or_default()
    }

    /// [`ast_facts`] of one `ALTER TABLE` operation.
    fn alter_table_fact(
        operation: &sqlparser::ast::AlterTableOperation,
    ) -> Option<(String, String, bool)> {
        use sqlparser::ast::AlterTableOperation;
        let ident = folded;
        Some(match operation {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => ("add column".into(), ident(&column_def.name), *if_not_exists),
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => (
                "drop column".into(),
                column_names.first().map(ident).unwrap_or_default(),
                *if_exists,
            ),
            AlterTableOperation::DropConstraint {
                if_exists, name, ..
            } => ("drop constraint".into(), ident(name), *if_exists),
            AlterTableOperation::AddConstraint { not_valid, .. } => {
                ("add constraint".into(), String::new(), *not_valid)
            }
            _ => return None,
        })
    }

    /// The same facts from the token reader's actions.
    fn token_facts(actions: &[Action]) -> Vec<(String, String, bool)> {
        use crate::lint::action::{Kind, ObjectKind};
        let mut facts = Vec::new();
        for a in actions {
            let name = a.name_str().to_string();
            let fact = match &a.kind {
                Kind::CreateTable if !a.flags.temporary => {
                    ("create table", name, a.flags.if_not_exists)
                }
                Kind::CreateIndex => ("create index", name, a.flags.if_not_exists),
                Kind::CreateMaterializedView => ("create matview", name, a.flags.if_not_exists),
                Kind::CreateView => ("create view", name, a.flags.or_replace),
                Kind::Drop(kind) => {
                    let kind = match kind {
                        ObjectKind::Table => "drop table",
                        ObjectKind::View => "drop view",
                        ObjectKind::MaterializedView => "drop matview",
                        ObjectKind::Index => "drop index",
                        ObjectKind::Schema => "drop schema",
                        ObjectKind::Sequence => "drop sequence",
                        ObjectKind::Type => "drop type",
                        _ => continue,
                    };
                    (kind, name, a.flags.if_exists)
                }
                Kind::AddColumn(_) => ("add column", name, a.flags.if_not_exists),
                Kind::DropColumn => ("drop column", name, a.flags.if_exists),
                Kind::DropConstraint => ("drop constraint", name, a.flags.if_exists),
                Kind::AddConstraint(_) => ("add constraint", String::new(), a.flags.not_valid),
                _ => continue,
            };
            facts.push((fact.0.to_string(), fact.1, fact.2));
        }
        facts
    }

    /// Parse `text`'s statements with sqlparser; where one parses, the token reader must find
    /// the same actions. Returns how many statements were compared.
    fn compare_readers(text: &str, label: &str) -> usize {
        let mut compared = 0;
        for piece in crate::sql::split::split(text) {
            if piece.kind != crate::sql::split::PieceKind::Statement {
                continue;
            }
            let sql = &text[piece.span.clone()];
            let Ok(statements) = Parser::parse_sql(&DIALECT, sql) else {
                continue;
            };
            let [statement] = statements.as_slice() else {
                continue;
            };
            let mut state = FileState::new(text);
            let mut actions = Vec::new();
            if top_level(&mut state, piece.span.clone(), &mut actions).parsed != Parsed::Fully {
                continue;
            }
            let expected = ast_facts(statement);
            assert_eq!(token_facts(&actions), expected, "{label}: {sql}");
            compared += 1;
        }
        compared
    }

    #[test]
    fn token_reader_agrees_with_the_ast() {
        let text = r#"
CREATE TABLE IF NOT EXISTS "Order" (id int);
CREATE TABLE public.users (id int, CONSTRAINT pk PRIMARY KEY (id));
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON t (lower(a));
CREATE INDEX ix ON t USING gin (doc);
CREATE OR REPLACE VIEW v AS SELECT 1;
CREATE VIEW "V2" AS SELECT 1;
CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1;
DROP TABLE IF EXISTS a, b CASCADE;
DROP INDEX ix;
DROP VIEW IF EXISTS s.v;
DROP TYPE mood;
DROP SCHEMA IF EXISTS billing CASCADE;
DROP SEQUENCE seq;
ALTER TABLE t ADD COLUMN a int, ADD IF NOT EXISTS "B" text DEFAULT 'x', DROP COLUMN IF EXISTS c, DROP d;
ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID, DROP CONSTRAINT IF EXISTS ck;
ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);
"#;
        assert_eq!(compare_readers(text, "inline"), 16);
    }

    /// The same over every statement of the shared corpus that sqlparser parses, when present.
    #[test]
    fn token_reader_agrees_with_the_ast_on_the_corpus() {
        let mut compared = 0;
        let present = crate::test_texts::for_each_corpus_file(|path, text| {
            compared += compare_readers(text, path);
        });
        if !present {
            return;
        }
        eprintln!("compared {compared} statements");
        assert!(compared > 1000);
    }
}
