//! Actions from sqlparser's tree: when sqlparser parses a statement of a kind converted here,
//! its [`Action`]s are built from the AST instead of the token reader ([`super::read`]), with the
//! same spans. Names, flags and the objects' tables come from the tree; positions come from the
//! spans of its identifiers, mapped to byte offsets through the statement's tokens. What the
//! tree does not record (`CONCURRENTLY` on a `DROP INDEX`, `ON ONLY` on a `CREATE INDEX`, where a
//! missing `OR REPLACE` goes) is read from the tokens around those positions.
//!
//! Converted: `CREATE TABLE | INDEX | SCHEMA | SEQUENCE | VIEW | MATERIALIZED VIEW | EXTENSION`,
//! `DROP TABLE | VIEW | MATERIALIZED VIEW | INDEX | SCHEMA | SEQUENCE | TYPE | COLLATION |
//! DOMAIN | EXTENSION`. Every other statement (and any of these whose names the tree does not
//! hold as plain identifiers) is "not converted": its actions stay the token reader's.

use std::ops::Range;

use sqlparser::ast::{Ident, ObjectName, ObjectType, SchemaName, Statement};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::{Action, Flags, Kind, Name, ObjectKind};
use crate::sql::tokens::Tok;

/// One significant token: where sqlparser says it starts, its byte span in the file, and the
/// word it is when an unquoted one (lower-cased).
struct Entry {
    at: Location,
    span: (usize, usize),
    word: Option<String>,
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
        if !(first.is("create") || first.is("drop")) {
            return None;
        }
        let toks = significant
            .iter()
            .map(|t| Entry {
                at: all
                    .get(t.index)
                    .map_or(Location { line: 0, column: 0 }, |w| w.span.start),
                span: t.span,
                word: match t.token {
                    Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_lowercase()),
                    _ => None,
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
    fn is(&self, index: usize, keyword: &str) -> bool {
        self.toks
            .get(index)
            .is_some_and(|t| t.word.as_deref() == Some(keyword))
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
                action.flags.only = first.checked_sub(1).is_some_and(|k| self.is(k, "only"));
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
            _ => return None,
        };
        Some(vec![action])
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
                .is_some_and(|k| self.is(k, "concurrently"));
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
        let folded = |id: &Ident| match id.quote_style {
            Some(_) => id.value.clone(),
            None => id.value.to_ascii_lowercase(),
        };
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
