//! Recipes for columns of an existing table: `ADD COLUMN IF NOT EXISTS` (nullable first when a
//! backfill is needed), defaults, serial sequences, `DROP NOT NULL`, the safe `SET NOT NULL`
//! sequence through a validated check, type changes and drops, each with its reverse.

use crate::model::{quote_ident, quote_literal, Column, Identity, QualifiedName};

use crate::repair::names::{
    choose_name, column_nullable, constraint_exists, constraint_not_validated, do_block, regclass,
};

use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn missing_column(&mut self, table: &QualifiedName, column: &Column) {
        let has_rows = self.has_rows(table);
        // NOT NULL needs a value for every existing row: a default, or an empty table.
        let direct_not_null = column.nullable
            || column.default.is_some()
            || column.identity.is_some()
            || column.generated.is_some()
            || !has_rows;
        let sql = format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {};",
            table.to_sql(),
            column_definition(column, direct_not_null)
        );
        let mut comment = format!("add column {}.{}", table, column.name);
        if !direct_not_null {
            comment.push_str(
                " (nullable for now: it is NOT NULL without a default on a table with rows)",
            );
        }
        let rewrites = has_rows && rewrites_on_add(column);
        // A rewrite holds the lock for as long as it takes.
        let mut hazards = vec![lock(table, LockLevel::AccessExclusive, !rewrites)];
        if rewrites {
            hazards.push(Hazard::TableRewrite {
                table: table.clone(),
            });
        }
        let step = self.push(Phase::Columns, sql, comment);
        step.hazards = hazards;
        step.reverse = Some(format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {};",
            table.to_sql(),
            quote_ident(&column.name)
        ));
        if let Some(comment) = column.comment.as_deref().filter(|c| !c.is_empty()) {
            self.comment_on(table, Some(&column.name), comment, None);
        }
        if !direct_not_null {
            self.set_not_null(
                table,
                &column.name,
                Some(format!(
                    "backfill first: UPDATE {} SET {} = ... WHERE {} IS NULL; then run these",
                    table.to_sql(),
                    quote_ident(&column.name),
                    quote_ident(&column.name)
                )),
            );
        }
    }

    pub(super) fn set_default(
        &mut self,
        table: &QualifiedName,
        column: &Column,
        before: Option<String>,
    ) {
        if column.default.is_none() && crate::types::serial_base(&column.data_type).is_some() {
            self.serial_default(table, column, before);
            return;
        }
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let (sql, comment) = match &column.default {
            Some(default) => (
                format!("{alter} SET DEFAULT {default};"),
                format!("set the default of {}.{}", table, column.name),
            ),
            None => (
                format!("{alter} DROP DEFAULT;"),
                format!("drop the default of {}.{}", table, column.name),
            ),
        };
        let reverse = match &before {
            Some(default) => format!("{alter} SET DEFAULT {default};"),
            None => format!("{alter} DROP DEFAULT;"),
        };
        let step = self.push(Phase::Alter, sql, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(reverse);
    }

    /// A `serial` column without its sequence: create the sequence, start it above the values
    /// already there, and make it the default.
    fn serial_default(&mut self, table: &QualifiedName, column: &Column, before: Option<String>) {
        let base = crate::types::serial_base(&column.data_type).unwrap_or("integer");
        let seq = QualifiedName::new(
            table.schema.clone(),
            crate::repair::names::object_name(&table.name, Some(&column.name), "seq"),
        );
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let s = seq.to_sql();
        let seq_literal = quote_literal(&s);
        let steps = [
            (
                format!("CREATE SEQUENCE IF NOT EXISTS {s} AS {base} OWNED BY {t}.{c};"),
                format!("create sequence {seq} for the serial column {table}.{}", column.name),
                vec![],
                Some(format!("DROP SEQUENCE IF EXISTS {s};")),
            ),
            (
                crate::repair::names::do_statement(&format!(
                    "PERFORM pg_catalog.setval({seq_literal}, GREATEST(\
                     (SELECT COALESCE(max({c}), 0) + 1 FROM {t}), \
                     (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {s})), false)"
                )),
                format!(
                    "start {seq} above the values already in {table}.{} (never moves it back)",
                    column.name
                ),
                vec![Hazard::TableScan {
                    table: table.clone(),
                }],
                None,
            ),
            (
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT nextval({}::regclass);",
                    seq_literal
                ),
                format!("make {seq} the default of {table}.{}", column.name),
                vec![lock(table, LockLevel::AccessExclusive, true)],
                Some(match &before {
                    Some(default) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {default};"),
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;"),
                }),
            ),
        ];
        for (sql, comment, hazards, reverse) in steps {
            let step = self.push(Phase::Alter, sql, comment);
            step.hazards = hazards;
            step.reverse = reverse;
        }
    }

    pub(super) fn drop_not_null(&mut self, table: &QualifiedName, column: &Column) {
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let step = self.push(
            Phase::Alter,
            format!("{alter} DROP NOT NULL;"),
            format!("make {}.{} nullable", table, column.name),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!("{alter} SET NOT NULL;"));
    }

    /// The safe `SET NOT NULL`: a `CHECK (col IS NOT NULL) NOT VALID`, validated without blocking
    /// writes, lets `SET NOT NULL` skip its scan under ACCESS EXCLUSIVE; then the check goes.
    pub(super) fn set_not_null(
        &mut self,
        table: &QualifiedName,
        column: &str,
        held_back: Option<String>,
    ) {
        if !self.not_null.insert((table.clone(), column.to_string())) {
            return;
        }
        let check = choose_name(
            &mut self.taken,
            &table.schema,
            &table.name,
            &[column.to_string()],
            "not_null",
        );
        let steps = not_null_steps(table, column, &check, held_back.is_some());
        for (phase, sql, comment, hazards, reverse) in steps {
            let set_not_null = sql.ends_with(" SET NOT NULL;");
            let step = self.push(phase, sql, comment);
            step.hazards = hazards;
            step.reverse = reverse;
            step.commented_out = held_back.clone();
            if set_not_null {
                step.lint_suppression = Some(
                    "driftlint-ignore: set-not-null -- the validated check above proves it: no scan"
                        .into(),
                );
            }
        }
    }

    pub(super) fn change_type(
        &mut self,
        table: &QualifiedName,
        column: &Column,
        live: Option<&Column>,
    ) {
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let ty = crate::types::serial_base(&column.data_type).unwrap_or(&column.data_type);
        // A collation is named when either side has one; `"default"` is the type's own.
        let collated = column.collation.is_some() || live.is_some_and(|l| l.collation.is_some());
        let collate = |collation: Option<&String>| match (collated, collation) {
            (false, _) => String::new(),
            (true, Some(collation)) => format!(" COLLATE {collation}"),
            (true, None) => " COLLATE \"default\"".to_string(),
        };
        let alter = format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}{} USING {c}::{ty}",
            collate(column.collation.as_ref())
        );
        let wanted_collation = match &column.collation {
            Some(collation) => format!("{}::pg_catalog.regcollation", quote_literal(collation)),
            None => "ty.typcollation".to_string(),
        };
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
             WHERE a.attrelid = {} AND a.attname = {} AND NOT a.attisdropped \
             AND (pg_catalog.format_type(a.atttypid, a.atttypmod) <> {} \
             OR a.attcollation <> {wanted_collation}))",
            regclass(table),
            quote_literal(&column.name),
            quote_literal(ty)
        );
        let comment = format!(
            "change the type of {}.{} to {}{}",
            table,
            column.name,
            column.data_type,
            collate(column.collation.as_ref())
        );
        let destructive = self.context.destructive;
        let step = self.push(Phase::Destructive, do_block(&condition, &alter), comment);
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, false),
            Hazard::TableRewrite {
                table: table.clone(),
            },
            Hazard::DataLoss {
                what: format!(
                    "values of {}.{} that do not convert are an error or get truncated",
                    table, column.name
                ),
            },
        ];
        step.reverse = live.map(|live| {
            let ty = &live.data_type;
            format!(
                "ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}{} USING {c}::{ty};",
                collate(live.collation.as_ref())
            )
        });
        if !destructive {
            step.commented_out = Some(
                "a type change rewrites the table under an ACCESS EXCLUSIVE lock (--destructive runs it)"
                    .into(),
            );
        }
    }

    pub(super) fn drop_column(&mut self, table: &QualifiedName, column: &Column) {
        let sql = format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {};",
            table.to_sql(),
            quote_ident(&column.name)
        );
        let reverse = format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {};",
            table.to_sql(),
            column_definition(column, column.default.is_some() || column.nullable)
        );
        let step = self.push(
            Phase::Destructive,
            sql,
            format!(
                "drop column {}.{}, which schema.yaml does not declare",
                table, column.name
            ),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            Hazard::DataLoss {
                what: format!("every value of {}.{}", table, column.name),
            },
        ];
        step.reverse = Some(reverse);
        self.destructive_gate();
    }
}

/// One step of the safe `SET NOT NULL`: phase, SQL, comment, hazards, reverse.
type NotNullStep = (Phase, String, String, Vec<Hazard>, Option<String>);

/// The four steps of the safe `SET NOT NULL` of `column` through the helper check `check`: add
/// it `NOT VALID`, validate it, `SET NOT NULL`, drop it. When `held_back` (waiting for a
/// backfill), the add waits for the validation phase too.
fn not_null_steps(
    table: &QualifiedName,
    column: &str,
    check: &str,
    held_back: bool,
) -> [NotNullStep; 4] {
    let t = table.to_sql();
    let c = quote_ident(column);
    let (add, validate) = not_null_check(table, column, check);
    let phase_add = if held_back {
        Phase::Validate
    } else {
        Phase::Constraints
    };
    [
        (
            phase_add,
            add,
            format!("{table}.{column} NOT NULL, step 1: a check constraint, not validated yet"),
            vec![lock(table, LockLevel::AccessExclusive, true)],
            Some(format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                quote_ident(check)
            )),
        ),
        (
            Phase::Validate,
            validate,
            format!("{table}.{column} NOT NULL, step 2: validate the check (fails if a row is NULL)"),
            vec![
                lock(table, LockLevel::ShareUpdateExclusive, false),
                Hazard::TableScan {
                    table: table.clone(),
                },
            ],
            None,
        ),
        (
            Phase::NotNull,
            format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;"),
            format!("{table}.{column} NOT NULL, step 3: SET NOT NULL, proven by the check without a scan"),
            vec![lock(table, LockLevel::AccessExclusive, true)],
            Some(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;")),
        ),
        (
            Phase::NotNull,
            format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                quote_ident(check)
            ),
            format!("{table}.{column} NOT NULL, step 4: drop the helper check"),
            vec![lock(table, LockLevel::AccessExclusive, true)],
            None,
        ),
    ]
}

/// The guarded `ADD CONSTRAINT .. CHECK (column IS NOT NULL) NOT VALID` (skipped when the check
/// exists or the column is already NOT NULL) and the guarded `VALIDATE CONSTRAINT` (skipped when
/// there is nothing left to validate) of the safe `SET NOT NULL`.
fn not_null_check(table: &QualifiedName, column: &str, check: &str) -> (String, String) {
    let t = table.to_sql();
    let add = do_block(
        &format!(
            "NOT {} AND {}",
            constraint_exists(table, check),
            column_nullable(table, column)
        ),
        &format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
            quote_ident(check),
            quote_ident(column)
        ),
    );
    let validate = do_block(
        &constraint_not_validated(table, check),
        &format!("ALTER TABLE {t} VALIDATE CONSTRAINT {}", quote_ident(check)),
    );
    (add, validate)
}

/// `"user" text COLLATE "C" DEFAULT 'x' NOT NULL` (NOT NULL only when `with_not_null`).
pub(crate) fn column_definition(column: &Column, with_not_null: bool) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    } else if let Some(identity) = column.identity {
        sql.push_str(match identity {
            Identity::Always => " GENERATED ALWAYS AS IDENTITY",
            Identity::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
        });
        sql.push_str(&identity_options_sql(column));
    } else if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if with_not_null && !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// Whether adding `column` to a table with rows rewrites it: a stored generated column, an
/// identity, or a default that is (by its look) volatile.
fn rewrites_on_add(column: &Column) -> bool {
    if column.generated.is_some() || column.identity.is_some() {
        return true;
    }
    let Some(default) = &column.default else {
        return false;
    };
    let default = default.to_lowercase();
    const VOLATILE: &[&str] = &[
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
        "txid_current(",
    ];
    VOLATILE.iter().any(|f| default.contains(f)) || column.data_type.ends_with("serial")
}

/// ` (START WITH 10 INCREMENT BY 5)` for an identity column with declared sequence options,
/// else empty.
pub(crate) fn identity_options_sql(column: &Column) -> String {
    match column.identity_options.as_deref().filter(|o| !o.is_empty()) {
        Some(options) => format!(" ({})", options.to_sql("")),
        None => String::new(),
    }
}
