//! Unit tests of planning and rendering, without a database (the integration tests in
//! `tests/repair.rs` apply the output to a real PostgreSQL).

use super::alembic::{escape_bind_colons, heads, python_string, Revision};
use super::plan::Phase;
use super::*;
use crate::diff::{DriftKind, Object, Severity};
use crate::model::{
    Check, Column, Enum, FkAction, ForeignKey, Index, IndexKey, PrimaryKey, QualifiedName, Schema,
    Table, Unique,
};

fn qn(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(Into::into),
        identity: None,
        generated: None,
        pos: None,
    }
}

fn table(name: QualifiedName, columns: Vec<Column>, rows: Option<i64>) -> Table {
    Table {
        name,
        columns,
        row_estimate: rows,
        ..Table::default()
    }
}

fn index(name: Option<&str>, columns: &[&str]) -> Index {
    Index {
        name: name.map(Into::into),
        unique: false,
        method: "btree".into(),
        keys: columns
            .iter()
            .map(|c| IndexKey {
                expr: (*c).into(),
                expression: false,
                opclass: None,
                descending: false,
                nulls_first: None,
            })
            .collect(),
        include: vec![],
        predicate: None,
        nulls_not_distinct: false,
        valid: true,
        definition: None,
        pos: None,
    }
}

fn fk(
    name: Option<&str>,
    columns: &[&str],
    ref_table: QualifiedName,
    ref_columns: &[&str],
) -> ForeignKey {
    ForeignKey {
        name: name.map(Into::into),
        columns: columns.iter().map(|c| (*c).into()).collect(),
        ref_table,
        ref_columns: ref_columns.iter().map(|c| (*c).into()).collect(),
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        valid: true,
        pos: None,
    }
}

fn drift(
    kind: DriftKind,
    table: &QualifiedName,
    object: Option<&str>,
    declared: Option<Object>,
    live: Option<Object>,
) -> Drift {
    Drift {
        kind,
        table: table.clone(),
        object: object.map(Into::into),
        expected: None,
        actual: None,
        severity: if kind.is_extra() {
            Severity::Warning
        } else {
            Severity::Error
        },
        declared,
        live,
        pos: None,
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.tables.insert(t.name.clone(), t);
    }
    s
}

/// The prospects scenario: a column, its foreign key and its index are missing.
fn prospects() -> (Vec<Drift>, Schema, Schema) {
    let prospects = qn("public", "prospects");
    let queries = qn("public", "discovery_queries");
    let col = column("discovery_query_id", "uuid", true, None);
    let key = fk(
        Some("fk_prospects_discovery_query_id"),
        &["discovery_query_id"],
        queries.clone(),
        &["id"],
    );
    let ix = index(
        Some("ix_prospects_discovery_query_id"),
        &["discovery_query_id"],
    );
    let live = schema(vec![
        table(
            prospects.clone(),
            vec![column("id", "uuid", false, None)],
            Some(1200),
        ),
        table(
            queries.clone(),
            vec![column("id", "uuid", false, None)],
            Some(10),
        ),
    ]);
    let mut declared = live.clone();
    let t = declared.tables.get_mut(&prospects).unwrap();
    t.columns.push(col.clone());
    t.foreign_keys.push(key.clone());
    t.indexes.push(ix.clone());
    let drift = vec![
        drift(
            DriftKind::MissingColumn,
            &prospects,
            Some("discovery_query_id"),
            Some(Object::Column(col)),
            None,
        ),
        drift(
            DriftKind::MissingForeignKey,
            &prospects,
            Some("fk_prospects_discovery_query_id"),
            Some(Object::ForeignKey(key)),
            None,
        ),
        drift(
            DriftKind::MissingIndex,
            &prospects,
            Some("ix_prospects_discovery_query_id"),
            Some(Object::Index(ix)),
            None,
        ),
    ];
    (drift, declared, live)
}

fn plan_of(drift: &[Drift], declared: &Schema, live: &Schema, destructive: bool) -> Migration {
    plan(
        drift,
        &PlanContext {
            declared,
            live,
            destructive,
        },
    )
}

fn options() -> RenderOptions {
    RenderOptions {
        lock_timeout: "5s".into(),
    }
}

fn position(migration: &Migration, needle: &str) -> usize {
    migration
        .steps
        .iter()
        .position(|s| s.sql.contains(needle))
        .unwrap_or_else(|| panic!("no step contains {needle}: {migration:#?}"))
}

#[test]
fn prospects_repair_orders_column_then_key_then_index_then_validation() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let column = position(&m, "ADD COLUMN IF NOT EXISTS discovery_query_id uuid;");
    let add_fk = position(&m, "ADD CONSTRAINT fk_prospects_discovery_query_id FOREIGN KEY (discovery_query_id) REFERENCES public.discovery_queries (id) ON DELETE SET NULL NOT VALID");
    let index = position(&m, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_prospects_discovery_query_id ON public.prospects USING btree (discovery_query_id);");
    let validate = position(&m, "VALIDATE CONSTRAINT fk_prospects_discovery_query_id;");
    assert!(
        column < add_fk && add_fk < index && index < validate,
        "{m:#?}"
    );
    assert!(!m.steps[column].outside_transaction);
    assert!(!m.steps[add_fk].outside_transaction);
    assert!(m.steps[index].outside_transaction);
    assert!(m.steps[validate].outside_transaction);
    // The foreign key's guard looks the constraint up by name and table.
    assert!(m.steps[add_fk].sql.contains(
        "conname = 'fk_prospects_discovery_query_id' AND conrelid = 'public.prospects'::regclass"
    ));
    // An INVALID leftover of the index is dropped right before the build.
    let rebuild = &m.steps[index - 1];
    assert!(rebuild.sql.contains("NOT i.indisvalid"), "{}", rebuild.sql);
    assert!(rebuild
        .sql
        .contains("c.relname = 'ix_prospects_discovery_query_id'"));
    assert!(rebuild
        .sql
        .contains("DROP INDEX IF EXISTS public.ix_prospects_discovery_query_id;"));
    assert_eq!(m.repairs.len(), 3);
    assert!(m.held_back().next().is_none());
}

#[test]
fn hazards_name_the_lock_level_and_the_scan() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let index = &m.steps[position(&m, "CREATE INDEX CONCURRENTLY")];
    assert!(index.hazards.contains(&Hazard::Lock {
        table: qn("public", "prospects"),
        level: LockLevel::ShareUpdateExclusive,
        brief: false
    }));
    assert!(index.hazards.contains(&Hazard::TableScan {
        table: qn("public", "prospects")
    }));
    let add_fk = &m.steps[position(&m, "NOT VALID")];
    assert!(add_fk.hazards.iter().any(|h| matches!(h,
        Hazard::Lock { table, level: LockLevel::ShareRowExclusive, .. } if table.name == "discovery_queries")));
}

#[test]
fn sql_file_has_a_transaction_an_outside_part_and_a_down_section() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let sql = sql::render(&m, &options());
    let set = sql.find("SET lock_timeout = '5s';").expect("lock_timeout");
    let begin = sql.find("\nBEGIN;\n").expect("BEGIN");
    let commit = sql.find("\nCOMMIT;\n").expect("COMMIT");
    let outside = sql.find("OUTSIDE A TRANSACTION").expect("outside part");
    let concurrently = sql.find("\nCREATE INDEX CONCURRENTLY").expect("index");
    let down = sql.find("-- down:").expect("down section");
    assert!(
        set < begin
            && begin < commit
            && commit < outside
            && outside < concurrently
            && concurrently < down
    );
    assert!(
        !sql.contains("statement_timeout = '"),
        "never a non-zero statement_timeout"
    );
    // The down section is all comments, newest step first.
    let down_part = &sql[down..];
    assert!(
        down_part.lines().all(|l| l.starts_with("--")),
        "{down_part}"
    );
    let drop_index = down_part
        .find("DROP INDEX CONCURRENTLY IF EXISTS public.ix_prospects_discovery_query_id")
        .unwrap();
    let drop_column = down_part
        .find("DROP COLUMN IF EXISTS discovery_query_id")
        .unwrap();
    assert!(drop_index < drop_column);
    // Every statement is preceded by its hazards.
    assert_eq!(sql.matches("-- hazards: ").count(), m.applied().count());
}

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

#[test]
fn new_tables_come_in_dependency_order_with_keys_after_all_tables() {
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
        type_change.sql.contains("format_type(atttypid, atttypmod)")
            && type_change.sql.contains("<> 'bigint'")
    );
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
        },
        IndexKey {
            expr: "created at".into(),
            expression: false,
            opclass: None,
            descending: false,
            nulls_first: Some(true),
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

#[test]
fn alembic_file_puts_concurrent_steps_in_autocommit_blocks() {
    let (drift, declared, live) = prospects();
    let m = plan_of(&drift, &declared, &live, false);
    let revision = Revision {
        id: "0123456789ab".into(),
        down: vec!["556b79de2825".into()],
        message: "repair".into(),
    };
    let py = alembic::render(&m, &options(), &revision).unwrap();
    assert!(py.contains("revision = \"0123456789ab\"\n"));
    assert!(py.contains("down_revision = \"556b79de2825\"\n"));
    assert!(py.contains("\ndef upgrade() -> None:\n"));
    assert!(py.contains("\ndef downgrade() -> None:\n"));
    let block = py
        .find("with op.get_context().autocommit_block():")
        .unwrap();
    let index = py.find("op.execute(\"CREATE INDEX CONCURRENTLY").unwrap();
    let column = py
        .find("op.execute(\"ALTER TABLE public.prospects ADD COLUMN IF NOT EXISTS")
        .unwrap();
    assert!(column < block && block < index);
    // `::regclass` is not a bind parameter and stays as is.
    assert!(py.contains("'public.prospects'::regclass"));
    let merge = Revision {
        down: vec!["a".into(), "b".into()],
        ..revision.clone()
    };
    assert!(alembic::render(&m, &options(), &merge)
        .unwrap()
        .contains("down_revision = (\"a\", \"b\",)"));
    let first = Revision {
        down: vec![],
        ..revision
    };
    assert!(alembic::render(&m, &options(), &first)
        .unwrap()
        .contains("down_revision = None"));
}

#[test]
fn python_strings_escape_quotes_and_backslashes() {
    assert_eq!(python_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(python_string("x\n\"\"\"y"), "\"\"\"x\n\\\"\\\"\\\"y\"\"\"");
    assert_eq!(python_string("\r"), "\"\\u000d\"");
}

#[test]
fn bind_colons_are_escaped_for_sqlalchemy_text() {
    assert_eq!(
        escape_bind_colons("SELECT 'at :30'::text").unwrap(),
        "SELECT 'at \\:30'::text"
    );
    assert_eq!(
        escape_bind_colons("SELECT '12:30'::time").unwrap(),
        "SELECT '12:30'::time"
    );
    assert_eq!(escape_bind_colons("x::regclass").unwrap(), "x::regclass");
    assert_eq!(escape_bind_colons("a := 1").unwrap(), "a := 1");
    assert_eq!(escape_bind_colons(":name").unwrap(), "\\:name");
    assert_eq!(escape_bind_colons("'a:b:'").unwrap(), "'a:b:'");
    assert!(escape_bind_colons("E'\\:x'").is_err());
}

#[test]
fn alembic_heads_are_the_revisions_nothing_follows() {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("versions");
    std::fs::create_dir(&versions).unwrap();
    std::fs::write(
        versions.join("a.py"),
        "revision = 'aaa'\ndown_revision = None\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("b.py"),
        "revision: str = \"bbb\"\ndown_revision: Union[str, None] = \"aaa\"\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("c.py"),
        "revision = \"ccc\"\ndown_revision = ('bbb',)  # merge\n",
    )
    .unwrap();
    std::fs::write(versions.join("notes.txt"), "revision = 'zzz'\n").unwrap();
    assert_eq!(heads(dir.path()).unwrap(), Some(vec!["ccc".to_string()]));
    std::fs::write(
        versions.join("d.py"),
        "revision = \"ddd\"\ndown_revision = \"bbb\"\n",
    )
    .unwrap();
    assert_eq!(
        heads(&versions).unwrap(),
        Some(vec!["ccc".to_string(), "ddd".to_string()])
    );
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(heads(empty.path()).unwrap(), None);
    assert!(heads(&empty.path().join("missing")).is_err());
}

#[test]
fn next_sql_name_keeps_the_directory_numbering() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(next_sql_name(dir.path(), "x").unwrap(), "001_x.sql");
    for f in [
        "001_init.sql",
        "009_b.sql",
        "010_halt_monitoring.sql",
        "README.md",
        "999_notes.txt",
    ] {
        std::fs::write(dir.path().join(f), "").unwrap();
    }
    assert_eq!(
        next_sql_name(dir.path(), "repair_prospects").unwrap(),
        "011_repair_prospects.sql"
    );
    let wide = tempfile::tempdir().unwrap();
    std::fs::write(wide.path().join("0042_a.sql"), "").unwrap();
    assert_eq!(next_sql_name(wide.path(), "b").unwrap(), "0043_b.sql");
}

#[test]
fn lock_timeout_is_validated() {
    for ok in ["5s", "500ms", "2min", "0", "1.5s", "10 s"] {
        assert!(check_lock_timeout(ok).is_ok(), "{ok}");
    }
    for bad in ["", "5 seconds", "'; DROP TABLE x; --", "s"] {
        assert!(check_lock_timeout(bad).is_err(), "{bad}");
    }
}

#[test]
fn slug_names_the_table_and_object() {
    let (drift, ..) = prospects();
    assert_eq!(slug(&drift[..1]), "repair_prospects_discovery_query_id");
    assert_eq!(slug(&drift), "repair_prospects");
}

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

#[test]
fn the_header_separates_repaired_drift_from_drift_left_for_a_decision() {
    let t = qn("public", "t");
    let live = schema(vec![table(t.clone(), vec![], Some(1))]);
    let d = vec![
        drift(
            DriftKind::MissingColumn,
            &t,
            Some("a"),
            Some(Object::Column(column("a", "text", true, None))),
            None,
        ),
        drift(
            DriftKind::ExtraColumn,
            &t,
            Some("legacy"),
            None,
            Some(Object::Column(column("legacy", "text", true, None))),
        ),
        // Nothing to build the repair from: said so, never guessed.
        drift(DriftKind::MissingIndex, &t, Some("ix"), None, None),
    ];
    let m = plan_of(&d, &live, &live, false);
    assert_eq!(m.repairs, vec!["missing_column public.t.a".to_string()]);
    assert_eq!(
        m.held,
        vec![
            "extra_column public.t.legacy".to_string(),
            "missing_index public.t.ix".to_string()
        ]
    );
    let sql = sql::render(&m, &options());
    assert!(sql.contains("-- It repairs 1 drift item between schema.yaml and the database:\n--   missing_column public.t.a\n"), "{sql}");
    assert!(sql.contains("-- 2 more need a decision: their statements are under NOT APPLIED, as comments:\n--   extra_column public.t.legacy\n--   missing_index public.t.ix\n"), "{sql}");
    assert!(
        sql.contains(
            "-- missing_index on public.t: not enough information to repair it; fix by hand\n"
        ),
        "{sql}"
    );
}
