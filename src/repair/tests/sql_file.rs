//! The plain SQL file: its transaction and outside parts, the down section, the header.

use super::*;

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
