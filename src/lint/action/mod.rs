//! Actions: what a statement does to the schema, in a form every rule can read.
//!
//! Every statement — parsed by sqlparser or not, at the top level, inside a `DO` body or inside
//! an `EXECUTE '<literal>'` — is read here from its tokens into normalized [`Action`]s: create a
//! table, add a column, drop a constraint, ... Each action of a multi-action `ALTER TABLE` is its
//! own action with its own span. Rules see only actions, so the same rules apply wherever the
//! SQL came from. Deciding whether an action is a problem is the rules' job, not this module's.
//!
//! This file holds the data ([`Action`], [`Kind`] and their parts); [`kind`] says what each kind
//! means for the judgements made of it. The token reader is [`read`] ([`reader`]), with a file per
//! statement family: [`create`], [`alter`], [`alter_table`], and [`body`] for the statements in a
//! routine's body, over a [`Cursor`]. Where sqlparser parses a top-level statement of a kind
//! [`from_ast`] converts, the statement's actions are built from sqlparser's tree instead.

use std::ops::Range;

mod alter;
mod alter_table;
mod body;
mod column;
mod create;
mod cursor;
pub(crate) mod from_ast;
mod kind;
mod maintenance;
mod reader;
mod version;

pub use cursor::Cursor;
pub use from_ast::Locator;
pub use kind::Target;
pub use reader::read;
pub use version::newer_syntax;

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
    /// `ADD CONSTRAINT name NOT NULL column` (PostgreSQL 18): `name` is the constraint, the
    /// column is in [`Action::columns`].
    NotNull,
}

impl ConstraintKind {
    pub fn sql(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "PRIMARY KEY",
            ConstraintKind::Unique => "UNIQUE",
            ConstraintKind::ForeignKey => "FOREIGN KEY",
            ConstraintKind::Check => "CHECK",
            ConstraintKind::Exclude => "EXCLUDE",
            ConstraintKind::NotNull => "NOT NULL",
        }
    }
}

/// Why adding a column fills every existing row with a value computed per row (a rewrite of the
/// whole table under ACCESS EXCLUSIVE), as read from its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// A default calling a volatile built-in function (`random()`), or a serial type.
    Volatile(String),
    /// A default calling a function that is not a known built-in (`public.new_id()`):
    /// volatile unless it was declared `STABLE` or `IMMUTABLE`.
    UserFunction(String),
    /// `GENERATED ALWAYS AS (...) STORED`, or without `STORED` (a stored column before
    /// PostgreSQL 18, a virtual one from 18 on).
    Generated { stored: bool },
    /// `GENERATED ... AS IDENTITY`: every row gets the next value.
    Identity,
}

/// What an added column's definition says, beyond its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewColumn {
    /// Why adding it rewrites the table, if it does.
    pub rewrite: Option<Rewrite>,
    /// `REFERENCES other (...)`: an inline foreign key.
    pub references: bool,
    /// `NOT NULL` (or `PRIMARY KEY`).
    pub not_null: bool,
    /// Existing rows get a value: a `DEFAULT`, a serial type, `GENERATED ...`.
    pub filled: bool,
    /// The column's type as written (`varchar(50)`, `numeric(10, 2)`).
    pub type_name: String,
}

/// The mode of `LOCK TABLE ... IN <mode> MODE` (ACCESS EXCLUSIVE when not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub fn sql(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Whether the mode blocks the table's writers (SHARE and stronger).
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
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
    /// `ADD COLUMN`, with what its definition says.
    AddColumn(NewColumn),
    AddConstraint(ConstraintKind),
    /// `ALTER TABLE ... VALIDATE CONSTRAINT name`.
    ValidateConstraint,
    Drop(ObjectKind),
    DropColumn,
    DropConstraint,
    Rename(RenameKind),
    /// `not_exists`: the inserted rows are filtered by a `NOT EXISTS (...)`.
    Insert {
        on_conflict: bool,
        not_exists: bool,
    },
    /// `ALTER COLUMN name [SET DATA] TYPE to [USING ...]`: `to` is the new type as written.
    AlterColumnType {
        to: String,
    },
    SetNotNull,
    /// `ALTER COLUMN name SET DEFAULT expr`: a brief ACCESS EXCLUSIVE lock, no rewrite.
    SetDefault,
    /// `ALTER COLUMN name DROP DEFAULT`.
    DropDefault,
    /// `ALTER TABLE ... ENABLE [ALWAYS | REPLICA] TRIGGER name` (`enable`) or `DISABLE TRIGGER
    /// name`: `name` is the trigger, or `all` / `user`.
    EnableTrigger {
        enable: bool,
    },
    /// `REINDEX INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name`.
    Reindex(ObjectKind),
    /// `VACUUM FULL [table]` (`name`: the table, when one is given).
    VacuumFull,
    /// `CLUSTER [table]`.
    Cluster,
    /// `LOCK [TABLE] name, ... [IN mode MODE]`.
    LockTable(LockMode),
    /// `TRUNCATE [TABLE] name, ...`.
    Truncate,
    /// `SET [SESSION | LOCAL] lock_timeout ...` (`disables`: to 0, no timeout).
    SetLockTimeout {
        disables: bool,
    },
    /// Syntax that PostgreSQL `version` brought (`what`): older servers reject the statement.
    NewerSyntax {
        version: u32,
        what: &'static str,
    },
    /// A statement PostgreSQL rejects as written (a missing `;`, an unclosed `(`, an
    /// unterminated string), found by [`crate::lint::recover`].
    SyntaxError {
        message: String,
    },
    /// A top-level `BEGIN` / `START TRANSACTION` (`begin`) or `COMMIT` / `ROLLBACK` / `END`.
    TransactionControl {
        begin: bool,
    },
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
    /// `ADD PRIMARY KEY | UNIQUE USING INDEX name`: the constraint takes an existing index.
    pub using_index: bool,
    /// A function declared `STABLE` or `IMMUTABLE`.
    pub not_volatile: bool,
    /// `CREATE INDEX ... ON ONLY t`: on a partitioned table, builds nothing.
    pub only: bool,
    /// `DROP ... CASCADE`: objects that depend on the dropped one go too.
    pub cascade: bool,
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
    /// Which transaction block of the file the action is in (meaningful when `in_transaction`):
    /// actions with the same number run in one transaction.
    pub transaction: usize,
    /// The tables a foreign key of this action references (`REFERENCES other`), in the order
    /// written: adding the key locks them too (SHARE ROW EXCLUSIVE).
    pub referenced: Vec<Name>,
    /// The columns a constraint or index names (`ADD CONSTRAINT n NOT NULL col`, `CHECK (col IS
    /// NOT NULL)`), where a rule needs them.
    pub columns: Vec<String>,
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
            transaction: 0,
            referenced: Vec::new(),
            columns: Vec::new(),
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
        let Kind::AddColumn(column) = &found[1].kind else {
            panic!("{:?}", found[1].kind);
        };
        assert_eq!(
            column.rewrite,
            Some(Rewrite::Volatile("gen_random_uuid()".into()))
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
