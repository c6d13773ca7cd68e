//! Unique constraints and primary keys: built concurrently, then attached.

use super::*;

#[test]
fn unique_and_primary_key_are_built_concurrently_then_attached() {
    let t = qn("public", "users");
    let live = schema(vec![table(
        t.clone(),
        vec![
            column("id", "bigint", true, None),
            column("email", "text", true, None),
        ],
        Some(10),
    )]);
    let unique = Unique {
        name: None,
        columns: vec!["email".into()],
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
        pos: None,
    };
    let pk = PrimaryKey {
        name: None,
        columns: vec!["id".into()],
        pos: None,
    };
    let child = qn("public", "sessions");
    let d = vec![
        drift(
            DriftKind::MissingUnique,
            &t,
            None,
            Some(Object::Unique(unique)),
            None,
        ),
        drift(
            DriftKind::MissingPrimaryKey,
            &t,
            None,
            Some(Object::PrimaryKey(pk)),
            None,
        ),
        drift(
            DriftKind::MissingForeignKey,
            &child,
            None,
            Some(Object::ForeignKey(fk(
                None,
                &["user_email"],
                t.clone(),
                &["email"],
            ))),
            None,
        ),
    ];
    let m = plan_of(&d, &live, &live, false);
    let build = position(&m, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON public.users USING btree (email);");
    let attach = position(
        &m,
        "ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key",
    );
    let pk_build = position(
        &m,
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_pkey",
    );
    let set_not_null = position(&m, "ALTER COLUMN id SET NOT NULL;");
    let pk_attach = position(
        &m,
        "ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey",
    );
    let fk_add = position(&m, "ADD CONSTRAINT sessions_user_email_fkey");
    assert!(build < attach && pk_build < pk_attach && set_not_null < pk_attach);
    // The foreign key needs the unique constraint: it comes after it.
    assert!(attach < fk_add, "{m:#?}");
    assert!(m.steps[attach].sql.contains("conname = 'users_email_key'"));
}
