//! An added column's definition (`ADD COLUMN name type ...`, after the name): whether it names
//! a foreign key, is `NOT NULL`, gives existing rows a value, and whether that value is computed
//! per row — a volatile or user-defined function in the default, a serial type, a generated or
//! identity column — so that adding it rewrites the table. Whether that matters is the rules'.

use sqlparser::tokenizer::Token;

use super::{NewColumn, Rewrite};
use crate::sql::tokens::Tok;

/// Built-in functions whose value changes per row: a default calling one rewrites the table.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "currval",
    "txid_current",
    "pg_current_xact_id",
    "setseed",
];

/// Built-in functions (and words written like calls) that are `STABLE` or `IMMUTABLE`: a
/// default calling only these is evaluated once, with no rewrite (PostgreSQL 11+).
const NOT_VOLATILE_FUNCTIONS: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "statement_timestamp",
    "transaction_timestamp",
    "current_setting",
    "current_user",
    "current_schema",
    "session_user",
    "timezone",
    "date_trunc",
    "date_part",
    "extract",
    "age",
    "make_interval",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "to_timestamp",
    "to_date",
    "to_char",
    "to_number",
    "lower",
    "upper",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "concat",
    "concat_ws",
    "substring",
    "substr",
    "replace",
    "length",
    "left",
    "right",
    "lpad",
    "rpad",
    "md5",
    "sha256",
    "digest",
    "encode",
    "decode",
    "abs",
    "round",
    "floor",
    "ceil",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "cast",
    "array",
    "row",
    "array_fill",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "to_jsonb",
    "to_json",
    "jsonb_object",
    "json_object",
    "array_to_json",
    "uuid_nil",
    "uuid_generate_v3",
    "uuid_generate_v5",
    "inet_client_addr",
    "inet_server_addr",
    "pg_backend_pid",
    "overlay",
    "position",
    // Type names written as calls: `timestamptz('epoch')`, `numeric(10, 2)`.
    "timestamptz",
    "timestamp",
    "date",
    "time",
    "interval",
    "numeric",
    "decimal",
    "int",
    "int2",
    "int4",
    "int8",
    "integer",
    "bigint",
    "smallint",
    "float4",
    "float8",
    "text",
    "varchar",
    "char",
    "bool",
    "boolean",
    "jsonb",
    "json",
    "uuid",
    "bytea",
    "point",
];

/// Words followed by `(` in an expression that are not function calls.
const NOT_CALLS: &[&str] = &[
    "default", "in", "any", "all", "some", "exists", "and", "or", "not", "is", "then", "else",
    "when", "case", "as", "collate", "values", "select", "using", "filter", "over",
];

pub(super) const SERIAL_TYPES: &[&str] = &[
    "serial",
    "bigserial",
    "smallserial",
    "serial2",
    "serial4",
    "serial8",
];

/// Words that end a column's default expression (the next column constraint starts).
pub(super) const CONSTRAINT_WORDS: &[&str] = &[
    "constraint",
    "not",
    "null",
    "primary",
    "unique",
    "references",
    "check",
    "generated",
    "collate",
    "deferrable",
];

/// What a token is to a type's text: brackets and commas are written without spaces around.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Bracket {
    Open,
    Close,
    Comma,
    None,
}

/// A type's text as written, built token by token: `varchar(50)`, `numeric(10, 2)`, `text[]`.
#[derive(Default)]
pub(super) struct TypeText {
    text: String,
    depth: usize,
}

impl TypeText {
    /// Adds the token written `written`; false (nothing added) when it is a `stop` word at
    /// depth 0: the type ended before it.
    pub(super) fn push(&mut self, written: &str, bracket: Bracket, stop: bool) -> bool {
        match bracket {
            Bracket::Open => self.depth += 1,
            Bracket::Close => self.depth = self.depth.saturating_sub(1),
            _ if self.depth == 0 && stop => return false,
            _ => {}
        }
        let tight =
            bracket != Bracket::None || self.text.ends_with('(') || self.text.ends_with('[');
        if !self.text.is_empty() && !tight {
            self.text.push(' ');
        }
        self.text.push_str(written);
        true
    }

    pub(super) fn into_string(self) -> String {
        self.text
    }
}

/// The text of a type written in tokens `from..to`, up to the first depth-0 word of `stops`.
pub(super) fn type_text(toks: &[Tok], from: usize, to: usize, stops: &[&str]) -> String {
    let mut text = TypeText::default();
    for t in toks.iter().take(to).skip(from) {
        let bracket = match t.token {
            Token::LParen | Token::LBracket => Bracket::Open,
            Token::RParen | Token::RBracket => Bracket::Close,
            Token::Comma => Bracket::Comma,
            _ => Bracket::None,
        };
        let stop = stops.iter().any(|s| t.is(s));
        if !text.push(&t.token.to_string(), bracket, stop) {
            break;
        }
    }
    text.into_string()
}

/// What a call in a column's default says about the rewrite: the function `lower` (its name
/// lower-cased; `qualified` when written with a schema).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// A volatile built-in: the value changes per row.
    Volatile,
    /// A stable or immutable built-in, or not a call at all (`EXISTS (`, `IN (`).
    Known,
    /// Not a known built-in: a user-defined function, which may be volatile.
    User,
}

impl Call {
    pub(super) fn of(lower: &str, qualified: bool) -> Call {
        if VOLATILE_FUNCTIONS.contains(&lower) {
            Call::Volatile
        } else if NOT_CALLS.contains(&lower)
            || (!qualified && NOT_VOLATILE_FUNCTIONS.contains(&lower))
        {
            Call::Known
        } else {
            Call::User
        }
    }
}

/// Read a column definition: tokens `from..to`, `from` at its type.
pub(super) fn new_column(toks: &[Tok], from: usize, to: usize) -> NewColumn {
    let mut column = NewColumn::default();
    let to = to.min(toks.len());
    column.type_name = type_text(toks, from, to, &[CONSTRAINT_WORDS, &["default"]].concat());
    if let Some(serial) = toks
        .get(from)
        .filter(|_| from < to)
        .and_then(|t| t.word())
        .map(str::to_ascii_lowercase)
        .filter(|w| SERIAL_TYPES.contains(&w.as_str()))
    {
        column.rewrite = Some(Rewrite::Volatile(serial));
        column.filled = true;
        column.not_null = true;
    }
    let mut depth = 0usize;
    let mut k = from;
    while k < to {
        let t = &toks[k];
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 0 {
            k += 1;
            continue;
        }
        if t.is("references") {
            column.references = true;
        } else if (t.is("not") && toks.get(k + 1).is_some_and(|n| n.is("null")))
            || (t.is("primary") && toks.get(k + 1).is_some_and(|n| n.is("key")))
        {
            column.not_null = true;
        } else if t.is("default") {
            column.filled = true;
            let end = expression_end(toks, k + 1, to);
            if column.rewrite.is_none() {
                column.rewrite = default_rewrite(toks, k + 1, end);
            }
            k = end;
            continue;
        } else if t.is("generated") {
            column.filled = true;
            let identity = toks[k + 1..to].iter().take(5).any(|w| w.is("identity"));
            column.rewrite = Some(if identity {
                Rewrite::Identity
            } else {
                let stored = toks[k + 1..to].iter().any(|w| w.is("stored"));
                Rewrite::Generated { stored }
            });
        }
        k += 1;
    }
    column
}

/// Where a default expression starting at `from` ends: the next depth-0 constraint word.
fn expression_end(toks: &[Tok], from: usize, to: usize) -> usize {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().take(to).skip(from) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ if depth == 0 && k > from && CONSTRAINT_WORDS.iter().any(|w| t.is(w)) => {
                return k;
            }
            _ => {}
        }
    }
    to
}

/// Why a default expression (tokens `from..to`) is computed per row: the first volatile
/// built-in it calls, else the first function that is not a known built-in.
fn default_rewrite(toks: &[Tok], from: usize, to: usize) -> Option<Rewrite> {
    let mut user = None;
    for k in from..to {
        let Some(word) = toks[k].word() else { continue };
        if !toks.get(k + 1).is_some_and(|t| t.is_punct(&Token::LParen)) {
            continue;
        }
        // After `::` a word is a type (`'x'::varchar(10)`).
        if k > from && matches!(toks[k - 1].token, Token::DoubleColon) {
            continue;
        }
        let lower = word.to_ascii_lowercase();
        let qualified = k > from && toks[k - 1].is_punct(&Token::Period);
        match Call::of(&lower, qualified) {
            Call::Volatile => return Some(Rewrite::Volatile(format!("{lower}()"))),
            Call::Known => continue,
            Call::User => {}
        }
        if user.is_none() {
            let name = match toks[k].ident() {
                Some(ident) if qualified => {
                    let schema = toks.get(k.wrapping_sub(2)).and_then(|t| t.ident());
                    match schema {
                        Some(schema) => format!("{schema}.{ident}"),
                        None => ident,
                    }
                }
                Some(ident) => ident,
                None => lower,
            };
            user = Some(Rewrite::UserFunction(format!("{name}()")));
        }
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::tokens::Tokens;

    fn column(definition: &str) -> NewColumn {
        let tokens = Tokens::new(definition, 0).unwrap();
        let toks = tokens.significant();
        new_column(&toks, 0, toks.len())
    }

    #[test]
    fn defaults_and_constraints() {
        let c = column("uuid NOT NULL DEFAULT gen_random_uuid() REFERENCES t (id)");
        assert!(c.not_null && c.filled && c.references);
        assert_eq!(
            c.rewrite,
            Some(Rewrite::Volatile("gen_random_uuid()".into()))
        );
        let c = column("timestamptz NOT NULL DEFAULT (now() + interval '1 day')");
        assert_eq!(c.rewrite, None);
        assert!(c.filled);
        let c = column("text NOT NULL");
        assert!(c.not_null && !c.filled);
        let c = column("varchar(10) DEFAULT 'x'::varchar(10) NOT NULL");
        assert_eq!(c.rewrite, None);
    }

    #[test]
    fn user_functions_generated_and_identity() {
        let c = column("bigint DEFAULT public.next_id()");
        assert_eq!(
            c.rewrite,
            Some(Rewrite::UserFunction("public.next_id()".into()))
        );
        let c = column("numeric GENERATED ALWAYS AS (price * qty) STORED");
        assert_eq!(c.rewrite, Some(Rewrite::Generated { stored: true }));
        let c = column("numeric GENERATED ALWAYS AS (price * qty)");
        assert_eq!(c.rewrite, Some(Rewrite::Generated { stored: false }));
        let c = column("bigint GENERATED BY DEFAULT AS IDENTITY");
        assert_eq!(c.rewrite, Some(Rewrite::Identity));
        let c = column("bigserial");
        assert_eq!(c.rewrite, Some(Rewrite::Volatile("bigserial".into())));
    }
}
