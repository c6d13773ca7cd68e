//! Recipes for unique constraints and primary keys: on an empty table added directly, otherwise
//! a unique index built concurrently and then attached (`ADD CONSTRAINT .. USING INDEX`), and a
//! changed primary key replaced.

use crate::model::{
    quote_ident, quote_ident_list, quote_literal, Index, PrimaryKey, QualifiedName, Unique,
};

use crate::repair::names::{constraint_exists, do_block, regclass};

use super::constraints::key_attnums;
use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    /// A unique index built concurrently, then attached as a constraint (`USING INDEX`).
    /// A unique key or primary key added directly (a partitioned table has no `USING INDEX`).
    fn add_key_directly(
        &mut self,
        table: &QualifiedName,
        name: &str,
        definition: &str,
        what: &str,
    ) {
        let t = table.to_sql();
        let n = quote_ident(name);
        let sql = do_block(
            &format!("NOT {}", constraint_exists(table, name)),
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {definition}"),
        );
        let step = self.push(
            Phase::Constraints,
            sql,
            format!(
                "add {what} {name} on the partitioned table {table} (no concurrent build possible)"
            ),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
    }

    pub(super) fn add_unique(&mut self, table: &QualifiedName, unique: &Unique) {
        let name = self.constraint_name(table, &unique.name, &unique.columns, "key");
        if self.partitioned(table) {
            let definition = format!(
                "UNIQUE{} ({}){}",
                if unique.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                quote_ident_list(&unique.columns),
                unique.deferrable_sql()
            );
            self.add_key_directly(table, &name, &definition, "unique constraint");
            return;
        }
        let index = key_index(&unique.columns, unique.nulls_not_distinct);
        let index_name = Some(name.clone());
        self.create_index(
            table,
            &Index {
                name: index_name,
                ..index
            },
            &format!("backs unique constraint {name}"),
        );
        let kind = format!(
            "UNIQUE USING INDEX {}{}",
            quote_ident(&name),
            unique.deferrable_sql()
        );
        self.attach_index(table, &name, &kind, "unique constraint");
    }

    pub(super) fn add_primary_key(&mut self, table: &QualifiedName, pk: &PrimaryKey) {
        let name = self.constraint_name(table, &pk.name, &[], "pkey");
        if self.partitioned(table) {
            let definition = format!("PRIMARY KEY ({})", quote_ident_list(&pk.columns));
            self.add_key_directly(table, &name, &definition, "primary key");
            return;
        }
        // PRIMARY KEY USING INDEX would SET NOT NULL with a scan under ACCESS EXCLUSIVE:
        // prove NOT NULL first, the safe way.
        if let Some(live) = self.live_table(table) {
            for column in &pk.columns {
                if live.column(column).is_some_and(|c| c.nullable) {
                    self.set_not_null(table, column, None);
                }
            }
        }
        let index = Index {
            name: Some(name.clone()),
            ..key_index(&pk.columns, false)
        };
        self.create_index(table, &index, &format!("backs primary key {name}"));
        let kind = format!("PRIMARY KEY USING INDEX {}", quote_ident(&name));
        self.attach_index(table, &name, &kind, "primary key");
    }

    /// `ALTER TABLE .. ADD CONSTRAINT name <definition>`, the definition naming the index
    /// built for it (`UNIQUE USING INDEX name [DEFERRABLE ..]`).
    fn attach_index(&mut self, table: &QualifiedName, name: &str, definition: &str, what: &str) {
        let t = table.to_sql();
        let n = quote_ident(name);
        let sql = do_block(
            &format!("NOT {}", constraint_exists(table, name)),
            &format!("ALTER TABLE {t} ADD CONSTRAINT {n} {definition}"),
        );
        let step = self.push(
            Phase::KeyConstraints,
            sql,
            format!("make index {name} the {what} of {table}"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"));
    }

    pub(super) fn replace_primary_key(
        &mut self,
        table: &QualifiedName,
        declared: &PrimaryKey,
        live: &PrimaryKey,
    ) {
        let Some(live_name) = &live.name else { return };
        let declared = &PrimaryKey {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conname = {} \
             AND c.conrelid = {} AND c.contype = 'p' AND c.conkey <> {})",
            quote_literal(live_name),
            regclass(table),
            key_attnums("c.conrelid", &declared.columns)
        );
        let step = self.drop_changed_constraint(table, live_name, &condition, format!("drop primary key {live_name} on {table}, which differs from schema.yaml (fails while foreign keys reference it)"));
        step.reverse = None;
        let first = self.steps.len() - 1;
        self.add_primary_key(table, declared);
        self.hold_replacement(first, "the primary key");
    }
}

impl Planner<'_> {
    /// A unique constraint of the declared name that differs (other columns, NULLS [NOT]
    /// DISTINCT or deferrability; PostgreSQL cannot alter them in place): dropped when it still
    /// differs, then added as declared. Held back unless `--destructive` (it fails while
    /// foreign keys reference it, and the table is unguarded in between).
    pub(super) fn replace_unique(
        &mut self,
        table: &QualifiedName,
        declared: &Unique,
        live: &Unique,
    ) {
        let Some(live_name) = &live.name else { return };
        let declared = &Unique {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        let mut differs = vec![
            format!(
                "c.conkey <> {}",
                key_attnums("c.conrelid", &declared.columns)
            ),
            format!("c.condeferrable <> {}", declared.deferrable),
            format!("c.condeferred <> {}", declared.initially_deferred),
        ];
        // pg_index.indnullsnotdistinct exists from PostgreSQL 15, which either side having
        // NULLS NOT DISTINCT proves.
        if declared.nulls_not_distinct || live.nulls_not_distinct {
            differs.push(format!(
                "(SELECT i.indnullsnotdistinct FROM pg_catalog.pg_index i \
                 WHERE i.indexrelid = c.conindid) <> {}",
                declared.nulls_not_distinct
            ));
        }
        let condition = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conname = {} \
             AND c.conrelid = {} AND c.contype = 'u' AND ({}))",
            quote_literal(live_name),
            regclass(table),
            differs.join(" OR ")
        );
        self.drop_changed_constraint(table, live_name, &condition, format!("drop unique constraint {live_name} on {table}, which differs from schema.yaml (fails while foreign keys reference it)"));
        let first = self.steps.len() - 1;
        self.add_unique(table, declared);
        self.hold_replacement(first, "a unique constraint");
    }
}

/// The unique index a unique constraint or primary key on `columns` is built from.
fn key_index(columns: &[String], nulls_not_distinct: bool) -> Index {
    Index {
        unique: true,
        nulls_not_distinct,
        ..Index::on_columns(None, columns)
    }
}
