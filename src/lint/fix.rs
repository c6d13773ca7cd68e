//! Fix builders: the edits rules offer, as data ([`Fix`]: a span and its replacement). Insert a
//! missing clause, append `NOT VALID`, or wrap an action in a `DO` block that runs it only when a
//! catalog condition holds (moving it out of a multi-action `ALTER TABLE`). Which fix a rule
//! offers, and applying fixes to a file, are not this module's job.

use super::action::Action;
use super::context::Ctx;
use super::names::literal;
use super::Fix;

/// Insert `text` where the action's missing clause goes.
pub fn insert_fix(action: &Action, text: &str, title: &str) -> Option<Fix> {
    let at = action.insert_at?;
    if !action.exact {
        return None;
    }
    Some(Fix {
        title: title.to_string(),
        span: at..at,
        replacement: text.to_string(),
        safe: true,
    })
}

/// Append `text` at the end of the action (an unsafe fix: it changes what the statement does).
pub fn append_fix(action: &Action, text: &str, title: &str) -> Option<Fix> {
    if !action.exact {
        return None;
    }
    Some(Fix {
        title: title.to_string(),
        span: action.append_at..action.append_at,
        replacement: text.to_string(),
        safe: false,
    })
}

/// `n.nspname = '<schema>'` or `= current_schema()` for an unqualified name.
pub fn schema_condition(column: &str, schema: Option<&String>) -> String {
    match schema {
        Some(schema) => format!("{column} = {}", literal(schema)),
        None => format!("{column} = current_schema()"),
    }
}

/// Wrap the action in a DO block that runs it only when `condition` holds. A statement holding
/// this one action is replaced whole; from a multi-action ALTER TABLE the action is moved out:
/// the rest of the statement stays, followed by the guarded block. Offered only at the top level.
pub fn wrap_fix(action: &Action, ctx: &Ctx, condition: &str, title: &str) -> Option<Fix> {
    if action.nested || !action.exact {
        return None;
    }
    let statement = ctx.statement_text(action);
    let (rest, body) = if action.siblings == 1 {
        (
            String::new(),
            statement
                .trim_end()
                .trim_end_matches(';')
                .trim_end()
                .to_string(),
        )
    } else {
        split_out(action, statement)?
    };
    let tag = if body.contains("$$") {
        "$driftlint$"
    } else {
        "$$"
    };
    let body = body.replace('\n', "\n        ");
    let replacement = format!(
        "{rest}DO {tag}\nBEGIN\n    IF {condition} THEN\n        {body};\n    END IF;\nEND\n{tag};"
    );
    Some(Fix {
        title: title.to_string(),
        span: action.statement.clone(),
        replacement,
        safe: true,
    })
}

/// Move one action out of a multi-action ALTER TABLE: (the statement without it, ending in
/// `;` and a newline; `ALTER TABLE ... <the action>`).
fn split_out(action: &Action, statement: &str) -> Option<(String, String)> {
    let base = action.statement.start;
    let head_end = action.head_end?.checked_sub(base)?;
    let start = action.span.start.checked_sub(base)?;
    let end = action.span.end.checked_sub(base)?;
    let head = statement.get(..head_end)?.trim_end();
    let text = statement.get(start..end)?;
    let after = statement.get(end..)?;
    let after_trimmed = after.trim_start();
    let (cut_start, cut_end) = if let Some(next) = after_trimmed.strip_prefix(',') {
        let next_start = statement.len() - next.trim_start().len();
        (start, next_start)
    } else {
        let before = statement.get(..start)?.trim_end();
        let comma = before.strip_suffix(',')?;
        (comma.len(), end)
    };
    let rest = format!(
        "{}{}",
        statement.get(..cut_start)?,
        statement.get(cut_end..)?
    );
    let rest = rest.trim_end().trim_end_matches(';').trim_end();
    // A newline after the head: it may end in a `--` comment.
    Some((format!("{rest};\n"), format!("{head}\n    {text}")))
}

/// For `ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE (columns)`: the two statements that add the
/// same constraint without building its index under the table's lock — the index built
/// `CONCURRENTLY`, then `ADD CONSTRAINT ... USING INDEX` — as text for a help line.
pub fn using_index_pair(action: &Action, ctx: &Ctx, kind: &str) -> Option<String> {
    let text = ctx.text.get(action.span.clone())?;
    let open = text.find('(')?;
    let close = open + text[open..].find(')')?;
    let columns = &text[open..=close];
    let table = action.table.as_ref()?;
    let constraint = match &action.name {
        Some(name) if !action.flags.implicit_name => name.written.clone(),
        _ => format!(
            "{}_{}",
            table.name,
            if kind == "UNIQUE" { "key" } else { "pkey" }
        ),
    };
    let index = format!("{}_idx", constraint.trim_matches('"'));
    let index = super::action::quote_ident(&index);
    Some(format!(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {} {columns}; then ALTER TABLE {} ADD CONSTRAINT {constraint} {kind} USING INDEX {index};",
        table.written, table.written
    ))
}
