//! Syntax that only newer PostgreSQL servers accept, found in a statement's tokens: the first
//! such feature, the major version that brought it, and where it is written. Whether the
//! `--pg-version` is old enough to reject it is the rule's (`syntax-newer-than-pg-version`).

use std::ops::Range;

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use crate::sql::tokens::Tok;

/// A feature newer than some servers: (the version that brought it, its name, its tokens' span).
pub type Newer = (u32, &'static str, Range<usize>);

/// The newest-versioned feature written in `toks`, if any.
pub fn newer_syntax(toks: &[Tok]) -> Option<Newer> {
    let mut found: Option<Newer> = None;
    let mut keep = |version: u32, what: &'static str, from: usize, to: usize| {
        if found.as_ref().is_none_or(|f| f.0 < version) {
            found = Some((version, what, toks[from].span.0..toks[to].span.1));
        }
    };
    let at = |k: usize, word: &str| toks.get(k).is_some_and(|t| t.is(word));
    for k in 0..toks.len() {
        // Each feature starts with one of these words: any other token is passed over on its
        // keyword, without comparing text.
        let starts = matches!(toks[k].token, Token::Word(w) if w.quote_style.is_none()
            && matches!(w.keyword, Keyword::CREATE | Keyword::DETACH | Keyword::NULLS
                | Keyword::MERGE | Keyword::ADD | Keyword::GENERATED));
        if !starts {
            continue;
        }
        if at(k, "create") && at(k + 1, "or") && at(k + 2, "replace") && at(k + 3, "trigger") {
            keep(14, "CREATE OR REPLACE TRIGGER", k, k + 3);
        } else if at(k, "detach") && at(k + 1, "partition") {
            if let Some(c) = (k + 2..toks.len()).find(|&c| at(c, "concurrently")) {
                keep(14, "DETACH PARTITION ... CONCURRENTLY", k, c);
            }
        } else if at(k, "nulls") && at(k + 1, "not") && at(k + 2, "distinct") {
            keep(15, "NULLS NOT DISTINCT", k, k + 2);
        } else if at(k, "merge") && k == 0 && at(k + 1, "into") {
            keep(15, "MERGE", k, k + 1);
        } else if at(k, "add")
            && at(k + 1, "constraint")
            && toks.get(k + 2).is_some_and(|t| t.word().is_some())
            && at(k + 3, "not")
            && at(k + 4, "null")
        {
            keep(18, "ADD CONSTRAINT ... NOT NULL", k, k + 4);
        } else if at(k, "generated")
            && at(k + 1, "always")
            && at(k + 2, "as")
            && toks.get(k + 3).is_some_and(|t| t.is_punct(&Token::LParen))
        {
            let close = matching_paren(toks, k + 3);
            let stored = close.is_some_and(|c| at(c + 1, "stored"));
            if let (Some(close), false) = (close, stored) {
                keep(
                    18,
                    "a virtual generated column (GENERATED ALWAYS AS without STORED)",
                    k,
                    close,
                );
            }
        }
    }
    found
}

/// The index of the `)` closing the `(` at `open`.
fn matching_paren(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}
