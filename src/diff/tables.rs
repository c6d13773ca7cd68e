//! One table against its live twin: `missing_column` and `extra_column`, then every kind of object
//! on the table in turn (primary key, indexes and unique constraints together, since one can stand
//! for the other, foreign keys, checks, exclusion constraints), and `extra_index` / `extra_unique` for what is left over.
//! Whole tables (`missing_table`, `extra_table`) are matched in `compare` itself.

use super::checks::compare_checks;
use super::columns::{comment_differs, compare_column};
use super::describe::{describe_column, describe_comment, describe_index, describe_unique};
use super::drift::{DriftKind, Object};
use super::exclusions::compare_exclusions;
use super::foreign_keys::compare_foreign_keys;
use super::indexes::compare_indexes;
use super::primary_key::compare_primary_key;
use super::uniques::compare_uniques;
use super::Out;
use crate::model::Table;

pub(super) fn compare_table(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    if comment_differs(declared.comment.as_deref(), live.comment.as_deref()) {
        out.push(
            DriftKind::CommentMismatch,
            name,
            None,
            Some(describe_comment(declared.comment.as_deref())),
            Some(describe_comment(live.comment.as_deref())),
            Some(Object::Table(declared.clone())),
            Some(Object::Table(live.clone())),
            declared.pos,
        );
    }
    for column in &declared.columns {
        match live.column(&column.name) {
            None => out.push(
                DriftKind::MissingColumn,
                name,
                Some(&column.name),
                Some(describe_column(column)),
                None,
                Some(Object::Column(column.clone())),
                None,
                column.pos,
            ),
            Some(actual) => compare_column(out, name, column, actual),
        }
    }
    for column in &live.columns {
        if declared.column(&column.name).is_none() {
            out.push(
                DriftKind::ExtraColumn,
                name,
                Some(&column.name),
                None,
                Some(describe_column(column)),
                None,
                Some(Object::Column(column.clone())),
                declared.pos,
            );
        }
    }
    compare_primary_key(out, declared, live);
    let mut live_unique_used = vec![false; live.uniques.len()];
    let mut live_index_used = vec![false; live.indexes.len()];
    compare_indexes(
        out,
        declared,
        live,
        &mut live_index_used,
        &mut live_unique_used,
    );
    compare_uniques(
        out,
        declared,
        live,
        &mut live_index_used,
        &mut live_unique_used,
    );
    extra_indexes_and_uniques(out, declared, live, &live_index_used, &live_unique_used);
    compare_foreign_keys(out, declared, live);
    compare_checks(out, declared, live);
    compare_exclusions(out, declared, live);
}

/// `extra_index` and `extra_unique` for the live indexes and unique constraints no declared
/// index or constraint claimed.
fn extra_indexes_and_uniques(
    out: &mut Out,
    declared: &Table,
    live: &Table,
    live_index_used: &[bool],
    live_unique_used: &[bool],
) {
    let name = &declared.name;
    for (index, used) in live.indexes.iter().zip(live_index_used) {
        if !used {
            out.push(
                DriftKind::ExtraIndex,
                name,
                index.name.as_deref(),
                None,
                Some(describe_index(index)),
                None,
                Some(Object::Index(index.clone())),
                declared.pos,
            );
        }
    }
    for (unique, used) in live.uniques.iter().zip(live_unique_used) {
        if !used {
            out.push(
                DriftKind::ExtraUnique,
                name,
                unique.name.as_deref(),
                None,
                Some(describe_unique(unique)),
                None,
                Some(Object::Unique(unique.clone())),
                declared.pos,
            );
        }
    }
}
