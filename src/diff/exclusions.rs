//! Exclusion constraints (`exclude:`): `missing_exclusion` (absent, or one of the declared name
//! with another definition, reported with the database's as `actual`) and `extra_exclusion`.
//! Named ones match by name, unnamed ones by definition: method, keys (as index keys are
//! compared), operators, predicate and deferrability.

use super::drift::{DriftKind, Object};
use super::indexes::same_index;
use super::Out;
use crate::model::{Exclusion, Index, Table};

pub(super) fn compare_exclusions(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    let mut used = vec![false; live.exclusions.len()];
    let missing = |out: &mut Out, exclusion: &Exclusion, actual: Option<&Exclusion>| {
        out.push(
            DriftKind::MissingExclusion,
            name,
            exclusion.name.as_deref(),
            Some(exclusion.to_sql()),
            actual.map(Exclusion::to_sql),
            Some(Object::Exclusion(exclusion.clone())),
            actual.map(|a| Object::Exclusion(a.clone())),
            exclusion.pos,
        );
    };
    for exclusion in declared.exclusions.iter().filter(|x| x.name.is_some()) {
        let found = live
            .exclusions
            .iter()
            .enumerate()
            .find(|(i, l)| !used[*i] && l.name == exclusion.name);
        match found {
            Some((i, actual)) => {
                used[i] = true;
                if !same_exclusion(exclusion, actual) {
                    missing(out, exclusion, Some(actual));
                }
            }
            None => missing(out, exclusion, None),
        }
    }
    for exclusion in declared.exclusions.iter().filter(|x| x.name.is_none()) {
        let found = live
            .exclusions
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && same_exclusion(exclusion, l));
        match found {
            Some(i) => used[i] = true,
            None => missing(out, exclusion, None),
        }
    }
    for (exclusion, used) in live.exclusions.iter().zip(&used) {
        if !used {
            out.push(
                DriftKind::ExtraExclusion,
                name,
                exclusion.name.as_deref(),
                None,
                Some(exclusion.to_sql()),
                None,
                Some(Object::Exclusion(exclusion.clone())),
                declared.pos,
            );
        }
    }
}

/// The same definition, the name aside.
fn same_exclusion(a: &Exclusion, b: &Exclusion) -> bool {
    a.elements.len() == b.elements.len()
        && a.elements
            .iter()
            .zip(&b.elements)
            .all(|(x, y)| x.operator == y.operator)
        && a.deferrable == b.deferrable
        && a.initially_deferred == b.initially_deferred
        && same_index(&as_index(a), &as_index(b))
}

/// The index an exclusion constraint builds: its keys, method and predicate.
fn as_index(exclusion: &Exclusion) -> Index {
    Index {
        name: None,
        unique: false,
        method: exclusion.method.clone(),
        keys: exclusion.elements.iter().map(|e| e.key.clone()).collect(),
        include: Vec::new(),
        predicate: exclusion.predicate.clone(),
        nulls_not_distinct: false,
        valid: true,
        definition: None,
        pos: None,
    }
}
