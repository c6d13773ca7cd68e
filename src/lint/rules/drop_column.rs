//! `drop-column`: dropping a column loses its data, and code still selecting it breaks the
//! moment the migration runs.

use super::{shown, Ctx, Hit};
use crate::lint::action::{Action, Kind};

pub fn drop_column(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    let Kind::DropColumn = action.kind else {
        return None;
    };
    Some(Hit::new(
        action,
        format!(
            "dropping {}.{} loses its data and breaks code that still reads it",
            shown(&action.table),
            shown(&action.name)
        ),
        "stop reading and writing the column in a release first; keep a backup of the data",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::DropColumn;

    #[test]
    fn any_drop_column() {
        lint_errors("ALTER TABLE t DROP COLUMN IF EXISTS legacy;", RULE);
    }

    #[test]
    fn add_column() {
        lint_ok("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;", RULE);
    }
}
