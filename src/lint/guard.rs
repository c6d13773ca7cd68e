//! Guards: how what surrounds an action protects it against a second run. An `IF [NOT] EXISTS`
//! catalog lookup that checks the action's object, an `EXCEPTION WHEN` handler that catches the
//! error a re-run raises, a row check before an `INSERT`, or a table created under the same guard
//! ([`Ctx::protection`]); and the ways a guard goes wrong: checking another object, standing as a
//! sentinel for several, or checking the right one with the wrong sense. Whether an unprotected
//! action is a problem is each rule's call, not this module's.

use super::action::{quote_ident, Action, Guard, Kind, RenameKind};
use super::context::Ctx;
use super::names::{literal, shown_name};

/// How an action is protected against a second run by what surrounds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// Nothing protects it.
    None,
    /// A guard, handler or earlier drop makes it safe to run twice.
    Protected,
    /// An `IF NOT EXISTS` guard surrounds it but checks other objects (listed). `sentinel`: one
    /// of them is created in the same guarded branch (the guard checks it for all of them).
    WrongGuard { checks: String, sentinel: bool },
    /// A guard checks the right object with the wrong sense: the body creates it only when it
    /// already exists (`present`), or drops or renames it only when it is absent.
    WrongSense { checked: String, present: bool },
}

/// What one catalog guard says about an action.
enum Verdict {
    /// It settles the action's protection.
    Settles(Protection),
    /// It checks other objects (as the message names them; whether one of them is a sentinel).
    ChecksOthers(String, bool),
    /// It says nothing about the action.
    Nothing,
}

impl Ctx<'_> {
    /// How the guards around `action` protect it.
    pub fn protection(&self, action: &Action) -> Protection {
        let mut subjects = vec![action.name_str().to_lowercase()];
        if let Some(new_name) = &action.new_name {
            subjects.push(new_name.to_lowercase());
        }
        let table = action.table_str().to_lowercase();
        let mut wrong = None;
        for guard in action.guards.iter().rev() {
            match guard {
                Guard::Handler { conditions } => {
                    if conditions.iter().any(|c| action.kind.rerun_caught_by(c)) {
                        return Protection::Protected;
                    }
                }
                Guard::Catalog { .. } => {
                    match self.catalog_verdict(action, &subjects, &table, guard) {
                        Verdict::Settles(protection) => return protection,
                        Verdict::ChecksOthers(checks, sentinel) => {
                            wrong = wrong.or(Some((checks, sentinel)));
                        }
                        Verdict::Nothing => {}
                    }
                }
                Guard::Rows { absent: true } if matches!(action.kind, Kind::Insert { .. }) => {
                    return Protection::Protected;
                }
                Guard::Rows { .. } | Guard::Plain => {}
            }
        }
        match wrong {
            Some((checks, sentinel)) => Protection::WrongGuard { checks, sentinel },
            None => Protection::None,
        }
    }

    /// What the catalog `guard` says about `action`, whose name (and new name) lower-cased are
    /// `subjects` and whose table is `table`.
    fn catalog_verdict(
        &self,
        action: &Action,
        subjects: &[String],
        table: &str,
        guard: &Guard,
    ) -> Verdict {
        let Guard::Catalog {
            absent,
            names,
            tables,
            id,
        } = guard
        else {
            return Verdict::Nothing;
        };
        let mentions = |s: &String| !s.is_empty() && names.iter().any(|n| n == s);
        let old_named = mentions(&subjects[0]);
        let new_named = subjects.get(1).is_some_and(mentions);
        if old_named || new_named {
            // The right name, but maybe on another table.
            let right_table = tables.is_empty()
                || table.is_empty()
                || !action.kind.named_per_table()
                || tables.iter().any(|t| t == table);
            if right_table {
                return Verdict::Settles(
                    match self.wrong_sense(action, *absent, old_named, new_named, *id) {
                        Some(present) => Protection::WrongSense {
                            checked: checked_subject(action, subjects, old_named, new_named),
                            present,
                        },
                        None => Protection::Protected,
                    },
                );
            }
            let tables: Vec<String> = tables.iter().map(|t| quote_ident(t)).collect();
            let checks = format!("{}.{}", tables.join(", "), quote_ident(action.name_str()));
            return Verdict::ChecksOthers(checks, false);
        }
        let table_made_here = self.actions.iter().any(|other| {
            other.kind == Kind::CreateTable
                && other.name_str().to_lowercase() == table
                && other
                    .guards
                    .iter()
                    .any(|g| matches!(g, Guard::Catalog { id: o, .. } if o == id))
        });
        if table_made_here && !matches!(action.kind, Kind::CreateTable) {
            return Verdict::Settles(Protection::Protected);
        }
        let misguided = match absent {
            Some(true) => action.kind.creates(),
            Some(false) => action.kind.needs_existing(),
            None => false,
        };
        if misguided {
            let sentinel = self.sentinel(action, names, *id);
            return Verdict::ChecksOthers(checked_names(names, action), sentinel);
        }
        Verdict::Nothing
    }

    /// Whether a guard that names the action's object has the wrong sense for it: `Some(true)`
    /// when the body creates the object only when it exists, `Some(false)` when it drops or
    /// renames it only when it is absent (or renames onto a new name only when that exists).
    fn wrong_sense(
        &self,
        action: &Action,
        absent: Option<bool>,
        old_named: bool,
        new_named: bool,
        id: usize,
    ) -> Option<bool> {
        let absent = absent?;
        let kind = &action.kind;
        if kind.creates() {
            // `IF EXISTS (x) THEN DROP x; CREATE x; END IF` re-creates x: fine.
            return (!absent && !self.dropped_in_branch(action, id)).then_some(true);
        }
        match kind {
            Kind::Drop(_) | Kind::DropColumn | Kind::DropConstraint => absent.then_some(false),
            Kind::Rename(_) if old_named && new_named => None,
            Kind::Rename(_) if old_named => absent.then_some(false),
            Kind::Rename(_) => (!absent).then_some(true),
            // Attach while the partition is not attached, detach while it is.
            Kind::AttachPartition => (!absent).then_some(true),
            Kind::DetachPartition => absent.then_some(false),
            _ => None,
        }
    }

    /// Whether an earlier action under the same guarded branch drops the action's object or
    /// renames it away.
    fn dropped_in_branch(&self, action: &Action, id: usize) -> bool {
        self.actions[..self.index.min(self.actions.len())]
            .iter()
            .filter(|a| a.kind.needs_existing())
            .filter(|a| a.name_str().eq_ignore_ascii_case(action.name_str()))
            .any(|a| {
                a.guards
                    .iter()
                    .any(|g| matches!(g, Guard::Catalog { id: other, .. } if *other == id))
            })
    }

    /// Whether the guard checks an object that another action of the same guarded branch
    /// creates: a sentinel standing for the whole branch.
    fn sentinel(&self, action: &Action, names: &[String], id: usize) -> bool {
        self.actions.iter().any(|other| {
            !std::ptr::eq(other, action)
                && other.kind.creates()
                && names.iter().any(|n| n == &other.name_str().to_lowercase())
                && other
                    .guards
                    .iter()
                    .any(|g| matches!(g, Guard::Catalog { id: o, .. } if *o == id))
        })
    }
}

/// The object a guard with the wrong sense checks, for the message: the action's object, or the
/// new name of a rename when the guard checks only that.
fn checked_subject(
    action: &Action,
    subjects: &[String],
    old_named: bool,
    new_named: bool,
) -> String {
    if !new_named || old_named {
        shown_name(action)
    } else if action.kind == Kind::Rename(RenameKind::EnumValue) {
        literal(&subjects[1])
    } else {
        quote_ident(&subjects[1])
    }
}

/// The names a guard checks, without the table and schema the action names anyway.
fn checked_names(names: &[String], action: &Action) -> String {
    let table = action.table_str().to_lowercase();
    let schema = action
        .table
        .as_ref()
        .and_then(|t| t.schema.clone())
        .unwrap_or_else(|| "public".into());
    let mut shown: Vec<&str> = Vec::new();
    for name in names {
        if *name != table
            && *name != schema
            && !name.contains('.')
            && !shown.contains(&name.as_str())
        {
            shown.push(name);
        }
    }
    if shown.is_empty() {
        shown = names.iter().map(String::as_str).collect();
        shown.dedup();
    }
    if shown.is_empty() {
        "nothing by name".to_string()
    } else {
        shown
            .iter()
            .map(|name| quote_ident(name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether nothing around the action (a guard that checks it, a handler) makes it safe. A guard
/// that checks another object protects nothing: the rule reports, and so does
/// `guard-checks-wrong-object`. A guard on the object with the wrong sense keeps the body from
/// ever running twice: only `guard-checks-wrong-object` reports it.
pub fn unprotected(action: &Action, ctx: &Ctx) -> bool {
    !matches!(
        ctx.protection(action),
        Protection::Protected | Protection::WrongSense { .. }
    )
}
