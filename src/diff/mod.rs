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
//!
//! This module matches whole schemas (enums, tables) and collects the result; each kind of object
//! is compared in its own file, named after it (`columns`, `indexes`, `uniques`, `foreign_keys`,
//! `checks`, `exclusions`, `primary_key`, `enums`, `sequences`), `drift` holds the result types, `describe` the texts of
//! `expected` / `actual` and `normalize` the expression normalization.

mod checks;
mod columns;
mod describe;
mod drift;
mod enums;
mod exclusions;
mod foreign_keys;
mod indexes;
mod normalize;
mod primary_key;
mod sequences;
mod tables;
mod uniques;

#[cfg(test)]
mod tests;

pub use describe::{describe_column, describe_foreign_key, describe_index};
pub use drift::{Drift, DriftKind, Object, Severity};
pub use normalize::normalize_expr;

use crate::model::{Pos, QualifiedName, Schema};
use describe::{describe_enum, describe_table};
use enums::compare_enum;
use tables::compare_table;

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
    sequences::compare_sequences(&mut out, declared, actual);
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
        let severity = if kind.warns() && !self.strict {
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
