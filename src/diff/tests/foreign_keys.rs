//! Foreign keys: matching by target, options, composite and deferrable keys.

use super::*;

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
