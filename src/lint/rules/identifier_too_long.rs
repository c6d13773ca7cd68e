//! `identifier-too-long`: PostgreSQL cuts identifiers to 63 bytes (with a NOTICE). A name
//! written longer is created under its first 63 bytes; statements that write the same long name
//! are cut the same way and still find it, but a guard that looks the name up as a string in
//! the catalog (`WHERE conname = '...'`) compares the whole string with the stored, cut name and
//! never matches: the guarded statement runs again on the second run and fails. Such a guard is
//! an error; a long name alone is a warning.

use super::Hit;
use crate::lint::action::{Action, Guard};
use crate::lint::context::Ctx;
use crate::lint::names::{literal, shown};
use crate::lint::Severity;

/// The longest identifier PostgreSQL keeps (NAMEDATALEN - 1).
const MAX: usize = 63;

pub fn identifier_too_long(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    for guard in &action.guards {
        let Guard::Catalog { names, .. } = guard else {
            continue;
        };
        if let Some(long) = names
            .iter()
            .find(|n| n.len() > MAX && !n.contains('.') && !n.contains(' '))
        {
            return Some(
                Hit::new(
                    action,
                    format!(
                        "the guard looks up {} ({} bytes), but PostgreSQL stores names cut to {MAX} bytes: it never matches",
                        literal(long),
                        long.len()
                    ),
                    "use a name of at most 63 bytes, in the statement and in the guard",
                )
                .with_severity(Severity::Error),
            );
        }
    }
    if !action.kind.creates() && action.new_name.is_none() {
        return None;
    }
    let name = action
        .new_name
        .as_deref()
        .or(action.name.as_ref().map(|n| n.name.as_str()))?;
    if name.len() <= MAX || action.flags.implicit_name {
        return None;
    }
    let cut = cut(name);
    Some(Hit::new(
        action,
        format!(
            "{} is {} bytes: PostgreSQL cuts it to {}",
            shown(&Some(crate::lint::action::Name {
                name: name.to_string(),
                ..Default::default()
            })),
            name.len(),
            shown(&Some(crate::lint::action::Name {
                name: cut.to_string(),
                ..Default::default()
            }))
        ),
        "use a name of at most 63 bytes: catalog lookups of the long name never find the object",
    ))
}

/// The first 63 bytes of `name`, not splitting a character.
fn cut(name: &str) -> &str {
    let mut end = MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::{Rule, Severity};

    const RULE: Rule = Rule::IdentifierTooLong;
    const LONG: &str = "fk_subscription_invoices_billing_account_id_billing_accounts_id_x";

    #[test]
    fn a_long_name_and_a_guard_that_never_matches() {
        let found = lint_errors(
            &format!("ALTER TABLE invoices ADD CONSTRAINT {LONG} CHECK (id > 0) NOT VALID;"),
            RULE,
        );
        assert_eq!(found[0].severity, Severity::Warning);
        let guarded = format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{LONG}') THEN ALTER TABLE invoices ADD CONSTRAINT {LONG} CHECK (id > 0); END IF; END $$;"
        );
        let found = lint_errors(&guarded, RULE);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].message.contains("never matches"));
    }

    #[test]
    fn names_that_fit() {
        lint_ok(
            "ALTER TABLE invoices ADD CONSTRAINT ck_invoices_positive CHECK (id > 0);",
            RULE,
        );
        lint_ok(&format!("DROP INDEX IF EXISTS {LONG}_idx;"), RULE);
    }
}
