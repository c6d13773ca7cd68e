//! Indexes: `missing_index` and `index_mismatch` (another definition, or an INVALID leftover of a
//! failed concurrent build), named ones by name and unnamed ones by their normalized shape. A
//! declared unique index may be satisfied by a UNIQUE constraint on the same plain columns. What no
//! declared index claims is reported as `extra_index` by `tables`.

use super::describe::describe_index;
use super::drift::{DriftKind, Object};
use super::normalize::normalize_expr;
use super::Out;
use crate::model::{Index, QualifiedName, Table};

/// One index key, normalized: expression or column, is-expression, opclass, DESC, NULLS FIRST.
pub(super) type KeyShape = (
    String,
    bool,
    Option<String>,
    bool,
    Option<bool>,
    Option<String>,
);

/// The parts of an index that make it the same index, normalized.
#[derive(PartialEq)]
pub(super) struct IndexShape {
    unique: bool,
    method: String,
    keys: Vec<KeyShape>,
    include: Vec<String>,
    predicate: Option<String>,
    nulls_not_distinct: bool,
}

/// The same index definition (name and validity aside).
pub(super) fn same_index(a: &Index, b: &Index) -> bool {
    let literally = a.unique == b.unique
        && a.method.eq_ignore_ascii_case(&b.method)
        && a.keys == b.keys
        && a.include == b.include
        && a.predicate == b.predicate
        && a.nulls_not_distinct == b.nulls_not_distinct;
    literally || index_shape(a) == index_shape(b)
}

pub(super) fn index_shape(index: &Index) -> IndexShape {
    IndexShape {
        unique: index.unique,
        method: index.method.to_ascii_lowercase(),
        keys: index
            .keys
            .iter()
            .map(|k| {
                let nulls_first = if k.nulls_first == Some(k.descending) {
                    None
                } else {
                    k.nulls_first
                };
                let expr = if k.expression {
                    normalize_expr(&k.expr)
                } else {
                    k.expr.clone()
                };
                (
                    expr,
                    k.expression,
                    k.opclass.as_ref().map(|o| o.to_ascii_lowercase()),
                    k.descending,
                    nulls_first,
                    k.collation.clone(),
                )
            })
            .collect(),
        include: index.include.clone(),
        predicate: index.predicate.as_deref().map(normalize_expr),
        nulls_not_distinct: index.nulls_not_distinct,
    }
}

/// The plain columns of a full, btree index without options, if it is one.
pub(super) fn plain_columns(index: &Index) -> Option<Vec<String>> {
    let plain = index.method.eq_ignore_ascii_case("btree")
        && index.predicate.is_none()
        && index.include.is_empty()
        && index.keys.iter().all(|k| {
            !k.expression
                && k.opclass.is_none()
                && !k.descending
                && k.nulls_first.is_none()
                && k.collation.is_none()
        });
    plain.then(|| index.keys.iter().map(|k| k.expr.clone()).collect())
}

/// Matches the declared indexes of `declared` against the live ones, marking in `live_used` the
/// live indexes and in `live_unique_used` the live unique constraints that satisfy one.
pub(super) fn compare_indexes(
    out: &mut Out,
    declared: &Table,
    live: &Table,
    live_used: &mut [bool],
    live_unique_used: &mut [bool],
) {
    // Named indexes first, so that an unnamed one never takes a named one's match.
    for index in declared.indexes.iter().filter(|i| i.name.is_some()) {
        let found = live
            .indexes
            .iter()
            .enumerate()
            .find(|(i, l)| !live_used[*i] && l.name == index.name);
        match found {
            Some((i, actual)) => {
                live_used[i] = true;
                if !same_index(index, actual) || !actual.valid {
                    mismatch(out, &declared.name, index, actual);
                }
            }
            // A unique index may exist as a unique constraint of the same name.
            None => missing_unless_constraint(out, declared, index, live, live_unique_used, true),
        }
    }
    for index in declared.indexes.iter().filter(|i| i.name.is_none()) {
        let shape = index_shape(index);
        let found = live
            .indexes
            .iter()
            .enumerate()
            .filter(|(i, l)| !live_used[*i] && index_shape(l) == shape)
            // A valid twin wins over an INVALID leftover of a failed concurrent build.
            .min_by_key(|(_, l)| !l.valid);
        match found {
            Some((i, actual)) => {
                live_used[i] = true;
                if !actual.valid {
                    mismatch(out, &declared.name, index, actual);
                }
            }
            None => missing_unless_constraint(out, declared, index, live, live_unique_used, false),
        }
    }
}

/// `index_mismatch`, with `INVALID` in front of the live definition when it is.
fn mismatch(out: &mut Out, table: &QualifiedName, index: &Index, actual: &Index) {
    let mut actual_text = describe_index(actual);
    if !actual.valid {
        actual_text = format!("INVALID {actual_text}");
    }
    out.push(
        DriftKind::IndexMismatch,
        table,
        index.name.as_deref().or(actual.name.as_deref()),
        Some(describe_index(index)),
        Some(actual_text),
        Some(Object::Index(index.clone())),
        Some(Object::Index(actual.clone())),
        index.pos,
    );
}

/// `missing_index` for a declared index no live index matches, unless a live unique constraint
/// (of the same name, when `by_name`) satisfies it: that one is marked used instead.
fn missing_unless_constraint(
    out: &mut Out,
    declared: &Table,
    index: &Index,
    live: &Table,
    live_unique_used: &mut [bool],
    by_name: bool,
) {
    if let Some(u) = matching_unique_constraint(index, live, live_unique_used, by_name) {
        live_unique_used[u] = true;
        return;
    }
    out.push(
        DriftKind::MissingIndex,
        &declared.name,
        index.name.as_deref(),
        Some(describe_index(index)),
        None,
        Some(Object::Index(index.clone())),
        None,
        index.pos,
    );
}

/// A declared unique index on plain columns is satisfied by a UNIQUE constraint on them.
pub(super) fn matching_unique_constraint(
    index: &Index,
    live: &Table,
    used: &[bool],
    by_name: bool,
) -> Option<usize> {
    if !index.unique {
        return None;
    }
    let columns = plain_columns(index)?;
    live.uniques.iter().enumerate().position(|(i, u)| {
        !used[i]
            && u.columns == columns
            && u.nulls_not_distinct == index.nulls_not_distinct
            && (!by_name || u.name == index.name)
    })
}
