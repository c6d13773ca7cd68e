//! Enum types, their labels and the labels' order.

use super::*;

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
