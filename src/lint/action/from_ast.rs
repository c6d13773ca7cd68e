//! Actions from sqlparser's tree: when sqlparser parses a statement of a kind converted here,
//! its [`Action`]s are built from the AST instead of the token reader ([`super::read`]), with the
//! same spans. Names, flags and the objects' tables come from the tree; positions come from the
//! spans of its identifiers, mapped to byte offsets through the statement's tokens. What the
//! tree does not record (`CONCURRENTLY` on a `DROP INDEX`, `ON ONLY` on a `CREATE INDEX`, where a
//! missing `OR REPLACE` goes) is read from the tokens around those positions.
//!
//! Converted: `CREATE TABLE | INDEX | SCHEMA | SEQUENCE | VIEW | MATERIALIZED VIEW | EXTENSION |
//! TRIGGER | POLICY | TYPE | DOMAIN`,
//! `DROP TABLE | VIEW | MATERIALIZED VIEW | INDEX | SCHEMA | SEQUENCE | TYPE | COLLATION |
//! DOMAIN | EXTENSION`, and `ALTER TABLE` whose every operation is `DROP COLUMN`,
//! `DROP CONSTRAINT`, `VALIDATE CONSTRAINT`, `ADD` of a primary key, unique, foreign key or check constraint,
//! `ALTER COLUMN ... SET NOT NULL` or a `RENAME`, and `INSERT INTO` (of
//! the table, a column, a constraint). Every other statement (and any of these whose names the tree does not
//! hold as plain identifiers) is "not converted": its actions stay the token reader's.

use std::ops::Range;

use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, Expr, Ident, ObjectName, ObjectType,
    OnInsert, Query, RenameTableNameKind, SchemaName, SetExpr, Statement, TableConstraint,
    TableObject,
};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::{quote_ident, Action, ConstraintKind, Flags, Kind, Name, ObjectKind, RenameKind};
use crate::sql::tokens::Tok;

/// One significant token: where sqlparser says it starts, its byte span in the file, and what
/// it is, as far as the conversion asks.
struct Entry {
    at: Location,
    span: (usize, usize),
    keyword: Keyword,
    punct: Punct,
}

/// The tokens of an `INSERT` kept: its table's name is among them.
const INSERT_HEAD: usize = 32;

/// The keywords the tree does not record but the actions do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Only,
    Concurrently,
    Other,
}

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
/// significant tokens.
pub struct Locator {
    toks: Vec<Entry>,
    statement: Range<usize>,
}

impl Locator {
    /// The locator of a statement, when it starts with a command whose statements are converted
    /// (`CREATE`, `DROP`); `None` otherwise, so other statements cost nothing.
    pub fn new(significant: &[Tok], all: &[TokenWithSpan]) -> Option<Locator> {
        let first = significant.first()?;
        let keep = if first.is("create") || first.is("drop") || first.is("alter") {
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
                keyword: if t.is("only") {
                    Keyword::Only
                } else if t.is("concurrently") {
                    Keyword::Concurrently
                } else {
                    Keyword::Other
                },
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
        Some(Locator { toks, statement })
    }

    /// The index of the token an identifier was read from.
    fn index(&self, ident: &Ident) -> Option<usize> {
        self.toks.iter().position(|t| t.at == ident.span.start)
    }

    fn start(&self, index: usize) -> Option<usize> {
        self.toks.get(index).map(|t| t.span.0)
    }

    /// Whether the token at `index` is the unquoted word `keyword`.
    fn is(&self, index: usize, keyword: Keyword) -> bool {
        self.toks.get(index).is_some_and(|t| t.keyword == keyword)
    }

    fn action(&self, kind: Kind) -> Action {
        Action::new(kind, self.statement.clone(), self.statement.clone())
    }

    /// The statement's actions, or `None` when it is not converted.
    pub fn actions(&self, statement: &Statement) -> Option<Vec<Action>> {
        let action = match statement {
            Statement::CreateTable(t) => {
                let flags = Flags {
                    or_replace: t.or_replace,
                    temporary: t.temporary,
                    if_not_exists: t.if_not_exists,
                    ..Flags::default()
                };
                let mut action = self.created(Kind::CreateTable, flags, &t.name)?;
                action.table = action.name.clone();
                action
            }
            Statement::CreateIndex(i) => {
                let flags = Flags {
                    if_not_exists: i.if_not_exists,
                    concurrently: i.concurrently,
                    ..Flags::default()
                };
                let mut action = match &i.name {
                    Some(name) => self.created(Kind::CreateIndex, flags, name)?,
                    None => Action {
                        flags,
                        ..self.action(Kind::CreateIndex)
                    },
                };
                let (table, first) = self.name(&i.table_name)?;
                action.flags.only = first
                    .checked_sub(1)
                    .is_some_and(|k| self.is(k, Keyword::Only));
                action.table = Some(table);
                action
            }
            Statement::CreateView(v) => {
                let kind = if v.materialized {
                    Kind::CreateMaterializedView
                } else {
                    Kind::CreateView
                };
                let flags = Flags {
                    or_replace: v.or_replace,
                    temporary: v.temporary,
                    if_not_exists: v.if_not_exists,
                    ..Flags::default()
                };
                self.created(kind, flags, &v.name)?
            }
            Statement::CreateSchema {
                schema_name,
                or_replace,
                if_not_exists,
                ..
            } => {
                let flags = Flags {
                    or_replace: *or_replace,
                    if_not_exists: *if_not_exists,
                    ..Flags::default()
                };
                match schema_name {
                    SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                        self.created(Kind::CreateSchema, flags, name)?
                    }
                    SchemaName::UnnamedAuthorization(owner) => {
                        // `CREATE SCHEMA AUTHORIZATION owner` names the schema after its owner;
                        // a missing `IF NOT EXISTS` goes before `AUTHORIZATION`.
                        let at = self.index(owner)?;
                        let clause = if flags.if_not_exists { 4 } else { 1 };
                        let mut action = self.flagged(Kind::CreateSchema, flags);
                        action.insert_at = self.start(at.checked_sub(clause)?);
                        action.name = Some(self.parts(&[owner])?.0);
                        action
                    }
                }
            }
            Statement::CreateSequence {
                temporary,
                if_not_exists,
                name,
                ..
            } => {
                let flags = Flags {
                    temporary: *temporary,
                    if_not_exists: *if_not_exists,
                    ..Flags::default()
                };
                self.created(Kind::CreateSequence, flags, name)?
            }
            Statement::CreateExtension(e) => {
                let flags = Flags {
                    if_not_exists: e.if_not_exists,
                    ..Flags::default()
                };
                let (name, first) = self.parts(&[&e.name])?;
                self.with_name(Kind::CreateExtension, flags, name, first)?
            }
            Statement::CreateTrigger(t) => {
                let flags = Flags {
                    or_replace: t.or_replace,
                    temporary: t.temporary,
                    ..Flags::default()
                };
                let mut action = self.created(Kind::CreateTrigger, flags, &t.name)?;
                action.table = Some(self.name(&t.table_name)?.0);
                action
            }
            Statement::CreatePolicy(p) => {
                let (name, first) = self.parts(&[&p.name])?;
                let mut action =
                    self.with_name(Kind::CreatePolicy, Flags::default(), name, first)?;
                action.table = Some(self.name(&p.table_name)?.0);
                action
            }
            Statement::CreateType { name, .. } => {
                self.created(Kind::CreateType, Flags::default(), name)?
            }
            Statement::CreateDomain(d) => {
                self.created(Kind::CreateDomain, Flags::default(), &d.name)?
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                ..
            } => {
                let kind = match object_type {
                    ObjectType::Table => ObjectKind::Table,
                    ObjectType::View => ObjectKind::View,
                    ObjectType::MaterializedView => ObjectKind::MaterializedView,
                    ObjectType::Index => ObjectKind::Index,
                    ObjectType::Schema => ObjectKind::Schema,
                    ObjectType::Sequence => ObjectKind::Sequence,
                    ObjectType::Type => ObjectKind::Type,
                    ObjectType::Collation => ObjectKind::Other("COLLATION"),
                    _ => return None,
                };
                let names = names
                    .iter()
                    .map(|n| self.name(n))
                    .collect::<Option<Vec<_>>>()?;
                self.dropped(kind, *if_exists, names)?
            }
            Statement::DropDomain(d) => {
                self.dropped(ObjectKind::Domain, d.if_exists, vec![self.name(&d.name)?])?
            }
            Statement::DropExtension(d) => {
                let names = d
                    .names
                    .iter()
                    .map(|n| self.parts(&[n]))
                    .collect::<Option<Vec<_>>>()?;
                self.dropped(ObjectKind::Extension, d.if_exists, names)?
            }
            Statement::AlterTable(alter) => return self.alter_table(alter),
            Statement::Insert(insert) => {
                let TableObject::TableName(table) = &insert.table else {
                    return None;
                };
                let (table, _) = self.name(table)?;
                let on_conflict = matches!(insert.on, Some(OnInsert::OnConflict(_)));
                let not_exists = insert
                    .source
                    .as_ref()
                    .is_some_and(|query| filters_by_not_exists(query));
                let mut action = self.action(Kind::Insert {
                    on_conflict,
                    not_exists,
                });
                action.table = Some(table.clone());
                action.name = Some(table);
                action
            }
            _ => return None,
        };
        Some(vec![action])
    }

    /// `ALTER TABLE`: one action per operation, each spanning its part of the statement (cut
    /// at the depth-0 commas of the tokens after the table's name). Converted when every
    /// operation is one converted here.
    fn alter_table(&self, alter: &AlterTable) -> Option<Vec<Action>> {
        let (table, first) = self.name(&alter.name)?;
        let mut head = first + 2 * (alter.name.0.len() - 1) + 1;
        if self.toks.get(head).is_some_and(|t| t.punct == Punct::Star) {
            head += 1;
        }
        let parts = self.parts_from(head);
        if parts.len() != alter.operations.len() {
            return None;
        }
        let head_end = self.start(head);
        let mut actions = Vec::new();
        for (operation, part) in alter.operations.iter().zip(&parts) {
            let span = self.toks[part.start].span.0..self.toks[part.end - 1].span.1;
            let mut action = Action::new(Kind::ValidateConstraint, span, self.statement.clone());
            action.table = Some(table.clone());
            action.siblings = parts.len();
            action.head_end = head_end;
            // The operation's (first) name, which must lie in its part.
            let (kind, ident) = match operation {
                AlterTableOperation::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    let [column] = column_names.as_slice() else {
                        return None;
                    };
                    action.flags.if_exists = *if_exists;
                    (Kind::DropColumn, column)
                }
                AlterTableOperation::DropConstraint {
                    if_exists, name, ..
                } => {
                    action.flags.if_exists = *if_exists;
                    (Kind::DropConstraint, name)
                }
                AlterTableOperation::ValidateConstraint { name } => {
                    (Kind::ValidateConstraint, name)
                }
                AlterTableOperation::AlterColumn {
                    column_name,
                    op: AlterColumnOperation::SetNotNull,
                } => (Kind::SetNotNull, column_name),
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    action.new_name = Some(folded(new_column_name));
                    (Kind::Rename(RenameKind::Column), old_column_name)
                }
                AlterTableOperation::RenameConstraint { old_name, new_name } => {
                    action.new_name = Some(folded(new_name));
                    (Kind::Rename(RenameKind::Constraint), old_name)
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => {
                    let (kind, name) = constraint_kind(constraint)?;
                    action.kind = Kind::AddConstraint(kind);
                    action.flags.not_valid = *not_valid;
                    action.flags.using_index = matches!(
                        constraint,
                        TableConstraint::PrimaryKeyUsingIndex(_)
                            | TableConstraint::UniqueUsingIndex(_)
                    );
                    if let TableConstraint::Check(check) = constraint {
                        action.columns = not_null_checked(&check.expr).into_iter().collect();
                    }
                    // PostgreSQL names an unnamed primary key `<table>_pkey` (when that fits in
                    // 63 bytes).
                    let implicit = format!("{}_pkey", table.name);
                    match name {
                        Some(ident) => {
                            let (name, at) = self.parts(&[ident])?;
                            if !part.contains(&at) {
                                return None;
                            }
                            action.name = Some(name);
                        }
                        None if kind == ConstraintKind::PrimaryKey && implicit.len() <= 63 => {
                            action.flags.implicit_name = true;
                            action.name = Some(Name {
                                written: quote_ident(&implicit),
                                name: implicit,
                                schema: None,
                            });
                        }
                        None => {}
                    }
                    actions.push(action);
                    continue;
                }
                AlterTableOperation::RenameTable {
                    table_name: RenameTableNameKind::To(new),
                } => {
                    let new = new.0.first()?.as_ident()?;
                    let at = self.index(new)?;
                    if !part.contains(&at) {
                        return None;
                    }
                    action.kind = Kind::Rename(RenameKind::Table);
                    action.new_name = Some(folded(new));
                    action.name = Some(table.clone());
                    action.flags.if_exists = alter.if_exists;
                    actions.push(action);
                    continue;
                }
                _ => return None,
            };
            let (name, at) = self.parts(&[ident])?;
            if !part.contains(&at) {
                return None;
            }
            if matches!(kind, Kind::DropColumn | Kind::DropConstraint) {
                let clause = at.checked_sub(if action.flags.if_exists { 2 } else { 0 })?;
                action.insert_at = self.start(clause);
            }
            action.kind = kind;
            action.name = Some(name);
            actions.push(action);
        }
        Some(actions)
    }

    /// The token ranges from `from` to the end of the statement (before its semicolons), cut at
    /// depth-0 commas; empty ones are skipped.
    fn parts_from(&self, from: usize) -> Vec<Range<usize>> {
        let mut end = self.toks.len();
        while end > 0 && self.toks[end - 1].punct == Punct::SemiColon {
            end -= 1;
        }
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

    fn flagged(&self, kind: Kind, flags: Flags) -> Action {
        Action {
            flags,
            ..self.action(kind)
        }
    }

    /// A `CREATE` of the object `name`.
    fn created(&self, kind: Kind, flags: Flags, name: &ObjectName) -> Option<Action> {
        let (name, first) = self.name(name)?;
        self.with_name(kind, flags, name, first)
    }

    /// A `CREATE` of the object `name`, written from the token `first` on: a missing
    /// `IF NOT EXISTS` goes before the name (before `IF NOT EXISTS` when written), a missing
    /// `OR REPLACE` right after `CREATE`.
    fn with_name(&self, kind: Kind, flags: Flags, name: Name, first: usize) -> Option<Action> {
        let insert_at = if kind.or_replace_clause() {
            self.start(if flags.or_replace { 3 } else { 1 })?
        } else if flags.if_not_exists {
            self.start(first.checked_sub(3)?)?
        } else {
            self.start(first)?
        };
        let mut action = self.flagged(kind, flags);
        action.insert_at = Some(insert_at);
        action.name = Some(name);
        Some(action)
    }

    /// A `DROP` of `names` (at least one); a missing `IF EXISTS` goes before the first name.
    fn dropped(
        &self,
        kind: ObjectKind,
        if_exists: bool,
        names: Vec<(Name, usize)>,
    ) -> Option<Action> {
        let mut names = names.into_iter();
        let (name, first) = names.next()?;
        let clause = first.checked_sub(if if_exists { 2 } else { 0 })?;
        let mut action = self.action(Kind::Drop(kind));
        action.flags.if_exists = if_exists;
        action.flags.concurrently = kind == ObjectKind::Index
            && clause
                .checked_sub(1)
                .is_some_and(|k| self.is(k, Keyword::Concurrently));
        action.insert_at = self.start(clause);
        if kind == ObjectKind::Table {
            action.table = Some(name.clone());
        }
        action.name = Some(name);
        action.more_names = names.map(|(name, _)| name).collect();
        Some(action)
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
        let written = parts
            .iter()
            .map(|id| match id.quote_style {
                Some(_) => format!("\"{}\"", id.value.replace('"', "\"\"")),
                None => id.value.clone(),
            })
            .collect::<Vec<_>>()
            .join(".");
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
    use std::path::Path;

    use super::*;
    use crate::lint::statement::parse_statement;
    use crate::sql::split::{split, PieceKind};
    use crate::sql::tokens::Tokens;

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
            ("more_names", format!("{:?}", a.more_names)),
            ("table", format!("{:?}", a.table)),
            ("flags", format!("{:?}", a.flags)),
            ("insert_at", format!("{:?}", a.insert_at)),
            ("append_at", format!("{:?}", a.append_at)),
            ("siblings", format!("{:?}", a.siblings)),
            ("head_end", format!("{:?}", a.head_end)),
            ("columns", format!("{:?}", a.columns)),
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
            let locator = Locator::new(&significant, &tokens.all);
            drop(significant);
            let Ok(statement) = parse_statement(tokens.all) else {
                figures.token_only += 1;
                continue;
            };
            figures.parsed += 1;
            let Some(by_tree) = locator.and_then(|l| l.actions(&statement)) else {
                continue;
            };
            figures.converted += 1;
            let sql = &text[piece.span.clone()];
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

    /// The SQL of every fixture and of every example in the rule pages.
    fn fixture_texts() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for entry in walkdir::WalkDir::new(root.join("fixtures/lint")).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if entry.path().extension().is_some_and(|e| e == "sql") {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                texts.push((entry.path().display().to_string(), text));
            }
        }
        for entry in walkdir::WalkDir::new(root.join("rules")).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let page = std::fs::read_to_string(entry.path()).unwrap();
            for (n, block) in page.split("```sql\n").skip(1).enumerate() {
                let sql = block.split("```").next().unwrap_or("");
                texts.push((format!("{}#{n}", entry.path().display()), sql.to_string()));
            }
        }
        texts
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
"#;
        let mut figures = Figures::default();
        compare(text, &mut figures);
        assert_eq!(figures.statements, 33);
        assert_eq!(figures.converted, 33, "{figures:#?}");
        assert_eq!(figures.agreeing, 33, "{figures:#?}");
    }

    /// Calls `f` with the path and text of every `.sql` file of the shared corpus of real
    /// migrations; false (with a note) when there is no corpus.
    pub(crate) fn for_each_corpus_file(mut f: impl FnMut(&str, &str)) -> bool {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !root.is_dir() {
            eprintln!("skipped: no corpus at {}", root.display());
            return false;
        }
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if entry.path().extension().is_none_or(|e| e != "sql") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            f(&entry.path().display().to_string(), &text);
        }
        true
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
