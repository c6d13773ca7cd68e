//! Index recipes: every index option rendered.

use super::*;

#[test]
fn index_options_are_all_rendered() {
    let t = qn("public", "prospects");
    let mut ix = index(Some("ux_prospects_domain_lower"), &[]);
    ix.unique = true;
    ix.keys = vec![
        IndexKey {
            expr: "lower(domain)".into(),
            expression: true,
            opclass: Some("text_pattern_ops".into()),
            descending: true,
            nulls_first: Some(false),
            collation: None,
        },
        IndexKey {
            expr: "created at".into(),
            expression: false,
            opclass: None,
            descending: false,
            nulls_first: Some(true),
            collation: None,
        },
    ];
    ix.include = vec!["id".into()];
    ix.predicate = Some("status <> 'replied'".into());
    ix.nulls_not_distinct = true;
    let live = schema(vec![table(t.clone(), vec![], Some(1))]);
    let d = vec![drift(
        DriftKind::MissingIndex,
        &t,
        None,
        Some(Object::Index(ix)),
        None,
    )];
    let m = plan_of(&d, &live, &live, false);
    assert!(m.steps.iter().any(|s| s.sql == "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux_prospects_domain_lower ON public.prospects USING btree ((lower(domain)) text_pattern_ops DESC NULLS LAST, \"created at\" NULLS FIRST) INCLUDE (id) NULLS NOT DISTINCT WHERE status <> 'replied';"), "{m:#?}");
}
