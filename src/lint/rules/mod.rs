//! The rule registry: one table, [`registry!`], with a line per rule — its variant, its module
//! and function (one file per rule), what it reads, its kebab-case name, category, default
//! severity, whether it offers a safe fix, and a one-line summary. The enum [`Rule`],
//! [`Rule::ALL`], the accessors, the page lookup (`rules/<name>.md`) and the one exhaustive
//! `match` that dispatches all come from that table: a new rule is its file, its page, its
//! fixtures and one line here.
//!
//! A rule looks at one [`Action`] and the file's context ([`Ctx`]: earlier actions, the guards
//! around the action) and returns a [`Hit`] — the problem (message), the action (help) and, where
//! a mechanical one exists, a [`Fix`](crate::lint::Fix). Rules do no I/O. The judgements they
//! share live beside this module: the file-wide facts in [`crate::lint::facts`], guards in
//! [`crate::lint::guard`], fix builders in [`crate::lint::fix`], names in messages in
//! [`crate::lint::names`].

use std::ops::Range;

use super::action::Action;
use super::context::Ctx;
use super::{Category, Fix, Severity};

/// Builds the registry from one line per rule:
///
/// `Variant: module(reads), "kebab-name", Category, Severity, fix | no_fix, "summary";`
///
/// `module` is the rule's file and its function. `reads` is `actions` for a rule that judges
/// each action (`module::module(action, ctx)`), `suppressions` for one whose findings the engine
/// takes from the suppression comments instead. `fix`: the rule offers a safe fix (`--fix`
/// applies it). The order of the lines is the order of [`Rule`] (findings at the same place are
/// sorted by it).
macro_rules! registry {
    ($($variant:ident: $module:ident($reads:ident), $name:literal, $category:ident, $severity:ident, $fix:ident, $summary:literal;)*) => {
        $(mod $module;)*

        /// Every lint rule. The name of a variant is its kebab-case rule name in CamelCase.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)*
                }
            }

            pub fn category(self) -> Category {
                match self {
                    $(Rule::$variant => Category::$category,)*
                }
            }

            pub fn default_severity(self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$severity,)*
                }
            }

            /// One line: what the rule flags.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $summary,)*
                }
            }

            /// Whether the rule offers a safe fix, one `--fix` applies.
            pub fn fixable(self) -> bool {
                match self {
                    $(Rule::$variant => registry!(@fixable $fix),)*
                }
            }

            /// The rule's documentation page (`rules/<name>.md`).
            pub fn page(self) -> &'static str {
                match self {
                    $(Rule::$variant => include_str!(concat!("../../../rules/", $name, ".md")),)*
                }
            }

            /// Run this rule on one action.
            pub fn check(self, action: &Action, ctx: &Ctx) -> Option<Hit> {
                match self {
                    $(Rule::$variant => registry!(@check $reads $module action ctx),)*
                }
            }
        }
    };
    (@fixable fix) => { true };
    (@fixable no_fix) => { false };
    (@check actions $module:ident $action:ident $ctx:ident) => { $module::$module($action, $ctx) };
    // Reported from the suppression comments, not from actions.
    (@check suppressions $module:ident $action:ident $ctx:ident) => {{
        let _ = ($action, $ctx);
        None
    }};
}

registry! {
    CreateTableWithoutIfNotExists: create_table_without_if_not_exists(actions), "create-table-without-if-not-exists", Idempotency, Error, fix, "CREATE TABLE without IF NOT EXISTS";
    CreateIndexWithoutIfNotExists: create_index_without_if_not_exists(actions), "create-index-without-if-not-exists", Idempotency, Error, fix, "CREATE [UNIQUE] INDEX without IF NOT EXISTS (or without a name)";
    CreateSchemaWithoutIfNotExists: create_schema_without_if_not_exists(actions), "create-schema-without-if-not-exists", Idempotency, Error, fix, "CREATE SCHEMA without IF NOT EXISTS";
    CreateExtensionWithoutIfNotExists: create_extension_without_if_not_exists(actions), "create-extension-without-if-not-exists", Idempotency, Error, fix, "CREATE EXTENSION without IF NOT EXISTS";
    CreateSequenceWithoutIfNotExists: create_sequence_without_if_not_exists(actions), "create-sequence-without-if-not-exists", Idempotency, Error, fix, "CREATE SEQUENCE without IF NOT EXISTS";
    CreateMaterializedViewWithoutIfNotExists: create_materialized_view_without_if_not_exists(actions), "create-materialized-view-without-if-not-exists", Idempotency, Error, fix, "CREATE MATERIALIZED VIEW without IF NOT EXISTS";
    AddColumnWithoutIfNotExists: add_column_without_if_not_exists(actions), "add-column-without-if-not-exists", Idempotency, Error, fix, "ALTER TABLE ... ADD COLUMN without IF NOT EXISTS";
    DropWithoutIfExists: drop_without_if_exists(actions), "drop-without-if-exists", Idempotency, Error, fix, "DROP TABLE/INDEX/VIEW/TYPE/FUNCTION/... without IF EXISTS";
    DropColumnWithoutIfExists: drop_column_without_if_exists(actions), "drop-column-without-if-exists", Idempotency, Error, fix, "ALTER TABLE ... DROP COLUMN without IF EXISTS";
    DropConstraintWithoutIfExists: drop_constraint_without_if_exists(actions), "drop-constraint-without-if-exists", Idempotency, Error, fix, "ALTER TABLE ... DROP CONSTRAINT without IF EXISTS";
    AddConstraintWithoutGuard: add_constraint_without_guard(actions), "add-constraint-without-guard", Idempotency, Error, fix, "ADD CONSTRAINT not guarded by a catalog check or a preceding DROP CONSTRAINT IF EXISTS";
    CreateTypeWithoutGuard: create_type_without_guard(actions), "create-type-without-guard", Idempotency, Error, fix, "CREATE TYPE (enum, composite, range) not guarded";
    CreateDomainWithoutGuard: create_domain_without_guard(actions), "create-domain-without-guard", Idempotency, Error, fix, "CREATE DOMAIN not guarded";
    AddEnumValueWithoutIfNotExists: add_enum_value_without_if_not_exists(actions), "add-enum-value-without-if-not-exists", Idempotency, Error, fix, "ALTER TYPE ... ADD VALUE without IF NOT EXISTS";
    CreateFunctionWithoutOrReplace: create_function_without_or_replace(actions), "create-function-without-or-replace", Idempotency, Error, fix, "CREATE FUNCTION/PROCEDURE/AGGREGATE without OR REPLACE";
    CreateViewWithoutOrReplace: create_view_without_or_replace(actions), "create-view-without-or-replace", Idempotency, Error, fix, "CREATE VIEW without OR REPLACE";
    CreateTriggerWithoutOrReplace: create_trigger_without_or_replace(actions), "create-trigger-without-or-replace", Idempotency, Error, fix, "CREATE TRIGGER without OR REPLACE or a preceding DROP TRIGGER IF EXISTS";
    CreatePolicyWithoutGuard: create_policy_without_guard(actions), "create-policy-without-guard", Idempotency, Error, fix, "CREATE POLICY without a guard or a preceding DROP POLICY IF EXISTS";
    RenameWithoutGuard: rename_without_guard(actions), "rename-without-guard", Idempotency, Error, fix, "RENAME of a column, table, index, constraint, view, sequence, type, enum value, schema, function or trigger without a guard";
    PartitionWithoutGuard: partition_without_guard(actions), "partition-without-guard", Idempotency, Error, fix, "ALTER TABLE ... ATTACH PARTITION or DETACH PARTITION without a guard";
    InsertWithoutOnConflict: insert_without_on_conflict(actions), "insert-without-on-conflict", Idempotency, Warning, no_fix, "INSERT without ON CONFLICT (seed rows are duplicated on a re-run)";
    GuardChecksWrongObject: guard_checks_wrong_object(actions), "guard-checks-wrong-object", Idempotency, Error, no_fix, "a DO-block guard that checks another object than its body changes, a sentinel for several, or the right one with the wrong sense";
    IdentifierTooLong: identifier_too_long(actions), "identifier-too-long", Idempotency, Warning, no_fix, "a name over 63 bytes (PostgreSQL cuts it), and the catalog guard that therefore never matches";
    TransactionNesting: transaction_nesting(actions), "transaction-nesting", Idempotency, Warning, no_fix, "BEGIN/COMMIT in a file its runner already runs in a transaction";
    CreateIndexWithoutConcurrently: create_index_without_concurrently(actions), "create-index-without-concurrently", Locking, Warning, no_fix, "CREATE INDEX on an existing table without CONCURRENTLY (blocks writes)";
    DropIndexWithoutConcurrently: drop_index_without_concurrently(actions), "drop-index-without-concurrently", Locking, Warning, no_fix, "DROP INDEX without CONCURRENTLY (locks the table against reads and writes)";
    ReindexWithoutConcurrently: reindex_without_concurrently(actions), "reindex-without-concurrently", Locking, Warning, no_fix, "REINDEX without CONCURRENTLY (blocks writes while it rebuilds)";
    AddUniqueWithoutIndex: add_unique_without_index(actions), "add-unique-without-index", Locking, Warning, no_fix, "ADD UNIQUE on an existing table without USING INDEX (builds the index under ACCESS EXCLUSIVE)";
    AddPrimaryKeyWithoutIndex: add_primary_key_without_index(actions), "add-primary-key-without-index", Locking, Warning, no_fix, "ADD PRIMARY KEY on an existing table without USING INDEX (builds the index under ACCESS EXCLUSIVE)";
    AddColumnWithForeignKey: add_column_with_foreign_key(actions), "add-column-with-foreign-key", Locking, Warning, no_fix, "ADD COLUMN ... REFERENCES (the foreign key is validated under lock)";
    AddForeignKeyWithoutNotValid: add_foreign_key_without_not_valid(actions), "add-foreign-key-without-not-valid", Locking, Warning, no_fix, "ADD FOREIGN KEY without NOT VALID (scans both tables under lock)";
    AddCheckWithoutNotValid: add_check_without_not_valid(actions), "add-check-without-not-valid", Locking, Warning, no_fix, "ADD CHECK without NOT VALID (scans the table under lock)";
    SetNotNull: set_not_null(actions), "set-not-null", Locking, Warning, no_fix, "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE";
    AlterColumnType: alter_column_type(actions), "alter-column-type", Locking, Warning, no_fix, "ALTER COLUMN ... TYPE may rewrite the table under ACCESS EXCLUSIVE";
    AddColumnWithVolatileDefault: add_column_with_volatile_default(actions), "add-column-with-volatile-default", Locking, Warning, no_fix, "ADD COLUMN with a volatile default (random(), gen_random_uuid(), serial) rewrites the table";
    EnumValueUsedInSameTransaction: enum_value_used_in_same_transaction(actions), "enum-value-used-in-same-transaction", Locking, Error, no_fix, "ALTER TYPE ... ADD VALUE and a use of the new value in one transaction (PostgreSQL rejects it)";
    ValidateInSameTransaction: validate_in_same_transaction(actions), "validate-in-same-transaction", Locking, Warning, no_fix, "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID";
    VacuumFull: vacuum_full(actions), "vacuum-full", Locking, Warning, no_fix, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE";
    Cluster: cluster(actions), "cluster", Locking, Warning, no_fix, "CLUSTER rewrites the table under ACCESS EXCLUSIVE";
    LockTable: lock_table(actions), "lock-table", Locking, Warning, no_fix, "LOCK TABLE in SHARE mode or stronger blocks writes until the transaction ends";
    MissingLockTimeout: missing_lock_timeout(actions), "missing-lock-timeout", Locking, Warning, fix, "the first statement that locks a busy table, with no SET lock_timeout before it (once per file)";
    ConcurrentlyInTransaction: concurrently_in_transaction(actions), "concurrently-in-transaction", Locking, Error, no_fix, "CREATE/DROP INDEX, REINDEX or DETACH PARTITION CONCURRENTLY inside a transaction or DO block fails";
    DropColumn: drop_column(actions), "drop-column", Destructive, Warning, no_fix, "DROP COLUMN loses data and breaks running code";
    DropTable: drop_table(actions), "drop-table", Destructive, Warning, no_fix, "DROP TABLE loses data";
    Truncate: truncate(actions), "truncate", Destructive, Warning, no_fix, "TRUNCATE deletes every row";
    AddColumnNotNullWithoutDefault: add_column_not_null_without_default(actions), "add-column-not-null-without-default", Destructive, Error, no_fix, "ADD COLUMN ... NOT NULL without a DEFAULT (fails on a table with rows)";
    ExceptionWhenOthers: exception_when_others(actions), "exception-when-others", Style, Warning, no_fix, "EXCEPTION WHEN others hides real errors";
    UnknownSuppression: unknown_suppression(suppressions), "unknown-suppression", Style, Warning, no_fix, "a suppression comment names an unknown rule";
    SyntaxError: syntax_error(actions), "syntax-error", Syntax, Error, no_fix, "a statement PostgreSQL rejects: a missing `;`, an unclosed `(`, an unterminated string";
    SyntaxNewerThanPgVersion: syntax_newer_than_pg_version(actions), "syntax-newer-than-pg-version", Syntax, Error, no_fix, "syntax a newer PostgreSQL brought than --pg-version (the server rejects it)";
    UnparsedStatement: unparsed_statement(actions), "unparsed-statement", Syntax, Info, no_fix, "a statement was not fully parsed (token-level rules only)";
    PsqlMetaCommand: psql_meta_command(actions), "psql-meta-command", Syntax, Info, no_fix, "a psql meta-command (skipped)";
}

pub use unknown_suppression::unknown_suppression;

impl Rule {
    pub fn all() -> &'static [Rule] {
        Self::ALL
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Whether the rule reads the file past `action`'s statement, up to the end of its
    /// transaction: the engine then judges it once that end is read, with
    /// [`Ctx::transaction_end`] set. Every other rule reads only what comes before.
    pub fn reads_to_transaction_end(self, action: &Action) -> bool {
        match self {
            Rule::EnumValueUsedInSameTransaction => {
                enum_value_used_in_same_transaction::reads_to_transaction_end(action)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule reports: where, the problem, the action to take, and maybe a fix.
#[derive(Debug, Clone)]
pub struct Hit {
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    /// Overrides the rule's default severity (a drop of a column schema.yaml still declares).
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(action: &Action, message: String, help: impl Into<String>) -> Hit {
        Hit {
            span: action.span.clone(),
            message,
            help: help.into(),
            fix: None,
            severity: None,
        }
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Hit {
        self.fix = fix;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Hit {
        self.severity = Some(severity);
        self
    }
}

#[cfg(test)]
pub mod test {
    //! squawk-style helpers: `lint_errors` fails when the rule reports nothing, `lint_ok` fails
    //! when it reports anything.

    use super::Rule;
    use crate::lint::{lint_text, Finding, Selection, Settings};

    fn findings(sql: &str, rule: Rule) -> Vec<Finding> {
        let selection = Selection::only(rule);
        lint_text("test.sql", sql, &selection)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// Lint `sql` with `rule` alone; fail unless it reports something. Returns the findings.
    pub fn lint_errors(sql: &str, rule: Rule) -> Vec<Finding> {
        let found = findings(sql, rule);
        assert!(!found.is_empty(), "{rule} reported nothing for:\n{sql}");
        found
    }

    /// Lint `sql` with `rule` alone, knowing the declared schema `yaml`; fail unless it reports
    /// exactly one finding. Returns it.
    pub fn lint_declared(sql: &str, rule: Rule, yaml: &str) -> Finding {
        let declared = crate::declared::parse("schema.yaml", yaml).expect("a valid schema.yaml");
        let selection = Selection::only(rule);
        let mut found: Vec<Finding> =
            crate::lint::lint_text_declared("test.sql", sql, &selection, Some(&declared))
                .findings
                .into_iter()
                .filter(|f| f.rule == rule)
                .collect();
        assert_eq!(found.len(), 1, "{rule} for:\n{sql}\n{found:#?}");
        found.remove(0)
    }

    /// Lint `sql` with `rule` alone and the settings `adjust` makes of the defaults; fail unless
    /// it reports exactly `count` findings. Returns them.
    pub fn lint_with(
        sql: &str,
        rule: Rule,
        adjust: impl for<'a> FnOnce(Settings<'a>) -> Settings<'a>,
        count: usize,
    ) -> Vec<Finding> {
        let selection = Selection::only(rule);
        let settings = adjust(Settings::new(&selection));
        let found: Vec<Finding> = crate::lint::lint_file("test.sql", sql, &settings)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect();
        assert_eq!(
            found.len(),
            count,
            "{rule} for:\n{sql}\n{:#?}",
            found.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
        found
    }

    /// Lint `sql` with `rule` alone; fail if it reports anything.
    pub fn lint_ok(sql: &str, rule: Rule) {
        let found = findings(sql, rule);
        assert!(
            found.is_empty(),
            "{rule} reported for:\n{sql}\n{:#?}",
            found.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_text, Selection};

    /// Every rule that names an object names it as an SQL identifier: `x"y` is `"x""y"`.
    #[test]
    fn names_with_quotes_are_sql_identifiers_in_every_message() {
        let sql = r#"
CREATE TABLE "x""y" (id int);
CREATE INDEX "x""y_ix" ON "x""z" (id);
CREATE SCHEMA "x""y";
CREATE EXTENSION "x""y";
CREATE SEQUENCE "x""y_seq";
CREATE MATERIALIZED VIEW "x""y_mv" AS SELECT 1;
CREATE VIEW "x""y_v" AS SELECT 1;
CREATE FUNCTION "x""y_f"() RETURNS int LANGUAGE sql AS 'select 1';
CREATE TRIGGER "x""y_t" BEFORE INSERT ON "x""y" FOR EACH ROW EXECUTE FUNCTION f();
CREATE POLICY "x""y_p" ON "x""y" USING (true);
CREATE TYPE "x""y_e" AS ENUM ('a');
CREATE DOMAIN "x""y_d" AS int;
ALTER TYPE "x""y_e" ADD VALUE 'b';
ALTER TABLE "x""z" ADD COLUMN "x""y_c" int DEFAULT random(), DROP COLUMN "x""y_old",
    DROP CONSTRAINT "x""y_ck", ADD CONSTRAINT "x""y_fk" FOREIGN KEY (id) REFERENCES "x""y" (id),
    ADD CONSTRAINT "x""y_ck2" CHECK (id > 0), ALTER COLUMN "x""y_c" TYPE bigint,
    ALTER COLUMN "x""y_c" SET NOT NULL;
ALTER TABLE "x""y" RENAME COLUMN "x""y_c" TO "x""y_n";
DROP VIEW "x""y_v";
DROP TABLE "x""z2";
INSERT INTO "x""w" VALUES (1);
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS "x""y_ix2" ON "x""y" (id);
COMMIT;
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x"y_z') THEN CREATE TYPE "x""y_w" AS ENUM ('a'); END IF; END $$;
DROP INDEX IF EXISTS "x""y_ix3";
REINDEX INDEX "x""y_ix4";
ALTER TABLE "x""q" ADD CONSTRAINT "x""y_u" UNIQUE (id), ADD PRIMARY KEY (id),
    ADD COLUMN "x""y_r" int REFERENCES "x""y" (id), ADD COLUMN "x""y_nn" int NOT NULL;
VACUUM FULL "x""q";
CLUSTER "x""q";
LOCK TABLE "x""q";
TRUNCATE "x""q";
"#;
        let report = lint_text("quotes.sql", sql, &Selection::all());
        let mut rules = std::collections::BTreeSet::new();
        for finding in &report.findings {
            let message = &finding.message;
            assert!(!message.contains(r#""x"y"#), "{}: {message}", finding.rule);
            if message.contains("x\"") {
                rules.insert(finding.rule.name());
            }
        }
        // Every rule that names an object was exercised.
        let expected = [
            "add-check-without-not-valid",
            "add-column-not-null-without-default",
            "add-column-with-foreign-key",
            "add-column-with-volatile-default",
            "add-column-without-if-not-exists",
            "add-constraint-without-guard",
            "add-enum-value-without-if-not-exists",
            "add-foreign-key-without-not-valid",
            "add-primary-key-without-index",
            "add-unique-without-index",
            "alter-column-type",
            "cluster",
            "concurrently-in-transaction",
            "create-domain-without-guard",
            "create-extension-without-if-not-exists",
            "create-function-without-or-replace",
            "create-index-without-concurrently",
            "create-index-without-if-not-exists",
            "create-materialized-view-without-if-not-exists",
            "create-policy-without-guard",
            "create-schema-without-if-not-exists",
            "create-sequence-without-if-not-exists",
            "create-table-without-if-not-exists",
            "create-trigger-without-or-replace",
            "create-type-without-guard",
            "create-view-without-or-replace",
            "drop-column",
            "drop-column-without-if-exists",
            "drop-constraint-without-if-exists",
            "drop-index-without-concurrently",
            "drop-table",
            "drop-without-if-exists",
            "guard-checks-wrong-object",
            "insert-without-on-conflict",
            "lock-table",
            "missing-lock-timeout",
            "reindex-without-concurrently",
            "rename-without-guard",
            "set-not-null",
            "truncate",
            "vacuum-full",
        ];
        assert_eq!(rules.into_iter().collect::<Vec<_>>(), expected);
    }
}
