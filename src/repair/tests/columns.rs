//! Column recipes: NOT NULL with and without rows, the safe SET NOT NULL, defaults, serial
//! sequences, volatile defaults.

use super::*;

#[test]
fn not_null_column_without_default_is_added_nullable_on_a_table_with_rows() {
    let t = qn("public", "accounts");
    let col = column("plan", "text", false, None);
    for rows in [Some(5), None] {
        let live = schema(vec![table(
            t.clone(),
            vec![column("id", "bigint", false, None)],
            rows,
        )]);
        let d = vec![drift(
            DriftKind::MissingColumn,
            &t,
            Some("plan"),
            Some(Object::Column(col.clone())),
            None,
        )];
        let m = plan_of(&d, &live, &live, false);
        let add = &m.steps[position(&m, "ADD COLUMN IF NOT EXISTS plan text;")];
        assert!(add.commented_out.is_none());
        let held: Vec<&Step> = m.held_back().collect();
        assert_eq!(held.len(), 4, "{m:#?}");
        assert!(held[0].sql.contains("CHECK (plan IS NOT NULL) NOT VALID"));
        assert!(held.iter().any(|s| s.sql.contains("SET NOT NULL")));
        assert!(held
            .iter()
            .all(|s| s.commented_out.as_deref().unwrap().contains("backfill")));
    }
    // Known empty: NOT NULL at once.
    let live = schema(vec![table(
        t.clone(),
        vec![column("id", "bigint", false, None)],
        Some(0),
    )]);
    let d = vec![drift(
        DriftKind::MissingColumn,
        &t,
        Some("plan"),
        Some(Object::Column(col.clone())),
        None,
    )];
    let m = plan_of(&d, &live, &live, false);
    assert_eq!(m.steps.len(), 1);
    assert!(m.steps[0]
        .sql
        .contains("ADD COLUMN IF NOT EXISTS plan text NOT NULL;"));
    // With a default: NOT NULL at once, even with rows.
    let with_default = column("plan", "text", false, Some("'free'::text"));
    let live = schema(vec![table(t.clone(), vec![], Some(9))]);
    let d = vec![drift(
        DriftKind::MissingColumn,
        &t,
        Some("plan"),
        Some(Object::Column(with_default)),
        None,
    )];
    let m = plan_of(&d, &live, &live, false);
    assert!(m.steps[0]
        .sql
        .contains("ADD COLUMN IF NOT EXISTS plan text DEFAULT 'free'::text NOT NULL;"));
}

#[test]
fn nullability_mismatch_uses_the_safe_set_not_null_sequence() {
    let t = qn("public", "accounts");
    let declared_col = column("email", "text", false, None);
    let live_col = column("email", "text", true, None);
    let live = schema(vec![table(t.clone(), vec![live_col.clone()], Some(100))]);
    let d = vec![drift(
        DriftKind::ColumnNullabilityMismatch,
        &t,
        Some("email"),
        Some(Object::Column(declared_col)),
        Some(Object::Column(live_col)),
    )];
    let m = plan_of(&d, &live, &live, false);
    let sql: Vec<&str> = m.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(sql.len(), 4, "{sql:#?}");
    assert!(sql[0]
        .contains("ADD CONSTRAINT accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID"));
    assert!(
        sql[0].contains("NOT attnotnull"),
        "guarded on the column still being nullable"
    );
    assert!(sql[1].contains("VALIDATE CONSTRAINT accounts_email_not_null"));
    assert_eq!(
        sql[2],
        "ALTER TABLE public.accounts ALTER COLUMN email SET NOT NULL;"
    );
    assert_eq!(
        sql[3],
        "ALTER TABLE public.accounts DROP CONSTRAINT IF EXISTS accounts_email_not_null;"
    );
    assert!(!m.steps[0].outside_transaction);
    assert!(m.steps[1..].iter().all(|s| s.outside_transaction));
}

#[test]
fn default_mismatch_sets_or_drops_the_default_and_reverses_it() {
    let t = qn("public", "t");
    let live = schema(vec![table(t.clone(), vec![], Some(1))]);
    let d = vec![
        drift(
            DriftKind::ColumnDefaultMismatch,
            &t,
            Some("a"),
            Some(Object::Column(column("a", "text", true, Some("'x'::text")))),
            Some(Object::Column(column("a", "text", true, None))),
        ),
        drift(
            DriftKind::ColumnDefaultMismatch,
            &t,
            Some("b"),
            Some(Object::Column(column("b", "text", true, None))),
            Some(Object::Column(column("b", "text", true, Some("'y'::text")))),
        ),
    ];
    let m = plan_of(&d, &live, &live, false);
    assert_eq!(
        m.steps[0].sql,
        "ALTER TABLE public.t ALTER COLUMN a SET DEFAULT 'x'::text;"
    );
    assert_eq!(
        m.steps[0].reverse.as_deref(),
        Some("ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT;")
    );
    assert_eq!(
        m.steps[1].sql,
        "ALTER TABLE public.t ALTER COLUMN b DROP DEFAULT;"
    );
    assert_eq!(
        m.steps[1].reverse.as_deref(),
        Some("ALTER TABLE public.t ALTER COLUMN b SET DEFAULT 'y'::text;")
    );
}

#[test]
fn a_serial_column_without_its_sequence_gets_one_started_above_the_data() {
    let t = qn("public", "accounts");
    let schema = schema(vec![table(t.clone(), vec![], Some(3))]);
    let d = vec![drift(
        DriftKind::ColumnDefaultMismatch,
        &t,
        Some("id"),
        Some(Object::Column(column("id", "serial", false, None))),
        Some(Object::Column(column("id", "integer", false, None))),
    )];
    let m = plan_of(&d, &schema, &schema, false);
    let sql: Vec<&str> = m.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql[0],
        "CREATE SEQUENCE IF NOT EXISTS public.accounts_id_seq AS integer OWNED BY public.accounts.id;"
    );
    assert!(sql[1].contains("setval('public.accounts_id_seq', GREATEST((SELECT COALESCE(max(id), 0) + 1 FROM public.accounts)"), "{}", sql[1]);
    assert_eq!(sql[2], "ALTER TABLE public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);");
}

#[test]
fn a_volatile_default_on_a_table_with_rows_is_a_rewrite_under_the_lock() {
    let t = qn("public", "t");
    let live = schema(vec![table(t.clone(), vec![], Some(10))]);
    let col = column("token", "uuid", false, Some("gen_random_uuid()"));
    let d = vec![drift(
        DriftKind::MissingColumn,
        &t,
        Some("token"),
        Some(Object::Column(col)),
        None,
    )];
    let m = plan_of(&d, &live, &live, false);
    assert_eq!(m.steps[0].sql, "ALTER TABLE public.t ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid() NOT NULL;");
    assert_eq!(
        m.steps[0].hazards,
        vec![
            Hazard::Lock {
                table: t.clone(),
                level: LockLevel::AccessExclusive,
                brief: false
            },
            Hazard::TableRewrite { table: t.clone() },
        ]
    );
}
