//! Expression normalization: [`normalize_expr`], the text form in which two SQL expressions that
//! mean the same compare equal (casts, grouping parentheses, `IN` lists, case and quoting). It
//! tokenizes and rewrites text only; it never asks PostgreSQL (that is `canon`'s work).

use crate::model::quote_ident;

/// A normalized text form of a SQL expression, so that what a person writes and what PostgreSQL
/// prints compare equal when they mean the same: casts are dropped (`'x'::text` -> `'x'`),
/// grouping parentheses are dropped (`((a > 0))` -> `a > 0`), `IN (..)` becomes
/// `= ANY (ARRAY[..])`, keywords and unquoted names are lower-cased, needlessly quoted names are
/// unquoted, a `public.` qualifier is dropped and whitespace is collapsed.
///
/// Used on both sides of every expression comparison. When PostgreSQL canonicalized the declared
/// side (see `canon`) the two texts are already equal and this changes nothing; otherwise it is
/// the fallback comparison. It may call two different expressions equal when they differ only by
/// casts or precedence-neutral grouping; it never calls a rewritten-by-PostgreSQL form different.
pub fn normalize_expr(sql: &str) -> String {
    let tokens = drop_literal_type_prefix(expr_tokens(sql));
    let tokens = rewrite_in_lists(tokens);
    let tokens = drop_casts(tokens);
    let tokens = drop_grouping(tokens);
    let tokens = drop_public(tokens);
    let tokens = same_clock(tokens);
    let tokens = like_operators(tokens);
    render(&tokens)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(String),
    Op(String),
}

fn expr_tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || ((c == 'E' || c == 'e') && chars.get(i + 1) == Some(&'\'')) {
            i = string_token(&chars, i, &mut tokens);
        } else if c == '"' {
            i = quoted_token(&chars, i, &mut tokens);
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut text = String::new();
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                text.push(chars[i]);
                i += 1;
            }
            tokens.push(Tok::Num(text));
        } else if c.is_alphabetic() || c == '_' {
            let mut text = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                text.extend(chars[i].to_lowercase());
                i += 1;
            }
            tokens.push(Tok::Word(text));
        } else if "()[],;".contains(c) {
            tokens.push(Tok::Op(c.to_string()));
            i += 1;
        } else {
            i = operator_token(&chars, i, &mut tokens);
        }
    }
    tokens
}

/// The string literal (`'..'` or `E'..'`) starting at `chars[i]`, pushed onto `tokens`; returns
/// the index after it. A numeric string is pushed as a number (with its minus sign apart).
fn string_token(chars: &[char], mut i: usize, tokens: &mut Vec<Tok>) -> usize {
    let c = chars[i];
    let prefix = if c == '\'' { "" } else { "E" };
    if c != '\'' {
        i += 1;
    }
    i += 1;
    let mut text = String::new();
    while i < chars.len() {
        if chars[i] == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                text.push_str("''");
                i += 2;
                continue;
            }
            i += 1;
            break;
        }
        if prefix == "E" && chars[i] == '\\' && i + 1 < chars.len() {
            text.push(chars[i]);
            i += 1;
        }
        text.push(chars[i]);
        i += 1;
    }
    // A numeric string is the number PostgreSQL printed for a negative default.
    let numeric = !text.is_empty()
        && text
            .trim_start_matches('-')
            .chars()
            .all(|d| d.is_ascii_digit() || d == '.')
        && text
            .trim_start_matches('-')
            .chars()
            .next()
            .is_some_and(|d| d.is_ascii_digit());
    if numeric && prefix.is_empty() {
        if let Some(rest) = text.strip_prefix('-') {
            tokens.push(Tok::Op("-".into()));
            tokens.push(Tok::Num(rest.to_string()));
        } else {
            tokens.push(Tok::Num(text));
        }
    } else {
        tokens.push(Tok::Str(format!("{prefix}'{text}'")));
    }
    i
}

/// The quoted identifier starting at `chars[i]`, pushed onto `tokens` (as a plain word when the
/// quotes are needless); returns the index after it.
fn quoted_token(chars: &[char], mut i: usize, tokens: &mut Vec<Tok>) -> usize {
    i += 1;
    let mut text = String::new();
    while i < chars.len() {
        if chars[i] == '"' {
            if chars.get(i + 1) == Some(&'"') {
                text.push('"');
                i += 2;
                continue;
            }
            i += 1;
            break;
        }
        text.push(chars[i]);
        i += 1;
    }
    if quote_ident(&text) == text {
        tokens.push(Tok::Word(text));
    } else {
        tokens.push(Tok::Quoted(text));
    }
    i
}

/// The operator starting at `chars[i]`: a run of operator characters, `::` and `.` kept whole,
/// or any other single character; pushed onto `tokens`, returns the index after it.
fn operator_token(chars: &[char], mut i: usize, tokens: &mut Vec<Tok>) -> usize {
    let c = chars[i];
    let mut text = String::new();
    while i < chars.len() && "+-*/<>=~!@#%^&|`?:.".contains(chars[i]) {
        text.push(chars[i]);
        i += 1;
        if text == "::" || text == "." {
            break;
        }
    }
    if text.is_empty() {
        text.push(c);
        i += 1;
    }
    tokens.push(Tok::Op(text));
    i
}

fn matching_close(tokens: &[Tok], open: usize, open_tok: &str, close_tok: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if let Tok::Op(op) = token {
            if op == open_tok {
                depth += 1;
            } else if op == close_tok {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
    }
    None
}

/// `x IN (a, b)` -> `x = ANY (ARRAY[a, b])`, `x NOT IN (..)` -> `x <> ALL (ARRAY[..])`, the
/// forms PostgreSQL prints. A subquery (`IN (SELECT ..)`) is left alone.
fn rewrite_in_lists(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Tok::Word("in".into())
            && tokens.get(i + 1) == Some(&Tok::Op("(".into()))
            && tokens.get(i + 2) != Some(&Tok::Word("select".into()))
        {
            if let Some(close) = matching_close(&tokens, i + 1, "(", ")") {
                let negated = out.last() == Some(&Tok::Word("not".into()));
                if negated {
                    out.pop();
                }
                let inner = &tokens[i + 2..close];
                let mut depth = 0i32;
                let single = inner.iter().all(|t| match t {
                    Tok::Op(op) if op == "(" || op == "[" => {
                        depth += 1;
                        true
                    }
                    Tok::Op(op) if op == ")" || op == "]" => {
                        depth -= 1;
                        true
                    }
                    Tok::Op(op) if op == "," => depth != 0,
                    _ => true,
                });
                if single {
                    // PostgreSQL prints a one-element list as a plain comparison.
                    out.push(Tok::Op(if negated { "<>" } else { "=" }.into()));
                    out.extend(rewrite_in_lists(inner.to_vec()));
                    i = close + 1;
                    continue;
                }
                out.push(Tok::Op(if negated { "<>" } else { "=" }.into()));
                out.push(Tok::Word(if negated { "all" } else { "any" }.into()));
                out.push(Tok::Op("(".into()));
                out.push(Tok::Word("array".into()));
                out.push(Tok::Op("[".into()));
                out.extend(rewrite_in_lists(tokens[i + 2..close].to_vec()));
                out.push(Tok::Op("]".into()));
                out.push(Tok::Op(")".into()));
                i = close + 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `interval '1 day'` -> `'1 day'`: a typed literal is a cast, which PostgreSQL prints as
/// `'1 day'::interval` (and casts are dropped).
fn drop_literal_type_prefix(tokens: Vec<Tok>) -> Vec<Tok> {
    const TYPE_NAMES: &[&str] = &[
        "interval",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "timetz",
        "uuid",
        "json",
        "jsonb",
        "text",
        "numeric",
        "boolean",
        "bool",
        "int",
        "integer",
        "bigint",
        "smallint",
        "inet",
        "cidr",
        "bytea",
        "varchar",
        "char",
        "money",
        "xml",
        "real",
        "float",
    ];
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        if let Tok::Word(word) = token {
            let literal_follows =
                matches!(tokens.get(i + 1), Some(Tok::Str(_)) | Some(Tok::Num(_)));
            let after_cast = i > 0 && tokens[i - 1] == Tok::Op("::".into());
            if literal_follows && !after_cast && TYPE_NAMES.contains(&word.as_str()) {
                continue;
            }
        }
        out.push(token.clone());
    }
    out
}

/// Drops `::type` casts, including multi-word, modified, qualified and array types.
fn drop_casts(tokens: Vec<Tok>) -> Vec<Tok> {
    const TYPE_WORDS: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] != Tok::Op("::".into()) {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 1;
        // The type name: a word or quoted name, possibly qualified.
        if matches!(tokens.get(i), Some(Tok::Word(_)) | Some(Tok::Quoted(_))) {
            i += 1;
        }
        while tokens.get(i) == Some(&Tok::Op(".".into()))
            && matches!(tokens.get(i + 1), Some(Tok::Word(_)) | Some(Tok::Quoted(_)))
        {
            i += 2;
        }
        while let Some(Tok::Word(w)) = tokens.get(i) {
            if TYPE_WORDS.contains(&w.as_str()) {
                i += 1;
            } else {
                break;
            }
        }
        if tokens.get(i) == Some(&Tok::Op("(".into())) {
            if let Some(close) = matching_close(&tokens, i, "(", ")") {
                if tokens[i + 1..close]
                    .iter()
                    .all(|t| matches!(t, Tok::Num(_)) || *t == Tok::Op(",".into()))
                {
                    i = close + 1;
                }
            }
        }
        while let Some(Tok::Word(w)) = tokens.get(i) {
            if TYPE_WORDS.contains(&w.as_str()) {
                i += 1;
            } else {
                break;
            }
        }
        while tokens.get(i) == Some(&Tok::Op("[".into()))
            && tokens.get(i + 1) == Some(&Tok::Op("]".into()))
        {
            i += 2;
        }
    }
    out
}

/// Words after which a parenthesis groups rather than calls.
const GROUPING_KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "any", "all", "some", "when", "then", "else", "case",
    "between", "like", "ilike", "similar", "distinct", "from", "as", "on", "where", "exists",
];

/// Drops parentheses that only group (not those of a function call or `ANY (..)`).
fn drop_grouping(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut keep = vec![true; tokens.len()];
    let mut stack: Vec<(usize, bool)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Tok::Op(op) if op == "(" => {
                let call = i > 0
                    && match &tokens[i - 1] {
                        Tok::Word(w) => !GROUPING_KEYWORDS.contains(&w.as_str()),
                        Tok::Quoted(_) => true,
                        _ => false,
                    };
                stack.push((i, call));
            }
            Tok::Op(op) if op == ")" => {
                if let Some((open, call)) = stack.pop() {
                    if !call {
                        keep[open] = false;
                        keep[i] = false;
                    }
                }
            }
            _ => {}
        }
    }
    tokens
        .into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

/// `CURRENT_TIMESTAMP` and `transaction_timestamp()` are `now()` (PostgreSQL keeps the spelling
/// it was given, but they are the same function).
fn same_clock(tokens: Vec<Tok>) -> Vec<Tok> {
    let word = |t: Option<&Tok>, w: &str| t == Some(&Tok::Word(w.into()));
    let op = |t: Option<&Tok>, o: &str| t == Some(&Tok::Op(o.into()));
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let now = [
            Tok::Word("now".into()),
            Tok::Op("(".into()),
            Tok::Op(")".into()),
        ];
        if word(tokens.get(i), "current_timestamp") && !op(tokens.get(i + 1), "(") {
            out.extend(now);
            i += 1;
        } else if word(tokens.get(i), "transaction_timestamp")
            && op(tokens.get(i + 1), "(")
            && op(tokens.get(i + 2), ")")
        {
            out.extend(now);
            i += 3;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out
}

/// `LIKE` / `ILIKE` (and their `NOT` forms) as the operators PostgreSQL prints: `~~`, `~~*`.
fn like_operators(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    for token in tokens {
        let operator = match &token {
            Tok::Word(w) if w == "like" => "~~",
            Tok::Word(w) if w == "ilike" => "~~*",
            _ => {
                out.push(token);
                continue;
            }
        };
        let negated = out.last() == Some(&Tok::Word("not".into()));
        if negated {
            out.pop();
        }
        out.push(Tok::Op(format!(
            "{}{operator}",
            if negated { "!" } else { "" }
        )));
    }
    out
}

fn drop_public(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Tok::Word("public".into())
            && tokens.get(i + 1) == Some(&Tok::Op(".".into()))
            && matches!(tokens.get(i + 2), Some(Tok::Word(_)) | Some(Tok::Quoted(_)))
        {
            i += 2;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

fn render(tokens: &[Tok]) -> String {
    let is_op = |t: &Tok, ops: &[&str]| matches!(t, Tok::Op(op) if ops.contains(&op.as_str()));
    let mut text = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let prev = &tokens[i - 1];
            let call = is_op(token, &["(", "["]) && matches!(prev, Tok::Word(_) | Tok::Quoted(_));
            let tight =
                call || is_op(token, &[")", "]", ",", "."]) || is_op(prev, &["(", "[", "."]);
            if !tight {
                text.push(' ');
            }
        }
        match token {
            Tok::Word(w) | Tok::Num(w) | Tok::Op(w) | Tok::Str(w) => text.push_str(w),
            Tok::Quoted(q) => text.push_str(&format!("\"{}\"", q.replace('"', "\"\""))),
        }
    }
    text
}
