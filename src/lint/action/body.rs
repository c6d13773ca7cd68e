//! The `... CONCURRENTLY` statements written in the body of a `CREATE FUNCTION` or `CREATE
//! PROCEDURE`, including those inside string literals there (`EXECUTE '...'`): they fail
//! whenever the routine runs. The rest of a body runs later and is not read.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::{Action, Kind};
use crate::sql::tokens::{Tok, Tokens};

/// The `... CONCURRENTLY` statements in the body of a `CREATE FUNCTION / PROCEDURE` (its
/// `AS '<body>'` literal), also inside string literals there (`EXECUTE '...'`). Spans are exact in
/// a dollar-quoted body; otherwise they cover the whole body.
pub(super) fn concurrently_in_body(toks: &[Tok], procedure: bool) -> Vec<Action> {
    let mut depth = 0usize;
    let mut body = None;
    for (k, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && t.is("as") => {
                body = toks.get(k + 1).filter(|b| b.string().is_some());
                if body.is_some() {
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(body) = body else {
        return Vec::new();
    };
    let mut found = Vec::new();
    scan_literal(body, body.range(), procedure, 0, &mut found);
    found
}

/// Scan one string literal's content for `... CONCURRENTLY` statements; `blur`: where findings go
/// when offsets inside the literal are not exact.
fn scan_literal(
    literal: &Tok,
    blur: Range<usize>,
    procedure: bool,
    nesting: usize,
    out: &mut Vec<Action>,
) {
    let Some(value) = literal.string() else {
        return;
    };
    let mentions = value
        .as_bytes()
        .windows(12)
        .any(|w| w.eq_ignore_ascii_case(b"concurrently"));
    if nesting > 3 || !mentions {
        return;
    }
    let (base, exact) = match literal.token {
        Token::DollarQuotedString(d) => (
            literal.span.0 + d.tag.as_ref().map_or(0, |t| t.len()) + 2,
            true,
        ),
        _ => (literal.span.0, false),
    };
    let Ok(tokens) = Tokens::new(value, base) else {
        return;
    };
    let toks = tokens.significant();
    for (k, t) in toks.iter().enumerate() {
        if t.string().is_some() {
            let inner_blur = if exact { t.range() } else { blur.clone() };
            scan_literal(t, inner_blur, procedure, nesting + 1, out);
            continue;
        }
        if !t.is("concurrently") {
            continue;
        }
        let Some((what, start)) = concurrently_statement(&toks, k) else {
            continue;
        };
        let end = toks[k..]
            .iter()
            .position(|t| t.is_punct(&Token::SemiColon))
            .map_or(toks.len(), |p| k + p);
        let span = if exact {
            toks[start].span.0..toks[end - 1].span.1
        } else {
            blur.clone()
        };
        let mut action = Action::new(
            Kind::ConcurrentlyInBody { what, procedure },
            span.clone(),
            span,
        );
        action.exact = exact;
        out.push(action);
    }
}

/// For the `CONCURRENTLY` token at `k`: the statement it belongs to, if one that cannot run in a
/// function (not `REFRESH MATERIALIZED VIEW CONCURRENTLY`), and the index of its first token.
fn concurrently_statement(toks: &[Tok], k: usize) -> Option<(&'static str, usize)> {
    let at = |i: usize, word: &str| k >= i && toks[k - i].is(word);
    if at(1, "index") {
        if at(2, "create") {
            return Some(("CREATE INDEX", k - 2));
        }
        if at(2, "unique") && at(3, "create") {
            return Some(("CREATE INDEX", k - 3));
        }
        if at(2, "drop") {
            return Some(("DROP INDEX", k - 2));
        }
    }
    let reindex_target = ["index", "table", "schema", "database", "system"];
    if reindex_target.iter().any(|w| at(1, w)) {
        // `REINDEX [ ( options ) ] INDEX CONCURRENTLY`
        let start = toks[..k].iter().rposition(|t| t.is("reindex"))?;
        let between = &toks[start..k];
        if !between.iter().any(|t| t.is_punct(&Token::SemiColon)) {
            return Some(("REINDEX", start));
        }
    }
    // `ALTER TABLE x DETACH PARTITION [schema.]name CONCURRENTLY`
    let detach = (at(2, "partition") && at(3, "detach")) || (at(4, "partition") && at(5, "detach"));
    if detach {
        let start = toks[..k].iter().rposition(|t| t.is("alter"))?;
        return Some(("DETACH PARTITION", start));
    }
    None
}
