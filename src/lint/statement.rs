//! Understanding one statement: tokenize it once, read its actions from the tokens, parse it with
//! sqlparser's PostgreSQL dialect, and hand `DO` bodies to the PL/pgSQL reader.
//!
//! The result is the statement's actions (appended to a list) and how far it was understood:
//! fully (sqlparser parsed it, or a DO body was read completely), by the token-level fallback,
//! or not at all. It does not judge the actions: rules do.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::action::{self, Action, Parsed, Shape};
use super::plpgsql;
use super::tokens::{Tokens, DIALECT};

/// What the reader carries from one statement of a file to the next.
pub struct FileState<'f> {
    pub text: &'f str,
    /// Counter for guard ids, unique within the file.
    pub next_guard: usize,
    /// Between a top-level BEGIN and its COMMIT/ROLLBACK.
    pub in_transaction: bool,
}

impl<'f> FileState<'f> {
    pub fn new(text: &'f str) -> Self {
        FileState {
            text,
            next_guard: 0,
            in_transaction: false,
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
    let significant = tokens.significant();
    let shape = action::read(&significant, out);
    match shape {
        Shape::Do { body, plpgsql } => {
            if !plpgsql {
                return Understood::not(
                    Parsed::Fallback,
                    "DO block in a language other than PL/pgSQL",
                );
            }
            return match plpgsql::read_do(state, &significant[body], out) {
                Ok(()) => Understood::fully(),
                Err(reason) => Understood::not(Parsed::Fallback, reason),
            };
        }
        Shape::Begin if top => state.in_transaction = true,
        Shape::End if top => state.in_transaction = false,
        _ => {}
    }
    if top {
        for action in &mut out[first_new..] {
            action.in_transaction = state.in_transaction;
        }
    }
    drop(significant);
    match parse(tokens.all) {
        Ok(()) => Understood::fully(),
        Err(reason) if shape == Shape::Unknown => Understood::not(Parsed::NotAtAll, reason),
        Err(reason) => Understood::not(Parsed::Fallback, reason),
    }
}

/// Parse exactly one statement (and optional semicolons) from `tokens`.
pub fn parse(tokens: Vec<TokenWithSpan>) -> Result<(), String> {
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<(), ParserError> {
        let mut parser = Parser::new(&DIALECT).with_tokens_with_locations(tokens);
        parser.parse_statement()?;
        while parser.consume_token(&Token::SemiColon) {}
        match parser.peek_token().token {
            Token::EOF => Ok(()),
            other => Err(ParserError::ParserError(format!(
                "Expected: end of statement, found: {other}"
            ))),
        }
    }));
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(parser_message(&error)),
        Err(_) => Err("the SQL parser failed on this statement".to_string()),
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
    fn parsed_fallback_and_unparsed() {
        let text = "CREATE TABLE t (id int); DROP INDEX CONCURRENTLY IF EXISTS ix; frobnicate;";
        let mut state = FileState::new(text);
        let mut out = Vec::new();
        let kinds: Vec<Parsed> = crate::lint::source::split(text)
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
        for piece in crate::lint::source::split(text) {
            top_level(&mut state, piece.span, &mut out);
        }
        assert!(out[0].in_transaction);
        assert!(!out[1].in_transaction);
    }
}
