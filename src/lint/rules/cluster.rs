//! `cluster`: `CLUSTER` rewrites the table in index order under an ACCESS EXCLUSIVE lock;
//! nothing reads or writes it until the copy is done.

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;
use crate::lint::names::shown;

pub fn cluster(action: &Action, ctx: &Ctx) -> Option<Hit> {
    let Kind::Cluster = action.kind else {
        return None;
    };
    if ctx.acts_on_new(action) {
        return None;
    }
    let what = match action.name {
        Some(_) => shown(&action.table),
        None => "every table clustered before".to_string(),
    };
    Some(Hit::new(
        action,
        format!("CLUSTER rewrites {what} under an ACCESS EXCLUSIVE lock"),
        "reorder the table online (pg_repack) outside the migration, or accept the downtime knowingly",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::Cluster;

    #[test]
    fn cluster_forms() {
        let found = lint_errors("CLUSTER events USING events_created_at_idx;", RULE);
        assert!(found[0].message.contains("events"));
        lint_errors("CLUSTER VERBOSE;", RULE);
    }

    #[test]
    fn new_table() {
        lint_ok(
            "CREATE TABLE IF NOT EXISTS t (a int);\nCLUSTER t USING t_pkey;",
            RULE,
        );
        lint_ok("ANALYZE events;", RULE);
    }
}
