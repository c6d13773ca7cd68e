//! UNIQUE constraints: `missing_unique` (absent, or a constraint of that name on other columns),
//! named ones by name and unnamed ones by columns. A valid unique index on the same plain columns
//! satisfies a declared constraint. What no declared one claims is reported by `tables`.

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
                if actual.columns != unique.columns
                    || actual.nulls_not_distinct != unique.nulls_not_distinct
                {
                    missing(out, unique, Some(actual));
                }
            }
            None => match unique_index(unique, live_index_used) {
                Some(i) => live_index_used[i] = true,
                None => missing(out, unique, None),
            },
        }
    }
    for unique in declared.uniques.iter().filter(|u| u.name.is_none()) {
        let found = live.uniques.iter().enumerate().position(|(i, l)| {
            !live_used[i]
                && l.columns == unique.columns
                && l.nulls_not_distinct == unique.nulls_not_distinct
        });
        match found {
            Some(i) => live_used[i] = true,
            None => match unique_index(unique, live_index_used) {
                Some(i) => live_index_used[i] = true,
                None => missing(out, unique, None),
            },
        }
    }
}
