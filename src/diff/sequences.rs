//! Standalone sequences (`sequences:`): `missing_sequence`, `extra_sequence` and
//! `sequence_mismatch` (a declared option or owner that differs; options not written are not
//! compared). An undeclared sequence owned by a column is not extra: it goes with its column. An identity column's sequence is compared with its column (`columns`); a serial
//! column's sequence is its column's type (`serial`) and is never read as a standalone one.
//!
//! A schema.yaml without a `sequences:` section says nothing about sequences: the live ones are
//! then not reported as extra (most files predate the section, and a sequence a function or an
//! old serial column left behind is no drift the file asked about).

use super::describe::{describe_sequence, describe_sequence_differences};
use super::drift::{DriftKind, Object};
use super::Out;
use crate::model::{quote_ident, Schema, Sequence};

pub(super) fn compare_sequences(out: &mut Out, declared: &Schema, actual: &Schema) {
    for (name, sequence) in &declared.sequences {
        let Some(live) = actual.sequences.get(name) else {
            out.push(
                DriftKind::MissingSequence,
                name,
                None,
                Some(describe_sequence(sequence)),
                None,
                Some(Object::Sequence(sequence.clone())),
                None,
                sequence.pos,
            );
            continue;
        };
        let mut differences = sequence.options.differences(&live.options);
        if let Some(owner) = &sequence.owned_by {
            if live.owned_by.as_ref() != Some(owner) {
                differences.push(("owned_by", owner_text(sequence), owner_text(live)));
            }
        }
        if !differences.is_empty() {
            let (expected, actual) = describe_sequence_differences(&differences);
            out.push(
                DriftKind::SequenceMismatch,
                name,
                None,
                Some(expected),
                Some(actual),
                Some(Object::Sequence(sequence.clone())),
                Some(Object::Sequence(live.clone())),
                sequence.pos,
            );
        }
    }
    if declared.sequences.is_empty() {
        return;
    }
    // A sequence a column owns goes with its column (a serial column turned identity keeps its
    // old one): compared when declared, never extra.
    for (name, live) in &actual.sequences {
        if !declared.sequences.contains_key(name) && live.owned_by.is_none() {
            out.push(
                DriftKind::ExtraSequence,
                name,
                None,
                None,
                Some(describe_sequence(live)),
                None,
                Some(Object::Sequence(live.clone())),
                None,
            );
        }
    }
}

/// `public.orders.id`, or `none`.
fn owner_text(sequence: &Sequence) -> String {
    match &sequence.owned_by {
        Some((table, column)) => format!("{}.{}", table.to_sql(), quote_ident(column)),
        None => "none".into(),
    }
}
