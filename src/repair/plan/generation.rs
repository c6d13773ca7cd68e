//! What fills a column when a row does not: a default, an identity or a generation expression.
//! PostgreSQL keeps these apart (`pg_attrdef`, `attidentity`, `attgenerated`) and each has its own
//! statements: `SET DEFAULT` is refused on an identity column, an identity is added with
//! `ADD GENERATED ... AS IDENTITY`, changed with `SET GENERATED`, removed with `DROP IDENTITY`,
//! and a generation expression can be dropped (`DROP EXPRESSION`) but not set on an existing
//! column before PostgreSQL 17. What cannot be done in place is held back with the statements a
//! person would run, never written as a statement that fails.

use crate::model::{quote_ident, quote_literal, Column, Identity, QualifiedName};
use crate::repair::names::{do_block, regclass};

use super::{lock, Hazard, LockLevel, Phase, Planner};

fn identity_sql(identity: Identity) -> &'static str {
    match identity {
        Identity::Always => "ALWAYS",
        Identity::ByDefault => "BY DEFAULT",
    }
}

/// The catalog condition "`column` of `table` is an identity column".
fn is_identity(table: &QualifiedName, column: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = {} \
         AND attname = {} AND attidentity <> '' AND NOT attisdropped)",
        regclass(table),
        quote_literal(column)
    )
}

impl Planner<'_> {
    /// Brings the default, identity and generation of `live` to those of `declared`.
    pub(super) fn repair_default(
        &mut self,
        table: &QualifiedName,
        declared: &Column,
        live: Option<&Column>,
    ) {
        let Some(live) = live else {
            self.set_default(table, declared, None);
            return;
        };
        if declared.generated.is_some() {
            // Either the live column is not generated or its expression differs: both need
            // the column dropped and added again.
            self.hold_generation(table, declared);
            return;
        }
        if live.generated.is_some() {
            self.drop_expression(table, declared);
        }
        match (declared.identity, live.identity) {
            (Some(wanted), Some(current)) if wanted != current => {
                self.set_generated(table, declared, wanted, current);
                return;
            }
            (Some(wanted), None) => {
                self.add_identity(table, declared, live, wanted);
                return;
            }
            (None, Some(current)) => self.drop_identity(table, declared, current),
            _ => {}
        }
        let before = live
            .identity
            .is_none()
            .then(|| live.default.clone())
            .flatten();
        if declared.default.is_some()
            || crate::types::serial_base(&declared.data_type).is_some()
            || before.is_some()
        {
            self.set_default(table, declared, before);
        }
    }

    fn alter(table: &QualifiedName, column: &Column) -> String {
        format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table.to_sql(),
            quote_ident(&column.name)
        )
    }

    /// A generation expression that is not the declared one: held back, with the statements.
    fn hold_generation(&mut self, table: &QualifiedName, column: &Column) {
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let expression = column.generated.as_deref().unwrap_or_default();
        let sql = format!(
            "ALTER TABLE {t} DROP COLUMN {c};\n\
             ALTER TABLE {t} ADD COLUMN {c} {} GENERATED ALWAYS AS ({expression}) STORED;",
            column.data_type
        );
        let comment = format!(
            "make {table}.{} generated as ({expression}): PostgreSQL before 17 cannot set a \
             generation expression on an existing column (17 has ALTER COLUMN ... SET EXPRESSION); \
             dropping and adding the column rewrites the table and loses what depends on it",
            column.name
        );
        let step = self.push(Phase::Destructive, sql, comment);
        step.commented_out =
            Some("a generation expression cannot be changed in place; run by hand".into());
    }

    /// A live generated column declared plain: its values stay, it is no longer computed.
    fn drop_expression(&mut self, table: &QualifiedName, column: &Column) {
        let sql = format!("{} DROP EXPRESSION IF EXISTS;", Self::alter(table, column));
        let comment = format!(
            "make {table}.{} a plain column (its values are kept)",
            column.name
        );
        let step = self.push(Phase::Alter, sql, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
    }

    fn set_generated(
        &mut self,
        table: &QualifiedName,
        column: &Column,
        wanted: Identity,
        current: Identity,
    ) {
        let alter = Self::alter(table, column);
        let sql = format!("{alter} SET GENERATED {};", identity_sql(wanted));
        let comment = format!(
            "make the identity of {table}.{} GENERATED {}",
            column.name,
            identity_sql(wanted)
        );
        let step = self.push(Phase::Alter, sql, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!("{alter} SET GENERATED {};", identity_sql(current)));
    }

    /// An identity on a column that has none: its default (a serial's `nextval`) goes, the column
    /// becomes `NOT NULL` as PostgreSQL requires, and the identity's sequence starts above the
    /// values already there. Guarded, so that a second run does nothing.
    fn add_identity(
        &mut self,
        table: &QualifiedName,
        column: &Column,
        live: &Column,
        wanted: Identity,
    ) {
        let alter = Self::alter(table, column);
        let t = table.to_sql();
        let c = quote_ident(&column.name);
        let mut body = Vec::new();
        if live.default.is_some() {
            body.push(format!("{alter} DROP DEFAULT;"));
        }
        if live.nullable {
            body.push(format!("{alter} SET NOT NULL;"));
        }
        body.push(format!(
            "{alter} ADD GENERATED {} AS IDENTITY{};",
            identity_sql(wanted),
            super::columns::identity_options_sql(column)
        ));
        // RESTART names the identity's own sequence (a serial's old one may still be owned by
        // the column, so looking a sequence up by the column could find that one).
        body.push(format!(
            "EXECUTE pg_catalog.format('{} RESTART WITH %s', \
             (SELECT COALESCE(max({c}), 0) + 1 FROM {t}));",
            alter.replace('\'', "''")
        ));
        let condition = format!("NOT {}", is_identity(table, &column.name));
        let comment = format!(
            "make {table}.{} GENERATED {} AS IDENTITY, starting above its values",
            column.name,
            identity_sql(wanted)
        );
        let step = self.push(
            Phase::Alter,
            do_block(&condition, &body.join("\n")),
            comment,
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!("{alter} DROP IDENTITY IF EXISTS;"));
    }

    fn drop_identity(&mut self, table: &QualifiedName, column: &Column, current: Identity) {
        let alter = Self::alter(table, column);
        let sql = format!("{alter} DROP IDENTITY IF EXISTS;");
        let comment = format!("make {table}.{} no longer an identity", column.name);
        let step = self.push(Phase::Alter, sql, comment);
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(do_block(
            &format!("NOT {}", is_identity(table, &column.name)),
            &format!(
                "{alter} ADD GENERATED {} AS IDENTITY;",
                identity_sql(current)
            ),
        ));
    }
}
