//! Comments of tables and columns: `COMMENT ON` replaces whatever is there, so it is idempotent
//! as written; an empty declared comment removes the comment (`IS NULL`).

use crate::model::{quote_ident, quote_literal, QualifiedName, Table};

use super::{lock, LockLevel, Phase, Planner};

/// `'text'`, or `NULL` for no comment.
fn literal(comment: Option<&str>) -> String {
    match comment.filter(|c| !c.is_empty()) {
        Some(comment) => quote_literal(comment),
        None => "NULL".into(),
    }
}

impl Planner<'_> {
    /// Sets the comment of `table`, or of its `column`, to `comment`; `before` is the live one.
    pub(super) fn comment_on(
        &mut self,
        table: &QualifiedName,
        column: Option<&str>,
        comment: &str,
        before: Option<&str>,
    ) {
        let target = match column {
            Some(column) => format!("COLUMN {}.{}", table.to_sql(), quote_ident(column)),
            None => format!("TABLE {}", table.to_sql()),
        };
        let what = match column {
            Some(column) => format!("{table}.{column}"),
            None => table.to_string(),
        };
        let sql = format!("COMMENT ON {target} IS {};", literal(Some(comment)));
        let step = self.push(Phase::Alter, sql, format!("set the comment of {what}"));
        step.hazards = vec![lock(table, LockLevel::ShareUpdateExclusive, true)];
        step.reverse = Some(format!("COMMENT ON {target} IS {};", literal(before)));
    }

    /// The declared comments of a table this migration creates, and of its columns.
    pub(super) fn new_table_comments(&mut self, name: &QualifiedName, table: &Table) {
        if let Some(comment) = table.comment.as_deref().filter(|c| !c.is_empty()) {
            self.comment_on(name, None, comment, None);
        }
        for column in &table.columns {
            if let Some(comment) = column.comment.as_deref().filter(|c| !c.is_empty()) {
                self.comment_on(name, Some(&column.name), comment, None);
            }
        }
    }
}
