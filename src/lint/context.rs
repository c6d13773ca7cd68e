//! The file context a rule sees ([`Ctx`]): the text, the actions of the statement being judged
//! and which one is judged, the [`Facts`] of the statements before it and the declared schema
//! when `--schema` is given, with the questions rules ask of them (was this table created
//! earlier, is this object dropped earlier, does schema.yaml still declare it). How guards
//! protect an action is [`super::guard`]'s.

use super::action::{quote_ident, Action, Name, ObjectKind, Target};
use super::facts::{key_table, table_of_drop, Facts};
use super::runner::{Runner, Wrapping};
use crate::declared::Declared;
use crate::model::QualifiedName;

/// The file context a rule sees.
pub struct Ctx<'a> {
    pub text: &'a str,
    /// The actions of the top-level statement being judged (a DO block's are all its body's).
    pub actions: &'a [Action],
    /// Which of them is judged.
    pub index: usize,
    pub facts: &'a Facts,
    /// The declared schema (`lint --schema schema.yaml`), when given: what running code reads.
    pub declared: Option<&'a Declared>,
    /// The PostgreSQL major version the migrations run on.
    pub pg_version: u32,
    /// The migration runner, when given.
    pub runner: Option<Runner>,
    /// Whether the runner runs the whole file in one transaction.
    pub wrapping: &'a Wrapping,
    /// The database's tables (`--database-url`), when given.
    pub tables: Option<&'a super::tables::Tables>,
    /// Where the transaction the action runs in ends, for the one rule that reads past its
    /// statement ([`super::Rule::reads_to_transaction_end`]); `None` for the others.
    pub transaction_end: Option<usize>,
}

impl Ctx<'_> {
    /// The declared table `table` names, if schema.yaml declares it. An unqualified name is
    /// looked up in schema.yaml's default schema.
    fn declared_table(&self, table: &Name) -> Option<&crate::model::Table> {
        let declared = self.declared?;
        let key = QualifiedName {
            schema: table
                .schema
                .clone()
                .unwrap_or_else(|| declared.default_schema.clone()),
            name: table.name.clone(),
        };
        declared.schema.tables.get(&key)
    }

    /// `table` (or `table.column`) as schema.yaml names it, when schema.yaml still declares it:
    /// code built from schema.yaml reads it. `None` without `--schema`.
    pub fn still_declared(&self, table: &Name, column: Option<&str>) -> Option<String> {
        let declared = self.declared?;
        let found = self.declared_table(table)?;
        let mut shown = if found.name.schema == declared.default_schema {
            quote_ident(&found.name.name)
        } else {
            format!(
                "{}.{}",
                quote_ident(&found.name.schema),
                quote_ident(&found.name.name)
            )
        };
        if let Some(column) = column {
            let column = found.column(column)?;
            shown.push('.');
            shown.push_str(&quote_ident(&column.name));
        }
        Some(shown)
    }
    /// Whether `table` was created earlier in this file.
    pub fn table_created_earlier(&self, table: &str) -> bool {
        self.facts.table_created(table).is_some()
    }

    fn dropped_earlier(&self, key: Target, name: &str, table: &str) -> bool {
        self.safe_after_earlier() || self.facts.dropped(key, name, table)
    }

    /// Whether the statements before the action make it unable to fail, whatever the database
    /// held before the file (a rename from a name just created to a name just dropped, ...).
    pub fn safe_after_earlier(&self) -> bool {
        self.facts.safe_after_earlier()
    }

    /// Whether every object a drop removes is created earlier in the file: a re-run creates it
    /// again before dropping it, so the drop cannot fail.
    pub fn created_earlier(&self, action: &Action) -> bool {
        if self.safe_after_earlier() {
            return true;
        }
        let Some(key) = action.kind.dropped() else {
            return false;
        };
        let table = key_table(key, action);
        let mut names = action.name.iter().chain(&action.more_names).peekable();
        names.peek().is_some() && names.all(|name| self.facts.created(key, &name.name, table))
    }

    /// Whether the action acts on something created earlier in this file (a table, or an index
    /// it drops or rebuilds), so nobody uses it yet and its locks block no one.
    pub fn acts_on_new(&self, action: &Action) -> bool {
        self.facts.acts_on_new(action)
    }

    /// The type column `column` of `table` has before the action, when the file says (an
    /// earlier `ADD COLUMN` or type change of it), or else the database (`--database-url`).
    pub fn column_type(&self, table: &Option<Name>, column: &str) -> Option<String> {
        let table = table.as_ref()?;
        let in_file = self.facts.column_type(&table.name, column);
        in_file.map(str::to_string).or_else(|| {
            let (_, info) = self.tables?.get(table)?;
            info.columns.get(column).cloned()
        })
    }

    /// Whether `DROP COLUMN` of the same column of the same table comes earlier.
    pub fn column_dropped_earlier(&self, action: &Action) -> bool {
        self.dropped_earlier(Target::Column, action.name_str(), action.table_str())
    }

    /// Whether a `DROP <kind>` of the same object comes earlier in the file.
    pub fn object_dropped_earlier(&self, kind: ObjectKind, action: &Action) -> bool {
        self.dropped_earlier(
            Target::Object(kind),
            action.name_str(),
            table_of_drop(kind, action),
        )
    }

    /// Whether `DROP CONSTRAINT` of the same constraint on the same table comes earlier.
    pub fn constraint_dropped_earlier(&self, action: &Action) -> bool {
        self.dropped_earlier(Target::Constraint, action.name_str(), action.table_str())
    }

    /// Why the whole file runs in one transaction, when its runner wraps it.
    pub fn wrapped(&self) -> Option<&str> {
        match self.wrapping {
            Wrapping::Wrapped(reason) => Some(reason),
            Wrapping::Unknown | Wrapping::Unwrapped => None,
        }
    }

    /// ` (<why the runner wraps the file>)` for messages, or nothing.
    pub fn wrapped_note(&self) -> String {
        self.wrapped()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default()
    }

    /// The text of the statement an action is in.
    pub fn statement_text(&self, action: &Action) -> &str {
        self.text.get(action.statement.clone()).unwrap_or("")
    }
}
