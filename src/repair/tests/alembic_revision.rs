//! The Alembic revision: autocommit blocks, Python strings, bind colons, heads.

use super::*;

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
