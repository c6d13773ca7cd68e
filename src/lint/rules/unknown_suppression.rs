//! `unknown-suppression`: a `-- driftlint-ignore:` comment naming a rule that does not exist
//! suppresses nothing — usually a typo that leaves the real finding reported, or a rule renamed.

use std::ops::Range;

use super::Rule;
use crate::lint::suppress::Suppressions;

/// The unknown rule names of a file's suppression comments: (span, message, help).
pub fn unknown_suppression(suppressions: &Suppressions) -> Vec<(Range<usize>, String, String)> {
    let known = |name: &str| {
        Rule::from_name(name).is_some() || super::super::Category::from_name(name).is_some()
    };
    suppressions
        .unknown_names(&known)
        .into_iter()
        .map(|(span, name)| {
            (
                span,
                format!("`{name}` is not a driftlint rule"),
                "use a name from `driftlint rules`".to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::Rule;

    const RULE: Rule = Rule::UnknownSuppression;

    #[test]
    fn misspelled_rule() {
        lint_errors(
            "-- driftlint-ignore: add-colum-without-if-not-exists\nALTER TABLE t ADD COLUMN a int;",
            RULE,
        );
    }

    #[test]
    fn known_rule() {
        lint_ok(
            "-- driftlint-ignore: add-column-without-if-not-exists\nALTER TABLE t ADD COLUMN a int;",
            RULE,
        );
    }
}
