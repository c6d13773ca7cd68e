//! Whole tables and their columns: `missing_table`, `extra_table`, `missing_column`, `extra_column`.

use super::*;

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
fn live_sequences_are_not_extra_when_schema_yaml_has_no_sequences_section() {
    let sequence = |name: &str| crate::model::Sequence {
        name: QualifiedName::new("public", name),
        options: crate::model::SequenceOptions {
            data_type: Some("bigint".into()),
            ..Default::default()
        },
        owned_by: None,
        pos: None,
    };
    let mut live = schema(vec![]);
    live.sequences
        .insert(QualifiedName::new("public", "calls"), sequence("calls"));
    let declared = schema(vec![]);
    assert!(compare(&declared, &live, true).is_empty());

    // A file that declares sequences speaks for all of them: an undeclared one is extra.
    let mut declared = schema(vec![]);
    declared.sequences.insert(
        QualifiedName::new("public", "order_no"),
        sequence("order_no"),
    );
    let kinds: Vec<DriftKind> = compare(&declared, &live, true)
        .iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(kinds, [ExtraSequence, MissingSequence]);
}
