//! Actions from sqlparser's tree: when sqlparser parses a statement of a kind converted here,
//! its [`Action`]s are built from the AST instead of the token reader ([`super::read`]), with the
//! same spans. Names, flags, the objects' tables, a new column's options and the functions its
//! default calls come from the tree; positions come from the spans of its identifiers, mapped to
//! byte offsets through the statement's tokens. What the tree does not record (`CONCURRENTLY` on
//! a `DROP INDEX`, `ON ONLY` on a `CREATE INDEX`, where a missing `OR REPLACE` goes, a type as
//! written) is read from the tokens around those positions.
//!
//! Converted: `CREATE TABLE | INDEX | SCHEMA | SEQUENCE | VIEW | MATERIALIZED VIEW | EXTENSION |
//! TRIGGER | POLICY | TYPE | DOMAIN`, `CREATE [OR REPLACE] FUNCTION` (unless its text holds
//! `CONCURRENTLY`: the token reader reads the body); `DROP TABLE | VIEW | MATERIALIZED VIEW |
//! INDEX | SCHEMA | SEQUENCE | TYPE | COLLATION | DOMAIN | EXTENSION | FUNCTION | PROCEDURE |
//! TRIGGER | POLICY`; `ALTER TABLE` whose every operation is `ADD COLUMN`, `DROP COLUMN`, `ADD`
//! of a primary key, unique (also `USING INDEX`), foreign key or check constraint,
//! `DROP CONSTRAINT`, `VALIDATE CONSTRAINT`, `ALTER COLUMN ... [SET DATA] TYPE | SET NOT NULL |
//! DROP NOT NULL | SET DEFAULT | DROP DEFAULT`, `ENABLE | DISABLE TRIGGER`, a `RENAME`, or one
//! with no action (`OWNER TO`, `ENABLE ROW LEVEL SECURITY`, `REPLICA IDENTITY`, `SET (...)`,
//! ...); `INSERT INTO`, `TRUNCATE`, `LOCK TABLE` and `SET` (an action for `lock_timeout` only).
//! Every other statement (and any of these whose names the tree does not hold as plain
//! identifiers, or whose column default holds an expression not walked here) is "not
//! converted": its actions stay the token reader's.

use std::ops::Range;

use sqlparser::ast::{Expr, Ident, ObjectName, Query, SetExpr, Statement, TableConstraint};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::column::{Bracket, TypeText};
use super::{Action, ConstraintKind, Flags, Kind, Name};
use crate::model::written_name;
use crate::sql::tokens::Tok;

mod alter;
mod alter_table;
mod column;
mod create;
mod drop;
mod maintenance;

/// One significant token: where sqlparser says it starts, its byte span in the file, and the
/// punctuation that cuts a statement into parts.
struct Entry {
    at: Location,
    span: (usize, usize),
    punct: Punct,
}

/// The tokens of an `INSERT` kept: its table's name is among them.
const INSERT_HEAD: usize = 32;

/// The punctuation that cuts an `ALTER TABLE` into its parts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Punct {
    Open,
    Close,
    Comma,
    SemiColon,
    Star,
    Other,
}

/// Maps the AST's line/column positions to the file's byte offsets, through the statement's
/// significant tokens; reads the words the tree does not keep from the file's text.
pub struct Locator<'f> {
    toks: Vec<Entry>,
    statement: Range<usize>,
    text: &'f str,
}

/// The commands whose statements are converted whole (`INSERT` is converted too, from its head).
const CONVERTED: &[&str] = &[
    "create", "drop", "alter", "truncate", "lock", "set", "vacuum",
];

impl<'f> Locator<'f> {
    /// Whether a statement starting with `first` may be converted: whether [`Locator::new`]
    /// would give a locator.
    pub fn converts(first: &Tok) -> bool {
        CONVERTED.iter().any(|k| first.is(k)) || first.is("insert")
    }

    /// The locator of a statement, when it starts with a command whose statements are converted;
    /// `None` otherwise, so other statements cost nothing. `text` is the file's text.
    pub fn new(significant: &[Tok], all: &[TokenWithSpan], text: &'f str) -> Option<Locator<'f>> {
        let first = significant.first()?;
        let keep = if CONVERTED.iter().any(|k| first.is(k)) {
            significant.len()
        } else if first.is("insert") {
            // Only the table's name is looked up, near the start: a data load's thousands of
            // tokens are not copied.
            significant.len().min(INSERT_HEAD)
        } else {
            return None;
        };
        let toks = significant[..keep]
            .iter()
            .map(|t| Entry {
                at: all
                    .get(t.index)
                    .map_or(Location { line: 0, column: 0 }, |w| w.span.start),
                span: t.span,
                punct: match t.token {
                    Token::LParen | Token::LBracket => Punct::Open,
                    Token::RParen | Token::RBracket => Punct::Close,
                    Token::Comma => Punct::Comma,
                    Token::SemiColon => Punct::SemiColon,
                    Token::Mul => Punct::Star,
                    _ => Punct::Other,
                },
            })
            .collect::<Vec<_>>();
        let statement = first.span.0..significant.last().map_or(first.span.1, |t| t.span.1);
        Some(Locator {
            toks,
            statement,
            text,
        })
    }

    /// The index of the token an identifier was read from.
    fn index(&self, ident: &Ident) -> Option<usize> {
        self.toks.iter().position(|t| t.at == ident.span.start)
    }

    fn start(&self, index: usize) -> Option<usize> {
        self.toks.get(index).map(|t| t.span.0)
    }

    /// The text of the token at `index`, as written.
    fn written(&self, index: usize) -> &'f str {
        self.toks
            .get(index)
            .and_then(|t| self.text.get(t.span.0..t.span.1))
            .unwrap_or("")
    }

    /// Whether the token at `index` is the unquoted word `keyword`.
    fn is(&self, index: usize, keyword: &str) -> bool {
        self.written(index).eq_ignore_ascii_case(keyword)
    }

    /// The index of the last token before the statement's semicolons, plus one.
    fn end(&self) -> usize {
        let mut end = self.toks.len();
        while end > 0 && self.toks[end - 1].punct == Punct::SemiColon {
            end -= 1;
        }
        end
    }

    fn action(&self, kind: Kind) -> Action {
        Action::new(kind, self.statement.clone(), self.statement.clone())
    }

    /// The statement's actions, or `None` when it is not converted.
    pub fn actions(&self, statement: &Statement) -> Option<Vec<Action>> {
        let action = match statement {
            Statement::AlterTable(alter) => return self.alter_table(alter),
            Statement::CreateFunction(f) => return self.create_function(f),
            Statement::Set(set) => return self.set(set),
            Statement::Vacuum(vacuum) => return self.vacuum(vacuum),
            Statement::AlterIndex { .. } | Statement::AlterType(_) | Statement::AlterSchema(_) => {
                self.alter(statement)
            }
            Statement::Insert(insert) => self.insert(insert),
            Statement::Truncate(t) => self.truncate(t),
            Statement::Lock(lock) => self.lock(lock),
            Statement::Drop { .. }
            | Statement::DropDomain(_)
            | Statement::DropExtension(_)
            | Statement::DropFunction(_)
            | Statement::DropProcedure { .. }
            | Statement::DropTrigger(_)
            | Statement::DropPolicy(_) => self.drop(statement),
            _ => self.create(statement),
        };
        Some(vec![action?])
    }

    /// The token ranges from `from` to the end of the statement (before its semicolons), cut at
    /// depth-0 commas; empty ones are skipped.
    fn parts_from(&self, from: usize) -> Vec<Range<usize>> {
        let end = self.end();
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = from;
        for i in from..end {
            match self.toks[i].punct {
                Punct::Open => depth += 1,
                Punct::Close => depth = depth.saturating_sub(1),
                Punct::Comma if depth == 0 => {
                    if start < i {
                        parts.push(start..i);
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < end {
            parts.push(start..end);
        }
        parts
    }

    /// The text of a type written from token `from` to before `to`, up to the first depth-0
    /// word of `stops`, joined as the token reader joins it.
    fn type_text(&self, from: usize, to: usize, stops: &[&str]) -> String {
        let mut text = TypeText::default();
        for i in from..to.min(self.toks.len()) {
            let bracket = match self.toks[i].punct {
                Punct::Open => Bracket::Open,
                Punct::Close => Bracket::Close,
                Punct::Comma => Bracket::Comma,
                _ => Bracket::None,
            };
            let stop = stops.iter().any(|s| self.is(i, s));
            if !text.push(self.written(i), bracket, stop) {
                break;
            }
        }
        text.into_string()
    }

    fn flagged(&self, kind: Kind, flags: Flags) -> Action {
        Action {
            flags,
            ..self.action(kind)
        }
    }

    /// The tables that `REFERENCES` clauses name, ordered as written.
    fn referenced<'n>(&self, names: impl Iterator<Item = &'n ObjectName>) -> Option<Vec<Name>> {
        let mut found = names.map(|n| self.name(n)).collect::<Option<Vec<_>>>()?;
        found.sort_by_key(|(_, at)| *at);
        Some(found.into_iter().map(|(name, _)| name).collect())
    }

    /// A possibly qualified name and the index of its first token; `None` when a part is not a
    /// plain identifier.
    fn name(&self, name: &ObjectName) -> Option<(Name, usize)> {
        let parts = name
            .0
            .iter()
            .map(|part| part.as_ident())
            .collect::<Option<Vec<_>>>()?;
        self.parts(&parts)
    }

    fn parts(&self, parts: &[&Ident]) -> Option<(Name, usize)> {
        let first = self.index(parts.first()?)?;
        let written = written_name(
            parts
                .iter()
                .map(|id| (id.value.as_str(), id.quote_style.is_some())),
        );
        let name = Name {
            name: folded(parts.last()?),
            schema: (parts.len() >= 2).then(|| folded(parts[parts.len() - 2])),
            written,
        };
        Some((name, first))
    }
}

/// An identifier as PostgreSQL stores it: unquoted ones fold to lower case.
fn folded(id: &Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_ascii_lowercase(),
    }
}

/// Whether an `INSERT`'s query keeps only the rows a `WHERE ... NOT EXISTS (...)` lets through
/// (`INSERT ... SELECT ... WHERE NOT EXISTS (SELECT ...)` inserts only missing rows).
fn filters_by_not_exists(query: &Query) -> bool {
    fn has_not_exists(expr: &Expr) -> bool {
        match expr {
            Expr::Exists { negated, .. } => *negated,
            Expr::BinaryOp { left, right, .. } => has_not_exists(left) || has_not_exists(right),
            Expr::Nested(inner) => has_not_exists(inner),
            _ => false,
        }
    }
    match query.body.as_ref() {
        SetExpr::Select(select) => select.selection.as_ref().is_some_and(has_not_exists),
        _ => false,
    }
}

/// The kind and name of a table constraint, when a kind the rules read.
fn constraint_kind(constraint: &TableConstraint) -> Option<(ConstraintKind, Option<&Ident>)> {
    Some(match constraint {
        TableConstraint::PrimaryKey(c) => (ConstraintKind::PrimaryKey, c.name.as_ref()),
        TableConstraint::PrimaryKeyUsingIndex(c) => (ConstraintKind::PrimaryKey, c.name.as_ref()),
        TableConstraint::Unique(c) => (ConstraintKind::Unique, c.name.as_ref()),
        TableConstraint::UniqueUsingIndex(c) => (ConstraintKind::Unique, c.name.as_ref()),
        TableConstraint::ForeignKey(c) => (ConstraintKind::ForeignKey, c.name.as_ref()),
        TableConstraint::Check(c) => (ConstraintKind::Check, c.name.as_ref()),
        _ => return None,
    })
}

/// The column a `CHECK (col IS NOT NULL)` checks, when that is all it checks.
fn not_null_checked(expr: &Expr) -> Option<String> {
    fn unnested(mut e: &Expr) -> &Expr {
        while let Expr::Nested(inner) = e {
            e = inner;
        }
        e
    }
    match unnested(expr) {
        Expr::IsNotNull(inner) => match unnested(inner) {
            Expr::Identifier(column) => Some(folded(column)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::lint::statement::parse_statement;
    use crate::sql::split::{split, PieceKind};
    use crate::sql::tokens::Tokens;
    use crate::test_texts::{fixture_texts, for_each_corpus_file};

    /// How the two readers fared on a set of statements.
    #[derive(Default, Debug)]
    struct Figures {
        statements: usize,
        /// sqlparser parsed the statement.
        parsed: usize,
        /// ... and its actions were built from the tree.
        converted: usize,
        /// Read by the token reader only (sqlparser failed on it).
        token_only: usize,
        agreeing: usize,
        /// Parsed by sqlparser but not converted, by command.
        not_converted: BTreeMap<String, usize>,
        /// Statement kind and differing field, with an example.
        disagreeing: BTreeMap<String, (usize, String)>,
    }

    impl Figures {
        fn disagreements(&self) -> usize {
            self.disagreeing.values().map(|(n, _)| n).sum()
        }
    }

    /// The fields of an action both readers fill (the file state is stamped later).
    fn fields(a: &Action) -> Vec<(&'static str, String)> {
        vec![
            ("kind", format!("{:?}", a.kind)),
            ("span", format!("{:?}", a.span)),
            ("statement", format!("{:?}", a.statement)),
            ("name", format!("{:?}", a.name)),
            ("new_name", format!("{:?}", a.new_name)),
            ("more_names", format!("{:?}", a.more_names)),
            ("table", format!("{:?}", a.table)),
            ("flags", format!("{:?}", a.flags)),
            ("insert_at", format!("{:?}", a.insert_at)),
            ("append_at", format!("{:?}", a.append_at)),
            ("siblings", format!("{:?}", a.siblings)),
            ("head_end", format!("{:?}", a.head_end)),
            ("columns", format!("{:?}", a.columns)),
            ("referenced", format!("{:?}", a.referenced)),
        ]
    }

    /// Where the two lists of actions first differ: the field (or "count").
    fn difference(tree: &[Action], tokens: &[Action]) -> Option<String> {
        if tree.len() != tokens.len() {
            return Some("number of actions".into());
        }
        tree.iter().zip(tokens).find_map(|(a, b)| {
            fields(a)
                .into_iter()
                .zip(fields(b))
                .find(|(x, y)| x != y)
                .map(|((field, x), (_, y))| format!("{field}: tree {x}, tokens {y}"))
        })
    }

    /// The command and object kind a statement starts with (`CREATE INDEX`), for categories.
    fn command(sql: &str) -> String {
        sql.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase()
    }

    /// Read every top-level statement of `text` with both readers and count.
    fn compare(text: &str, figures: &mut Figures) {
        for piece in split(text) {
            if piece.kind != PieceKind::Statement {
                continue;
            }
            let Ok(tokens) = Tokens::new(&text[piece.span.clone()], piece.span.start) else {
                continue;
            };
            figures.statements += 1;
            let significant = tokens.significant();
            let mut by_tokens = Vec::new();
            super::super::read(&significant, &mut by_tokens);
            let locator = Locator::new(&significant, &tokens.all, text);
            drop(significant);
            let Ok(statement) = parse_statement(tokens.all) else {
                figures.token_only += 1;
                continue;
            };
            figures.parsed += 1;
            let sql = &text[piece.span.clone()];
            let Some(by_tree) = locator.and_then(|l| l.actions(&statement)) else {
                *figures.not_converted.entry(command(sql)).or_default() += 1;
                continue;
            };
            figures.converted += 1;
            match difference(&by_tree, &by_tokens) {
                None => figures.agreeing += 1,
                Some(what) => {
                    let field = what.split(':').next().unwrap_or("").to_string();
                    let entry = figures
                        .disagreeing
                        .entry(format!("{} / {field}", command(sql)))
                        .or_insert((0, format!("{sql}\n  {what}")));
                    entry.0 += 1;
                }
            }
        }
    }

    #[test]
    fn tree_and_token_reader_agree_on_every_fixture_and_rule_example() {
        let mut figures = Figures::default();
        let texts = fixture_texts();
        assert!(texts.len() > 100, "{} fixture texts", texts.len());
        for (_, text) in &texts {
            compare(text, &mut figures);
        }
        eprintln!("{figures:#?}");
        assert!(figures.converted > 100, "{figures:#?}");
        assert_eq!(figures.disagreements(), 0, "{figures:#?}");
    }

    #[test]
    fn tree_actions_of_each_converted_kind() {
        let text = r#"
CREATE TABLE IF NOT EXISTS "Order" (id int);
CREATE TEMP TABLE s.t (id int);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON public."T" (lower(a));
CREATE INDEX ON t (a);
CREATE OR REPLACE VIEW v AS SELECT 1;
CREATE VIEW "V2" AS SELECT 1;
CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA AUTHORIZATION joe;
CREATE SEQUENCE IF NOT EXISTS s.seq START 1;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
DROP TABLE IF EXISTS a, s."B" CASCADE;
DROP INDEX ix;
DROP VIEW IF EXISTS s.v;
DROP MATERIALIZED VIEW mv;
DROP TYPE mood;
DROP SCHEMA IF EXISTS billing CASCADE;
DROP SEQUENCE seq;
DROP DOMAIN IF EXISTS d;
DROP EXTENSION IF EXISTS pgcrypto, hstore;
DROP COLLATION c;
ALTER TABLE IF EXISTS ONLY s.t DROP COLUMN IF EXISTS a CASCADE, DROP CONSTRAINT "C", VALIDATE CONSTRAINT fk;
ALTER TABLE t ALTER COLUMN a SET NOT NULL, RENAME CONSTRAINT a TO "B";
ALTER TABLE t RENAME COLUMN a TO b;
ALTER TABLE IF EXISTS t RENAME TO u;
ALTER TABLE t ADD PRIMARY KEY (id), ADD CONSTRAINT ck CHECK ((a IS NOT NULL)) NOT VALID;
ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX ux, ADD FOREIGN KEY (a) REFERENCES u (id);
INSERT INTO s."T" (a) VALUES (1) ON CONFLICT DO NOTHING;
INSERT INTO t SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = 1);
CREATE OR REPLACE TRIGGER trg AFTER UPDATE OF a ON s.t FOR EACH ROW EXECUTE FUNCTION f();
CREATE POLICY p ON t USING (true);
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE DOMAIN s.d AS int CHECK (VALUE > 0);
ALTER TABLE t ADD COLUMN IF NOT EXISTS a varchar(50) NOT NULL DEFAULT 'x'::varchar(50), ADD b uuid DEFAULT gen_random_uuid();
ALTER TABLE t ADD COLUMN c bigint DEFAULT public.next_id() REFERENCES s."U" (id), ADD COLUMN d bigserial;
ALTER TABLE t ADD COLUMN e numeric(10, 2) GENERATED ALWAYS AS (p * q) STORED, ADD COLUMN f int GENERATED BY DEFAULT AS IDENTITY;
ALTER TABLE t ADD COLUMN g timestamp with time zone DEFAULT (now() AT TIME ZONE 'utc') NOT NULL;
ALTER TABLE t ALTER COLUMN a TYPE varchar(100), ALTER COLUMN b SET DATA TYPE text[] USING b::text[];
ALTER TABLE t ALTER COLUMN a SET DEFAULT '', ALTER COLUMN b DROP DEFAULT, ALTER COLUMN c DROP NOT NULL;
ALTER TABLE t DISABLE TRIGGER ALL, ENABLE ALWAYS TRIGGER audit, ENABLE ROW LEVEL SECURITY, OWNER TO joe;
ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES s.u (id) NOT VALID;
CREATE TABLE IF NOT EXISTS c (id int REFERENCES a, b int, FOREIGN KEY (b) REFERENCES s.b (id));
CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';
DROP FUNCTION IF EXISTS f(int), g CASCADE;
DROP TRIGGER IF EXISTS trg ON s.t;
DROP POLICY p ON t;
DROP SCHEMA s CASCADE;
TRUNCATE TABLE a, s.b;
LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE;
LOCK s.t;
SET lock_timeout = '5s';
SET LOCAL lock_timeout TO 0;
SET search_path = public;
ALTER INDEX ix RENAME TO iy;
ALTER TYPE s.mood RENAME TO feeling;
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'x' AFTER 'y';
ALTER TYPE mood ADD VALUE 'z';
ALTER TYPE mood RENAME VALUE 'a' TO 'b';
ALTER SCHEMA billing RENAME TO invoicing;
VACUUM FULL s.t;
VACUUM t;
"#;
        let mut figures = Figures::default();
        compare(text, &mut figures);
        assert_eq!(figures.statements, 61, "{figures:#?}");
        assert_eq!(figures.converted, 61, "{figures:#?}");
        assert_eq!(figures.agreeing, 61, "{figures:#?}");
    }

    /// The tree's actions of one statement (which must be converted).
    fn tree_actions(sql: &str) -> Vec<Action> {
        let tokens = Tokens::new(sql, 0).unwrap();
        let significant = tokens.significant();
        let locator = Locator::new(&significant, &tokens.all, sql).unwrap();
        drop(significant);
        let statement = parse_statement(tokens.all).unwrap();
        locator.actions(&statement).expect("converted")
    }

    #[test]
    fn tree_reads_added_columns_defaults_and_referenced_tables() {
        use super::super::{LockMode, NewColumn, Rewrite};
        let found = tree_actions(
            "ALTER TABLE t ADD COLUMN c bigint NOT NULL DEFAULT public.next_id() REFERENCES s.\"U\" (id), ADD d bigserial, OWNER TO joe, ALTER COLUMN e TYPE varchar(100) USING e::varchar(100);",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0].kind,
            Kind::AddColumn(NewColumn {
                rewrite: Some(Rewrite::UserFunction("public.next_id()".into())),
                references: true,
                not_null: true,
                filled: true,
                type_name: "bigint".into(),
            })
        );
        assert_eq!(found[0].referenced[0].written, "s.\"U\"");
        assert!(found.iter().all(|a| a.siblings == 4));
        let Kind::AddColumn(serial) = &found[1].kind else {
            panic!("{:?}", found[1].kind)
        };
        assert_eq!(serial.rewrite, Some(Rewrite::Volatile("bigserial".into())));
        assert_eq!(
            found[2].kind,
            Kind::AlterColumnType {
                to: "varchar(100)".into()
            }
        );
        let found = tree_actions("ALTER TABLE t ALTER COLUMN a DROP DEFAULT, DISABLE TRIGGER ALL;");
        assert_eq!(found[0].kind, Kind::DropDefault);
        assert_eq!(found[1].kind, Kind::EnableTrigger { enable: false });
        assert_eq!(found[1].name_str(), "all");
        let found = tree_actions("LOCK TABLE a, b IN SHARE MODE;");
        assert_eq!(found[0].kind, Kind::LockTable(LockMode::Share));
        assert_eq!(found[0].more_names[0].name, "b");
        assert!(tree_actions("DROP SCHEMA s CASCADE;")[0].flags.cascade);
        assert!(tree_actions("SET statement_timeout = 0;").is_empty());
    }

    /// The figures over the shared corpus of real migrations, when present.
    #[test]
    fn tree_and_token_reader_on_the_corpus() {
        let mut figures = Figures::default();
        if !for_each_corpus_file(|_, text| compare(text, &mut figures)) {
            return;
        }
        eprintln!("{figures:#?}");
        assert!(figures.converted > 1000, "{figures:#?}");
        assert_eq!(figures.disagreements(), 0, "{figures:#?}");
    }
}
