//! Primary keys: missing, other columns, other name, undeclared.

use super::*;

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
