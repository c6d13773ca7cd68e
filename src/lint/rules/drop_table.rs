//! `drop-table`: dropping a table loses its data. Tables created earlier in the same file (a
//! staging table) are not flagged.

use super::{shown, shown_all, Ctx, Hit};
use crate::lint::action::{Action, Kind, ObjectKind};

pub fn drop_table(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Drop(ObjectKind::Table) = action.kind else {
        return None;
    };
    if ctx.table_created_earlier(action.name_str()) {
        return None;
    }
    let message = if action.more_names.is_empty() {
        format!("dropping table {} loses its data", shown(&action.name))
    } else {
        format!("dropping tables {} loses their data", shown_all(action))
    };
    Some(Hit::new(
        action,
        message,
        "make sure nothing uses the table any more and that its data is backed up",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropTable;

    #[test]
    fn drop_table() {
        lint_errors("DROP TABLE IF EXISTS old_orders;", RULE);
    }

    #[test]
    fn temporary_table_of_the_same_file() {
        lint_ok(
            "CREATE TABLE IF NOT EXISTS staging (a int);\nDROP TABLE IF EXISTS staging;",
            RULE,
        );
        lint_ok("DROP VIEW IF EXISTS v;", RULE);
    }
}
