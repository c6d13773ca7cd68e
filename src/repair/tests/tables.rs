//! Table recipes: new tables in dependency order, destructive changes held back unless asked for.

use super::*;

/// A new parent table with a primary key, a unique constraint and a check, and a new child
/// table whose name sorts first, referencing the parent and itself, with an index.
fn parent_and_child() -> (QualifiedName, Table, QualifiedName, Table) {
    let parent = qn("public", "zeta_parent");
    let child = qn("public", "alpha_child");
    let mut p = table(
        parent.clone(),
        vec![column("id", "bigint", false, None)],
        None,
    );
    p.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
        pos: None,
    });
    p.uniques.push(Unique {
        name: Some("uq".into()),
        columns: vec!["id".into()],
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
        pos: None,
    });
    p.checks.push(Check {
        name: None,
        expression: "id > 0".into(),
        valid: true,
        pos: None,
    });
    let mut c = table(
        child.clone(),
        vec![
            column("id", "bigint", false, None),
            column("parent_id", "bigint", true, None),
        ],
        None,
    );
    c.foreign_keys
        .push(fk(None, &["parent_id"], parent.clone(), &["id"]));
    c.foreign_keys
        .push(fk(None, &["id"], child.clone(), &["id"])); // self reference
    c.indexes.push(index(None, &["parent_id"]));
    (parent, p, child, c)
}

#[test]
fn new_tables_come_in_dependency_order_with_keys_after_all_tables() {
    let (parent, p, child, c) = parent_and_child();
    let declared = schema(vec![p.clone(), c.clone()]);
    let d = vec![
        drift(
            DriftKind::MissingTable,
            &child,
            None,
            Some(Object::Table(c)),
            None,
        ),
        drift(
            DriftKind::MissingTable,
            &parent,
            None,
            Some(Object::Table(p)),
            None,
        ),
        // The diff may also list objects of a missing table: they come with the table.
        drift(
            DriftKind::MissingIndex,
            &child,
            None,
            Some(Object::Index(index(None, &["parent_id"]))),
            None,
        ),
    ];
    let m = plan_of(&d, &declared, &Schema::default(), false);
    let create_parent = position(&m, "CREATE TABLE IF NOT EXISTS public.zeta_parent");
    let create_child = position(&m, "CREATE TABLE IF NOT EXISTS public.alpha_child");
    let fk_parent = position(&m, "ADD CONSTRAINT alpha_child_parent_id_fkey");
    let fk_self = position(&m, "ADD CONSTRAINT alpha_child_id_fkey");
    assert!(create_parent < create_child && create_child < fk_parent && create_child < fk_self);
    assert!(m.steps[create_parent].sql.contains("PRIMARY KEY (id)"));
    assert!(m.steps[create_parent]
        .sql
        .contains("CONSTRAINT uq UNIQUE (id)"));
    assert!(m.steps[create_parent].sql.contains("CHECK (id > 0)"));
    assert_eq!(
        m.steps
            .iter()
            .filter(|s| s.sql.starts_with("CREATE INDEX"))
            .count(),
        1
    );
}

#[test]
fn destructive_changes_are_comments_unless_asked_for() {
    let t = qn("public", "t");
    let live_col = column("legacy", "text", true, None);
    let d = vec![
        drift(
            DriftKind::ExtraColumn,
            &t,
            Some("legacy"),
            None,
            Some(Object::Column(live_col)),
        ),
        drift(
            DriftKind::ExtraTable,
            &qn("public", "old"),
            None,
            None,
            None,
        ),
        drift(
            DriftKind::ExtraIndex,
            &t,
            Some("ix_old"),
            None,
            Some(Object::Index(index(Some("ix_old"), &["a"]))),
        ),
        drift(
            DriftKind::ColumnTypeMismatch,
            &t,
            Some("n"),
            Some(Object::Column(column("n", "bigint", true, None))),
            Some(Object::Column(column("n", "integer", true, None))),
        ),
    ];
    let live = schema(vec![table(t.clone(), vec![], Some(1))]);
    let m = plan_of(&d, &live, &live, false);
    assert!(m.is_empty(), "nothing runs without --destructive");
    assert_eq!(m.held_back().count(), 4);
    let sql = sql::render(&m, &options());
    let not_applied = sql.find("NOT APPLIED").unwrap();
    for needle in [
        "DROP COLUMN IF EXISTS legacy",
        "DROP TABLE IF EXISTS public.old",
        "DROP INDEX CONCURRENTLY IF EXISTS public.ix_old",
        "TYPE bigint USING n::bigint",
    ] {
        let at = sql
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {sql}"));
        assert!(at > not_applied);
        let line = sql[..at].rsplit('\n').next().unwrap();
        assert!(line.starts_with("--"), "{needle} must be commented out");
    }
    assert!(sql.contains("data loss: every value of public.t.legacy"));
    let m = plan_of(&d, &live, &live, true);
    assert_eq!(m.held_back().count(), 0);
    let drop_index = &m.steps[position(&m, "DROP INDEX CONCURRENTLY")];
    assert!(drop_index.outside_transaction);
    let type_change = &m.steps[position(&m, "TYPE bigint")];
    assert!(
        type_change
            .sql
            .contains("format_type(a.atttypid, a.atttypmod)")
            && type_change.sql.contains("<> 'bigint'")
    );
}
