//! Indexes by name or definition, INVALID leftovers, expression, partial and GIN indexes.

use super::*;

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
        collation: None,
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
