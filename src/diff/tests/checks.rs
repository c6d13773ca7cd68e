//! Check constraints, by name or by normalized expression.

use super::*;

#[test]
fn check_expressions_compare_in_normalized_form() {
    let pairs = [
        ("status IN ('a','b')", "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
        ("truck_count > 0", "(truck_count > 0)"),
        ("a > 0 AND b > 0", "((a > 0) AND (b > 0))"),
        ("status NOT IN ('x', 'y')", "(status <> ALL (ARRAY['x'::text, 'y'::text]))"),
        ("status NOT IN ('x')", "((status)::text <> 'x'::text)"),
        ("status IN (lower('X'))", "(status = lower('X'::text))"),
        ("lower(domain)", "lower((domain)::text)"),
        ("\"Total\" >= 0", "(\"Total\" >= (0)::numeric)"),
        ("\"user\" <> ''", "(\"user\" <> ''::text)"),
    ];
    for (declared, live) in pairs {
        assert_eq!(
            normalize_expr(declared),
            normalize_expr(live),
            "{declared} vs {live}"
        );
    }
    assert_ne!(normalize_expr("a > 0"), normalize_expr("a >= 0"));
    assert_ne!(normalize_expr("\"Total\" > 0"), normalize_expr("total > 0"));
}

#[test]
fn checks_match_by_name_or_expression() {
    let cols = vec![column("n", "integer", true, None)];
    let mut declared = table("t", cols.clone());
    declared.checks = vec![
        Check {
            name: Some("ck_pos".into()),
            expression: "n > 0".into(),
            valid: true,
            pos: None,
        },
        Check {
            name: None,
            expression: "n < 100".into(),
            valid: true,
            pos: None,
        },
    ];
    let mut live = table("t", cols);
    live.checks = vec![
        Check {
            name: Some("ck_pos".into()),
            expression: "(n >= 0)".into(),
            valid: true,
            pos: None,
        },
        Check {
            name: Some("t_n_check".into()),
            expression: "(n < 100)".into(),
            valid: true,
            pos: None,
        },
        Check {
            name: Some("t_n_check1".into()),
            expression: "(n <> 7)".into(),
            valid: true,
            pos: None,
        },
    ];
    let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
    assert_eq!(
        kinds(&drift),
        [
            (MissingCheck, Some("ck_pos"), E),
            (ExtraCheck, Some("t_n_check1"), W)
        ]
    );
    assert_eq!(drift[0].actual.as_deref(), Some("(n >= 0)"));
}
