//! Canonical PostgreSQL type names: every spelling a person writes (`int`, `int4`, `serial`,
//! `varchar(255)`, `timestamptz`, `text[]`) mapped to what `format_type` prints
//! (`integer`, `character varying(255)`, `timestamp with time zone`, `text[]`).
//!
//! The same function normalizes both sides of a comparison: applied to `format_type` output it is
//! the identity, so a declared type and a live type are equal exactly when PostgreSQL would store
//! the same type. This module knows names only; it never talks to a database. Type names it does
//! not know (enums, domains, extension types such as `citext`) are kept as identifiers: folded to
//! lower case unless quoted, and qualified only when they live outside `public`.
//!
//! `serial`, `bigserial` and `smallserial` stay as written (`serial`): they are not types but
//! shorthand for an integer column with a sequence default, and [`serial_base`] gives the integer
//! type the database really has.

use std::fmt;

use crate::model::quote_ident;

/// A type spelling that is not a PostgreSQL type name (`varchar(abc)`, `numeric(1,2,3)`, `int[`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub message: String,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TypeError {}

fn error(message: impl Into<String>) -> TypeError {
    TypeError {
        message: message.into(),
    }
}

/// For `serial`, `bigserial` and `smallserial` (and `serial2/4/8`): the integer type the column
/// really gets. `None` for every other type.
pub fn serial_base(canonical: &str) -> Option<&'static str> {
    match canonical {
        "serial" => Some("integer"),
        "bigserial" => Some("bigint"),
        "smallserial" => Some("smallint"),
        _ => None,
    }
}

/// The canonical (`format_type`) spelling of a type, or an error for a malformed spelling.
///
/// ```
/// use driftlint::types::canonical;
/// assert_eq!(canonical("int4").unwrap(), "integer");
/// assert_eq!(canonical("VARCHAR(255)").unwrap(), "character varying(255)");
/// assert_eq!(canonical("timestamptz(3)").unwrap(), "timestamp(3) with time zone");
/// assert_eq!(canonical("int[][]").unwrap(), "integer[]");
/// ```
pub fn canonical(spelling: &str) -> Result<String, TypeError> {
    let (tokens, raw) = tokenize(spelling)?;
    if tokens.is_empty() {
        return Err(error("the type is empty"));
    }
    let mut parser = TypeParser {
        tokens,
        raw,
        pos: 0,
    };
    let base = parser.base()?;
    let mut array = false;
    loop {
        if parser.eat_punct('[') {
            if let Some(Token::Number(_)) = parser.peek() {
                parser.pos += 1;
            }
            if !parser.eat_punct(']') {
                return Err(error("an array bound `[` is not closed with `]`"));
            }
            array = true;
        } else if parser.eat_word("array") {
            if parser.eat_punct('[') {
                if let Some(Token::Number(_)) = parser.peek() {
                    parser.pos += 1;
                }
                if !parser.eat_punct(']') {
                    return Err(error("an array bound `[` is not closed with `]`"));
                }
            }
            array = true;
        } else {
            break;
        }
    }
    if let Some(token) = parser.peek() {
        return Err(error(format!(
            "unexpected `{}` in the type `{}`",
            token.text(),
            spelling.trim()
        )));
    }
    if array {
        if serial_base(&base).is_some() {
            return Err(error("there are no arrays of serial; use an integer array"));
        }
        Ok(format!("{base}[]"))
    } else {
        Ok(base)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// An unquoted word, lower-cased.
    Word(String),
    /// A double-quoted identifier, case kept.
    Quoted(String),
    Number(String),
    Punct(char),
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Word(w) | Token::Number(w) => w.clone(),
            Token::Quoted(q) => format!("\"{q}\""),
            Token::Punct(c) => c.to_string(),
        }
    }
}

/// The tokens of a type spelling, with each token's text as written.
fn tokenize(input: &str) -> Result<(Vec<Token>, Vec<String>), TypeError> {
    let mut tokens = Vec::new();
    let mut raw = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut ident = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        ident.push('"');
                    }
                    Some('"') => break,
                    Some(other) => ident.push(other),
                    None => return Err(error("a quoted type name is not closed with `\"`")),
                }
            }
            if ident.is_empty() {
                return Err(error("a quoted type name is empty"));
            }
            raw.push(format!("\"{}\"", ident.replace('"', "\"\"")));
            tokens.push(Token::Quoted(ident));
        } else if c.is_ascii_digit() || (c == '-' && tokens.last() == Some(&Token::Punct(','))) {
            let mut number = String::new();
            number.push(c);
            chars.next();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    number.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            raw.push(number.clone());
            tokens.push(Token::Number(number));
        } else if c.is_alphabetic() || c == '_' {
            let mut word = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    word.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            raw.push(word.clone());
            tokens.push(Token::Word(word.to_lowercase()));
            continue;
        } else if matches!(c, '(' | ')' | '[' | ']' | ',' | '.') {
            raw.push(c.to_string());
            tokens.push(Token::Punct(c));
            chars.next();
        } else {
            return Err(error(format!("unexpected `{c}` in a type name")));
        }
    }
    Ok((tokens, raw))
}

struct TypeParser {
    tokens: Vec<Token>,
    /// The text of each token as written.
    raw: Vec<String>,
    pos: usize,
}

impl TypeParser {
    /// The current token as written (`Point`, not `point`).
    fn raw_word(&self) -> String {
        self.raw.get(self.pos).cloned().unwrap_or_default()
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_word(&self, offset: usize) -> Option<&str> {
        match self.tokens.get(self.pos + offset) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.peek_word(0) == Some(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_punct(&mut self, punct: char) -> bool {
        if self.peek() == Some(&Token::Punct(punct)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `( n [, n]... )` when present: the type modifiers.
    fn modifiers(&mut self) -> Result<Option<Vec<i64>>, TypeError> {
        if !self.eat_punct('(') {
            return Ok(None);
        }
        let mut values = Vec::new();
        loop {
            match self.tokens.get(self.pos) {
                Some(Token::Number(n)) => {
                    let value = n
                        .parse::<i64>()
                        .map_err(|_| error(format!("`{n}` is not a valid type modifier")))?;
                    values.push(value);
                    self.pos += 1;
                }
                Some(other) => {
                    return Err(error(format!(
                        "a type modifier must be a number, not `{}`",
                        other.text()
                    )))
                }
                None => return Err(error("a type modifier list `(` is not closed with `)`")),
            }
            if self.eat_punct(')') {
                return Ok(Some(values));
            }
            if !self.eat_punct(',') {
                return Err(error("a type modifier list `(` is not closed with `)`"));
            }
        }
    }

    /// `with time zone` / `without time zone` after time and timestamp; `true` for "with".
    fn time_zone(&mut self) -> Result<Option<bool>, TypeError> {
        let with = match self.peek_word(0) {
            Some("with") => true,
            Some("without") => false,
            _ => return Ok(None),
        };
        if self.peek_word(1) == Some("time") && self.peek_word(2) == Some("zone") {
            self.pos += 3;
            Ok(Some(with))
        } else {
            Err(error("expected `time zone` after `with`/`without`"))
        }
    }

    /// The type name itself, with its modifiers: `integer`, `character varying(255)`,
    /// `timestamp(3) with time zone`, or a user type (enum, domain), possibly qualified.
    fn base(&mut self) -> Result<String, TypeError> {
        let first = match self.tokens.get(self.pos).cloned() {
            Some(Token::Word(w)) => w,
            Some(Token::Quoted(q)) => {
                self.pos += 1;
                if q == "char" && self.peek().is_none_or(|t| *t != Token::Punct('.')) {
                    // The internal one-byte type, which format_type prints quoted.
                    return Ok("\"char\"".into());
                }
                return self.user_type(q, true);
            }
            Some(other) => {
                return Err(error(format!(
                    "a type name cannot start with `{}`",
                    other.text()
                )))
            }
            None => return Err(error("the type is empty")),
        };
        self.pos += 1;
        self.named(first)
    }

    /// The type whose (unquoted, lower-cased) first word `first` was just read.
    fn named(&mut self, first: String) -> Result<String, TypeError> {
        match first.as_str() {
            "double" => {
                if !self.eat_word("precision") {
                    return Err(error("expected `precision` after `double`"));
                }
                self.no_modifiers("double precision")?;
                Ok("double precision".into())
            }
            "float" => match self.modifiers()?.as_deref() {
                None => Ok("double precision".into()),
                Some([p]) if (1..=24).contains(p) => Ok("real".into()),
                Some([p]) if (25..=53).contains(p) => Ok("double precision".into()),
                Some(_) => Err(error("float(p) takes one precision between 1 and 53")),
            },
            "numeric" | "decimal" => match self.modifiers()?.as_deref() {
                None => Ok("numeric".into()),
                Some([p]) if (1..=1000).contains(p) => Ok(format!("numeric({p},0)")),
                Some([p, s]) if (1..=1000).contains(p) && (-1000..=1000).contains(s) => {
                    Ok(format!("numeric({p},{s})"))
                }
                Some(_) => Err(error(
                    "numeric takes a precision (1 to 1000) and an optional scale",
                )),
            },
            "varchar" => self.length("character varying", false),
            "character" | "char" => self.fixed_or_varying("character"),
            "bpchar" => match self.modifiers()?.as_deref() {
                None => Ok("bpchar".into()),
                Some([n]) if *n >= 1 => Ok(format!("character({n})")),
                Some(_) => Err(error("bpchar takes one length of at least 1")),
            },
            "nchar" | "national" => {
                if first == "national" && !(self.eat_word("character") || self.eat_word("char")) {
                    return Err(error("expected `character` after `national`"));
                }
                self.fixed_or_varying("character")
            }
            "bit" => self.fixed_or_varying("bit"),
            "varbit" => self.length("bit varying", false),
            "time" | "timestamp" => {
                let precision = self.precision()?;
                let zone = self.time_zone()?.unwrap_or(false);
                Ok(time_name(&first, precision, zone))
            }
            "timestamptz" | "timetz" => {
                let precision = self.precision()?;
                if self.time_zone()?.is_some() {
                    return Err(error(format!("`{first}` already includes the time zone")));
                }
                Ok(time_name(first.trim_end_matches("tz"), precision, true))
            }
            "interval" => self.interval(),
            name => {
                if let Some(canonical) = simple_type(name) {
                    if self.peek() != Some(&Token::Punct('.')) {
                        self.no_modifiers(canonical)?;
                        return Ok(canonical.into());
                    }
                }
                self.user_type(first, false)
            }
        }
    }

    /// `interval`, its optional fields (`day to second`) and precision, after the word `interval`.
    fn interval(&mut self) -> Result<String, TypeError> {
        let mut fields = Vec::new();
        while let Some(word) = self.peek_word(0) {
            if matches!(
                word,
                "year" | "month" | "day" | "hour" | "minute" | "second" | "to"
            ) {
                fields.push(word.to_string());
                self.pos += 1;
            } else {
                break;
            }
        }
        let precision = self.precision()?;
        let mut name = String::from("interval");
        if !fields.is_empty() {
            name.push(' ');
            name.push_str(&fields.join(" "));
        }
        if let Some(p) = precision {
            name.push_str(&format!("({p})"));
        }
        Ok(name)
    }

    /// An error when a modifier follows a type that takes none.
    fn no_modifiers(&self, name: &str) -> Result<(), TypeError> {
        if self.peek() == Some(&Token::Punct('(')) {
            Err(error(format!("the type `{name}` takes no modifier")))
        } else {
            Ok(())
        }
    }

    /// `(p)` for time, timestamp and interval: 0 to 6.
    fn precision(&mut self) -> Result<Option<i64>, TypeError> {
        match self.modifiers()?.as_deref() {
            None => Ok(None),
            Some([p]) if (0..=6).contains(p) => Ok(Some(*p)),
            Some(_) => Err(error("a time precision is one number from 0 to 6")),
        }
    }

    /// `character` or `bit` (length 1 by default), or with `varying` after it, the varying type
    /// (any length by default), with its optional length.
    fn fixed_or_varying(&mut self, fixed: &str) -> Result<String, TypeError> {
        if self.eat_word("varying") {
            self.length(&format!("{fixed} varying"), false)
        } else {
            self.length(fixed, true)
        }
    }

    /// `(n)` for character types; `default_one` gives `character` its implicit length of 1.
    fn length(&mut self, name: &str, default_one: bool) -> Result<String, TypeError> {
        match self.modifiers()?.as_deref() {
            None if default_one => Ok(format!("{name}(1)")),
            None => Ok(name.to_string()),
            Some([n]) if *n >= 1 && *n <= 10_485_760 => Ok(format!("{name}({n})")),
            Some(_) => Err(error(format!(
                "{name} takes one length between 1 and 10485760"
            ))),
        }
    }

    /// An enum, domain or extension type: `mood`, `billing.mood`, `"Mood"`.
    fn user_type(&mut self, first: String, quoted: bool) -> Result<String, TypeError> {
        let mut parts = vec![(first, quoted)];
        while self.eat_punct('.') {
            match self.tokens.get(self.pos).cloned() {
                Some(Token::Word(w)) => parts.push((w, false)),
                Some(Token::Quoted(q)) => parts.push((q, true)),
                _ => return Err(error("expected a name after `.` in a type name")),
            }
            self.pos += 1;
        }
        if parts.len() > 2 {
            return Err(error("a type name has at most two parts: schema.type"));
        }
        if self.eat_punct('(') {
            // Extension types take modifiers of their own (`vector(3)`, `geometry(Point,4326)`):
            // kept as written, without spaces.
            let mut modifiers = Vec::new();
            loop {
                match self.tokens.get(self.pos).cloned() {
                    Some(Token::Punct(')')) => {
                        self.pos += 1;
                        break;
                    }
                    Some(Token::Punct(',')) => self.pos += 1,
                    Some(Token::Number(n)) => {
                        modifiers.push(n);
                        self.pos += 1;
                    }
                    Some(Token::Word(_)) | Some(Token::Quoted(_)) => {
                        // Words keep the case they were written in (PostGIS prints `Point`).
                        modifiers.push(self.raw_word());
                        self.pos += 1;
                    }
                    _ => return Err(error("a type modifier list `(` is not closed with `)`")),
                }
            }
            let name = qualified_type(parts);
            return Ok(format!("{name}({})", modifiers.join(",")));
        }
        Ok(qualified_type(parts))
    }
}

fn time_name(base: &str, precision: Option<i64>, zone: bool) -> String {
    let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
    let zone = if zone { "with" } else { "without" };
    format!("{base}{precision} {zone} time zone")
}

/// `format_type` prints a type unqualified when it is visible on the default search path
/// (`public`), qualified otherwise; each part quoted when it needs to be.
fn qualified_type(parts: Vec<(String, bool)>) -> String {
    let render = |(name, _quoted): &(String, bool)| quote_ident(name);
    match parts.as_slice() {
        [(schema, _), name] if schema == "public" || schema == "pg_catalog" => render(name),
        [schema, name] => format!("{}.{}", render(schema), render(name)),
        [name] => render(name),
        _ => String::new(),
    }
}

/// The canonical name of a built-in type spelled in one word without modifiers (`int4` ->
/// `integer`), or `None` for any other word.
fn simple_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "int" | "int4" | "integer" => "integer",
        "int8" | "bigint" => "bigint",
        "int2" | "smallint" => "smallint",
        "serial" | "serial4" => "serial",
        "bigserial" | "serial8" => "bigserial",
        "smallserial" | "serial2" => "smallserial",
        "float8" => "double precision",
        "float4" | "real" => "real",
        "bool" | "boolean" => "boolean",
        "text" => "text",
        "uuid" => "uuid",
        "json" => "json",
        "jsonb" => "jsonb",
        "bytea" => "bytea",
        "date" => "date",
        "inet" => "inet",
        "cidr" => "cidr",
        "macaddr" => "macaddr",
        "macaddr8" => "macaddr8",
        "money" => "money",
        "xml" => "xml",
        "tsvector" => "tsvector",
        "tsquery" => "tsquery",
        "oid" => "oid",
        "regclass" => "regclass",
        "jsonpath" => "jsonpath",
        "point" => "point",
        "line" => "line",
        "lseg" => "lseg",
        "box" => "box",
        "path" => "path",
        "polygon" => "polygon",
        "circle" => "circle",
        "int4range" => "int4range",
        "int8range" => "int8range",
        "numrange" => "numrange",
        "tsrange" => "tsrange",
        "tstzrange" => "tstzrange",
        "daterange" => "daterange",
        "pg_lsn" => "pg_lsn",
        "txid_snapshot" => "txid_snapshot",
        "name" => "name",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(spelling: &str) -> String {
        match canonical(spelling) {
            Ok(name) => name,
            Err(e) => panic!("`{spelling}` should be a type: {e}"),
        }
    }

    fn all_equal(spellings: &[&str], expected: &str) {
        for spelling in spellings {
            assert_eq!(canon(spelling), expected, "spelling `{spelling}`");
        }
        // Canonical names are fixed points: format_type output normalizes to itself.
        assert_eq!(canon(expected), expected, "canonical `{expected}`");
    }

    #[test]
    fn integer_family() {
        all_equal(&["int", "int4", "integer", "INTEGER", " Int "], "integer");
        all_equal(&["int8", "bigint", "BIGINT"], "bigint");
        all_equal(&["int2", "smallint"], "smallint");
    }

    #[test]
    fn serial_family_keeps_the_shorthand_and_knows_its_base() {
        assert_eq!(canon("serial"), "serial");
        assert_eq!(canon("SERIAL4"), "serial");
        assert_eq!(canon("bigserial"), "bigserial");
        assert_eq!(canon("serial8"), "bigserial");
        assert_eq!(canon("smallserial"), "smallserial");
        assert_eq!(canon("serial2"), "smallserial");
        assert_eq!(serial_base("serial"), Some("integer"));
        assert_eq!(serial_base("bigserial"), Some("bigint"));
        assert_eq!(serial_base("smallserial"), Some("smallint"));
        assert_eq!(serial_base("integer"), None);
        assert!(canonical("serial[]").is_err());
    }

    #[test]
    fn floating_point_family() {
        all_equal(
            &[
                "float8",
                "double precision",
                "DOUBLE   PRECISION",
                "float",
                "float(53)",
                "float(25)",
            ],
            "double precision",
        );
        all_equal(&["float4", "real", "float(24)", "float(1)"], "real");
        assert!(canonical("float(54)").is_err());
        assert!(canonical("float(0)").is_err());
    }

    #[test]
    fn numeric_family() {
        all_equal(&["numeric", "decimal", "NUMERIC"], "numeric");
        all_equal(
            &["numeric(12,2)", "decimal(12, 2)", "NUMERIC( 12 , 2 )"],
            "numeric(12,2)",
        );
        all_equal(&["numeric(10)", "decimal(10)"], "numeric(10,0)");
        assert!(canonical("numeric(1,2,3)").is_err());
        assert!(canonical("numeric(abc)").is_err());
    }

    #[test]
    fn character_family() {
        all_equal(
            &[
                "varchar(255)",
                "character varying(255)",
                "VARCHAR (255)",
                "char varying(255)",
            ],
            "character varying(255)",
        );
        all_equal(&["varchar", "character varying"], "character varying");
        all_equal(
            &["char(3)", "character(3)", "bpchar(3)", "nchar(3)"],
            "character(3)",
        );
        all_equal(&["char", "character"], "character(1)");
        all_equal(&["text", "TEXT"], "text");
        assert!(canonical("varchar(abc)").is_err());
        assert!(canonical("varchar(0)").is_err());
        assert!(canonical("varchar(255").is_err());
    }

    #[test]
    fn quoted_char_is_the_internal_one_byte_type() {
        assert_eq!(canon("\"char\""), "\"char\"");
    }

    #[test]
    fn boolean_and_simple_families() {
        all_equal(&["bool", "boolean", "BOOLEAN"], "boolean");
        for name in [
            "uuid", "json", "jsonb", "bytea", "date", "inet", "cidr", "macaddr", "money", "xml",
            "tsvector", "interval",
        ] {
            all_equal(&[&name.to_uppercase()], name);
        }
        assert!(canonical("uuid(3)").is_err());
    }

    #[test]
    fn time_family() {
        all_equal(
            &[
                "timestamp",
                "timestamp without time zone",
                "TIMESTAMP WITHOUT TIME ZONE",
            ],
            "timestamp without time zone",
        );
        all_equal(
            &["timestamptz", "timestamp with time zone", "TimestampTZ"],
            "timestamp with time zone",
        );
        all_equal(
            &[
                "timestamptz(3)",
                "timestamp(3) with time zone",
                "timestamp (3) with time zone",
            ],
            "timestamp(3) with time zone",
        );
        all_equal(
            &["timestamp(6)", "timestamp(6) without time zone"],
            "timestamp(6) without time zone",
        );
        all_equal(
            &["time", "time without time zone"],
            "time without time zone",
        );
        all_equal(&["timetz", "time with time zone"], "time with time zone");
        all_equal(
            &["time(2) with time zone", "timetz(2)"],
            "time(2) with time zone",
        );
        all_equal(&["interval(3)"], "interval(3)");
        all_equal(&["interval day to second"], "interval day to second");
        assert!(canonical("timestamp(7)").is_err());
        assert!(canonical("timestamptz with time zone").is_err());
        assert!(canonical("timestamp with zone").is_err());
    }

    #[test]
    fn bit_family() {
        all_equal(&["bit", "bit(1)"], "bit(1)");
        all_equal(&["varbit(8)", "bit varying(8)"], "bit varying(8)");
    }

    #[test]
    fn array_family() {
        all_equal(&["text[]", "TEXT[]", "text ARRAY", "text[3]"], "text[]");
        all_equal(
            &["int[]", "int[][]", "integer[]", "int4 [ ] [ ]"],
            "integer[]",
        );
        all_equal(
            &["varchar(10)[]", "character varying(10)[]"],
            "character varying(10)[]",
        );
        all_equal(&["timestamptz[]"], "timestamp with time zone[]");
        all_equal(&["mood[]"], "mood[]");
        assert!(canonical("int[").is_err());
    }

    #[test]
    fn user_types_fold_case_unless_quoted_and_drop_public() {
        all_equal(
            &[
                "outreach_status",
                "Outreach_Status",
                "public.outreach_status",
                "\"outreach_status\"",
            ],
            "outreach_status",
        );
        assert_eq!(canon("\"Mood\""), "\"Mood\"");
        assert_eq!(canon("billing.\"Mood\""), "billing.\"Mood\"");
        all_equal(
            &["billing.currency_code", "BILLING.currency_code"],
            "billing.currency_code",
        );
        all_equal(&["citext"], "citext");
        all_equal(&["vector(3)", "VECTOR( 3 )"], "vector(3)");
        all_equal(
            &["geometry(Point,4326)", "geometry(Point, 4326)"],
            "geometry(Point,4326)",
        );
        // A user type named like a keyword must stay quoted.
        assert_eq!(canon("\"user\""), "\"user\"");
        assert_eq!(canon("\"a b\""), "\"a b\"");
        assert!(canonical("a.b.c").is_err());
    }

    #[test]
    fn malformed_spellings_are_errors() {
        for bad in [
            "",
            "   ",
            "int int",
            "(3)",
            "varchar(",
            "numeric(1,",
            "text]",
            "\"unterminated",
            "int;drop",
            "double",
        ] {
            assert!(canonical(bad).is_err(), "`{bad}` must be rejected");
        }
    }
}
