//! Choosing the output: numbered file names, lock_timeout values, slugs.

use super::*;

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
