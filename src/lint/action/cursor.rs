//! [`Cursor`]: a position in one statement's significant tokens, with the few moves the token
//! reader makes (peek, eat keywords, read a qualified name, skip parentheses). What the tokens
//! mean is the reader's.

use sqlparser::tokenizer::Token;

use super::Name;
use crate::model::written_name;
use crate::sql::tokens::Tok;

/// A cursor over significant tokens.
pub struct Cursor<'t, 'a> {
    pub toks: &'t [Tok<'a>],
    pub i: usize,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub fn new(toks: &'t [Tok<'a>]) -> Self {
        Cursor { toks, i: 0 }
    }

    pub fn peek(&self) -> Option<&'t Tok<'a>> {
        self.toks.get(self.i)
    }

    pub fn peek_at(&self, k: usize) -> Option<&'t Tok<'a>> {
        self.toks.get(self.i + k)
    }

    pub fn at(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is(keyword))
    }

    pub fn at_seq(&self, keywords: &[&str]) -> bool {
        keywords
            .iter()
            .enumerate()
            .all(|(k, kw)| self.peek_at(k).is_some_and(|t| t.is(kw)))
    }

    pub fn eat(&mut self, keyword: &str) -> bool {
        if self.at(keyword) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_seq(&mut self, keywords: &[&str]) -> bool {
        if self.at_seq(keywords) {
            self.i += keywords.len();
            true
        } else {
            false
        }
    }

    /// Byte offset where the current token starts (or where the last one ended).
    pub fn here(&self) -> usize {
        match self.peek() {
            Some(t) => t.span.0,
            None => self.toks.last().map_or(0, |t| t.span.1),
        }
    }

    /// A possibly qualified name: `a`, `a.b`, `"A".b`.
    pub fn name(&mut self) -> Option<Name> {
        let mut parts: Vec<&Tok> = Vec::new();
        loop {
            let tok = self.peek()?;
            tok.word()?;
            parts.push(tok);
            self.i += 1;
            if self.peek().is_some_and(|t| t.is_punct(&Token::Period))
                && self.peek_at(1).is_some_and(|t| t.word().is_some())
            {
                self.i += 1;
            } else {
                break;
            }
        }
        // Every part is a word: the name and the schema are the last two.
        let ident = |back: usize| parts.len().checked_sub(back).and_then(|k| parts[k].ident());
        Some(Name {
            name: ident(1).unwrap_or_default(),
            schema: ident(2),
            written: written_name(parts.iter().filter_map(|t| match t.token {
                Token::Word(w) => Some((w.value.as_str(), w.quote_style.is_some())),
                _ => None,
            })),
        })
    }

    /// Inside parentheses: advance past the `)` that closes them.
    pub fn seek_close(&mut self) {
        let mut depth = 1usize;
        while let Some(t) = self.peek() {
            self.i += 1;
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Advance to the first depth-0 token equal to `keyword` (not consuming it).
    pub fn seek(&mut self, keyword: &str) -> bool {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                _ if depth == 0 && t.is(keyword) => return true,
                _ => {}
            }
            self.i += 1;
        }
        false
    }
}
