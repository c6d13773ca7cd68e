//! Actions: what a statement does to the schema, in a form every rule can read.
//!
//! Every statement — parsed by sqlparser or not, at the top level, inside a `DO` body or inside
//! an `EXECUTE '<literal>'` — is read here from its tokens into normalized [`Action`]s: create a
//! table, add a column, drop a constraint, ... Each action of a multi-action `ALTER TABLE` is its
//! own action with its own span. Rules see only actions, so the same rules apply wherever the
//! SQL came from. Deciding whether an action is a problem is the rules' job, not this module's.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use crate::sql::tokens::{Tok, Tokens};

/// What kind of object a `DROP` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Table,
    Index,
    View,
    MaterializedView,
    Sequence,
    Type,
    Domain,
    Schema,
    Function,
    Procedure,
    Trigger,
    Policy,
    Extension,
    Other(&'static str),
}

impl ObjectKind {
    pub fn sql(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::Index => "INDEX",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Type => "TYPE",
            ObjectKind::Domain => "DOMAIN",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Policy => "POLICY",
            ObjectKind::Extension => "EXTENSION",
            ObjectKind::Other(sql) => sql,
        }
    }
}

/// The kind of a table constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclude,
}

impl ConstraintKind {
    pub fn sql(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "PRIMARY KEY",
            ConstraintKind::Unique => "UNIQUE",
            ConstraintKind::ForeignKey => "FOREIGN KEY",
            ConstraintKind::Check => "CHECK",
            ConstraintKind::Exclude => "EXCLUDE",
        }
    }
}

/// What a `RENAME` renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameKind {
    /// A column of a table or view (`table` is the relation).
    Column,
    /// A column of a materialized view (not listed in `information_schema.columns`).
    MaterializedViewColumn,
    /// A table or foreign table.
    Table,
    Index,
    Constraint,
    View,
    MaterializedView,
    Sequence,
    Type,
    Domain,
    /// `ALTER TYPE t RENAME VALUE 'a' TO 'b'`: `name` is the value, `table` the type.
    EnumValue,
    Schema,
    Function,
    Procedure,
    /// `ALTER TRIGGER name ON table RENAME TO`: `table` is the table.
    Trigger,
}

impl RenameKind {
    /// The object kind, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            RenameKind::Column | RenameKind::MaterializedViewColumn => "column",
            RenameKind::Table => "table",
            RenameKind::Index => "index",
            RenameKind::Constraint => "constraint",
            RenameKind::View => "view",
            RenameKind::MaterializedView => "materialized view",
            RenameKind::Sequence => "sequence",
            RenameKind::Type => "type",
            RenameKind::Domain => "domain",
            RenameKind::EnumValue => "enum value",
            RenameKind::Schema => "schema",
            RenameKind::Function => "function",
            RenameKind::Procedure => "procedure",
            RenameKind::Trigger => "trigger",
        }
    }
}

pub use crate::model::quote_ident;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    CreateTable,
    CreateIndex,
    CreateSchema,
    CreateExtension,
    CreateSequence,
    CreateMaterializedView,
    CreateView,
    CreateFunction,
    CreateProcedure,
    /// `CREATE [OR REPLACE] AGGREGATE` (OR REPLACE since PostgreSQL 12).
    CreateAggregate,
    CreateTrigger,
    /// `CREATE EVENT TRIGGER`: no `OR REPLACE`, no `IF NOT EXISTS`.
    CreateEventTrigger,
    CreatePolicy,
    CreateType,
    CreateDomain,
    AddEnumValue,
    /// `volatile`: the volatile function (or serial type) in the column's default, if any.
    AddColumn {
        volatile: Option<String>,
    },
    AddConstraint(ConstraintKind),
    Drop(ObjectKind),
    DropColumn,
    DropConstraint,
    Rename(RenameKind),
    /// `not_exists`: the inserted rows are filtered by a `NOT EXISTS (...)`.
    Insert {
        on_conflict: bool,
        not_exists: bool,
    },
    AlterColumnType,
    SetNotNull,
    /// `REINDEX INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name`.
    Reindex(ObjectKind),
    /// `ALTER TABLE ... ATTACH PARTITION name FOR VALUES ...`: `name` is the partition.
    AttachPartition,
    /// `ALTER TABLE ... DETACH PARTITION name [CONCURRENTLY]`: `name` is the partition.
    DetachPartition,
    /// A `... CONCURRENTLY` statement (`what`: `CREATE INDEX`, `REINDEX`, ...) in the body of the
    /// function or procedure `name`: it fails whenever the function runs. No other rule reads
    /// function bodies: they run later, not as part of the migration.
    ConcurrentlyInBody {
        what: &'static str,
        procedure: bool,
    },
    /// `EXCEPTION WHEN others` in a DO block.
    HandlerOthers,
    /// A statement that was not fully parsed; `how` says how far it got.
    Unparsed {
        how: Parsed,
        reason: String,
    },
    /// A psql backslash command.
    MetaCommand,
}

/// How a statement was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    Fully,
    Fallback,
    NotAtAll,
}

/// A possibly qualified object name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    /// The last part, as PostgreSQL stores it (unquoted parts fold to lower case).
    pub name: String,
    /// The schema part, if written.
    pub schema: Option<String>,
    /// The name as written (quotes kept), for generated SQL.
    pub written: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub if_exists: bool,
    pub if_not_exists: bool,
    pub or_replace: bool,
    pub concurrently: bool,
    pub not_valid: bool,
    pub temporary: bool,
    /// The name is the one PostgreSQL gives an unnamed object (`<table>_pkey`).
    pub implicit_name: bool,
}

/// What a DO block wraps around an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// `IF [NOT] EXISTS (SELECT ... FROM <catalog> WHERE ...)` and its relatives.
    Catalog {
        /// `Some(true)`: the branch runs when the checked object is absent (`IF NOT EXISTS`);
        /// `Some(false)`: when it is present; `None`: cannot tell.
        absent: Option<bool>,
        /// The string literals of the condition, lower-cased, each dotted part on its own too.
        names: Vec<String>,
        /// The literals compared with a table column (`table_name = '...'`, `conrelid =
        /// '...'::regclass`): the table the checked object belongs to, when the guard says.
        tables: Vec<String>,
        /// Unique within a file: actions under the same branch share it.
        id: usize,
    },
    /// `IF [NOT] EXISTS (SELECT ... FROM <a table>)`: rows, not schema objects. `absent`: the
    /// branch runs when no such row exists.
    Rows { absent: bool },
    /// An `IF` on something else.
    Plain,
    /// `EXCEPTION WHEN <conditions>` around the block the action is in.
    Handler { conditions: Vec<String> },
}

/// One thing a statement does, with where it is written.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: Kind,
    /// The text of this action (one action of a multi-action ALTER TABLE has its own span).
    pub span: Range<usize>,
    /// The statement this action is part of (inside a DO body: the inner statement).
    pub statement: Range<usize>,
    /// Start of the top-level statement, for suppression comments.
    pub piece_start: usize,
    /// The object created, dropped, renamed (its old name), added (column, constraint, value).
    pub name: Option<Name>,
    /// The new name of a rename.
    pub new_name: Option<String>,
    /// The other objects of a multi-name `DROP a, b, c` (`name` is the first).
    pub more_names: Vec<Name>,
    /// The table a column, constraint, index, trigger or policy belongs to.
    pub table: Option<Name>,
    pub flags: Flags,
    /// Where a missing `IF NOT EXISTS` / `IF EXISTS` / `OR REPLACE` / `CONCURRENTLY` goes.
    pub insert_at: Option<usize>,
    /// Where a missing `NOT VALID` goes (the end of the action).
    pub append_at: usize,
    /// Number of actions in this statement, counting those no rule reads (`OWNER TO`, ...).
    pub siblings: usize,
    /// For an action of ALTER TABLE: where its statement's first action starts (the text before
    /// it is `ALTER TABLE [IF EXISTS] [ONLY] name`).
    pub head_end: Option<usize>,
    /// Guards around the action, outermost first.
    pub guards: Vec<Guard>,
    pub in_transaction: bool,
    /// Inside a DO body (or an EXECUTE literal): no whole-statement rewrites.
    pub nested: bool,
    /// Whether spans inside this action are exact (false inside an escaped EXECUTE literal).
    pub exact: bool,
}

impl Action {
    pub fn new(kind: Kind, span: Range<usize>, statement: Range<usize>) -> Action {
        Action {
            kind,
            append_at: span.end,
            span,
            statement,
            piece_start: 0,
            name: None,
            new_name: None,
            more_names: Vec::new(),
            table: None,
            flags: Flags::default(),
            insert_at: None,
            siblings: 1,
            head_end: None,
            guards: Vec::new(),
            in_transaction: false,
            nested: false,
            exact: true,
        }
    }

    /// The object's name, or "" when it has none.
    pub fn name_str(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.name.as_str())
    }

    pub fn table_str(&self) -> &str {
        self.table.as_ref().map_or("", |n| n.name.as_str())
    }
}

/// What kind of statement a token list is, beyond its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `DO [LANGUAGE x] <body>`: the index of the body's token. `plpgsql` is false for other
    /// languages.
    Do {
        body: usize,
        plpgsql: bool,
    },
    Begin,
    End,
    /// A statement kind this reader knows (even if it has no action).
    Known,
    /// Not a statement kind this reader knows.
    Unknown,
}

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
        let idents: Vec<String> = parts.iter().filter_map(|t| t.ident()).collect();
        let written = parts
            .iter()
            .map(|t| match t.token {
                Token::Word(w) if w.quote_style.is_some() => {
                    format!("\"{}\"", w.value.replace('"', "\"\""))
                }
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".");
        Some(Name {
            name: idents.last().cloned().unwrap_or_default(),
            schema: (idents.len() >= 2).then(|| idents[idents.len() - 2].clone()),
            written,
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

/// The `... CONCURRENTLY` statements in the body of a `CREATE FUNCTION / PROCEDURE` (its
/// `AS '<body>'` literal), also inside string literals there (`EXECUTE '...'`). Spans are exact in
/// a dollar-quoted body; otherwise they cover the whole body.
fn concurrently_in_body(toks: &[Tok], procedure: bool) -> Vec<Action> {
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

/// After ALTER: a relation kind other than TABLE whose statement may rename it or its columns.
fn relation_kind(c: &mut Cursor) -> Option<RenameKind> {
    if c.eat("index") {
        Some(RenameKind::Index)
    } else if c.eat("sequence") {
        Some(RenameKind::Sequence)
    } else if c.eat("view") {
        Some(RenameKind::View)
    } else if c.eat_seq(&["materialized", "view"]) {
        Some(RenameKind::MaterializedView)
    } else if c.eat_seq(&["foreign", "table"]) {
        Some(RenameKind::Table)
    } else {
        None
    }
}

/// A string literal's value as the name of an enum value.
fn value_name(value: &str) -> Name {
    Name {
        name: value.to_string(),
        schema: None,
        written: format!("'{}'", value.replace('\'', "''")),
    }
}

/// Split token indices `from..to` at depth-0 commas.
fn split_commas(toks: &[Tok], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = from;
    for (i, t) in toks.iter().enumerate().take(to).skip(from) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                if start < i {
                    parts.push((start, i));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < to {
        parts.push((start, to));
    }
    parts
}

/// Functions whose value changes per row: a default calling one rewrites the whole table.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "setseed",
];

const SERIAL_TYPES: &[&str] = &[
    "serial",
    "bigserial",
    "smallserial",
    "serial2",
    "serial4",
    "serial8",
];

/// Statement kinds known to the reader: a statement starting with one of these is understood
/// at least at the token level.
const KNOWN_COMMANDS: &[&str] = &[
    "abort",
    "alter",
    "analyze",
    "begin",
    "call",
    "checkpoint",
    "close",
    "cluster",
    "comment",
    "commit",
    "copy",
    "create",
    "deallocate",
    "declare",
    "delete",
    "discard",
    "do",
    "drop",
    "end",
    "execute",
    "explain",
    "fetch",
    "grant",
    "import",
    "insert",
    "listen",
    "load",
    "lock",
    "merge",
    "move",
    "notify",
    "prepare",
    "reassign",
    "refresh",
    "reindex",
    "release",
    "reset",
    "revoke",
    "rollback",
    "savepoint",
    "security",
    "select",
    "set",
    "show",
    "start",
    "table",
    "truncate",
    "unlisten",
    "update",
    "vacuum",
    "values",
    "with",
];

/// Read one statement's significant tokens into actions (appended to `out`).
pub fn read(toks: &[Tok], out: &mut Vec<Action>) -> Shape {
    let Some(first) = toks.first() else {
        return Shape::Unknown;
    };
    let statement = first.span.0..toks.last().map_or(first.span.1, |t| t.span.1);
    let mut end = toks.len();
    while end > 0 && toks[end - 1].is_punct(&Token::SemiColon) {
        end -= 1;
    }
    let toks = &toks[..end];
    let mut reader = Reader {
        c: Cursor::new(toks),
        statement,
        out,
    };
    reader.statement()
}

struct Reader<'t, 'a, 'o> {
    c: Cursor<'t, 'a>,
    statement: Range<usize>,
    out: &'o mut Vec<Action>,
}

impl Reader<'_, '_, '_> {
    fn action(&self, kind: Kind) -> Action {
        Action::new(kind, self.statement.clone(), self.statement.clone())
    }

    fn statement(&mut self) -> Shape {
        let Some(first) = self.c.peek() else {
            return Shape::Unknown;
        };
        if first.is_punct(&Token::LParen) {
            return Shape::Known;
        }
        let Some(word) = first.word().map(str::to_ascii_lowercase) else {
            return Shape::Unknown;
        };
        if matches!(first.token, Token::Word(w) if w.quote_style.is_some()) {
            return Shape::Unknown;
        }
        self.c.i += 1;
        match word.as_str() {
            "create" => self.create(),
            "alter" => self.alter(),
            "drop" => self.drop(),
            "insert" => self.insert(),
            "reindex" => self.reindex(),
            "do" => return self.do_block(),
            "begin" | "start" => return Shape::Begin,
            "commit" | "end" | "rollback" | "abort" => {
                if word == "rollback" && self.c.at_seq(&["to"]) {
                    return Shape::Known;
                }
                if matches!(word.as_str(), "commit" | "rollback") && self.c.at("prepared") {
                    return Shape::Known;
                }
                return Shape::End;
            }
            w if KNOWN_COMMANDS.contains(&w) => {}
            _ => return Shape::Unknown,
        }
        Shape::Known
    }

    fn do_block(&mut self) -> Shape {
        let mut plpgsql = true;
        let mut body = None;
        while let Some(t) = self.c.peek() {
            if t.is("language") {
                self.c.i += 1;
                if let Some(lang) = self.c.peek() {
                    let name = lang.word().or(lang.string()).unwrap_or("");
                    plpgsql = name.eq_ignore_ascii_case("plpgsql");
                }
            } else if t.string().is_some() && body.is_none() {
                body = Some(self.c.i);
            }
            self.c.i += 1;
        }
        match body {
            Some(body) => Shape::Do { body, plpgsql },
            None => Shape::Unknown,
        }
    }

    fn create(&mut self) {
        let c = &mut self.c;
        let mut flags = Flags::default();
        if c.eat_seq(&["or", "replace"]) {
            flags.or_replace = true;
        }
        let or_replace_at = c.here();
        loop {
            if c.eat("temp") || c.eat("temporary") {
                flags.temporary = true;
                continue;
            }
            let modifier = [
                "unique",
                "global",
                "local",
                "unlogged",
                "recursive",
                "constraint",
            ]
            .iter()
            .chain(&["trusted", "procedural"])
            .any(|k| c.eat(k));
            if !modifier {
                break;
            }
        }
        let Some(kw) = c.peek().and_then(|t| t.word()).map(str::to_ascii_lowercase) else {
            return;
        };
        c.i += 1;
        let kind = match kw.as_str() {
            "table" => Kind::CreateTable,
            "index" => Kind::CreateIndex,
            "schema" => Kind::CreateSchema,
            "extension" => Kind::CreateExtension,
            "sequence" => Kind::CreateSequence,
            "materialized" if c.eat("view") => Kind::CreateMaterializedView,
            "view" => Kind::CreateView,
            "function" => Kind::CreateFunction,
            "procedure" => Kind::CreateProcedure,
            "aggregate" => Kind::CreateAggregate,
            "trigger" => Kind::CreateTrigger,
            "event" if c.eat("trigger") => Kind::CreateEventTrigger,
            "policy" => Kind::CreatePolicy,
            "type" => Kind::CreateType,
            "domain" => Kind::CreateDomain,
            _ => return,
        };
        let mut action = self.action(kind.clone());
        let c = &mut self.c;
        if matches!(kind, Kind::CreateIndex) && c.eat("concurrently") {
            action.flags.concurrently = true;
        }
        let if_at = c.here();
        if c.eat_seq(&["if", "not", "exists"]) {
            flags.if_not_exists = true;
        }
        action.flags = Flags {
            concurrently: action.flags.concurrently,
            ..flags
        };
        match kind {
            Kind::CreateFunction
            | Kind::CreateProcedure
            | Kind::CreateAggregate
            | Kind::CreateView
            | Kind::CreateTrigger => action.insert_at = Some(or_replace_at),
            _ => action.insert_at = Some(if_at),
        }
        match kind {
            Kind::CreateIndex => {
                if !c.at("on") {
                    action.name = c.name();
                } else {
                    action.insert_at = None;
                }
                if c.seek("on") {
                    c.i += 1;
                    c.eat("only");
                    action.table = c.name();
                }
            }
            Kind::CreateSchema => {
                c.eat("authorization");
                action.name = c.name();
            }
            Kind::CreateTrigger | Kind::CreatePolicy => {
                action.name = c.name();
                if c.seek("on") {
                    c.i += 1;
                    action.table = c.name();
                }
            }
            _ => action.name = c.name(),
        }
        if matches!(kind, Kind::CreateTable) {
            action.table = action.name.clone();
        }
        let in_body = match kind {
            Kind::CreateFunction | Kind::CreateProcedure => {
                concurrently_in_body(self.c.toks, kind == Kind::CreateProcedure)
            }
            _ => Vec::new(),
        };
        for mut inner in in_body {
            inner.statement = self.statement.clone();
            inner.name = action.name.clone();
            self.out.push(inner);
        }
        self.out.push(action);
    }

    fn alter(&mut self) {
        let c = &mut self.c;
        if c.eat("table") {
            let table_if_exists = c.eat_seq(&["if", "exists"]);
            c.eat("only");
            let Some(table) = c.name() else { return };
            if c.peek().is_some_and(|t| t.is_punct(&Token::Mul)) {
                c.i += 1;
            }
            let start = c.i;
            let parts = split_commas(c.toks, start, c.toks.len());
            let first_new = self.out.len();
            let count = parts.len();
            for (from, to) in parts {
                self.alter_table_action(&table, table_if_exists, from, to);
            }
            let head_end = self.c.toks.get(start).map(|t| t.span.0);
            for action in &mut self.out[first_new..] {
                action.siblings = count;
                action.head_end = head_end;
            }
        } else if let Some(kind) = relation_kind(c) {
            let if_exists = c.eat_seq(&["if", "exists"]);
            let Some(name) = c.name() else { return };
            if !c.eat("rename") {
                return;
            }
            let column = !c.at("to") && kind != RenameKind::Index && kind != RenameKind::Sequence;
            let mut action = self.action(Kind::Rename(kind));
            let c = &mut self.c;
            if column {
                c.eat("column");
                action.kind = Kind::Rename(if kind == RenameKind::MaterializedView {
                    RenameKind::MaterializedViewColumn
                } else {
                    RenameKind::Column
                });
                action.table = Some(name);
                action.name = c.name();
            } else {
                action.flags.if_exists = if_exists;
                action.name = Some(name);
            }
            if !c.eat("to") {
                return;
            }
            action.new_name = c.peek().and_then(|t| t.ident());
            self.out.push(action);
        } else if c.eat("type") {
            let Some(name) = c.name() else { return };
            if c.eat_seq(&["add", "value"]) {
                let mut action = Action::new(
                    Kind::AddEnumValue,
                    self.statement.clone(),
                    self.statement.clone(),
                );
                action.insert_at = Some(c.here());
                action.flags.if_not_exists = c.eat_seq(&["if", "not", "exists"]);
                action.table = Some(name);
                action.name = c.peek().and_then(|t| t.string()).map(value_name);
                self.out.push(action);
            } else if c.eat_seq(&["rename", "value"]) {
                let old = c.peek().and_then(|t| t.string()).map(value_name);
                c.i += 1;
                if !c.eat("to") {
                    return;
                }
                let mut action = self.action(Kind::Rename(RenameKind::EnumValue));
                action.new_name = self.c.peek().and_then(|t| t.string()).map(str::to_string);
                action.table = Some(name);
                action.name = old;
                self.out.push(action);
            } else if c.eat_seq(&["rename", "to"]) {
                self.rename_to(RenameKind::Type, name);
            }
        } else if c.eat("domain") || c.eat("schema") {
            let kind = if c.toks[c.i - 1].is("domain") {
                RenameKind::Domain
            } else {
                RenameKind::Schema
            };
            let Some(name) = c.name() else { return };
            if c.eat_seq(&["rename", "to"]) {
                self.rename_to(kind, name);
            }
        } else if c.eat("function") || c.eat("procedure") {
            let kind = if c.toks[c.i - 1].is("function") {
                RenameKind::Function
            } else {
                RenameKind::Procedure
            };
            let Some(name) = c.name() else { return };
            if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
                c.i += 1;
                c.seek_close();
            }
            if c.eat_seq(&["rename", "to"]) {
                self.rename_to(kind, name);
            }
        } else if c.eat("trigger") {
            let Some(name) = c.name() else { return };
            if !c.eat("on") {
                return;
            }
            let table = c.name();
            if c.eat_seq(&["rename", "to"]) {
                self.rename_to(RenameKind::Trigger, name);
                if let Some(action) = self.out.last_mut() {
                    action.table = table;
                }
            }
        }
    }

    /// A `... RENAME TO <new>` of `name` (the cursor is after `TO`).
    fn rename_to(&mut self, kind: RenameKind, name: Name) {
        let mut action = self.action(Kind::Rename(kind));
        action.name = Some(name);
        action.new_name = self.c.peek().and_then(|t| t.ident());
        self.out.push(action);
    }

    fn alter_table_action(&mut self, table: &Name, table_if_exists: bool, from: usize, to: usize) {
        let toks = self.c.toks;
        if from >= to || to > toks.len() {
            return;
        }
        let span = toks[from].span.0..toks[to - 1].span.1;
        let mut c = Cursor::new(&toks[..to]);
        c.i = from;
        let make = |kind: Kind| {
            let mut action = Action::new(kind, span.clone(), self.statement.clone());
            action.table = Some(table.clone());
            action
        };
        if c.eat("add") {
            let constraint_start = [
                "constraint",
                "primary",
                "unique",
                "foreign",
                "check",
                "exclude",
            ];
            if constraint_start.iter().any(|k| c.at(k)) {
                let name = if c.eat("constraint") { c.name() } else { None };
                let kind = if c.eat("primary") {
                    ConstraintKind::PrimaryKey
                } else if c.eat("unique") {
                    ConstraintKind::Unique
                } else if c.eat("foreign") {
                    ConstraintKind::ForeignKey
                } else if c.eat("check") {
                    ConstraintKind::Check
                } else if c.eat("exclude") {
                    ConstraintKind::Exclude
                } else {
                    return;
                };
                let mut action = make(Kind::AddConstraint(kind));
                // PostgreSQL names an unnamed primary key `<table>_pkey` (when that fits in 63
                // bytes; a longer name is cut, which is not modelled).
                let implicit = format!("{}_pkey", table.name);
                if name.is_none() && kind == ConstraintKind::PrimaryKey && implicit.len() <= 63 {
                    action.flags.implicit_name = true;
                    action.name = Some(Name {
                        written: quote_ident(&implicit),
                        name: implicit,
                        schema: None,
                    });
                } else {
                    action.name = name;
                }
                let n = to - from;
                action.flags.not_valid =
                    n >= 2 && toks[to - 2].is("not") && toks[to - 1].is("valid");
                self.out.push(action);
                return;
            }
            c.eat("column");
            let insert_at = c.here();
            let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
            let name = c.name();
            let mut volatile = c
                .peek()
                .and_then(|t| t.word())
                .map(str::to_ascii_lowercase)
                .filter(|w| SERIAL_TYPES.contains(&w.as_str()));
            if volatile.is_none() {
                let mut seen_default = false;
                for k in c.i..to {
                    if toks[k].is("default") {
                        seen_default = true;
                    }
                    if !seen_default {
                        continue;
                    }
                    let Some(w) = toks[k].word() else { continue };
                    let lower = w.to_ascii_lowercase();
                    if VOLATILE_FUNCTIONS.contains(&lower.as_str())
                        && toks.get(k + 1).is_some_and(|t| t.is_punct(&Token::LParen))
                    {
                        volatile = Some(format!("{lower}()"));
                        break;
                    }
                }
            }
            let mut action = make(Kind::AddColumn { volatile });
            action.flags.if_not_exists = if_not_exists;
            action.insert_at = Some(insert_at);
            action.name = name;
            self.out.push(action);
        } else if c.eat("drop") {
            let constraint = c.eat("constraint");
            if !constraint {
                c.eat("column");
            }
            let insert_at = c.here();
            let if_exists = c.eat_seq(&["if", "exists"]);
            let kind = if constraint {
                Kind::DropConstraint
            } else {
                Kind::DropColumn
            };
            let mut action = make(kind);
            action.flags.if_exists = if_exists;
            action.insert_at = Some(insert_at);
            action.name = c.name();
            self.out.push(action);
        } else if c.eat("alter") {
            c.eat("column");
            let column = c.name();
            let kind = if c.eat("type") || c.eat_seq(&["set", "data", "type"]) {
                Kind::AlterColumnType
            } else if c.eat_seq(&["set", "not", "null"]) {
                Kind::SetNotNull
            } else {
                return;
            };
            let mut action = make(kind);
            action.name = column;
            self.out.push(action);
        } else if c.eat_seq(&["attach", "partition"]) {
            let mut action = make(Kind::AttachPartition);
            action.name = c.name();
            self.out.push(action);
        } else if c.eat_seq(&["detach", "partition"]) {
            let mut action = make(Kind::DetachPartition);
            action.name = c.name();
            action.flags.concurrently = c.eat("concurrently");
            self.out.push(action);
        } else if c.eat("rename") {
            let (kind, name) = if c.eat("to") {
                (RenameKind::Table, Some(table.clone()))
            } else if c.eat("constraint") {
                let name = c.name();
                c.eat("to");
                (RenameKind::Constraint, name)
            } else {
                c.eat("column");
                let name = c.name();
                c.eat("to");
                (RenameKind::Column, name)
            };
            let mut action = make(Kind::Rename(kind));
            action.name = name;
            action.new_name = c.peek().and_then(|t| t.ident());
            action.flags.if_exists = table_if_exists && kind == RenameKind::Table;
            self.out.push(action);
        }
    }

    fn drop(&mut self) {
        let c = &mut self.c;
        let kind = if c.eat("table") {
            ObjectKind::Table
        } else if c.eat("index") {
            ObjectKind::Index
        } else if c.eat("view") {
            ObjectKind::View
        } else if c.eat_seq(&["materialized", "view"]) {
            ObjectKind::MaterializedView
        } else if c.eat("sequence") {
            ObjectKind::Sequence
        } else if c.eat("type") {
            ObjectKind::Type
        } else if c.eat("domain") {
            ObjectKind::Domain
        } else if c.eat("schema") {
            ObjectKind::Schema
        } else if c.eat("function") {
            ObjectKind::Function
        } else if c.eat("procedure") {
            ObjectKind::Procedure
        } else if c.eat("trigger") {
            ObjectKind::Trigger
        } else if c.eat("policy") {
            ObjectKind::Policy
        } else if c.eat("extension") {
            ObjectKind::Extension
        } else if c.eat_seq(&["foreign", "table"]) {
            ObjectKind::Other("FOREIGN TABLE")
        } else if c.eat_seq(&["event", "trigger"]) {
            ObjectKind::Other("EVENT TRIGGER")
        } else if c.eat("rule") {
            ObjectKind::Other("RULE")
        } else if c.eat("aggregate") {
            ObjectKind::Other("AGGREGATE")
        } else if c.eat("routine") {
            ObjectKind::Other("ROUTINE")
        } else if c.eat("collation") {
            ObjectKind::Other("COLLATION")
        } else if c.eat("publication") {
            ObjectKind::Other("PUBLICATION")
        } else {
            return;
        };
        let mut action = self.action(Kind::Drop(kind));
        let c = &mut self.c;
        if kind == ObjectKind::Index && c.eat("concurrently") {
            action.flags.concurrently = true;
        }
        action.insert_at = Some(c.here());
        action.flags.if_exists = c.eat_seq(&["if", "exists"]);
        action.name = c.name();
        if !matches!(kind, ObjectKind::Function | ObjectKind::Procedure) {
            while c.peek().is_some_and(|t| t.is_punct(&Token::Comma)) {
                c.i += 1;
                let Some(name) = c.name() else { break };
                action.more_names.push(name);
            }
        }
        if matches!(
            kind,
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Other("RULE")
        ) && c.eat("on")
        {
            action.table = c.name();
        }
        if kind == ObjectKind::Table {
            action.table = action.name.clone();
        }
        self.out.push(action);
    }

    fn reindex(&mut self) {
        let c = &mut self.c;
        if c.peek().is_some_and(|t| t.is_punct(&Token::LParen)) {
            // `REINDEX (VERBOSE, TABLESPACE x) ...`
            c.i += 1;
            c.seek_close();
        }
        let kind = if c.eat("index") {
            ObjectKind::Index
        } else if c.eat("table") {
            ObjectKind::Table
        } else if c.eat("schema") {
            ObjectKind::Schema
        } else if c.eat("database") {
            ObjectKind::Other("DATABASE")
        } else if c.eat("system") {
            ObjectKind::Other("SYSTEM")
        } else {
            return;
        };
        let mut action = self.action(Kind::Reindex(kind));
        let c = &mut self.c;
        action.flags.concurrently = c.eat("concurrently");
        action.name = c.name();
        if kind == ObjectKind::Table {
            action.table = action.name.clone();
        }
        self.out.push(action);
    }

    fn insert(&mut self) {
        let c = &mut self.c;
        if !c.eat("into") {
            return;
        }
        let table = c.name();
        let rest = &c.toks[c.i..];
        let on_conflict = rest
            .windows(2)
            .any(|w| w[0].is("on") && w[1].is("conflict"));
        // `INSERT ... SELECT ... WHERE NOT EXISTS (SELECT ...)` inserts only missing rows.
        let not_exists = rest.windows(2).any(|w| w[0].is("not") && w[1].is("exists"));
        let mut action = self.action(Kind::Insert {
            on_conflict,
            not_exists,
        });
        action.table = table.clone();
        action.name = table;
        self.out.push(action);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::tokens::Tokens;

    fn actions(sql: &str) -> (Shape, Vec<Action>) {
        let tokens = Tokens::new(sql, 0).unwrap();
        let toks = tokens.significant();
        let mut out = Vec::new();
        let shape = read(&toks, &mut out);
        (shape, out)
    }

    #[test]
    fn multi_action_alter_table_gives_one_action_each() {
        let sql = "ALTER TABLE ONLY public.t ADD COLUMN a int, ADD COLUMN IF NOT EXISTS b text DEFAULT gen_random_uuid(), DROP CONSTRAINT c, ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u(id) NOT VALID;";
        let (shape, found) = actions(sql);
        assert_eq!(shape, Shape::Known);
        assert_eq!(found.len(), 4);
        assert_eq!(&sql[found[0].span.clone()], "ADD COLUMN a int");
        assert!(!found[0].flags.if_not_exists);
        assert!(found[1].flags.if_not_exists);
        assert_eq!(
            found[1].kind,
            Kind::AddColumn {
                volatile: Some("gen_random_uuid()".into())
            }
        );
        assert_eq!(found[2].kind, Kind::DropConstraint);
        assert_eq!(found[2].name_str(), "c");
        assert_eq!(
            found[3].kind,
            Kind::AddConstraint(ConstraintKind::ForeignKey)
        );
        assert!(found[3].flags.not_valid);
        assert!(found
            .iter()
            .all(|a| a.table_str() == "t" && a.siblings == 4));
    }

    #[test]
    fn empty_actions_between_commas_are_skipped() {
        let (_, found) = actions("ALTER TABLE t ADD COLUMN a int,, , DROP COLUMN b,;");
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|a| a.span.start < a.span.end));
    }

    #[test]
    fn create_index_variants() {
        let (_, found) = actions("CREATE UNIQUE INDEX CONCURRENTLY ix ON ONLY s.\"T\" (a);");
        assert_eq!(found[0].kind, Kind::CreateIndex);
        assert!(found[0].flags.concurrently);
        assert_eq!(found[0].name_str(), "ix");
        assert_eq!(found[0].table_str(), "T");
        let (_, found) = actions("create index on t (a)");
        assert_eq!(found[0].name, None);
        assert_eq!(found[0].insert_at, None);
    }

    #[test]
    fn a_drop_of_several_objects_names_them_all() {
        let (_, found) = actions("DROP TABLE IF EXISTS a, s.\"B\" CASCADE;");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name_str(), "a");
        let more: Vec<&str> = found[0]
            .more_names
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(more, ["B"]);
    }

    #[test]
    fn drops_and_do_blocks() {
        let (_, found) = actions("DROP INDEX CONCURRENTLY IF EXISTS ix;");
        assert_eq!(found[0].kind, Kind::Drop(ObjectKind::Index));
        assert!(found[0].flags.if_exists && found[0].flags.concurrently);
        let (shape, _) = actions("DO LANGUAGE plpgsql $x$ BEGIN END $x$;");
        assert_eq!(
            shape,
            Shape::Do {
                body: 3,
                plpgsql: true
            }
        );
        let (shape, _) = actions("frobnicate the database;");
        assert_eq!(shape, Shape::Unknown);
    }
}
