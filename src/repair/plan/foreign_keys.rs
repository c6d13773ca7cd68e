//! Recipes for foreign keys: added `NOT VALID` and validated (after the unique index they reference
//! when this migration builds it), and replaced when their actions or deferrability changed.

use crate::model::{
    quote_ident, quote_ident_list, quote_literal, FkAction, ForeignKey, QualifiedName,
};

use crate::repair::names::{do_block, regclass};

use super::constraints::{key_attnums, NotValid};
use super::{lock, sorted, Hazard, LockLevel, Phase, Planner};

impl Planner<'_> {
    pub(super) fn add_foreign_key(&mut self, table: &QualifiedName, fk: &ForeignKey) {
        let name = self.constraint_name(table, &fk.name, &fk.columns, "fkey");
        let late = self
            .late_keys
            .contains(&(fk.ref_table.clone(), sorted(fk.ref_columns.clone())));
        let phases = if late {
            (Phase::LateForeignKeys, Phase::LateValidate)
        } else {
            (Phase::Constraints, Phase::Validate)
        };
        let mut add_hazards = vec![lock(table, LockLevel::ShareRowExclusive, true)];
        let mut validate_hazards = vec![
            lock(table, LockLevel::ShareUpdateExclusive, false),
            Hazard::TableScan {
                table: table.clone(),
            },
        ];
        if fk.ref_table != *table {
            add_hazards.push(lock(&fk.ref_table, LockLevel::ShareRowExclusive, true));
            validate_hazards.push(Hazard::TableScan {
                table: fk.ref_table.clone(),
            });
        }
        // A foreign key declared without a name matches any equivalent one (a hand-run hotfix
        // may have added it under another name).
        let equivalent = fk.name.is_none().then(|| {
            format!(
                "EXISTS (  -- the same foreign key under another name\n\
                 \x20          SELECT 1 FROM pg_catalog.pg_constraint c\n\
                 \x20          WHERE c.conrelid = {} AND c.contype = 'f'\n\
                 \x20            AND c.conkey = {}\n\
                 \x20            AND c.confrelid = {}\n\
                 \x20            AND c.confkey = {})",
                regclass(table),
                key_attnums("c.conrelid", &fk.columns),
                regclass(&fk.ref_table),
                key_attnums("c.confrelid", &fk.ref_columns)
            )
        });
        self.add_not_valid(
            table,
            NotValid {
                name: &name,
                definition: &foreign_key_definition(fk),
                equivalent,
                what: "foreign key",
            },
            phases,
            (add_hazards, validate_hazards),
        );
    }

    pub(super) fn replace_foreign_key(
        &mut self,
        table: &QualifiedName,
        declared: &ForeignKey,
        live: &ForeignKey,
    ) {
        let Some(live_name) = &live.name else { return };
        let declared = &ForeignKey {
            name: declared.name.clone().or_else(|| live.name.clone()),
            ..declared.clone()
        };
        let t = table.to_sql();
        // Drop the live constraint only while it still differs from the declared one, so a
        // second run keeps the new constraint.
        let same = format!(
            "c.confrelid = {}\n\
             \x20            AND c.conkey = {}\n\
             \x20            AND c.confkey = {}\n\
             \x20            AND c.confdeltype = {} AND c.confupdtype = {}\n\
             \x20            AND c.condeferrable = {} AND c.condeferred = {}",
            regclass(&declared.ref_table),
            key_attnums("c.conrelid", &declared.columns),
            key_attnums("c.confrelid", &declared.ref_columns),
            quote_literal(action_code(declared.on_delete)),
            quote_literal(action_code(declared.on_update)),
            declared.deferrable,
            declared.initially_deferred
        );
        let condition = format!(
            "EXISTS (  -- still the old definition\n\
             \x20          SELECT 1 FROM pg_catalog.pg_constraint c\n\
             \x20          WHERE c.conname = {} AND c.conrelid = {}\n\
             \x20            AND NOT ({same}))",
            quote_literal(live_name),
            regclass(table)
        );
        let drop = do_block(
            &condition,
            &format!(
                "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
                quote_ident(live_name)
            ),
        );
        let step = self.push(
            Phase::Replace,
            drop,
            format!("drop foreign key {live_name} on {table}, which differs from schema.yaml"),
        );
        step.hazards = vec![
            lock(table, LockLevel::AccessExclusive, true),
            lock(&live.ref_table, LockLevel::AccessExclusive, true),
        ];
        step.reverse = Some(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {};",
            quote_ident(live_name),
            foreign_key_definition(live)
        ));
        // Dropped and added NOT VALID in the same transaction: new rows are checked at once,
        // existing ones by the VALIDATE outside it.
        self.add_foreign_key(table, declared);
    }
}

/// `FOREIGN KEY (a) REFERENCES public.t (id) ON DELETE SET NULL DEFERRABLE ...`
pub(super) fn foreign_key_definition(fk: &ForeignKey) -> String {
    let mut sql = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident_list(&fk.columns),
        fk.ref_table.to_sql(),
        quote_ident_list(&fk.ref_columns)
    );
    sql.push_str(&fk.options_sql());
    sql
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn action_code(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "a",
        FkAction::Restrict => "r",
        FkAction::Cascade => "c",
        FkAction::SetNull => "n",
        FkAction::SetDefault => "d",
    }
}
