//! Check constraints: `missing_check` (absent, or a check of that name with another expression) and
//! `extra_check`; named ones match by name, unnamed ones by their normalized expression.

use super::drift::{DriftKind, Object};
use super::normalize::normalize_expr;
use super::Out;
use crate::model::Table;

pub(super) fn compare_checks(out: &mut Out, declared: &Table, live: &Table) {
    let name = &declared.name;
    let mut used = vec![false; live.checks.len()];
    for check in declared.checks.iter().filter(|c| c.name.is_some()) {
        let found = live
            .checks
            .iter()
            .enumerate()
            .find(|(i, l)| !used[*i] && l.name == check.name);
        let actual = match found {
            Some((i, actual)) => {
                used[i] = true;
                if normalize_expr(&actual.expression) == normalize_expr(&check.expression) {
                    continue;
                }
                Some(actual)
            }
            None => None,
        };
        // A check of that name with another expression: reported as missing (the declared
        // check is not enforced), with what the database has instead.
        out.push(
            DriftKind::MissingCheck,
            name,
            check.name.as_deref(),
            Some(check.expression.clone()),
            actual.map(|a| a.expression.clone()),
            Some(Object::Check(check.clone())),
            actual.map(|a| Object::Check(a.clone())),
            check.pos,
        );
    }
    for check in declared.checks.iter().filter(|c| c.name.is_none()) {
        let expression = normalize_expr(&check.expression);
        let found = live
            .checks
            .iter()
            .enumerate()
            .position(|(i, l)| !used[i] && normalize_expr(&l.expression) == expression);
        match found {
            Some(i) => used[i] = true,
            None => out.push(
                DriftKind::MissingCheck,
                name,
                None,
                Some(check.expression.clone()),
                None,
                Some(Object::Check(check.clone())),
                None,
                check.pos,
            ),
        }
    }
    for (check, used) in live.checks.iter().zip(&used) {
        if !used {
            out.push(
                DriftKind::ExtraCheck,
                name,
                check.name.as_deref(),
                None,
                Some(check.expression.clone()),
                None,
                Some(Object::Check(check.clone())),
                declared.pos,
            );
        }
    }
}
