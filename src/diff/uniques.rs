//! UNIQUE constraints: `missing_unique` (absent, or a constraint of that name on other columns
//! or with another deferrability), named ones by name and unnamed ones by columns. A valid unique
//! index on the same plain columns satisfies a declared constraint that is not deferrable. What no declared one claims is reported by `tables`.
//!
//! One object may be declared twice: `unique: true` on a column and the same unique index under
//! `indexes:` (SQLAlchemy's `unique=True, index=True` makes just the index), the column flag
//! and a table-level `unique:` on the same column, or a unique on the primary key's columns
//! (`primary_key=True, unique=True`: PostgreSQL keeps the primary key alone). An unnamed unique that another declaration
//! already describes is that object: when nothing live is left for it, it is the one the other
//! declaration matched (or reports missing, and repair builds, once).

use super::describe::describe_unique;
use super::drift::{DriftKind, Object};
use super::indexes::plain_columns;
use super::Out;
use crate::model::{Table, Unique};

pub(super) fn compare_uniques(
    out: &mut Out,
    declared: &Table,
    live: &Table,
    live_index_used: &mut [bool],
    live_used: &mut [bool],
) {
    let name = &declared.name;
    // A unique index enforces the same thing as a UNIQUE constraint on the same columns.
    let unique_index = |unique: &Unique, used: &[bool]| {
        live.indexes.iter().enumerate().position(|(i, index)| {
            !used[i]
                && !unique.deferrable
                && index.unique
                && index.valid
                && index.nulls_not_distinct == unique.nulls_not_distinct
                && plain_columns(index).as_ref() == Some(&unique.columns)
                && (unique.name.is_none() || index.name == unique.name)
        })
    };
    let missing = |out: &mut Out, unique: &Unique, actual: Option<&Unique>| {
        out.push(
            DriftKind::MissingUnique,
            name,
            unique.name.as_deref(),
            Some(describe_unique(unique)),
            actual.map(describe_unique),
            Some(Object::Unique(unique.clone())),
            actual.map(|a| Object::Unique(a.clone())),
            unique.pos,
        );
    };
    for unique in declared.uniques.iter().filter(|u| u.name.is_some()) {
        let found = live
            .uniques
            .iter()
            .enumerate()
            .find(|(i, l)| !live_used[*i] && l.name == unique.name);
        match found {
            Some((i, actual)) => {
                live_used[i] = true;
                if !same_unique(actual, unique) {
                    missing(out, unique, Some(actual));
                }
            }
            None => match unique_index(unique, live_index_used) {
                Some(i) => live_index_used[i] = true,
                None => missing(out, unique, None),
            },
        }
    }
    let unnamed = declared.uniques.iter().enumerate();
    for (n, unique) in unnamed.filter(|(_, u)| u.name.is_none()) {
        let found = live
            .uniques
            .iter()
            .enumerate()
            .position(|(i, l)| !live_used[i] && same_unique(l, unique));
        match found {
            Some(i) => live_used[i] = true,
            None => match unique_index(unique, live_index_used) {
                Some(i) => live_index_used[i] = true,
                None if declared_twice(declared, n) => {}
                None => missing(out, unique, None),
            },
        }
    }
}

/// Whether the unnamed unique `declared.uniques[i]` is also declared another way: as the
/// primary key (PostgreSQL builds one index for `PRIMARY KEY (id), UNIQUE (id)`), as a unique
/// index on the same plain columns, or as an earlier unique (named or not) on the same columns.
fn declared_twice(declared: &Table, i: usize) -> bool {
    let unique = &declared.uniques[i];
    let same = |other: &Unique| same_unique(other, unique);
    let as_index = !unique.deferrable
        && declared.indexes.iter().any(|index| {
            index.unique
                && index.nulls_not_distinct == unique.nulls_not_distinct
                && plain_columns(index).as_ref() == Some(&unique.columns)
        });
    let as_unique = declared
        .uniques
        .iter()
        .enumerate()
        .any(|(j, other)| j != i && same(other) && (other.name.is_some() || j < i));
    let as_primary_key = !unique.deferrable
        && declared
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns == unique.columns);
    as_primary_key || as_index || as_unique
}

/// The same columns, NULLS [NOT] DISTINCT and deferrability (the name aside).
fn same_unique(a: &Unique, b: &Unique) -> bool {
    a.columns == b.columns
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.deferrable == b.deferrable
        && a.initially_deferred == b.initially_deferred
}
