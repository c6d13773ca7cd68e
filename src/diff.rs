//! Compares two [`Schema`]s and lists every difference as a [`Drift`].
//!
//! `compare(declared, actual)` knows nothing of where either side came from (YAML, a live
//! database, a replayed migration directory). Both sides should already be canonical (types
//! through [`crate::types`], expressions in PostgreSQL's rendering where `canon` could get it).
//! Expressions are still compared through [`normalize_expr`], a text normalization that is a
//! no-op on canonical texts and the fallback when PostgreSQL could not be asked. Matching rules:
//! named objects by name, unnamed ones by definition; a serial column is an integer column with
//! any `nextval` default; a declared unique column is satisfied by a UNIQUE constraint or a full
//! unique index on that column alone; an INVALID live index never satisfies a declared one.

use serde::Serialize;

use crate::model::{
    quote_ident, quote_literal, Check, Column, Enum, FkAction, ForeignKey, Identity, Index, Pos,
    PrimaryKey, QualifiedName, Schema, Table, Unique,
};
use crate::types;

/// How serious a drift is: missing and mismatched objects are errors, extra ones warnings
/// (errors under `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// The kinds of drift, named as in the JSON output (`missing_column`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    MissingTable,
    MissingColumn,
    MissingIndex,
    MissingForeignKey,
    MissingUnique,
    MissingCheck,
    MissingPrimaryKey,
    MissingEnum,
    MissingEnumValue,
    ExtraTable,
    ExtraColumn,
    ExtraIndex,
    ExtraForeignKey,
    ExtraUnique,
    ExtraCheck,
    ExtraEnum,
    ExtraEnumValue,
    ColumnTypeMismatch,
    ColumnNullabilityMismatch,
    ColumnDefaultMismatch,
    IndexMismatch,
    ForeignKeyMismatch,
    PrimaryKeyMismatch,
    /// The labels both sides have are in another order (it decides `ORDER BY` and `<`).
    EnumMismatch,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::MissingTable => "missing_table",
            DriftKind::MissingColumn => "missing_column",
            DriftKind::MissingIndex => "missing_index",
            DriftKind::MissingForeignKey => "missing_foreign_key",
            DriftKind::MissingUnique => "missing_unique",
            DriftKind::MissingCheck => "missing_check",
            DriftKind::MissingPrimaryKey => "missing_primary_key",
            DriftKind::MissingEnum => "missing_enum",
            DriftKind::MissingEnumValue => "missing_enum_value",
            DriftKind::ExtraTable => "extra_table",
            DriftKind::ExtraColumn => "extra_column",
            DriftKind::ExtraIndex => "extra_index",
            DriftKind::ExtraForeignKey => "extra_foreign_key",
            DriftKind::ExtraUnique => "extra_unique",
            DriftKind::ExtraCheck => "extra_check",
            DriftKind::ExtraEnum => "extra_enum",
            DriftKind::ExtraEnumValue => "extra_enum_value",
            DriftKind::ColumnTypeMismatch => "column_type_mismatch",
            DriftKind::ColumnNullabilityMismatch => "column_nullability_mismatch",
            DriftKind::ColumnDefaultMismatch => "column_default_mismatch",
            DriftKind::IndexMismatch => "index_mismatch",
            DriftKind::ForeignKeyMismatch => "foreign_key_mismatch",
            DriftKind::PrimaryKeyMismatch => "primary_key_mismatch",
            DriftKind::EnumMismatch => "enum_mismatch",
        }
    }

    /// `true` for the `extra_*` kinds (warnings unless `--strict`).
    pub fn is_extra(self) -> bool {
        self.as_str().starts_with("extra_")
    }
}

/// The object a drift is about, as declared or as found live. Repair works from these.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Object {
    Table(Table),
    Column(Column),
    Index(Index),
    ForeignKey(ForeignKey),
    Unique(Unique),
    Check(Check),
    PrimaryKey(PrimaryKey),
    Enum(Enum),
    /// An enum label; `after` is the label it follows in the declared order (`None` = first).
    EnumValue {
        value: String,
        after: Option<String>,
    },
}

/// One difference between the declared and the actual schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub kind: DriftKind,
    /// The table the drift is on; for enum drift, the enum type's name.
    pub table: QualifiedName,
    /// The column, index, constraint or enum value name; `None` for a whole table or enum, or
    /// for an unnamed object (then `expected`/`actual` describe it).
    pub object: Option<String>,
    /// Human-readable declared definition (`uuid`, `NOT NULL`, an index definition), if any.
    pub expected: Option<String>,
    /// Human-readable live definition, if any.
    pub actual: Option<String>,
    pub severity: Severity,
    /// The declared object (for missing and mismatched drift).
    pub declared: Option<Object>,
    /// The live object (for extra and mismatched drift).
    pub live: Option<Object>,
    /// Where the declared object is written in `schema.yaml`, when known.
    pub pos: Option<Pos>,
}

/// Compares the declared schema with the actual one.
///
/// Objects with a declared name match by name, unnamed ones by definition. Missing and
/// mismatched objects are errors; extra ones are warnings, or errors when `strict`. The result is
/// sorted by table, then kind, then object.
pub fn compare(declared: &Schema, actual: &Schema, strict: bool) -> Vec<Drift> {
    let mut out = Out {
        drift: Vec::new(),
        strict,
    };
    for (name, enum_) in &declared.enums {
        compare_enum(&mut out, enum_, actual.enums.get(name));
    }
    for (name, live) in &actual.enums {
        if !declared.enums.contains_key(name) {
            out.push(
                DriftKind::ExtraEnum,
                name,
                None,
                None,
                Some(describe_enum(&live.values)),
                None,
                Some(Object::Enum(live.clone())),
                None,
            );
        }
    }
    for (name, table) in &declared.tables {
        match actual.tables.get(name) {
            None => out.push(
                DriftKind::MissingTable,
                name,
                None,
                Some(describe_table(table)),
                None,
                Some(Object::Table(table.clone())),
                None,
                table.pos,
            ),
            Some(live) => compare_table(&mut out, table, live),
        }
    }
    for (name, live) in &actual.tables {
        if !declared.tables.contains_key(name) {
            out.push(
                DriftKind::ExtraTable,
                name,
                None,
                None,
                Some(describe_table(live)),
                None,
                Some(Object::Table(live.clone())),
                None,
            );
        }
    }
    let mut drift = out.drift;
    drift.sort_by(|a, b| {
        (&a.table, a.kind, &a.object, &a.expected, &a.actual).cmp(&(
            &b.table,
            b.kind,
            &b.object,
            &b.expected,
            &b.actual,
        ))
    });
    drift
}

struct Out {
    drift: Vec<Drift>,
    strict: bool,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: DriftKind,
        table: &QualifiedName,
        object: Option<&str>,
        expected: Option<String>,
        actual: Option<String>,
        declared: Option<Object>,
        live: Option<Object>,
        pos: Option<Pos>,
    ) {
        let severity = if kind.is_extra() && !self.strict {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.drift.push(Drift {
            kind,
            table: table.clone(),
            object: object.map(str::to_string),
            expected,
            actual,
            severity,
            declared,
            live,
            pos,
        });
    }
}

fn compare_enum(out: &mut Out, declared: &Enum, live: Option<&Enum>) {
    let Some(live) = live else {
        out.push(
            DriftKind::MissingEnum,
            &declared.name,
            None,
            Some(describe_enum(&declared.values)),
            None,
            Some(Object::Enum(declared.clone())),
            None,
            declared.pos,
        );
        return;
    };
    for (i, value) in declared.values.iter().enumerate() {
        if !live.values.contains(value) {
            let after = i.checked_sub(1).map(|p| declared.values[p].clone());
            out.push(
                DriftKind::MissingEnumValue,
                &declared.name,
                Some(value),
                Some(value.clone()),
                None,
                Some(Object::EnumValue {
                    value: value.clone(),
                    after,
                }),
                None,
                declared.pos,
            );
        }
    }
    for (i, value) in live.values.iter().enumerate() {
        if !declared.values.contains(value) {
            let after = i.checked_sub(1).map(|p| live.values[p].clone());
            out.push(
                DriftKind::ExtraEnumValue,
                &declared.name,
                Some(value),
                None,
                Some(value.clone()),
                None,
                Some(Object::EnumValue {
                    value: value.clone(),
                    after,
                }),
                declared.pos,
            );
        }
    } // Labels added where they are missing keep their declared place; the ones both sides have
      // must already be in the same order.
    let in_both = |from: &[String], other: &[String]| -> Vec<String> {
        from.iter().filter(|v| other.contains(v)).cloned().collect()
    };
    if in_both(&declared.values, &live.values) != in_both(&live.values, &declared.values) {
        out.push(
            DriftKind::EnumMismatch,
            &declared.name,
            None,
            Some(describe_enum(&declared.values)),
            Some(describe_enum(&live.values)),
            Some(Object::Enum(declared.clone())),
            Some(Object::Enum(live.clone())),
            declared.pos,
        );
    }
}

fn compare_table(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
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
    for (index, used) in live.indexes.iter().zip(&live_index_used) {
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
    for (unique, used) in live.uniques.iter().zip(&live_unique_used) {
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
    compare_foreign_keys(out, declared, live);
    compare_checks(out, declared, live);
}

fn compare_column(out: &mut Out, table: &QualifiedName, declared: &Column, live: &Column) {
    let serial = types::serial_base(&declared.data_type);
    let type_matches = match serial {
        Some(base) => live.data_type == base,
        None => declared.data_type == live.data_type,
    };
    let both = |kind, expected, actual| (kind, expected, actual);
    let mut found = Vec::new();
    if !type_matches {
        found.push(both(
            DriftKind::ColumnTypeMismatch,
            declared.data_type.clone(),
            live.data_type.clone(),
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

fn nullability(nullable: bool) -> &'static str {
    if nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

/// Defaults, identity and generation, compared together: they are one column property in
/// PostgreSQL (`pg_attrdef` or `attidentity`). A serial column matches any `nextval` default.
fn default_matches(declared: &Column, live: &Column) -> bool {
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
fn same_expr(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || normalize_expr(a) == normalize_expr(b),
        _ => false,
    }
}

fn compare_primary_key(out: &mut Out, declared: &Table, live: &Table) {
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

fn describe_named(name: Option<&str>, definition: &str, show_name: bool) -> String {
    match name {
        Some(name) if show_name => format!("CONSTRAINT {} {definition}", quote_ident(name)),
        _ => definition.to_string(),
    }
}

/// One index key, normalized: expression or column, is-expression, opclass, DESC, NULLS FIRST.
type KeyShape = (String, bool, Option<String>, bool, Option<bool>);

/// The parts of an index that make it the same index, normalized.
#[derive(PartialEq)]
struct IndexShape {
    unique: bool,
    method: String,
    keys: Vec<KeyShape>,
    include: Vec<String>,
    predicate: Option<String>,
    nulls_not_distinct: bool,
}

/// The same index definition (name and validity aside).
fn same_index(a: &Index, b: &Index) -> bool {
    let literally = a.unique == b.unique
        && a.method.eq_ignore_ascii_case(&b.method)
        && a.keys == b.keys
        && a.include == b.include
        && a.predicate == b.predicate
        && a.nulls_not_distinct == b.nulls_not_distinct;
    literally || index_shape(a) == index_shape(b)
}

fn index_shape(index: &Index) -> IndexShape {
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
                )
            })
            .collect(),
        include: index.include.clone(),
        predicate: index.predicate.as_deref().map(normalize_expr),
        nulls_not_distinct: index.nulls_not_distinct,
    }
}

/// The plain columns of a full, btree index without options, if it is one.
fn plain_columns(index: &Index) -> Option<Vec<String>> {
    let plain = index.method.eq_ignore_ascii_case("btree")
        && index.predicate.is_none()
        && index.include.is_empty()
        && index.keys.iter().all(|k| {
            !k.expression && k.opclass.is_none() && !k.descending && k.nulls_first.is_none()
        });
    plain.then(|| index.keys.iter().map(|k| k.expr.clone()).collect())
}

fn compare_indexes(
    out: &mut Out,
    declared: &Table,
    live: &Table,
    live_used: &mut [bool],
    live_unique_used: &mut [bool],
) {
    let name = &declared.name;
    let mismatch = |out: &mut Out, index: &Index, actual: &Index| {
        let mut actual_text = describe_index(actual);
        if !actual.valid {
            actual_text = format!("INVALID {actual_text}");
        }
        out.push(
            DriftKind::IndexMismatch,
            name,
            index.name.as_deref().or(actual.name.as_deref()),
            Some(describe_index(index)),
            Some(actual_text),
            Some(Object::Index(index.clone())),
            Some(Object::Index(actual.clone())),
            index.pos,
        );
    };
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
                    mismatch(out, index, actual);
                }
            }
            None => {
                // A unique index may exist as a unique constraint of the same name.
                if let Some(u) = matching_unique_constraint(index, live, live_unique_used, true) {
                    live_unique_used[u] = true;
                    continue;
                }
                out.push(
                    DriftKind::MissingIndex,
                    name,
                    index.name.as_deref(),
                    Some(describe_index(index)),
                    None,
                    Some(Object::Index(index.clone())),
                    None,
                    index.pos,
                );
            }
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
                    mismatch(out, index, actual);
                }
            }
            None => {
                if let Some(u) = matching_unique_constraint(index, live, live_unique_used, false) {
                    live_unique_used[u] = true;
                    continue;
                }
                out.push(
                    DriftKind::MissingIndex,
                    name,
                    None,
                    Some(describe_index(index)),
                    None,
                    Some(Object::Index(index.clone())),
                    None,
                    index.pos,
                );
            }
        }
    }
}

/// A declared unique index on plain columns is satisfied by a UNIQUE constraint on them.
fn matching_unique_constraint(
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

fn compare_uniques(
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

fn compare_foreign_keys(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    let mut used = vec![false; live.foreign_keys.len()];
    let same_target = |a: &ForeignKey, b: &ForeignKey| {
        a.columns == b.columns && a.ref_table == b.ref_table && a.ref_columns == b.ref_columns
    };
    let same_options = |a: &ForeignKey, b: &ForeignKey| {
        a.on_delete == b.on_delete
            && a.on_update == b.on_update
            && a.deferrable == b.deferrable
            && a.initially_deferred == b.initially_deferred
    };
    let report = |out: &mut Out, fk: &ForeignKey, actual: Option<&ForeignKey>| match actual {
        None => out.push(
            DriftKind::MissingForeignKey,
            name,
            fk.name.as_deref(),
            Some(describe_foreign_key(fk)),
            None,
            Some(Object::ForeignKey(fk.clone())),
            None,
            fk.pos,
        ),
        Some(actual) => out.push(
            DriftKind::ForeignKeyMismatch,
            name,
            fk.name.as_deref().or(actual.name.as_deref()),
            Some(describe_foreign_key(fk)),
            Some(describe_foreign_key(actual)),
            Some(Object::ForeignKey(fk.clone())),
            Some(Object::ForeignKey(actual.clone())),
            fk.pos,
        ),
    };
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
                    report(out, fk, Some(actual));
                }
            }
            None => report(out, fk, None),
        }
    }
    for fk in declared.foreign_keys.iter().filter(|f| f.name.is_none()) {
        let exact = live
            .foreign_keys
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && same_target(fk, l) && same_options(fk, l));
        if let Some(i) = exact {
            used[i] = true;
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
                report(out, fk, Some(&live.foreign_keys[i]));
            }
            None => report(out, fk, None),
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

fn compare_checks(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    let mut used = vec![false; live.checks.len()];
    for check in declared.checks.iter().filter(|c| c.name.is_some()) {
        let found = live
            .checks
            .iter()
            .enumerate()
            .find(|(i, l)| !used[*i] && l.name == check.name);
        let actual = match found {
            Some((i, actual)) => {
                used[i] = true;
                if normalize_expr(&actual.expression) == normalize_expr(&check.expression) {
                    continue;
                }
                Some(actual)
            }
            None => None,
        };
        // A check of that name with another expression: reported as missing (the declared
        // check is not enforced), with what the database has instead.
        out.push(
            DriftKind::MissingCheck,
            name,
            check.name.as_deref(),
            Some(check.expression.clone()),
            actual.map(|a| a.expression.clone()),
            Some(Object::Check(check.clone())),
            actual.map(|a| Object::Check(a.clone())),
            check.pos,
        );
    }
    for check in declared.checks.iter().filter(|c| c.name.is_none()) {
        let expression = normalize_expr(&check.expression);
        let found = live
            .checks
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && normalize_expr(&l.expression) == expression);
        match found {
            Some(i) => used[i] = true,
            None => out.push(
                DriftKind::MissingCheck,
                name,
                None,
                Some(check.expression.clone()),
                None,
                Some(Object::Check(check.clone())),
                None,
                check.pos,
            ),
        }
    }
    for (check, used) in live.checks.iter().zip(&used) {
        if !used {
            out.push(
                DriftKind::ExtraCheck,
                name,
                check.name.as_deref(),
                None,
                Some(check.expression.clone()),
                None,
                Some(Object::Check(check.clone())),
                declared.pos,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Human-readable definitions, used as `expected` / `actual`.

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_table(table: &Table) -> String {
    let count = table.columns.len();
    format!(
        "table with {count} column{}",
        if count == 1 { "" } else { "s" }
    )
}

fn describe_enum(values: &[String]) -> String {
    let labels: Vec<String> = values.iter().map(|v| quote_literal(v)).collect();
    format!("ENUM ({})", labels.join(", "))
}

/// `uuid`, `text NOT NULL DEFAULT 'x'`, `bigint NOT NULL GENERATED ALWAYS AS IDENTITY`.
pub fn describe_column(column: &Column) -> String {
    let mut text = column.data_type.clone();
    if !column.nullable
        && types::serial_base(&column.data_type).is_none()
        && column.identity.is_none()
    {
        text.push_str(" NOT NULL");
    }
    if let Some(default) = describe_default(column) {
        if types::serial_base(&column.data_type).is_none() {
            text.push(' ');
            text.push_str(&default);
        }
    }
    text
}

fn describe_default(column: &Column) -> Option<String> {
    if let Some(identity) = column.identity {
        return Some(match identity {
            Identity::Always => "GENERATED ALWAYS AS IDENTITY".into(),
            Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY".into(),
        });
    }
    if let Some(expression) = &column.generated {
        return Some(format!("GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if types::serial_base(&column.data_type).is_some() && column.default.is_none() {
        return Some("DEFAULT nextval(...) (serial)".into());
    }
    column.default.as_ref().map(|d| format!("DEFAULT {d}"))
}

/// `UNIQUE USING btree (lower(domain)) WHERE (status <> 'replied')`.
pub fn describe_index(index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            let mut text = if k.expression {
                k.expr.clone()
            } else {
                quote_ident(&k.expr)
            };
            if let Some(opclass) = &k.opclass {
                text.push(' ');
                text.push_str(opclass);
            }
            if k.descending {
                text.push_str(" DESC");
            }
            match (k.nulls_first, k.descending) {
                (Some(true), false) => text.push_str(" NULLS FIRST"),
                (Some(false), true) => text.push_str(" NULLS LAST"),
                _ => {}
            }
            text
        })
        .collect();
    let mut text = String::new();
    if index.unique {
        text.push_str("UNIQUE ");
    }
    text.push_str(&format!("USING {} ({})", index.method, keys.join(", ")));
    if !index.include.is_empty() {
        text.push_str(&format!(" INCLUDE ({})", idents(&index.include)));
    }
    if index.nulls_not_distinct {
        text.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        text.push_str(&format!(" WHERE {predicate}"));
    }
    text
}

pub fn describe_foreign_key(fk: &ForeignKey) -> String {
    let mut text = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        idents(&fk.columns),
        fk.ref_table.to_sql(),
        idents(&fk.ref_columns)
    );
    if fk.on_update != FkAction::NoAction {
        text.push_str(&format!(" ON UPDATE {}", fk.on_update.to_sql()));
    }
    if fk.on_delete != FkAction::NoAction {
        text.push_str(&format!(" ON DELETE {}", fk.on_delete.to_sql()));
    }
    if fk.deferrable {
        text.push_str(" DEFERRABLE");
        if fk.initially_deferred {
            text.push_str(" INITIALLY DEFERRED");
        }
    }
    text
}

fn describe_unique(unique: &Unique) -> String {
    let mut text = format!("UNIQUE ({})", idents(&unique.columns));
    if unique.nulls_not_distinct {
        text = format!("UNIQUE NULLS NOT DISTINCT ({})", idents(&unique.columns));
    }
    text
}

fn describe_primary_key(pk: &PrimaryKey) -> String {
    format!("PRIMARY KEY ({})", idents(&pk.columns))
}

// ---------------------------------------------------------------------------------------------
// Expression normalization.

/// A normalized text form of a SQL expression, so that what a person writes and what PostgreSQL
/// prints compare equal when they mean the same: casts are dropped (`'x'::text` -> `'x'`),
/// grouping parentheses are dropped (`((a > 0))` -> `a > 0`), `IN (..)` becomes
/// `= ANY (ARRAY[..])`, keywords and unquoted names are lower-cased, needlessly quoted names are
/// unquoted, a `public.` qualifier is dropped and whitespace is collapsed.
///
/// Used on both sides of every expression comparison. When PostgreSQL canonicalized the declared
/// side (see `canon`) the two texts are already equal and this changes nothing; otherwise it is
/// the fallback comparison. It may call two different expressions equal when they differ only by
/// casts or precedence-neutral grouping; it never calls a rewritten-by-PostgreSQL form different.
pub fn normalize_expr(sql: &str) -> String {
    let tokens = drop_literal_type_prefix(expr_tokens(sql));
    let tokens = rewrite_in_lists(tokens);
    let tokens = drop_casts(tokens);
    let tokens = drop_grouping(tokens);
    let tokens = drop_public(tokens);
    let tokens = same_clock(tokens);
    let tokens = like_operators(tokens);
    render(&tokens)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(String),
    Op(String),
}

fn expr_tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || ((c == 'E' || c == 'e') && chars.get(i + 1) == Some(&'\'')) {
            let prefix = if c == '\'' { "" } else { "E" };
            if c != '\'' {
                i += 1;
            }
            i += 1;
            let mut text = String::new();
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        text.push_str("''");
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if prefix == "E" && chars[i] == '\\' && i + 1 < chars.len() {
                    text.push(chars[i]);
                    i += 1;
                }
                text.push(chars[i]);
                i += 1;
            }
            // A numeric string is the number PostgreSQL printed for a negative default.
            let numeric = !text.is_empty()
                && text
                    .trim_start_matches('-')
                    .chars()
                    .all(|d| d.is_ascii_digit() || d == '.')
                && text
                    .trim_start_matches('-')
                    .chars()
                    .next()
                    .is_some_and(|d| d.is_ascii_digit());
            if numeric && prefix.is_empty() {
                if let Some(rest) = text.strip_prefix('-') {
                    tokens.push(Tok::Op("-".into()));
                    tokens.push(Tok::Num(rest.to_string()));
                } else {
                    tokens.push(Tok::Num(text));
                }
            } else {
                tokens.push(Tok::Str(format!("{prefix}'{text}'")));
            }
        } else if c == '"' {
            i += 1;
            let mut text = String::new();
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        text.push('"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            if quote_ident(&text) == text {
                tokens.push(Tok::Word(text));
            } else {
                tokens.push(Tok::Quoted(text));
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut text = String::new();
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                text.push(chars[i]);
                i += 1;
            }
            tokens.push(Tok::Num(text));
        } else if c.is_alphabetic() || c == '_' {
            let mut text = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                text.extend(chars[i].to_lowercase());
                i += 1;
            }
            tokens.push(Tok::Word(text));
        } else if "()[],;".contains(c) {
            tokens.push(Tok::Op(c.to_string()));
            i += 1;
        } else {
            // Operators: a run of operator characters; `::` is kept whole.
            let mut text = String::new();
            while i < chars.len() && "+-*/<>=~!@#%^&|`?:.".contains(chars[i]) {
                text.push(chars[i]);
                i += 1;
                if text == "::" || text == "." {
                    break;
                }
            }
            if text.is_empty() {
                text.push(c);
                i += 1;
            }
            tokens.push(Tok::Op(text));
        }
    }
    tokens
}

fn matching_close(tokens: &[Tok], open: usize, open_tok: &str, close_tok: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if let Tok::Op(op) = token {
            if op == open_tok {
                depth += 1;
            } else if op == close_tok {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
    }
    None
}

/// `x IN (a, b)` -> `x = ANY (ARRAY[a, b])`, `x NOT IN (..)` -> `x <> ALL (ARRAY[..])`, the
/// forms PostgreSQL prints. A subquery (`IN (SELECT ..)`) is left alone.
fn rewrite_in_lists(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Tok::Word("in".into())
            && tokens.get(i + 1) == Some(&Tok::Op("(".into()))
            && tokens.get(i + 2) != Some(&Tok::Word("select".into()))
        {
            if let Some(close) = matching_close(&tokens, i + 1, "(", ")") {
                let negated = out.last() == Some(&Tok::Word("not".into()));
                if negated {
                    out.pop();
                }
                let inner = &tokens[i + 2..close];
                let mut depth = 0i32;
                let single = inner.iter().all(|t| match t {
                    Tok::Op(op) if op == "(" || op == "[" => {
                        depth += 1;
                        true
                    }
                    Tok::Op(op) if op == ")" || op == "]" => {
                        depth -= 1;
                        true
                    }
                    Tok::Op(op) if op == "," => depth != 0,
                    _ => true,
                });
                if single {
                    // PostgreSQL prints a one-element list as a plain comparison.
                    out.push(Tok::Op(if negated { "<>" } else { "=" }.into()));
                    out.extend(rewrite_in_lists(inner.to_vec()));
                    i = close + 1;
                    continue;
                }
                out.push(Tok::Op(if negated { "<>" } else { "=" }.into()));
                out.push(Tok::Word(if negated { "all" } else { "any" }.into()));
                out.push(Tok::Op("(".into()));
                out.push(Tok::Word("array".into()));
                out.push(Tok::Op("[".into()));
                out.extend(rewrite_in_lists(tokens[i + 2..close].to_vec()));
                out.push(Tok::Op("]".into()));
                out.push(Tok::Op(")".into()));
                i = close + 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `interval '1 day'` -> `'1 day'`: a typed literal is a cast, which PostgreSQL prints as
/// `'1 day'::interval` (and casts are dropped).
fn drop_literal_type_prefix(tokens: Vec<Tok>) -> Vec<Tok> {
    const TYPE_NAMES: &[&str] = &[
        "interval",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "timetz",
        "uuid",
        "json",
        "jsonb",
        "text",
        "numeric",
        "boolean",
        "bool",
        "int",
        "integer",
        "bigint",
        "smallint",
        "inet",
        "cidr",
        "bytea",
        "varchar",
        "char",
        "money",
        "xml",
        "real",
        "float",
    ];
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        if let Tok::Word(word) = token {
            let literal_follows =
                matches!(tokens.get(i + 1), Some(Tok::Str(_)) | Some(Tok::Num(_)));
            let after_cast = i > 0 && tokens[i - 1] == Tok::Op("::".into());
            if literal_follows && !after_cast && TYPE_NAMES.contains(&word.as_str()) {
                continue;
            }
        }
        out.push(token.clone());
    }
    out
}

/// Drops `::type` casts, including multi-word, modified, qualified and array types.
fn drop_casts(tokens: Vec<Tok>) -> Vec<Tok> {
    const TYPE_WORDS: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] != Tok::Op("::".into()) {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 1;
        // The type name: a word or quoted name, possibly qualified.
        if matches!(tokens.get(i), Some(Tok::Word(_)) | Some(Tok::Quoted(_))) {
            i += 1;
        }
        while tokens.get(i) == Some(&Tok::Op(".".into()))
            && matches!(tokens.get(i + 1), Some(Tok::Word(_)) | Some(Tok::Quoted(_)))
        {
            i += 2;
        }
        while let Some(Tok::Word(w)) = tokens.get(i) {
            if TYPE_WORDS.contains(&w.as_str()) {
                i += 1;
            } else {
                break;
            }
        }
        if tokens.get(i) == Some(&Tok::Op("(".into())) {
            if let Some(close) = matching_close(&tokens, i, "(", ")") {
                if tokens[i + 1..close]
                    .iter()
                    .all(|t| matches!(t, Tok::Num(_)) || *t == Tok::Op(",".into()))
                {
                    i = close + 1;
                }
            }
        }
        while let Some(Tok::Word(w)) = tokens.get(i) {
            if TYPE_WORDS.contains(&w.as_str()) {
                i += 1;
            } else {
                break;
            }
        }
        while tokens.get(i) == Some(&Tok::Op("[".into()))
            && tokens.get(i + 1) == Some(&Tok::Op("]".into()))
        {
            i += 2;
        }
    }
    out
}

/// Words after which a parenthesis groups rather than calls.
const GROUPING_KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "any", "all", "some", "when", "then", "else", "case",
    "between", "like", "ilike", "similar", "distinct", "from", "as", "on", "where", "exists",
];

/// Drops parentheses that only group (not those of a function call or `ANY (..)`).
fn drop_grouping(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut keep = vec![true; tokens.len()];
    let mut stack: Vec<(usize, bool)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Tok::Op(op) if op == "(" => {
                let call = i > 0
                    && match &tokens[i - 1] {
                        Tok::Word(w) => !GROUPING_KEYWORDS.contains(&w.as_str()),
                        Tok::Quoted(_) => true,
                        _ => false,
                    };
                stack.push((i, call));
            }
            Tok::Op(op) if op == ")" => {
                if let Some((open, call)) = stack.pop() {
                    if !call {
                        keep[open] = false;
                        keep[i] = false;
                    }
                }
            }
            _ => {}
        }
    }
    tokens
        .into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

/// `CURRENT_TIMESTAMP` and `transaction_timestamp()` are `now()` (PostgreSQL keeps the spelling
/// it was given, but they are the same function).
fn same_clock(tokens: Vec<Tok>) -> Vec<Tok> {
    let word = |t: Option<&Tok>, w: &str| t == Some(&Tok::Word(w.into()));
    let op = |t: Option<&Tok>, o: &str| t == Some(&Tok::Op(o.into()));
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let now = [
            Tok::Word("now".into()),
            Tok::Op("(".into()),
            Tok::Op(")".into()),
        ];
        if word(tokens.get(i), "current_timestamp") && !op(tokens.get(i + 1), "(") {
            out.extend(now);
            i += 1;
        } else if word(tokens.get(i), "transaction_timestamp")
            && op(tokens.get(i + 1), "(")
            && op(tokens.get(i + 2), ")")
        {
            out.extend(now);
            i += 3;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out
}

/// `LIKE` / `ILIKE` (and their `NOT` forms) as the operators PostgreSQL prints: `~~`, `~~*`.
fn like_operators(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    for token in tokens {
        let operator = match &token {
            Tok::Word(w) if w == "like" => "~~",
            Tok::Word(w) if w == "ilike" => "~~*",
            _ => {
                out.push(token);
                continue;
            }
        };
        let negated = out.last() == Some(&Tok::Word("not".into()));
        if negated {
            out.pop();
        }
        out.push(Tok::Op(format!(
            "{}{operator}",
            if negated { "!" } else { "" }
        )));
    }
    out
}

fn drop_public(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Tok::Word("public".into())
            && tokens.get(i + 1) == Some(&Tok::Op(".".into()))
            && matches!(tokens.get(i + 2), Some(Tok::Word(_)) | Some(Tok::Quoted(_)))
        {
            i += 2;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

fn render(tokens: &[Tok]) -> String {
    let is_op = |t: &Tok, ops: &[&str]| matches!(t, Tok::Op(op) if ops.contains(&op.as_str()));
    let mut text = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let prev = &tokens[i - 1];
            let call = is_op(token, &["(", "["]) && matches!(prev, Tok::Word(_) | Tok::Quoted(_));
            let tight =
                call || is_op(token, &[")", "]", ",", "."]) || is_op(prev, &["(", "[", "."]);
            if !tight {
                text.push(' ');
            }
        }
        match token {
            Tok::Word(w) | Tok::Num(w) | Tok::Op(w) | Tok::Str(w) => text.push_str(w),
            Tok::Quoted(q) => text.push_str(&format!("\"{}\"", q.replace('"', "\"\""))),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            default: default.map(str::to_string),
            identity: None,
            generated: None,
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
        Index {
            name: name.map(str::to_string),
            unique: false,
            method: "btree".into(),
            keys: columns
                .iter()
                .map(|c| IndexKey {
                    expr: c.to_string(),
                    expression: false,
                    opclass: None,
                    descending: false,
                    nulls_first: None,
                })
                .collect(),
            include: vec![],
            predicate: None,
            nulls_not_distinct: false,
            valid: true,
            definition: None,
            pos: None,
        }
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

    use crate::model::IndexKey;
    use DriftKind::*;
    use Severity::{Error as E, Warning as W};

    #[test]
    fn identical_schemas_have_no_drift() {
        let t = table("t", vec![column("id", "integer", false, None)]);
        assert!(compare(&schema(vec![t.clone()]), &schema(vec![t]), true).is_empty());
    }

    #[test]
    fn missing_and_extra_tables() {
        let declared = schema(vec![table("a", vec![])]);
        let live = schema(vec![table("b", vec![])]);
        let drift = compare(&declared, &live, false);
        assert_eq!(
            kinds(&drift),
            [(MissingTable, None, E), (ExtraTable, None, W)]
        );
        let strict = compare(&declared, &live, true);
        assert_eq!(strict[1].severity, E);
    }

    #[test]
    fn missing_extra_and_mismatched_columns() {
        let declared = schema(vec![table(
            "t",
            vec![
                column("a", "uuid", true, None),
                column("b", "integer", false, None),
                column("c", "text", true, Some("'x'")),
            ],
        )]);
        let live = schema(vec![table(
            "t",
            vec![
                column("b", "bigint", true, None),
                column("c", "text", true, Some("'y'::text")),
                column("d", "text", true, None),
            ],
        )]);
        let drift = compare(&declared, &live, false);
        assert_eq!(
            kinds(&drift),
            [
                (MissingColumn, Some("a"), E),
                (ExtraColumn, Some("d"), W),
                (ColumnTypeMismatch, Some("b"), E),
                (ColumnNullabilityMismatch, Some("b"), E),
                (ColumnDefaultMismatch, Some("c"), E),
            ]
        );
        assert_eq!(drift[0].expected.as_deref(), Some("uuid"));
        assert_eq!(drift[2].expected.as_deref(), Some("integer"));
        assert_eq!(drift[2].actual.as_deref(), Some("bigint"));
        assert_eq!(drift[3].expected.as_deref(), Some("NOT NULL"));
    }

    #[test]
    fn defaults_compare_in_normalized_form() {
        let pairs = [
            ("'pending'", "'pending'::outreach_status"),
            ("now()", "now()"),
            ("-1", "'-1'::integer"),
            ("'{}'", "'{}'::jsonb"),
            ("ARRAY[]::text[]", "ARRAY[]::text[]"),
            ("'a'", "'a'::character varying"),
            ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
            ("public.gen_id()", "gen_id()"),
            ("now() - interval '1 day'", "(now() - '1 day'::interval)"),
            ("DATE '2020-01-01'", "'2020-01-01'::date"),
            ("kind LIKE 'auth.%'", "(kind ~~ 'auth.%'::text)"),
            ("kind NOT ILIKE 'x%'", "((kind)::text !~~* 'x%'::text)"),
        ];
        for (declared, live) in pairs {
            assert_eq!(
                normalize_expr(declared),
                normalize_expr(live),
                "{declared} vs {live}"
            );
        }
        assert_ne!(normalize_expr("'a'"), normalize_expr("'b'"));
        assert_ne!(normalize_expr("now()"), normalize_expr("clock_timestamp()"));
        assert_eq!(normalize_expr("CURRENT_TIMESTAMP"), normalize_expr("now()"));
        assert_eq!(
            normalize_expr("transaction_timestamp()"),
            normalize_expr("now()")
        );
        assert_ne!(
            normalize_expr("CURRENT_TIMESTAMP(3)"),
            normalize_expr("now()")
        );
    }

    #[test]
    fn check_expressions_compare_in_normalized_form() {
        let pairs = [
            ("status IN ('a','b')", "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
            ("truck_count > 0", "(truck_count > 0)"),
            ("a > 0 AND b > 0", "((a > 0) AND (b > 0))"),
            ("status NOT IN ('x', 'y')", "(status <> ALL (ARRAY['x'::text, 'y'::text]))"),
            ("status NOT IN ('x')", "((status)::text <> 'x'::text)"),
            ("status IN (lower('X'))", "(status = lower('X'::text))"),
            ("lower(domain)", "lower((domain)::text)"),
            ("\"Total\" >= 0", "(\"Total\" >= (0)::numeric)"),
            ("\"user\" <> ''", "(\"user\" <> ''::text)"),
        ];
        for (declared, live) in pairs {
            assert_eq!(
                normalize_expr(declared),
                normalize_expr(live),
                "{declared} vs {live}"
            );
        }
        assert_ne!(normalize_expr("a > 0"), normalize_expr("a >= 0"));
        assert_ne!(normalize_expr("\"Total\" > 0"), normalize_expr("total > 0"));
    }

    #[test]
    fn serial_matches_integer_with_any_nextval_default() {
        let declared = schema(vec![table("t", vec![column("id", "serial", false, None)])]);
        let live = schema(vec![table(
            "t",
            vec![column(
                "id",
                "integer",
                false,
                Some("nextval('t_id_seq'::regclass)"),
            )],
        )]);
        assert!(compare(&declared, &live, true).is_empty());
        let plain = schema(vec![table("t", vec![column("id", "integer", false, None)])]);
        assert_eq!(
            kinds(&compare(&declared, &plain, false)),
            [(ColumnDefaultMismatch, Some("id"), E)]
        );
        let wrong = schema(vec![table(
            "t",
            vec![column(
                "id",
                "bigint",
                false,
                Some("nextval('t_id_seq'::regclass)"),
            )],
        )]);
        assert_eq!(
            kinds(&compare(&declared, &wrong, false)),
            [(ColumnTypeMismatch, Some("id"), E)]
        );
    }

    #[test]
    fn a_null_default_is_no_default() {
        let at = |default: Option<&str>| {
            schema(vec![table(
                "t",
                vec![column(
                    "voided_at",
                    "timestamp(6) without time zone",
                    true,
                    default,
                )],
            )])
        };
        let none = at(None);
        for null in ["NULL", "null", "NULL::timestamp without time zone"] {
            assert!(compare(&at(Some(null)), &none, true).is_empty(), "{null}");
            assert!(compare(&none, &at(Some(null)), true).is_empty(), "{null}");
        }
        assert_eq!(
            kinds(&compare(&none, &at(Some("NULLIF(now(), now())")), false)),
            [(ColumnDefaultMismatch, Some("voided_at"), E)]
        );
    }

    #[test]
    fn identity_and_generated_are_part_of_the_default() {
        let mut id = column("id", "bigint", false, None);
        id.identity = Some(Identity::ByDefault);
        let mut live_id = id.clone();
        live_id.identity = Some(Identity::Always);
        let mut total = column("total", "numeric", true, None);
        total.generated = Some("price * qty".into());
        let mut live_total = total.clone();
        live_total.generated = Some("(price * qty)".into());
        let declared = schema(vec![table("t", vec![id, total])]);
        let live = schema(vec![table("t", vec![live_id, live_total])]);
        let drift = compare(&declared, &live, false);
        assert_eq!(kinds(&drift), [(ColumnDefaultMismatch, Some("id"), E)]);
        assert_eq!(
            drift[0].expected.as_deref(),
            Some("GENERATED BY DEFAULT AS IDENTITY")
        );
        assert_eq!(
            drift[0].actual.as_deref(),
            Some("GENERATED ALWAYS AS IDENTITY")
        );
    }

    #[test]
    fn primary_keys() {
        let mut declared = table(
            "t",
            vec![
                column("a", "integer", false, None),
                column("b", "integer", false, None),
            ],
        );
        declared.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["a".into(), "b".into()],
            pos: None,
        });
        let mut live = declared.clone();
        live.primary_key = None;
        assert_eq!(
            kinds(&compare(
                &schema(vec![declared.clone()]),
                &schema(vec![live.clone()]),
                false
            )),
            [(MissingPrimaryKey, None, E)]
        );
        live.primary_key = Some(PrimaryKey {
            name: Some("t_pkey".into()),
            columns: vec!["a".into()],
            pos: None,
        });
        assert_eq!(
            kinds(&compare(
                &schema(vec![declared.clone()]),
                &schema(vec![live.clone()]),
                false
            )),
            [(PrimaryKeyMismatch, Some("t_pkey"), E)]
        );
        live.primary_key = Some(PrimaryKey {
            name: Some("t_pkey".into()),
            columns: vec!["a".into(), "b".into()],
            pos: None,
        });
        assert!(compare(
            &schema(vec![declared.clone()]),
            &schema(vec![live.clone()]),
            true
        )
        .is_empty());
        declared.primary_key = None;
        assert_eq!(
            kinds(&compare(
                &schema(vec![declared]),
                &schema(vec![live]),
                false
            )),
            [(PrimaryKeyMismatch, Some("t_pkey"), W)]
        );
    }

    #[test]
    fn indexes_match_by_name_or_definition() {
        let cols = vec![
            column("a", "text", true, None),
            column("b", "text", true, None),
        ];
        let mut declared = table("t", cols.clone());
        declared.indexes = vec![
            index(Some("ix_a"), &["a"]),
            index(None, &["b"]),
            index(None, &["a", "b"]),
        ];
        let mut live = table("t", cols);
        let mut renamed = index(Some("t_b_idx"), &["b"]);
        renamed.valid = true;
        let mut ix_a = index(Some("ix_a"), &["a"]);
        ix_a.predicate = Some("(a IS NOT NULL)".into());
        live.indexes = vec![ix_a, renamed, index(Some("stray"), &["b", "a"])];
        let drift = compare(
            &schema(vec![declared.clone()]),
            &schema(vec![live.clone()]),
            false,
        );
        assert_eq!(
            kinds(&drift),
            [
                (MissingIndex, None, E),
                (ExtraIndex, Some("stray"), W),
                (IndexMismatch, Some("ix_a"), E)
            ]
        );
        assert_eq!(drift[0].expected.as_deref(), Some("USING btree (a, b)"));
        assert_eq!(
            drift[2].actual.as_deref(),
            Some("USING btree (a) WHERE (a IS NOT NULL)")
        );
    }

    #[test]
    fn an_invalid_index_is_a_mismatch() {
        let cols = vec![column("a", "text", true, None)];
        let mut declared = table("t", cols.clone());
        declared.indexes = vec![index(None, &["a"])];
        let mut live = table("t", cols);
        let mut invalid = index(Some("t_a_idx"), &["a"]);
        invalid.valid = false;
        live.indexes = vec![invalid];
        let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
        assert_eq!(kinds(&drift), [(IndexMismatch, Some("t_a_idx"), E)]);
        assert!(drift[0].actual.as_deref().unwrap().starts_with("INVALID"));
    }

    #[test]
    fn expression_partial_and_gin_indexes() {
        let cols = vec![
            column("domain", "character varying(255)", true, None),
            column("tags", "text[]", true, None),
        ];
        let mut declared = table("t", cols.clone());
        let mut lower = index(Some("ux"), &[]);
        lower.unique = true;
        lower.keys = vec![IndexKey {
            expr: "lower(domain)".into(),
            expression: true,
            opclass: None,
            descending: false,
            nulls_first: None,
        }];
        lower.predicate = Some("status <> 'replied'".into());
        let mut gin = index(None, &["tags"]);
        gin.method = "gin".into();
        declared.indexes = vec![lower.clone(), gin.clone()];
        let mut live = table("t", cols);
        let mut live_lower = lower.clone();
        live_lower.keys[0].expr = "lower((domain)::text)".into();
        live_lower.predicate = Some("((status)::text <> 'replied'::text)".into());
        let mut live_gin = gin.clone();
        live_gin.name = Some("t_tags_idx".into());
        live.indexes = vec![live_lower, live_gin.clone()];
        assert!(compare(
            &schema(vec![declared.clone()]),
            &schema(vec![live.clone()]),
            true
        )
        .is_empty());
        live.indexes[1].method = "btree".into();
        let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
        assert_eq!(
            kinds(&drift),
            [(MissingIndex, None, E), (ExtraIndex, Some("t_tags_idx"), W)]
        );
    }

    #[test]
    fn unique_column_matches_a_constraint_or_a_unique_index() {
        let cols = vec![column("domain", "text", false, None)];
        let mut declared = table("t", cols.clone());
        declared.uniques = vec![Unique {
            name: None,
            columns: vec!["domain".into()],
            nulls_not_distinct: false,
            pos: None,
        }];
        let mut by_constraint = table("t", cols.clone());
        by_constraint.uniques = vec![Unique {
            name: Some("t_domain_key".into()),
            columns: vec!["domain".into()],
            nulls_not_distinct: false,
            pos: None,
        }];
        assert!(compare(
            &schema(vec![declared.clone()]),
            &schema(vec![by_constraint]),
            true
        )
        .is_empty());
        let mut by_index = table("t", cols.clone());
        let mut ux = index(Some("ux_domain"), &["domain"]);
        ux.unique = true;
        by_index.indexes = vec![ux.clone()];
        assert!(compare(
            &schema(vec![declared.clone()]),
            &schema(vec![by_index]),
            true
        )
        .is_empty());
        // A partial unique index does not make the column unique.
        let mut partial = table("t", cols.clone());
        ux.predicate = Some("(domain <> ''::text)".into());
        partial.indexes = vec![ux];
        let drift = compare(
            &schema(vec![declared.clone()]),
            &schema(vec![partial]),
            false,
        );
        assert_eq!(
            kinds(&drift),
            [(MissingUnique, None, E), (ExtraIndex, Some("ux_domain"), W)]
        );
        let none = table("t", cols);
        let mut extra = none.clone();
        extra.uniques = vec![Unique {
            name: Some("t_domain_key".into()),
            columns: vec!["domain".into()],
            nulls_not_distinct: false,
            pos: None,
        }];
        assert_eq!(
            kinds(&compare(&schema(vec![none]), &schema(vec![extra]), false)),
            [(ExtraUnique, Some("t_domain_key"), W)]
        );
    }

    #[test]
    fn foreign_keys_match_by_target_and_compare_options() {
        let cols = vec![column("q", "uuid", true, None)];
        let mut declared = table("t", cols.clone());
        let mut declared_fk = fk(&["q"], "queries", &["id"]);
        declared_fk.on_delete = FkAction::SetNull;
        declared.foreign_keys = vec![declared_fk.clone()];
        let mut live = table("t", cols.clone());
        let mut live_fk = declared_fk.clone();
        live_fk.name = Some("t_q_fkey".into());
        live.foreign_keys = vec![live_fk.clone()];
        assert!(compare(
            &schema(vec![declared.clone()]),
            &schema(vec![live.clone()]),
            true
        )
        .is_empty());
        live.foreign_keys[0].on_delete = FkAction::Cascade;
        let drift = compare(
            &schema(vec![declared.clone()]),
            &schema(vec![live.clone()]),
            false,
        );
        assert_eq!(kinds(&drift), [(ForeignKeyMismatch, Some("t_q_fkey"), E)]);
        assert!(drift[0]
            .expected
            .as_deref()
            .unwrap()
            .contains("ON DELETE SET NULL"));
        live.foreign_keys.clear();
        assert_eq!(
            kinds(&compare(
                &schema(vec![declared.clone()]),
                &schema(vec![live.clone()]),
                false
            )),
            [(MissingForeignKey, None, E)]
        );
        let mut other = table("t", cols);
        other.foreign_keys = vec![live_fk];
        other.foreign_keys[0].ref_columns = vec!["other".into()];
        assert_eq!(
            kinds(&compare(
                &schema(vec![declared]),
                &schema(vec![other]),
                false
            )),
            [
                (MissingForeignKey, None, E),
                (ExtraForeignKey, Some("t_q_fkey"), W)
            ]
        );
    }

    #[test]
    fn composite_deferrable_foreign_keys() {
        let cols = vec![
            column("a", "integer", true, None),
            column("b", "integer", true, None),
        ];
        let mut declared = table("t", cols.clone());
        let mut composite = fk(&["a", "b"], "accounts", &["a", "b"]);
        composite.name = Some("fk_acc".into());
        composite.deferrable = true;
        composite.initially_deferred = true;
        declared.foreign_keys = vec![composite.clone()];
        let mut live = table("t", cols);
        let mut immediate = composite.clone();
        immediate.initially_deferred = false;
        live.foreign_keys = vec![immediate];
        let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
        assert_eq!(kinds(&drift), [(ForeignKeyMismatch, Some("fk_acc"), E)]);
        assert!(drift[0]
            .expected
            .as_deref()
            .unwrap()
            .ends_with("DEFERRABLE INITIALLY DEFERRED"));
    }

    #[test]
    fn checks_match_by_name_or_expression() {
        let cols = vec![column("n", "integer", true, None)];
        let mut declared = table("t", cols.clone());
        declared.checks = vec![
            Check {
                name: Some("ck_pos".into()),
                expression: "n > 0".into(),
                valid: true,
                pos: None,
            },
            Check {
                name: None,
                expression: "n < 100".into(),
                valid: true,
                pos: None,
            },
        ];
        let mut live = table("t", cols);
        live.checks = vec![
            Check {
                name: Some("ck_pos".into()),
                expression: "(n >= 0)".into(),
                valid: true,
                pos: None,
            },
            Check {
                name: Some("t_n_check".into()),
                expression: "(n < 100)".into(),
                valid: true,
                pos: None,
            },
            Check {
                name: Some("t_n_check1".into()),
                expression: "(n <> 7)".into(),
                valid: true,
                pos: None,
            },
        ];
        let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
        assert_eq!(
            kinds(&drift),
            [
                (MissingCheck, Some("ck_pos"), E),
                (ExtraCheck, Some("t_n_check1"), W)
            ]
        );
        assert_eq!(drift[0].actual.as_deref(), Some("(n >= 0)"));
    }

    #[test]
    fn enums_and_enum_values() {
        let mut declared = Schema::default();
        let name = QualifiedName::new("public", "status");
        declared.enums.insert(
            name.clone(),
            Enum {
                name: name.clone(),
                values: vec!["a".into(), "b".into(), "c".into()],
                pos: None,
            },
        );
        let other = QualifiedName::new("public", "mood");
        declared.enums.insert(
            other.clone(),
            Enum {
                name: other,
                values: vec!["x".into()],
                pos: None,
            },
        );
        let mut live = Schema::default();
        live.enums.insert(
            name.clone(),
            Enum {
                name,
                values: vec!["a".into(), "c".into(), "z".into()],
                pos: None,
            },
        );
        let drift = compare(&declared, &live, false);
        assert_eq!(
            kinds(&drift),
            [
                (MissingEnum, None, E),
                (MissingEnumValue, Some("b"), E),
                (ExtraEnumValue, Some("z"), W)
            ]
        );
        assert_eq!(
            drift[1].declared,
            Some(Object::EnumValue {
                value: "b".into(),
                after: Some("a".into())
            })
        );
    }

    #[test]
    fn enum_label_order_and_undeclared_enums() {
        let enum_of = |name: &QualifiedName, values: &[&str]| Enum {
            name: name.clone(),
            values: values.iter().map(|v| v.to_string()).collect(),
            pos: None,
        };
        let state = QualifiedName::new("public", "state");
        let flag = QualifiedName::new("public", "flag");
        let mut declared = Schema::default();
        declared.enums.insert(
            state.clone(),
            enum_of(&state, &["open", "pending", "closed"]),
        );
        let mut live = Schema::default();
        live.enums
            .insert(state.clone(), enum_of(&state, &["closed", "open"]));
        live.enums
            .insert(flag.clone(), enum_of(&flag, &["yes", "no"]));
        let drift = compare(&declared, &live, false);
        assert_eq!(
            kinds(&drift),
            [
                (ExtraEnum, None, W),
                (MissingEnumValue, Some("pending"), E),
                (EnumMismatch, None, E)
            ]
        );
        assert_eq!(drift[2].actual.as_deref(), Some("ENUM ('closed', 'open')"));
        assert_eq!(
            kinds(&compare(&declared, &live, true))[0],
            (ExtraEnum, None, E)
        );
        // The same order, a label short: no order drift.
        live.enums
            .insert(state.clone(), enum_of(&state, &["open", "closed"]));
        live.enums.remove(&flag);
        assert_eq!(
            kinds(&compare(&declared, &live, false)),
            [(MissingEnumValue, Some("pending"), E)]
        );
    }

    #[test]
    fn normalization_never_panics_on_arbitrary_text() {
        // A deterministic stream of short strings over the characters that matter to the
        // tokenizer: quotes, brackets, casts, escapes, multi-byte text.
        const ALPHABET: &[char] = &[
            '(', ')', '[', ']', '\'', '"', ',', '.', ':', ':', '-', '+', '*', '/', ' ', 'a', 'Z',
            '0', '9', '_', '$', '\\', 'E', 'é', '~', '!', '<', '>', '=', '%',
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..5000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let _ = normalize_expr(&text);
            let _ = types::canonical(&text);
            let _ = crate::declared::check_expression(&text);
        }
        for text in [
            "in (",
            "not in ((",
            "::",
            "x::",
            "'",
            "E'\\",
            "(((",
            ")))",
            "a in ()",
        ] {
            let _ = normalize_expr(text);
        }
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
}
