//! Standalone sequences, identity options and exclusion constraints: only what is declared is
//! compared, and a sequence a column owns is never extra.

use super::*;
use crate::model::{Exclusion, ExclusionElement, Sequence, SequenceOptions};

fn live_options(start: i64) -> SequenceOptions {
    SequenceOptions {
        data_type: Some("bigint".into()),
        start: Some(start),
        increment: Some(1),
        min_value: Some(1),
        max_value: Some(i64::MAX),
        cache: Some(1),
        cycle: Some(false),
    }
}

fn sequence(name: &str, options: SequenceOptions) -> Sequence {
    Sequence {
        name: QualifiedName::new("public", name),
        options,
        owned_by: None,
        pos: None,
    }
}

fn kinds(drift: &[Drift]) -> Vec<(DriftKind, String)> {
    drift
        .iter()
        .map(|d| (d.kind, d.table.name.clone()))
        .collect()
}

#[test]
fn only_declared_sequence_options_are_compared() {
    let mut declared = Schema::default();
    let written = SequenceOptions {
        start: Some(10),
        ..SequenceOptions::default()
    };
    declared
        .sequences
        .insert(QualifiedName::new("public", "s"), sequence("s", written));
    let mut live = Schema::default();
    live.sequences.insert(
        QualifiedName::new("public", "s"),
        sequence("s", live_options(10)),
    );
    assert!(compare(&declared, &live, true).is_empty());

    live.sequences.insert(
        QualifiedName::new("public", "s"),
        sequence("s", live_options(1)),
    );
    let drift = compare(&declared, &live, true);
    assert_eq!(kinds(&drift), [(SequenceMismatch, "s".to_string())]);
    assert_eq!(drift[0].expected.as_deref(), Some("start 10"));
    assert_eq!(drift[0].actual.as_deref(), Some("start 1"));

    // Undeclared: extra, unless a column owns it.
    let mut owned = sequence("owned", live_options(1));
    owned.owned_by = Some((QualifiedName::new("public", "t"), "id".into()));
    live.sequences.insert(owned.name.clone(), owned);
    live.sequences.insert(
        QualifiedName::new("public", "stray"),
        sequence("stray", live_options(1)),
    );
    let drift = compare(&declared, &live, false);
    assert_eq!(
        kinds(&drift),
        [
            (SequenceMismatch, "s".to_string()),
            (ExtraSequence, "stray".to_string())
        ]
    );
    assert_eq!(drift[1].severity, W);
}

#[test]
fn pull_leaves_out_the_options_postgresql_would_choose() {
    assert!(live_options(1).without_defaults("bigint").is_empty());
    let descending = SequenceOptions {
        start: Some(-1),
        increment: Some(-1),
        min_value: Some(i64::from(i32::MIN)),
        max_value: Some(-1),
        ..live_options(-1)
    };
    let written = descending.without_defaults("integer");
    assert_eq!(
        written,
        SequenceOptions {
            increment: Some(-1),
            ..SequenceOptions::default()
        }
    );
    let custom = SequenceOptions {
        min_value: Some(5),
        ..live_options(5)
    };
    assert_eq!(
        custom.without_defaults("bigint"),
        SequenceOptions {
            min_value: Some(5),
            ..SequenceOptions::default()
        },
        "the start follows the minimum"
    );
}

#[test]
fn identity_options_differ_only_where_declared() {
    let mut declared_column = column("id", "bigint", false, None);
    declared_column.identity = Some(Identity::Always);
    declared_column.identity_options = Some(Box::new(SequenceOptions {
        increment: Some(5),
        ..SequenceOptions::default()
    }));
    let mut live_column = declared_column.clone();
    live_column.identity_options = Some(Box::new(live_options(1)));
    let drift = compare(
        &schema(vec![table("t", vec![declared_column.clone()])]),
        &schema(vec![table("t", vec![live_column.clone()])]),
        true,
    );
    assert_eq!(kinds(&drift), [(SequenceMismatch, "t".to_string())]);
    assert_eq!(drift[0].object.as_deref(), Some("id"));
    live_column.identity_options.as_mut().unwrap().increment = Some(5);
    assert!(compare(
        &schema(vec![table("t", vec![declared_column])]),
        &schema(vec![table("t", vec![live_column])]),
        true
    )
    .is_empty());
}

fn exclusion(name: Option<&str>, operator: &str, predicate: Option<&str>) -> Exclusion {
    Exclusion {
        name: name.map(str::to_string),
        method: "gist".into(),
        elements: vec![ExclusionElement {
            key: index(None, &["during"]).keys[0].clone(),
            operator: operator.into(),
        }],
        predicate: predicate.map(str::to_string),
        deferrable: false,
        initially_deferred: false,
        definition: None,
        pos: None,
    }
}

#[test]
fn exclusions_match_by_name_or_definition() {
    let cols = vec![column("during", "tsrange", true, None)];
    let mut declared = table("t", cols.clone());
    declared.exclusions = vec![
        exclusion(Some("x_named"), "&&", Some("not cancelled")),
        exclusion(None, "=", None),
    ];
    let mut live = table("t", cols);
    live.exclusions = vec![
        exclusion(Some("t_during_excl"), "=", None),
        exclusion(Some("x_named"), "&&", Some("(NOT cancelled)")),
    ];
    assert!(compare(
        &schema(vec![declared.clone()]),
        &schema(vec![live.clone()]),
        true
    )
    .is_empty());
    live.exclusions[1].elements[0].operator = "=".into();
    live.exclusions.push(exclusion(Some("stray"), "<>", None));
    let drift = compare(&schema(vec![declared]), &schema(vec![live]), false);
    let found: Vec<(DriftKind, Option<&str>, Severity)> = drift
        .iter()
        .map(|d| (d.kind, d.object.as_deref(), d.severity))
        .collect();
    assert_eq!(
        found,
        [
            (MissingExclusion, Some("x_named"), E),
            (ExtraExclusion, Some("stray"), W)
        ]
    );
    assert!(
        drift[0].actual.is_some(),
        "the database's definition is shown"
    );
}
