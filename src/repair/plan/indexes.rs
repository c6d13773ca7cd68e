//! Recipes for indexes: `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (re-creating one left INVALID by
//! a failed build; plain `CREATE INDEX` on a partitioned table), replacement of a changed index
//! and the drop of an extra one. The indexes behind unique and primary keys are `keys`'.

use crate::model::{quote_ident, quote_ident_list, quote_literal, Index, IndexKey, QualifiedName};

use crate::repair::names::{choose_name, do_block, invalid_index_exists, qualified};

use super::{lock, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn index_name(&mut self, table: &QualifiedName, index: &Index) -> String {
        if let Some(name) = &index.name {
            return name.clone();
        }
        let columns: Vec<String> = index
            .keys
            .iter()
            .map(|k| {
                if k.expression {
                    "expr".to_string()
                } else {
                    k.expr.clone()
                }
            })
            .collect();
        choose_name(&mut self.taken, &table.schema, &table.name, &columns, "idx")
    }

    /// `true` for a partitioned table: PostgreSQL builds no index on one concurrently.
    pub(super) fn partitioned(&self, table: &QualifiedName) -> bool {
        self.live_table(table)
            .or_else(|| self.context.declared.tables.get(table))
            .is_some_and(|t| t.partitioned)
    }

    /// Builds `index` concurrently, first dropping an INVALID index of the same name left by a
    /// failed concurrent build (`IF NOT EXISTS` would otherwise skip it and "succeed").
    pub(super) fn create_index(
        &mut self,
        table: &QualifiedName,
        index: &Index,
        why: &str,
    ) -> String {
        let name = self.index_name(table, index);
        if self.partitioned(table) {
            let sql = index_sql(table, &name, index).replacen(" CONCURRENTLY", "", 1);
            let step = self.push(
                Phase::Constraints,
                sql,
                format!(
                    "build index {name} on the partitioned table {table} (partitioned tables cannot build concurrently)"
                ),
            );
            step.hazards = vec![
                lock(table, LockLevel::Share, false),
                Hazard::TableScan {
                    table: table.clone(),
                },
            ];
            step.reverse = Some(format!(
                "DROP INDEX IF EXISTS {};",
                qualified(&table.schema, &name)
            ));
            return name;
        }
        self.rebuild_invalid(table, &name);
        let sql = index_sql(table, &name, index);
        let step = self.push(
            Phase::Indexes,
            sql,
            if why.is_empty() {
                format!("build index {name} on {table} without blocking writes")
            } else {
                format!("build index {name} on {table} ({why}) without blocking writes")
            },
        );
        step.hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        step.reverse = Some(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {};",
            qualified(&table.schema, &name)
        ));
        step.reverse_outside_transaction = true;
        name
    }

    fn rebuild_invalid(&mut self, table: &QualifiedName, name: &str) {
        let sql = do_block(
            &invalid_index_exists(&table.schema, name),
            &format!("DROP INDEX IF EXISTS {}", qualified(&table.schema, name)),
        );
        let step = self.push(
            Phase::Indexes,
            sql,
            format!(
                "drop index {name} if a failed concurrent build left it INVALID, so it is rebuilt"
            ),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
    }

    pub(super) fn replace_index(&mut self, table: &QualifiedName, declared: &Index, live: &Index) {
        // An undeclared name keeps the live one.
        let declared = &Index {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        if !live.valid {
            // An INVALID index serves no query: rebuilding it loses nothing.
            self.create_index(table, declared, "replaces an INVALID index");
            return;
        }
        let name = self.index_name(table, declared);
        let Some(definition) = &live.definition else {
            let step = self.push(
                Phase::DropIndexes,
                String::new(),
                format!("index {name} on {table} differs from schema.yaml: recreate it by hand"),
            );
            step.commented_out = Some("the live definition is unknown".into());
            return;
        };
        let drop = do_block(
            &format!(
                "EXISTS (SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = {} \
                 AND indexname = {} AND indexdef = {})",
                quote_literal(&table.schema),
                quote_literal(&name),
                quote_literal(definition)
            ),
            &format!("DROP INDEX IF EXISTS {}", qualified(&table.schema, &name)),
        );
        let reverse = format!("{};", definition.trim_end_matches(';'));
        let gate = !self.context.destructive;
        let step = self.push(
            Phase::Indexes,
            drop,
            format!("drop index {name}, whose definition differs from schema.yaml"),
        );
        step.hazards = vec![lock(table, LockLevel::AccessExclusive, true)];
        step.reverse = Some(reverse);
        if gate {
            step.commented_out = Some(
                "replacing an index leaves queries without it until it is rebuilt (--destructive runs it)"
                    .into(),
            );
        }
        let sql = index_sql(table, &name, declared);
        let step = self.push(
            Phase::Indexes,
            sql,
            format!("rebuild index {name} as declared, without blocking writes"),
        );
        step.hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        if gate {
            step.commented_out = Some("follows the drop above".into());
        }
    }

    pub(super) fn drop_index(&mut self, table: &QualifiedName, index: &Index) {
        let Some(name) = &index.name else { return };
        let step = self.push(
            Phase::DropIndexes,
            format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {};",
                qualified(&table.schema, name)
            ),
            format!("drop index {name} on {table}, which schema.yaml does not declare"),
        );
        step.hazards = vec![lock(table, LockLevel::ShareUpdateExclusive, false)];
        step.reverse = Some(index_sql(table, name, index));
        step.reverse_outside_transaction = true;
        self.destructive_gate();
    }
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name ON table USING method (keys) ...;`
pub(crate) fn index_sql(table: &QualifiedName, name: &str, index: &Index) -> String {
    let keys: Vec<String> = index.keys.iter().map(IndexKey::to_sql).collect();
    let mut sql = format!(
        "CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(name),
        table.to_sql(),
        quote_ident(&index.method),
        keys.join(", ")
    );
    if !index.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", quote_ident_list(&index.include)));
    }
    if index.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    sql.push(';');
    sql
}
