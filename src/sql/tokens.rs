//! One statement's tokens, with byte spans in the file.
//!
//! The text of a statement is tokenized once, as sqlparser's PostgreSQL tokenizer reads it; the
//! same tokens feed the parser (for the AST) and the token-level reader (for actions). Only the
//! significant tokens are kept: whitespace and comments matter to neither (sqlparser's parser
//! skips them itself, on every look ahead), and are about half of what the tokenizer reads. Most
//! statements are read by [`super::lex`], which gives byte spans directly; the rest by
//! sqlparser's tokenizer, whose line/column locations [`Tokens::new`] turns into byte offsets
//! in one linear pass. Splitting a file into statements is [`super::split`]'s job, not this
//! module's.

use std::ops::Range;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The dialect every statement is read with.
pub const DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

/// A significant token (no whitespace or comment) and its byte span in the file.
#[derive(Debug, Clone, Copy)]
pub struct Tok<'a> {
    pub token: &'a Token,
    pub span: (usize, usize),
    /// Index of this token in [`Tokens::all`].
    pub index: usize,
}

impl<'a> Tok<'a> {
    pub fn range(&self) -> Range<usize> {
        self.span.0..self.span.1
    }

    /// An unquoted word equal (case-insensitively) to `keyword`.
    pub fn is(&self, keyword: &str) -> bool {
        matches!(self.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(keyword))
    }

    /// Any word, quoted or not.
    pub fn word(&self) -> Option<&'a str> {
        match self.token {
            Token::Word(w) => Some(&w.value),
            _ => None,
        }
    }

    /// The identifier this word names: unquoted words fold to lower case.
    pub fn ident(&self) -> Option<String> {
        match self.token {
            Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// The value of a string literal of any quoting style.
    pub fn string(&self) -> Option<&'a str> {
        match self.token {
            Token::SingleQuotedString(s)
            | Token::EscapedStringLiteral(s)
            | Token::NationalStringLiteral(s)
            | Token::UnicodeStringLiteral(s) => Some(s),
            Token::DollarQuotedString(d) => Some(&d.value),
            _ => None,
        }
    }

    pub fn is_punct(&self, token: &Token) -> bool {
        self.token == token
    }
}

/// The tokens of one piece of text, and where each sits in the file.
pub struct Tokens {
    /// Every significant token sqlparser's tokenizer produces (none of whitespace or comments),
    /// with its location.
    pub all: Vec<TokenWithSpan>,
    /// Byte span in the file of each token of `all`.
    pub spans: Vec<(usize, usize)>,
}

impl Tokens {
    /// Tokenize `text`, which sits at byte `base` of the file.
    pub fn new(text: &str, base: usize) -> Result<Tokens, String> {
        match super::lex::tokenize(text, base) {
            Some(tokens) => Ok(tokens),
            None => Tokens::by_sqlparser(text, base),
        }
    }

    /// [`Tokens::new`] with sqlparser's tokenizer only.
    pub fn by_sqlparser(text: &str, base: usize) -> Result<Tokens, String> {
        let mut all = Vec::new();
        Tokenizer::new(&DIALECT, text)
            .tokenize_with_location_into_buf(&mut all)
            .map_err(|e| e.message)?;
        all.retain(|t| !matches!(t.token, Token::Whitespace(_)));
        let spans = byte_spans(text, &all, base);
        Ok(Tokens { all, spans })
    }

    /// The first token.
    pub fn first(&self) -> Option<Tok<'_>> {
        Some(Tok {
            token: &self.all.first()?.token,
            span: *self.spans.first()?,
            index: 0,
        })
    }

    /// The tokens, borrowing from `self`.
    pub fn significant(&self) -> Vec<Tok<'_>> {
        self.all
            .iter()
            .zip(&self.spans)
            .enumerate()
            .map(|(index, (t, span))| Tok {
                token: &t.token,
                span: *span,
                index,
            })
            .collect()
    }
}

/// Convert sqlparser's (line, column) token locations, in the order of the text, into byte
/// offsets, in one pass.
fn byte_spans(text: &str, tokens: &[TokenWithSpan], base: usize) -> Vec<(usize, usize)> {
    let mut chars = text.char_indices();
    let (mut line, mut column, mut byte) = (1u64, 1u64, 0usize);
    let mut seek = |target_line: u64, target_column: u64| -> usize {
        while (line, column) < (target_line, target_column) {
            let Some((i, c)) = chars.next() else {
                break;
            };
            byte = i + c.len_utf8();
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        base + byte
    };
    let mut spans = Vec::with_capacity(tokens.len());
    for token in tokens {
        let start = seek(token.span.start.line, token.span.start.column);
        let end = seek(token.span.end.line, token.span.end.column);
        spans.push((start, end.max(start)));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_byte_offsets_in_the_file() {
        let text = "ALTER TABLE café\r\n  ADD COLUMN ü int;";
        let tokens = Tokens::new(text, 10).unwrap();
        let words: Vec<(String, &str)> = tokens
            .significant()
            .iter()
            .map(|t| (t.token.to_string(), &text[t.span.0 - 10..t.span.1 - 10]))
            .collect();
        for (token, slice) in &words {
            assert_eq!(token, slice);
        }
        assert_eq!(words.len(), 8);
    }
}
