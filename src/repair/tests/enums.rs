//! Enum recipes: labels in declared order before the transaction, new types behind a guard.

use super::*;

#[test]
fn enum_values_are_added_in_declared_order_before_the_transaction() {
    let name = qn("public", "status");
    let mut declared = Schema::default();
    declared.enums.insert(
        name.clone(),
        Enum {
            name: name.clone(),
            values: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            pos: None,
        },
    );
    let mut live = Schema::default();
    live.enums.insert(
        name.clone(),
        Enum {
            name: name.clone(),
            values: vec!["b".into(), "d".into()],
            pos: None,
        },
    );
    let value = |v: &str, after: Option<&str>| Object::EnumValue {
        value: v.into(),
        after: after.map(Into::into),
    };
    let t = qn("public", "t");
    let d = vec![
        drift(
            DriftKind::MissingColumn,
            &t,
            Some("c"),
            Some(Object::Column(column(
                "c",
                "status",
                true,
                Some("'c'::status"),
            ))),
            None,
        ),
        drift(
            DriftKind::MissingEnumValue,
            &name,
            Some("c"),
            Some(value("c", Some("b"))),
            None,
        ),
        drift(
            DriftKind::MissingEnumValue,
            &name,
            Some("a"),
            Some(value("a", None)),
            None,
        ),
    ];
    let m = plan_of(&d, &declared, &live, false);
    assert_eq!(
        m.steps[0].sql,
        "ALTER TYPE public.status ADD VALUE IF NOT EXISTS 'a' BEFORE 'b';"
    );
    assert_eq!(
        m.steps[1].sql,
        "ALTER TYPE public.status ADD VALUE IF NOT EXISTS 'c' AFTER 'b';"
    );
    assert!(m.steps[0].outside_transaction && m.steps[1].outside_transaction);
    assert_eq!(m.steps[0].phase, Phase::EnumValues);
    assert!(m.steps[2].sql.contains("ADD COLUMN"));
    let sql = sql::render(&m, &options());
    let first_part = sql.find("Part 1 of 2: OUTSIDE A TRANSACTION").unwrap();
    assert!(first_part < sql.find("BEGIN;").unwrap());
}

#[test]
fn missing_enum_is_created_behind_a_pg_type_guard() {
    let name = qn("billing", "Mood");
    let e = Enum {
        name: name.clone(),
        values: vec!["ok".into(), "it's bad".into()],
        pos: None,
    };
    let d = vec![drift(
        DriftKind::MissingEnum,
        &name,
        None,
        Some(Object::Enum(e)),
        None,
    )];
    let m = plan_of(&d, &Schema::default(), &Schema::default(), false);
    assert_eq!(m.steps.len(), 1);
    let sql = &m.steps[0].sql;
    assert!(
        sql.contains("n.nspname = 'billing' AND t.typname = 'Mood'"),
        "{sql}"
    );
    assert!(
        sql.contains(r#"CREATE TYPE billing."Mood" AS ENUM ('ok', 'it''s bad');"#),
        "{sql}"
    );
    assert_eq!(
        m.steps[0].reverse.as_deref(),
        Some(r#"DROP TYPE IF EXISTS billing."Mood";"#)
    );
}
