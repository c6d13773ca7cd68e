//! Statements PostgreSQL would reject as written, found before their actions are read, and where
//! reading resumes so that no later statement is lost:
//!
//! - an unterminated string (or quoted identifier, or comment) or an unclosed `(` makes the
//!   splitter (like psql) read the rest of the file into one statement; reading resumes after
//!   the first line of it that ends in `;`;
//! - an extra `)`;
//! - two statements glued by a missing `;` (the second starts a line with a statement keyword,
//!   and one of the two halves parses on its own): each half is read as its own statement.
//!
//! Reporting them is the `syntax-error` rule's; this module only finds them.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::action::{self, Shape};
use super::statement::parse;
use crate::sql::tokens::Tokens;

/// What is wrong with a statement, where, and how to read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the problem is written.
    pub at: Range<usize>,
    pub message: String,
    /// Where to cut the statement: read `start..cut` and `cut..end` apart.
    pub cut: Option<usize>,
}

/// Words that start a statement when they start a line of a statement that does not parse.
const STARTERS: &[&str] = &[
    "create", "alter", "drop", "insert", "update", "delete", "grant", "revoke", "comment",
    "truncate", "reindex", "vacuum", "refresh",
];

/// Words after which a statement keyword continues the same statement (`ON DELETE`, `AFTER
/// UPDATE`, `DO INSTEAD INSERT`, ...).
const CONTINUES: &[&str] = &[
    "on", "for", "or", "of", "before", "after", "instead", "also", "do", "then", "else", "when",
    "as", "and", "not", "is", "to", "from", "by", "with", "each", "all",
];

/// What is wrong with the statement at `span` of `text`, which does not parse: is it unbalanced,
/// or two statements glued? Its tokens are read once, for both questions.
pub fn problem(text: &str, span: Range<usize>) -> Option<Problem> {
    let tokens = Tokens::new(&text[span.clone()], span.start);
    unbalanced(text, span.clone(), &tokens).or_else(|| glued(text, span, tokens.as_ref().ok()?))
}

/// A statement that swallows the rest of the file (unterminated quote or comment, unclosed
/// parenthesis) or has an extra `)`; `tokens`: its tokens, or why it could not be tokenized.
fn unbalanced(text: &str, span: Range<usize>, tokens: &Result<Tokens, String>) -> Option<Problem> {
    let sql = &text[span.clone()];
    let (message, at) = match tokens {
        Err(message) if message.to_ascii_lowercase().contains("unterminated") => (
            format!(
                "{}: PostgreSQL reads the rest of the file into this statement",
                message.trim_end_matches('.')
            ),
            span.start..span.start,
        ),
        Err(_) => return None,
        Ok(tokens) => {
            let mut depth = 0i64;
            let mut open = Vec::new();
            for t in tokens.significant() {
                match t.token {
                    Token::LParen => {
                        depth += 1;
                        open.push(t.span.0);
                    }
                    Token::RParen => {
                        depth -= 1;
                        open.pop();
                        if depth < 0 {
                            return Some(Problem {
                                at: t.span.0..t.span.1,
                                message: "this `)` closes no `(`".to_string(),
                                cut: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
            let first_open = *open.first()?;
            (
                "this `(` is never closed: PostgreSQL reads the rest of the file into this statement".to_string(),
                first_open..first_open + 1,
            )
        }
    };
    // Resume after the first line of the statement that ends in `;`.
    let mut offset = 0;
    let mut cut = None;
    for line in sql.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end().ends_with(';') && offset < sql.len() {
            cut = Some(span.start + offset);
            break;
        }
    }
    let at = if at.is_empty() {
        span.start..span.start + sql.lines().next().map_or(0, str::len)
    } else {
        at
    };
    Some(Problem { at, message, cut })
}

/// Two statements glued by a missing `;`: where the second starts.
fn glued(text: &str, span: Range<usize>, tokens: &Tokens) -> Option<Problem> {
    let toks = tokens.significant();
    // Statements that hold other statements: `CREATE SCHEMA s CREATE TABLE ...`, `ALTER DEFAULT
    // PRIVILEGES ... GRANT ...`, `CREATE [OR REPLACE] RULE ... DO INSERT ...`.
    let starts = |words: &[&str]| {
        words
            .iter()
            .enumerate()
            .all(|(k, w)| toks.get(k).is_some_and(|t| t.is(w)))
    };
    if starts(&["create", "schema"])
        || starts(&["alter", "default", "privileges"])
        || starts(&["create", "rule"])
        || starts(&["create", "or", "replace", "rule"])
    {
        return None;
    }
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        if k == 0 || depth > 0 || !STARTERS.iter().any(|w| t.is(w)) {
            continue;
        }
        let line_start = text[..t.span.0].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..t.span.0].trim().is_empty() {
            continue;
        }
        let previous = &toks[k - 1];
        if CONTINUES.iter().any(|w| previous.is(w)) || previous.is_punct(&Token::Comma) {
            continue;
        }
        let first = span.start..t.span.0;
        let second = t.span.0..span.end;
        let parses = |range: Range<usize>| {
            Tokens::new(&text[range.clone()], range.start)
                .is_ok_and(|tokens| parse(tokens.all).is_ok())
        };
        let known = |range: Range<usize>| {
            Tokens::new(&text[range.clone()], range.start).is_ok_and(|tokens| {
                action::read(&tokens.significant(), &mut Vec::new()) == Shape::Known
            })
        };
        if parses(first.clone()) || (parses(second.clone()) && known(first)) {
            let word = t.word().unwrap_or("").to_ascii_uppercase();
            let line = text[..t.span.0].lines().count() + 1;
            return Some(Problem {
                at: t.span.0..t.span.1,
                message: format!(
                    "a `;` is missing before this {word} (line {line}): PostgreSQL reads the two statements as one and rejects it"
                ),
                cut: Some(t.span.0),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glued_whole(text: &str) -> Option<Problem> {
        glued(text, 0..text.len(), &Tokens::new(text, 0).ok()?)
    }

    fn unbalanced_whole(text: &str) -> Option<Problem> {
        unbalanced(text, 0..text.len(), &Tokens::new(text, 0))
    }

    #[test]
    fn glued_statements() {
        let text = "ALTER TABLE a ADD COLUMN x int\nALTER TABLE b ADD COLUMN y int;";
        let problem = glued_whole(text).expect("glued");
        assert_eq!(problem.cut, Some(31));
        // A statement keyword that continues the statement is not a second statement.
        let text = "ALTER TABLE a ADD COLUMN x int REFERENCES b ON\nDELETE CASCADE;";
        assert_eq!(glued_whole(text), None);
        let text = "CREATE TRIGGER t AFTER\nUPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();";
        assert_eq!(glued_whole(text), None);
        let text = "CREATE SCHEMA s\n  CREATE TABLE a (id int)\n  CREATE VIEW v AS SELECT 1;";
        assert_eq!(glued_whole(text), None);
        let text = "ALTER DEFAULT PRIVILEGES FOR ROLE r\n REVOKE DELETE ON TABLES FROM r;";
        assert_eq!(glued_whole(text), None);
    }

    #[test]
    fn unclosed_parenthesis_and_unterminated_string() {
        let text = "CREATE TABLE a (id int;\nDROP TABLE b;\n";
        let problem = unbalanced_whole(text).expect("unclosed");
        assert_eq!(problem.cut, Some(24));
        assert_eq!(problem.at, 15..16);
        let text = "INSERT INTO a VALUES ('x);\nDROP TABLE b;\n";
        let problem = unbalanced_whole(text).expect("unterminated");
        assert_eq!(problem.cut, Some(27));
        let text = "CREATE TABLE a (id int));";
        assert_eq!(unbalanced_whole(text).unwrap().cut, None);
        assert_eq!(unbalanced_whole("SELECT (1);"), None);
    }
}
