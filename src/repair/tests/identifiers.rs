//! Identifiers: hostile names quoted in statements, guards and comments.

use super::*;

#[test]
fn hostile_identifiers_are_quoted_in_statements_and_guards() {
    let order = qn("my schema", "Order");
    let odd = qn("public", "it's \"odd\"");
    let user = column("user", "text", true, None);
    let live = schema(vec![
        table(
            order.clone(),
            vec![column("id", "bigint", false, None)],
            Some(3),
        ),
        table(
            odd.clone(),
            vec![column("a b", "integer", false, None)],
            Some(3),
        ),
    ]);
    let key = fk(Some("fk \"x\""), &["user"], odd.clone(), &["a b"]);
    let check = Check {
        name: Some("it's positive".into()),
        expression: "length(\"user\") > 0".into(),
        valid: true,
        pos: None,
    };
    let d = vec![
        drift(
            DriftKind::MissingColumn,
            &order,
            Some("user"),
            Some(Object::Column(user)),
            None,
        ),
        drift(
            DriftKind::MissingForeignKey,
            &order,
            None,
            Some(Object::ForeignKey(key)),
            None,
        ),
        drift(
            DriftKind::MissingCheck,
            &order,
            None,
            Some(Object::Check(check)),
            None,
        ),
        drift(
            DriftKind::MissingIndex,
            &odd,
            None,
            Some(Object::Index(index(None, &["a b"]))),
            None,
        ),
    ];
    let m = plan_of(&d, &live, &live, false);
    let all: String = m.steps.iter().map(|s| s.sql.clone() + "\n").collect();
    assert!(
        all.contains(r#"ALTER TABLE "my schema"."Order" ADD COLUMN IF NOT EXISTS "user" text;"#),
        "{all}"
    );
    assert!(
        all.contains(r#"conname = 'fk "x"' AND conrelid = '"my schema"."Order"'::regclass"#),
        "{all}"
    );
    assert!(all.contains(r#"ADD CONSTRAINT "fk ""x""" FOREIGN KEY ("user") REFERENCES public."it's ""odd""" ("a b")"#), "{all}");
    assert!(all.contains(r#"conname = 'it''s positive'"#), "{all}");
    assert!(
        all.contains(r#"ADD CONSTRAINT "it's positive" CHECK (length("user") > 0) NOT VALID"#),
        "{all}"
    );
    // The unnamed index gets PostgreSQL's kind of name, quoted where it needs to be.
    assert!(all.contains(r#"CREATE INDEX CONCURRENTLY IF NOT EXISTS "it's ""odd""_a b_idx" ON public."it's ""odd""" USING btree ("a b");"#), "{all}");
    assert!(
        all.contains(r#"c.relname = 'it''s "odd"_a b_idx'"#),
        "{all}"
    );
}

#[test]
fn a_newline_in_a_name_cannot_escape_a_comment() {
    let t = qn("public", "x\nDROP TABLE important;");
    let live = schema(vec![table(t.clone(), vec![], Some(0))]);
    let d = vec![drift(
        DriftKind::MissingColumn,
        &t,
        Some("c"),
        Some(Object::Column(column("c", "text", true, None))),
        None,
    )];
    let m = plan_of(&d, &live, &live, false);
    let sql = sql::render(&m, &options());
    // In comments the newline is neutralized; in SQL it stays inside a quoted identifier.
    assert!(
        sql.contains("-- [1/1] add column public.x?DROP TABLE important;.c\n"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE public.\"x\nDROP TABLE important;\" ADD COLUMN"),
        "{sql}"
    );
    assert!(
        sql.contains("-- DROP TABLE important;\" DROP COLUMN IF EXISTS c;"),
        "{sql}"
    );
}
