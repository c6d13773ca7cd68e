//! Unique columns and constraints, satisfied by a constraint or a unique index.

use super::*;

#[test]
fn unique_column_matches_a_constraint_or_a_unique_index() {
    let cols = vec![column("domain", "text", false, None)];
    let mut declared = table("t", cols.clone());
    declared.uniques = vec![Unique {
        name: None,
        columns: vec!["domain".into()],
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
        pos: None,
    }];
    let mut by_constraint = table("t", cols.clone());
    by_constraint.uniques = vec![Unique {
        name: Some("t_domain_key".into()),
        columns: vec!["domain".into()],
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
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
        deferrable: false,
        initially_deferred: false,
        pos: None,
    }];
    assert_eq!(
        kinds(&compare(&schema(vec![none]), &schema(vec![extra]), false)),
        [(ExtraUnique, Some("t_domain_key"), W)]
    );
}
