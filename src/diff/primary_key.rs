//! Primary keys: `missing_primary_key` and `primary_key_mismatch` (other columns, another declared
//! name, or a key the declaration does not have, reported with the extra objects' severity).

use super::describe::describe_primary_key;
use super::drift::{Drift, DriftKind, Object, Severity};
use super::Out;
use crate::model::{quote_ident, Table};

pub(super) fn compare_primary_key(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    match (&declared.primary_key, &live.primary_key) {
        (None, None) => {}
        (Some(pk), None) => out.push(
            DriftKind::MissingPrimaryKey,
            name,
            pk.name.as_deref(),
            Some(describe_primary_key(pk)),
            None,
            Some(Object::PrimaryKey(pk.clone())),
            None,
            pk.pos,
        ),
        (Some(pk), Some(actual)) => {
            let name_differs = pk.name.is_some() && pk.name != actual.name;
            if pk.columns != actual.columns || name_differs {
                out.push(
                    DriftKind::PrimaryKeyMismatch,
                    name,
                    pk.name.as_deref().or(actual.name.as_deref()),
                    Some(describe_named(
                        pk.name.as_deref(),
                        &describe_primary_key(pk),
                        name_differs,
                    )),
                    Some(describe_named(
                        actual.name.as_deref(),
                        &describe_primary_key(actual),
                        name_differs,
                    )),
                    Some(Object::PrimaryKey(pk.clone())),
                    Some(Object::PrimaryKey(actual.clone())),
                    pk.pos,
                );
            }
        }
        (None, Some(actual)) => {
            // Declared without a primary key, found with one: an extra object, reported with
            // the extra objects' severity.
            let severity = if out.strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.drift.push(Drift {
                kind: DriftKind::PrimaryKeyMismatch,
                table: name.clone(),
                object: actual.name.clone(),
                expected: None,
                actual: Some(describe_primary_key(actual)),
                severity,
                declared: None,
                live: Some(Object::PrimaryKey(actual.clone())),
                pos: declared.pos,
            });
        }
    }
}

pub(super) fn describe_named(name: Option<&str>, definition: &str, show_name: bool) -> String {
    match name {
        Some(name) if show_name => format!("CONSTRAINT {} {definition}", quote_ident(name)),
        _ => definition.to_string(),
    }
}
