//! Foreign keys: `missing_foreign_key`, `foreign_key_mismatch` (same columns and target, other
//! actions or deferrability) and `extra_foreign_key`; named ones match by name, unnamed ones by
//! columns and target. A key declared twice alike (on the column and under `foreign_keys:`) is
//! one key.

use super::describe::describe_foreign_key;
use super::drift::{DriftKind, Object};
use super::Out;
use crate::model::{ForeignKey, QualifiedName, Table};

pub(super) fn compare_foreign_keys(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    let mut used = vec![false; live.foreign_keys.len()];
    for fk in declared.foreign_keys.iter().filter(|f| f.name.is_some()) {
        match live
            .foreign_keys
            .iter()
            .enumerate()
            .find(|(i, l)| !used[*i] && l.name == fk.name)
        {
            Some((i, actual)) => {
                used[i] = true;
                if !(same_target(fk, actual) && same_options(fk, actual)) {
                    report(out, name, fk, Some(actual));
                }
            }
            None => report(out, name, fk, None),
        }
    }
    // Exact matches first, so that a key that differs only in its actions is not taken for
    // one that is exactly as declared.
    let mut matched = vec![false; declared.foreign_keys.len()];
    for (n, fk) in declared.foreign_keys.iter().enumerate() {
        if fk.name.is_some() {
            continue;
        }
        let exact = live
            .foreign_keys
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && same_target(fk, l) && same_options(fk, l));
        if let Some(i) = exact {
            used[i] = true;
            matched[n] = true;
        }
    }
    let unnamed = declared.foreign_keys.iter().enumerate();
    for (n, fk) in unnamed.filter(|(n, f)| f.name.is_none() && !matched[*n]) {
        if declared_twice(declared, n) {
            continue;
        }
        let target = live
            .foreign_keys
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && same_target(fk, l));
        match target {
            Some(i) => {
                used[i] = true;
                report(out, name, fk, Some(&live.foreign_keys[i]));
            }
            None => report(out, name, fk, None),
        }
    }
    for (fk, used) in live.foreign_keys.iter().zip(&used) {
        if !used {
            out.push(
                DriftKind::ExtraForeignKey,
                name,
                fk.name.as_deref(),
                None,
                Some(describe_foreign_key(fk)),
                None,
                Some(Object::ForeignKey(fk.clone())),
                declared.pos,
            );
        }
    }
}

/// Whether the unnamed `declared.foreign_keys[n]` is also declared another way, the same in
/// every respect: `references:` on a column and the same entry under `foreign_keys:`. When
/// nothing live is left for it, it is the key the other declaration matched (or reports
/// missing, and repair adds, once). PostgreSQL would build two from DDL that writes both; a
/// database with two still matches both.
fn declared_twice(declared: &Table, n: usize) -> bool {
    let fk = &declared.foreign_keys[n];
    declared.foreign_keys.iter().enumerate().any(|(j, other)| {
        j != n
            && (other.name.is_some() || j < n)
            && same_target(fk, other)
            && same_options(fk, other)
    })
}

/// The same columns referencing the same columns of the same table.
fn same_target(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns && a.ref_table == b.ref_table && a.ref_columns == b.ref_columns
}

/// The same actions and deferrability.
fn same_options(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
        && a.initially_deferred == b.initially_deferred
}

/// `missing_foreign_key` when nothing live matches `fk`, `foreign_key_mismatch` against the live
/// key it matched otherwise.
fn report(out: &mut Out, table: &QualifiedName, fk: &ForeignKey, actual: Option<&ForeignKey>) {
    match actual {
        None => out.push(
            DriftKind::MissingForeignKey,
            table,
            fk.name.as_deref(),
            Some(describe_foreign_key(fk)),
            None,
            Some(Object::ForeignKey(fk.clone())),
            None,
            fk.pos,
        ),
        Some(actual) => out.push(
            DriftKind::ForeignKeyMismatch,
            table,
            fk.name.as_deref().or(actual.name.as_deref()),
            Some(describe_foreign_key(fk)),
            Some(describe_foreign_key(actual)),
            Some(Object::ForeignKey(fk.clone())),
            Some(Object::ForeignKey(actual.clone())),
            fk.pos,
        ),
    }
}
