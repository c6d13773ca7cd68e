//! One column against its live twin: `column_type_mismatch` (a serial column is its integer type),
//! `column_nullability_mismatch` and `column_default_mismatch` (defaults, identity and generation
//! compared together); a column's collation is part of its type; `sequence_mismatch` for the
//! declared options of an identity's sequence. `comment_mismatch` for a
//! declared comment, of a column or of its table. Missing and extra columns are found in
//! `tables`.

use super::describe::{
    describe_comment, describe_default, describe_sequence_differences, describe_type,
};
use super::drift::{DriftKind, Object};
use super::normalize::normalize_expr;
use super::Out;
use crate::model::{Column, QualifiedName};
use crate::types;

pub(super) fn compare_column(
    out: &mut Out,
    table: &QualifiedName,
    declared: &Column,
    live: &Column,
) {
    let serial = types::serial_base(&declared.data_type);
    let type_matches = match serial {
        Some(base) => live.data_type == base,
        None => declared.data_type == live.data_type,
    } && declared.collation == live.collation;
    let both = |kind, expected, actual| (kind, expected, actual);
    let mut found = Vec::new();
    if !type_matches {
        found.push(both(
            DriftKind::ColumnTypeMismatch,
            describe_type(declared),
            describe_type(live),
        ));
    }
    if declared.nullable != live.nullable {
        found.push(both(
            DriftKind::ColumnNullabilityMismatch,
            nullability(declared.nullable).to_string(),
            nullability(live.nullable).to_string(),
        ));
    }
    if !default_matches(declared, live) {
        found.push(both(
            DriftKind::ColumnDefaultMismatch,
            describe_default(declared).unwrap_or_else(|| "no default".into()),
            describe_default(live).unwrap_or_else(|| "no default".into()),
        ));
    }
    if let (Some(options), Some(_)) = (&declared.identity_options, live.identity) {
        let live_options = live
            .identity_options
            .as_deref()
            .cloned()
            .unwrap_or_default();
        let differences = options.differences(&live_options);
        if !differences.is_empty() {
            let (expected, actual) = describe_sequence_differences(&differences);
            found.push(both(DriftKind::SequenceMismatch, expected, actual));
        }
    }
    if comment_differs(declared.comment.as_deref(), live.comment.as_deref()) {
        found.push(both(
            DriftKind::CommentMismatch,
            describe_comment(declared.comment.as_deref()),
            describe_comment(live.comment.as_deref()),
        ));
    }
    for (kind, expected, actual) in found {
        out.push(
            kind,
            table,
            Some(&declared.name),
            Some(expected),
            Some(actual),
            Some(Object::Column(declared.clone())),
            Some(Object::Column(live.clone())),
            declared.pos,
        );
    }
}

pub(super) fn nullability(nullable: bool) -> &'static str {
    if nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

/// Defaults, identity and generation, compared together: they are one column property in
/// PostgreSQL (`pg_attrdef` or `attidentity`). A serial column matches any `nextval` default.
pub(super) fn default_matches(declared: &Column, live: &Column) -> bool {
    if declared.identity != live.identity {
        return false;
    }
    if !same_expr(declared.generated.as_deref(), live.generated.as_deref()) {
        return false;
    }
    if types::serial_base(&declared.data_type).is_some() {
        return declared.default.is_none()
            && live
                .default
                .as_deref()
                .is_some_and(|d| normalize_expr(d).starts_with("nextval("));
    }
    // `DEFAULT NULL`, cast or not, is no default: PostgreSQL does not store a bare one, but keeps
    // `NULL::timestamp without time zone` on a `timestamp(6)` column (pg_dump output has it).
    fn effective(default: Option<&str>) -> Option<&str> {
        default.filter(|d| normalize_expr(d) != "null")
    }
    same_expr(
        effective(declared.default.as_deref()),
        effective(live.default.as_deref()),
    )
}

/// Two optional expressions, equal as text (the usual case once canonicalized) or normalized.
pub(super) fn same_expr(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || normalize_expr(a) == normalize_expr(b),
        _ => false,
    }
}

/// Whether a declared comment (`None`: not declared, not compared; `""`: none) differs from the
/// live one.
pub(super) fn comment_differs(declared: Option<&str>, live: Option<&str>) -> bool {
    declared.is_some_and(|declared| declared != live.unwrap_or(""))
}
