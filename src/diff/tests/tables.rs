//! Whole tables and their columns: `missing_table`, `extra_table`, `missing_column`, `extra_column`.

use super::*;

#[test]
fn missing_and_extra_tables() {
    let declared = schema(vec![table("a", vec![])]);
    let live = schema(vec![table("b", vec![])]);
    let drift = compare(&declared, &live, false);
    assert_eq!(
        kinds(&drift),
        [(MissingTable, None, E), (ExtraTable, None, W)]
    );
    let strict = compare(&declared, &live, true);
    assert_eq!(strict[1].severity, E);
}
