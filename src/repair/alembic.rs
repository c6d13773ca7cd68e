//! Renders a [`Migration`] as an Alembic revision file, and finds the revision it follows.
//!
//! `upgrade()` runs the same statements as the SQL file through `op.execute`, the ones that must
//! run outside a transaction inside `op.get_context().autocommit_block()`; `downgrade()` runs the
//! reverses, last first. SQL goes into Python string literals escaped for both Python and
//! SQLAlchemy's `text()` (a `:name` would otherwise be taken for a bind parameter).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::plan::{Migration, Step};
use super::sql::{comment_text, hazard_line, header_lines, parts, RenderOptions};
use super::RepairError;
use crate::model::quote_literal;

/// The revision chain position of the new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The new revision id (12 hex digits).
    pub id: String,
    /// The revisions it follows: none (a first revision), one, or several (a merge of heads).
    pub down: Vec<String>,
    /// One-line message, for the docstring.
    pub message: String,
}

/// A fresh 12-hex-digit revision id, like Alembic's `uuid4().hex[-12:]`.
pub fn new_revision_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// A Python string literal holding `text` exactly: `"..."`, or `"""..."""` for several lines.
pub fn python_string(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push('\n'),
            '\t' => escaped.push('\t'),
            c if c.is_control() => escaped.push_str(&format!("\\u{:04x}", c as u32)),
            c => escaped.push(c),
        }
    }
    if text.contains('\n') {
        format!("\"\"\"{escaped}\"\"\"")
    } else {
        format!("\"{escaped}\"")
    }
}

/// Escapes the colons SQLAlchemy's `text()` would read as bind parameters (`'12:30'` holds
/// `:30`): `\:` is its escape. A backslash already before a colon cannot be kept apart from that
/// escape, so such SQL is refused.
pub fn escape_bind_colons(sql: &str) -> Result<String, RepairError> {
    let chars: Vec<char> = sql.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(sql.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ':' {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            if prev == Some('\\') {
                return Err(RepairError::AlembicBackslashColon);
            }
            let mut end = i + 1;
            while end < chars.len() && word(chars[end]) {
                end += 1;
            }
            let bind = prev.is_none_or(|p| p != ':' && !word(p))
                && end > i + 1
                && chars.get(end) != Some(&':');
            if bind {
                out.push('\\');
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// Renders the revision file.
pub fn render(
    migration: &Migration,
    options: &RenderOptions,
    revision: &Revision,
) -> Result<String, RepairError> {
    let mut out = docstring(migration, revision);
    out.push_str("\n\nfrom alembic import op\n\n");
    push_identifiers(&mut out, revision);
    out.push_str("def upgrade() -> None:\n");
    out.push_str(&set_lock_timeout(options));
    push_upgrade(&mut out, migration)?;
    out.push_str("\n\ndef downgrade() -> None:\n");
    push_downgrade(&mut out, migration, options)?;
    Ok(out)
}

/// The module docstring: the revision message, the header both renderers share, and the
/// revision identifiers.
fn docstring(migration: &Migration, revision: &Revision) -> String {
    let mut doc = vec![comment_text(&revision.message), String::new()];
    doc.extend(header_lines(migration));
    doc.push("Statements inside `autocommit_block()` run outside a transaction".into());
    doc.push("(CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE, long validations).".into());
    doc.push(String::new());
    doc.push(format!("Revision ID: {}", revision.id));
    doc.push(format!("Revises: {}", revision.down.join(", ")));
    let docstring = python_string(&format!("{}\n", doc.join("\n")));
    if docstring.starts_with("\"\"\"") {
        docstring
    } else {
        format!("\"\"{docstring}\"\"")
    }
}

/// `revision`, `down_revision` (one, several or `None`), `branch_labels`, `depends_on`.
fn push_identifiers(out: &mut String, revision: &Revision) {
    out.push_str("# revision identifiers, used by Alembic.\n");
    out.push_str(&format!("revision = {}\n", python_string(&revision.id)));
    let down = match revision.down.as_slice() {
        [] => "None".to_string(),
        [one] => python_string(one),
        many => format!(
            "({},)",
            many.iter()
                .map(|r| python_string(r))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    out.push_str(&format!("down_revision = {down}\n"));
    out.push_str("branch_labels = None\ndepends_on = None\n\n\n");
}

/// `op.execute("SET lock_timeout = '..'")`, at the top of `upgrade()` and `downgrade()`.
fn set_lock_timeout(options: &RenderOptions) -> String {
    format!(
        "    op.execute({})\n",
        python_string(&format!(
            "SET lock_timeout = {}",
            quote_literal(&options.lock_timeout)
        ))
    )
}

/// The body of `upgrade()` after its `SET lock_timeout`: the applied steps (those outside a
/// transaction in `autocommit_block()`), the session settings reset, the held-back steps as
/// comments.
fn push_upgrade(out: &mut String, migration: &Migration) -> Result<(), RepairError> {
    let total = migration.applied().count();
    let mut number = 0;
    let mut timeout_off = false;
    for part in parts(migration) {
        let indent = if part.outside_transaction {
            out.push_str("\n    with op.get_context().autocommit_block():\n");
            if !timeout_off {
                out.push_str("        op.execute(\"SET statement_timeout = 0\")\n");
                timeout_off = true;
            }
            "        "
        } else {
            "    "
        };
        for step in part.steps {
            number += 1;
            out.push('\n');
            push_step(out, step, indent, &format!("[{number}/{total}] "))?;
        }
    }
    // The settings above are the session's: leave it as it was for later revisions.
    out.push_str("\n    op.execute(\"RESET statement_timeout\")\n");
    out.push_str("    op.execute(\"RESET lock_timeout\")\n");
    let held: Vec<&Step> = migration.held_back().collect();
    if !held.is_empty() {
        out.push_str(
            "\n    # NOT APPLIED: statements left as comments; review, then add them by hand.\n",
        );
        for step in held {
            out.push_str(&format!("    # {}\n", comment_text(&step.comment)));
            if let Some(reason) = &step.commented_out {
                out.push_str(&format!("    # not applied: {}\n", comment_text(reason)));
            }
            for line in step.sql.lines() {
                out.push_str(&format!("    #   {}\n", comment_text(line)));
            }
        }
    }
    Ok(())
}

/// The body of `downgrade()`: the reverses of the applied steps, last first (`pass` if none).
fn push_downgrade(
    out: &mut String,
    migration: &Migration,
    options: &RenderOptions,
) -> Result<(), RepairError> {
    let reverses: Vec<&Step> = migration
        .applied()
        .filter(|s| s.reverse.is_some())
        .collect();
    if reverses.is_empty() {
        out.push_str("    pass\n");
    } else {
        out.push_str(&set_lock_timeout(options));
    }
    for step in reverses.iter().rev() {
        let Some(reverse) = &step.reverse else {
            continue;
        };
        let sql = python_string(&escape_bind_colons(reverse.trim_end_matches(';'))?);
        out.push_str(&format!("    # undo: {}\n", comment_text(&step.comment)));
        if step.reverse_outside_transaction {
            out.push_str("    with op.get_context().autocommit_block():\n");
            out.push_str(&format!("        op.execute({sql})\n"));
        } else {
            out.push_str(&format!("    op.execute({sql})\n"));
        }
    }
    if !reverses.is_empty() {
        out.push_str("    op.execute(\"RESET lock_timeout\")\n");
    }
    Ok(())
}

fn push_step(out: &mut String, step: &Step, indent: &str, prefix: &str) -> Result<(), RepairError> {
    out.push_str(&format!(
        "{indent}# {prefix}{}\n",
        comment_text(&step.comment)
    ));
    out.push_str(&format!(
        "{indent}# hazards: {}\n",
        comment_text(&hazard_line(step))
    ));
    let sql = escape_bind_colons(step.sql.trim_end_matches(';'))?;
    out.push_str(&format!("{indent}op.execute({})\n", python_string(&sql)));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// finding the head of an Alembic versions directory

/// The `versions/` directory of `dir`: `dir/versions` when it exists, else `dir` itself.
pub fn versions_dir(dir: &Path) -> PathBuf {
    let nested = dir.join("versions");
    if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    }
}

/// The head revision(s) of the revision files in `dir`: revisions no other revision follows.
/// Returns `Ok(None)` when the directory holds no revision file.
pub fn heads(dir: &Path) -> Result<Option<Vec<String>>, RepairError> {
    let versions = versions_dir(dir);
    let entries = std::fs::read_dir(&versions).map_err(|source| RepairError::AlembicDir {
        path: versions.clone(),
        source,
    })?;
    let mut revisions: BTreeSet<String> = BTreeSet::new();
    let mut followed: BTreeSet<String> = BTreeSet::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| RepairError::AlembicDir {
            path: path.clone(),
            source,
        })?;
        let Some(revision) = assignment(&text, "revision").and_then(|v| v.into_iter().next())
        else {
            continue;
        };
        revisions.insert(revision);
        for down in assignment(&text, "down_revision").unwrap_or_default() {
            followed.insert(down);
        }
    }
    if revisions.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        revisions
            .into_iter()
            .filter(|r| !followed.contains(r))
            .collect(),
    ))
}

/// The string values of a top-level `name = ...` (or `name: type = ...`) assignment: one string,
/// a tuple or list of strings, or `None` (no values).
fn assignment(text: &str, name: &str) -> Option<Vec<String>> {
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = if let Some(annotated) = rest.strip_prefix(':') {
            match annotated.find('=') {
                Some(eq) => &annotated[eq..],
                None => continue,
            }
        } else {
            rest
        };
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        if value.starts_with('=') {
            continue;
        }
        return Some(string_literals(value));
    }
    None
}

/// The contents of the quoted strings in a Python expression (`"a"`, `('a', "b")`).
fn string_literals(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '#' {
            break;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            for n in chars.by_ref() {
                if n == c {
                    break;
                }
                s.push(n);
            }
            out.push(s);
        }
    }
    out
}
