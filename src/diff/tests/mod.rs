//! Tests of `compare`: the helpers that build schemas, then one module per kind of object.

mod checks;
mod columns;
mod enums;
mod foreign_keys;
mod indexes;
mod normalize;
mod primary_key;
mod sequences;
mod tables;
mod uniques;

use super::*;
use crate::model::IndexKey;
use crate::model::{
    Check, Column, Enum, FkAction, ForeignKey, Identity, Index, PrimaryKey, QualifiedName, Schema,
    Table, Unique,
};
use crate::types;
use DriftKind::*;
use Severity::{Error as E, Warning as W};

fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(str::to_string),
        identity: None,
        identity_options: None,
        generated: None,
        collation: None,
        comment: None,
        pos: None,
    }
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: QualifiedName::new("public", name),
        columns,
        ..Table::default()
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut schema = Schema::default();
    for t in tables {
        schema.tables.insert(t.name.clone(), t);
    }
    schema
}

fn index(name: Option<&str>, columns: &[&str]) -> Index {
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    Index::on_columns(name.map(str::to_string), &columns)
}

fn fk(columns: &[&str], table: &str, ref_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        ref_table: QualifiedName::new("public", table),
        ref_columns: ref_columns.iter().map(|c| c.to_string()).collect(),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        valid: true,
        pos: None,
    }
}

fn kinds(drift: &[Drift]) -> Vec<(DriftKind, Option<&str>, Severity)> {
    drift
        .iter()
        .map(|d| (d.kind, d.object.as_deref(), d.severity))
        .collect()
}

#[test]
fn identical_schemas_have_no_drift() {
    let t = table("t", vec![column("id", "integer", false, None)]);
    assert!(compare(&schema(vec![t.clone()]), &schema(vec![t]), true).is_empty());
}

#[test]
fn order_is_by_table_then_kind_then_object() {
    let declared = schema(vec![
        table(
            "b",
            vec![
                column("z", "text", true, None),
                column("y", "text", true, None),
            ],
        ),
        table("a", vec![column("x", "text", true, None)]),
    ]);
    let live = schema(vec![table("b", vec![]), table("a", vec![])]);
    let drift = compare(&declared, &live, false);
    let order: Vec<(&str, &str)> = drift
        .iter()
        .map(|d| (d.table.name.as_str(), d.object.as_deref().unwrap()))
        .collect();
    assert_eq!(order, [("a", "x"), ("b", "y"), ("b", "z")]);
}
