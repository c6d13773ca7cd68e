//! Enum types and their labels: `missing_enum`, `extra_enum`, `missing_enum_value`,
//! `extra_enum_value` and `enum_mismatch` (the labels both sides have, in another order). Not the
//! columns that use an enum type: their type is compared in `columns`.

use super::describe::describe_enum;
use super::drift::{DriftKind, Object};
use super::Out;
use crate::model::Enum;

pub(super) fn compare_enum(out: &mut Out, declared: &Enum, live: Option<&Enum>) {
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
