//! Unit tests of planning and rendering, without a database (the integration tests in
//! `tests/repair.rs` apply the output to a real PostgreSQL).

mod alembic_revision;
mod checks;
mod columns;
mod enums;
mod identifiers;
mod indexes;
mod keys;
mod output;
mod sql_file;
mod tables;

use super::alembic::{escape_bind_colons, heads, python_string, Revision};
use super::plan::Phase;
use super::*;
use crate::diff::{DriftKind, Object, Severity};
use crate::model::{
    Check, Column, Enum, FkAction, ForeignKey, Index, IndexKey, PrimaryKey, QualifiedName, Schema,
    Table, Unique,
};

fn qn(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(Into::into),
        identity: None,
        identity_options: None,
        generated: None,
        collation: None,
        comment: None,
        pos: None,
    }
}

fn table(name: QualifiedName, columns: Vec<Column>, rows: Option<i64>) -> Table {
    Table {
        name,
        columns,
        row_estimate: rows,
        ..Table::default()
    }
}

fn index(name: Option<&str>, columns: &[&str]) -> Index {
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    Index::on_columns(name.map(str::to_string), &columns)
}

fn fk(
    name: Option<&str>,
    columns: &[&str],
    ref_table: QualifiedName,
    ref_columns: &[&str],
) -> ForeignKey {
    ForeignKey {
        name: name.map(Into::into),
        columns: columns.iter().map(|c| (*c).into()).collect(),
        ref_table,
        ref_columns: ref_columns.iter().map(|c| (*c).into()).collect(),
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        valid: true,
        pos: None,
    }
}

fn drift(
    kind: DriftKind,
    table: &QualifiedName,
    object: Option<&str>,
    declared: Option<Object>,
    live: Option<Object>,
) -> Drift {
    Drift {
        kind,
        table: table.clone(),
        object: object.map(Into::into),
        expected: None,
        actual: None,
        severity: if kind.warns() {
            Severity::Warning
        } else {
            Severity::Error
        },
        declared,
        live,
        pos: None,
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.tables.insert(t.name.clone(), t);
    }
    s
}

/// The prospects scenario: a column, its foreign key and its index are missing.
fn prospects() -> (Vec<Drift>, Schema, Schema) {
    let prospects = qn("public", "prospects");
    let queries = qn("public", "discovery_queries");
    let col = column("discovery_query_id", "uuid", true, None);
    let key = fk(
        Some("fk_prospects_discovery_query_id"),
        &["discovery_query_id"],
        queries.clone(),
        &["id"],
    );
    let ix = index(
        Some("ix_prospects_discovery_query_id"),
        &["discovery_query_id"],
    );
    let live = schema(vec![
        table(
            prospects.clone(),
            vec![column("id", "uuid", false, None)],
            Some(1200),
        ),
        table(
            queries.clone(),
            vec![column("id", "uuid", false, None)],
            Some(10),
        ),
    ]);
    let mut declared = live.clone();
    let t = declared.tables.get_mut(&prospects).unwrap();
    t.columns.push(col.clone());
    t.foreign_keys.push(key.clone());
    t.indexes.push(ix.clone());
    let drift = vec![
        drift(
            DriftKind::MissingColumn,
            &prospects,
            Some("discovery_query_id"),
            Some(Object::Column(col)),
            None,
        ),
        drift(
            DriftKind::MissingForeignKey,
            &prospects,
            Some("fk_prospects_discovery_query_id"),
            Some(Object::ForeignKey(key)),
            None,
        ),
        drift(
            DriftKind::MissingIndex,
            &prospects,
            Some("ix_prospects_discovery_query_id"),
            Some(Object::Index(ix)),
            None,
        ),
    ];
    (drift, declared, live)
}

fn plan_of(drift: &[Drift], declared: &Schema, live: &Schema, destructive: bool) -> Migration {
    plan(
        drift,
        &PlanContext {
            declared,
            live,
            destructive,
        },
    )
}

fn options() -> RenderOptions {
    RenderOptions {
        lock_timeout: "5s".into(),
    }
}

fn position(migration: &Migration, needle: &str) -> usize {
    migration
        .steps
        .iter()
        .position(|s| s.sql.contains(needle))
        .unwrap_or_else(|| panic!("no step contains {needle}: {migration:#?}"))
}

#[test]
fn prospects_repair_orders_column_then_key_then_index_then_validation() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let column = position(&m, "ADD COLUMN IF NOT EXISTS discovery_query_id uuid;");
    let add_fk = position(&m, "ADD CONSTRAINT fk_prospects_discovery_query_id FOREIGN KEY (discovery_query_id) REFERENCES public.discovery_queries (id) ON DELETE SET NULL NOT VALID");
    let index = position(&m, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_prospects_discovery_query_id ON public.prospects USING btree (discovery_query_id);");
    let validate = position(&m, "VALIDATE CONSTRAINT fk_prospects_discovery_query_id;");
    assert!(
        column < add_fk && add_fk < index && index < validate,
        "{m:#?}"
    );
    assert!(!m.steps[column].outside_transaction);
    assert!(!m.steps[add_fk].outside_transaction);
    assert!(m.steps[index].outside_transaction);
    assert!(m.steps[validate].outside_transaction);
    // The foreign key's guard looks the constraint up by name and table.
    assert!(m.steps[add_fk].sql.contains(
        "conname = 'fk_prospects_discovery_query_id' AND conrelid = 'public.prospects'::regclass"
    ));
    // An INVALID leftover of the index is dropped right before the build.
    let rebuild = &m.steps[index - 1];
    assert!(rebuild.sql.contains("NOT i.indisvalid"), "{}", rebuild.sql);
    assert!(rebuild
        .sql
        .contains("c.relname = 'ix_prospects_discovery_query_id'"));
    assert!(rebuild
        .sql
        .contains("DROP INDEX IF EXISTS public.ix_prospects_discovery_query_id;"));
    assert_eq!(m.repairs.len(), 3);
    assert!(m.held_back().next().is_none());
}

#[test]
fn hazards_name_the_lock_level_and_the_scan() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let index = &m.steps[position(&m, "CREATE INDEX CONCURRENTLY")];
    assert!(index.hazards.contains(&Hazard::Lock {
        table: qn("public", "prospects"),
        level: LockLevel::ShareUpdateExclusive,
        brief: false
    }));
    assert!(index.hazards.contains(&Hazard::TableScan {
        table: qn("public", "prospects")
    }));
    let add_fk = &m.steps[position(&m, "NOT VALID")];
    assert!(add_fk.hazards.iter().any(|h| matches!(h,
        Hazard::Lock { table, level: LockLevel::ShareRowExclusive, .. } if table.name == "discovery_queries")));
}
