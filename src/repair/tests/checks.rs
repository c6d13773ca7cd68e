//! Check recipes: a changed check dropped only while it is the old one.

use super::*;

#[test]
fn a_changed_check_is_dropped_only_while_it_is_the_old_one() {
    let t = qn("public", "members");
    let declared = Check {
        name: Some("ck_role".into()),
        expression: "(role = ANY (ARRAY['owner'::text]))".into(),
        valid: true,
        pos: None,
    };
    let live = Check {
        expression: "(role = ANY (ARRAY['owner'::text, 'guest'::text]))".into(),
        ..declared.clone()
    };
    let schema = schema(vec![table(t.clone(), vec![], Some(3))]);
    let d = vec![drift(
        DriftKind::MissingCheck,
        &t,
        Some("ck_role"),
        Some(Object::Check(declared)),
        Some(Object::Check(live)),
    )];
    let m = plan_of(&d, &schema, &schema, false);
    let drop = position(&m, "DROP CONSTRAINT IF EXISTS ck_role");
    let add = position(
        &m,
        "ADD CONSTRAINT ck_role CHECK ((role = ANY (ARRAY['owner'::text]))) NOT VALID",
    );
    assert!(drop < add);
    assert!(!m.steps[drop].outside_transaction && !m.steps[add].outside_transaction);
    assert!(m.steps[drop].sql.contains(
        "pg_get_constraintdef(oid) IN ('CHECK ((role = ANY (ARRAY[''owner''::text, ''guest''::text])))', "
    ), "{}", m.steps[drop].sql);
    assert!(m.held_back().next().is_none());
}
