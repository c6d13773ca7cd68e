//! What a whole file says, computed once before any rule runs: which tables it creates (and
//! under which guard), which objects it drops or creates for sure and where, and which actions
//! cannot fail because of the statements before them (following the file from an unknown
//! database). Rules read these facts through [`super::context::Ctx`]; judging an action against
//! them, and the guards around it, is not this module's job.

use std::collections::{HashMap, HashSet};

use super::action::{
    Action, ConstraintKind, Guard, Kind, LockMode, Name, ObjectKind, RenameKind, Target,
};

/// What the file says around an action: computed once per file.
#[derive(Debug, Default)]
pub struct Facts {
    /// Table name -> index of the first action creating it.
    pub(super) created_tables: HashMap<String, usize>,
    /// (kind, name, table) -> index of the first `DROP` of it (with or without `IF EXISTS`).
    pub(super) drops: HashMap<(Target, String, String), usize>,
    /// (kind, name, table) -> index of the first action creating it for sure (not under a
    /// condition other than a catalog lookup).
    pub(super) creates: HashMap<(Target, String, String), usize>,
    /// Guard id -> tables created under that guard.
    pub(super) guard_tables: HashMap<usize, HashSet<String>>,
    /// Indices of actions that cannot fail once the statements before them ran, whatever the
    /// database held before the file: a create of an object known to be absent there, a drop of
    /// objects known to exist, a rename from a known-present to a known-absent name.
    pub(super) safe_after_earlier: HashSet<usize>,
    /// The first action that takes a lock blocking writes on a table already in use, when no
    /// `SET lock_timeout` comes before it.
    pub(super) lock_timeout_missing_at: Option<usize>,
    /// (table, column) -> the types the file gives it, in order: (action index, type as written).
    pub(super) column_types: HashMap<(String, String), Vec<(usize, String)>>,
    /// (table, column) -> the first action after which a validated `CHECK (column IS NOT NULL)`
    /// proves the column (PostgreSQL 12+ then skips the scan of `SET NOT NULL`).
    pub(super) proven_not_null: HashMap<(String, String), usize>,
    /// (table, constraint) -> where and in which transaction it was added `NOT VALID`.
    pub(super) added_not_valid: HashMap<(String, String), Vec<(usize, usize)>>,
    /// Function name -> where the file creates it, and whether as STABLE or IMMUTABLE.
    pub(super) functions: HashMap<String, Vec<(usize, bool)>>,
}

/// A lock blocking writes on a table that may be in use, found by [`Facts::busy_lock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusyLock {
    /// On the table the action acts on, in this mode.
    Own(LockMode),
    /// SHARE ROW EXCLUSIVE on this table, which a new foreign key references.
    Referenced(Name),
}

/// One object's key: kind, name, table (for objects named per table).
type ObjectKey = (Target, String, String);

/// The key of a renamed object and of its new name.
fn rename_keys(kind: RenameKind, action: &Action) -> Option<(ObjectKey, ObjectKey)> {
    let key = kind.target()?;
    let table = key_table(key, action).to_string();
    let old = action.name.as_ref()?.name.clone();
    let new = action.new_name.clone()?;
    Some(((key, old, table.clone()), (key, new, table)))
}

/// The keys of what a drop action removes: every object a `DROP a, b` names, or the column or
/// constraint it drops.
fn dropped_keys(action: &Action) -> Vec<ObjectKey> {
    match action.kind.dropped() {
        Some(target @ Target::Object(kind)) => {
            let table = table_of_drop(kind, action).to_string();
            let names = action.name.iter().chain(&action.more_names);
            names
                .map(|name| (target, name.name.clone(), table.clone()))
                .collect()
        }
        Some(target) => vec![(
            target,
            action.name_str().to_string(),
            action.table_str().to_string(),
        )],
        None => Vec::new(),
    }
}

/// Follow the file from an unknown database: which objects are known to exist (`true`) or to
/// be absent (`false`) before each action, and which actions therefore cannot fail.
fn safe_after_earlier(actions: &[Action]) -> HashSet<usize> {
    let mut state: HashMap<ObjectKey, bool> = HashMap::new();
    let mut safe = HashSet::new();
    for (i, action) in actions.iter().enumerate() {
        // What the action needs (key, must exist) and what it leaves (key, exists after).
        let mut needs: Vec<(ObjectKey, bool)> = Vec::new();
        let mut leaves: Vec<(ObjectKey, bool)> = Vec::new();
        if action.kind.dropped().is_some() {
            for key in dropped_keys(action) {
                needs.push((key.clone(), true));
                leaves.push((key, false));
            }
        } else if let Kind::Rename(kind) = &action.kind {
            if let Some((old, new)) = rename_keys(*kind, action) {
                needs.push((old.clone(), true));
                needs.push((new.clone(), false));
                leaves.push((old, false));
                leaves.push((new, true));
            }
        } else if let (Some(key), Some(name)) = (action.kind.created(), &action.name) {
            let key = (key, name.name.clone(), key_table(key, action).to_string());
            needs.push((key.clone(), false));
            leaves.push((key, true));
        }
        if needs.is_empty() && leaves.is_empty() {
            continue;
        }
        // A table created, dropped or renamed: what its columns and constraints are is unknown.
        let relation = matches!(
            action.kind,
            Kind::CreateTable | Kind::Drop(ObjectKind::Table) | Kind::Rename(RenameKind::Table)
        );
        if relation {
            let tables: Vec<String> = leaves.iter().map(|(k, _)| k.1.clone()).collect();
            state.retain(|(kind, _, table), _| {
                !matches!(kind, Target::Column | Target::Constraint) || !tables.contains(table)
            });
        }
        if !action.guards.is_empty() {
            // Under a condition: it may not have run.
            for (key, _) in &leaves {
                state.remove(key);
            }
            continue;
        }
        if !needs.is_empty()
            && needs
                .iter()
                .all(|(key, exists)| state.get(key) == Some(exists))
        {
            safe.insert(i);
        }
        for (key, exists) in leaves {
            state.insert(key, exists);
        }
    }
    safe
}

/// The table part of a key: columns, constraints, triggers, policies and rules are named per
/// table; other objects (an index too) per schema.
pub(super) fn key_table(key: Target, action: &Action) -> &str {
    match key {
        Target::Object(kind) => table_of_drop(kind, action),
        Target::Constraint | Target::Column => action.table_str(),
    }
}

impl Facts {
    pub fn new(actions: &[Action]) -> Facts {
        let mut facts = Facts::default();
        for (i, action) in actions.iter().enumerate() {
            if action.kind == Kind::CreateTable {
                let table = action.name_str().to_string();
                for guard in &action.guards {
                    if let Guard::Catalog { id, .. } = guard {
                        facts
                            .guard_tables
                            .entry(*id)
                            .or_default()
                            .insert(table.clone());
                    }
                }
                facts.created_tables.entry(table).or_insert(i);
            }
            let written = match &action.kind {
                Kind::AddColumn(column) => Some(column.type_name.clone()),
                Kind::AlterColumnType { to } => Some(to.clone()),
                _ => None,
            };
            if let Some(written) = written {
                let key = (
                    action.table_str().to_string(),
                    action.name_str().to_string(),
                );
                facts
                    .column_types
                    .entry(key)
                    .or_default()
                    .push((i, written));
            }
            // A plain DROP counts too: it is flagged on its own, and once it ran, the object is
            // gone, so re-creating it cannot fail.
            for key in dropped_keys(action) {
                facts.drops.entry(key).or_insert(i);
            }
            // Created for sure: nothing but catalog lookups decides whether it runs.
            let certain = action
                .guards
                .iter()
                .all(|g| matches!(g, Guard::Catalog { .. }));
            if let (Some(key), Some(name), true) = (action.kind.created(), &action.name, certain) {
                let table = key_table(key, action).to_string();
                facts
                    .creates
                    .entry((key, name.name.clone(), table))
                    .or_insert(i);
            }
        }
        facts.follow_constraints_and_functions(actions);
        facts.safe_after_earlier = safe_after_earlier(actions);
        facts.lock_timeout_missing_at = facts.lock_timeout_missing(actions);
        facts
    }

    /// Whether the action at `index` acts on something created earlier in this file (a table,
    /// an index it drops or rebuilds, a schema it drops): nobody uses it yet.
    pub fn acts_on_new(&self, action: &Action, index: usize) -> bool {
        let earlier = |found: Option<&usize>| found.is_some_and(|&i| i < index);
        if action.table.is_some() && earlier(self.created_tables.get(action.table_str())) {
            return true;
        }
        let object = match action.kind {
            Kind::Drop(ObjectKind::Index) | Kind::Reindex(ObjectKind::Index) => ObjectKind::Index,
            Kind::Drop(ObjectKind::Schema) => ObjectKind::Schema,
            _ => return false,
        };
        let key = (
            Target::Object(object),
            action.name_str().to_string(),
            String::new(),
        );
        earlier(self.creates.get(&key))
    }

    /// The first lock blocking writes that the action at `index` takes on a table that may be in
    /// use: on its own table (or an index's table, or every table of a dropped schema), else on
    /// a table its new foreign key references that this file did not create.
    pub fn busy_lock(&self, action: &Action, index: usize) -> Option<BusyLock> {
        if let Some(mode) = action.kind.table_lock(&action.flags) {
            if mode.blocks_writes() && !self.acts_on_new(action, index) {
                return Some(BusyLock::Own(mode));
            }
        }
        // A table the statement itself creates (a self-reference) is new too.
        let new = |name: &Name| {
            self.created_tables
                .get(&name.name)
                .is_some_and(|&i| i <= index)
        };
        let referenced = action.referenced.iter().find(|name| !new(name))?;
        Some(BusyLock::Referenced(referenced.clone()))
    }

    /// Fills [`Facts::proven_not_null`], [`Facts::added_not_valid`] and [`Facts::functions`].
    fn follow_constraints_and_functions(&mut self, actions: &[Action]) {
        // (table, constraint) -> the column a `CHECK (column IS NOT NULL)` checks.
        let mut not_null_checks: HashMap<(String, String), String> = HashMap::new();
        for (i, action) in actions.iter().enumerate() {
            let key = (
                action.table_str().to_string(),
                action.name_str().to_string(),
            );
            match &action.kind {
                Kind::AddConstraint(kind) => {
                    if action.flags.not_valid {
                        self.added_not_valid
                            .entry(key.clone())
                            .or_default()
                            .push((i, action.transaction));
                    }
                    let checked = action.columns.first().cloned();
                    if let (ConstraintKind::Check, Some(column)) = (kind, checked) {
                        let proven = (key.0.clone(), column.clone());
                        if action.flags.not_valid {
                            not_null_checks.insert(key, column);
                        } else {
                            self.proven_not_null.entry(proven).or_insert(i);
                        }
                    }
                }
                Kind::ValidateConstraint => {
                    if let Some(column) = not_null_checks.get(&key) {
                        self.proven_not_null
                            .entry((key.0.clone(), column.clone()))
                            .or_insert(i);
                    }
                }
                Kind::CreateFunction => {
                    self.functions
                        .entry(action.name_str().to_string())
                        .or_default()
                        .push((i, action.flags.not_volatile));
                }
                _ => {}
            }
        }
    }

    /// See [`Facts::lock_timeout_missing_at`].
    fn lock_timeout_missing(&self, actions: &[Action]) -> Option<usize> {
        let mut timeout_set = false;
        for (i, action) in actions.iter().enumerate() {
            if let Kind::SetLockTimeout { disables } = action.kind {
                timeout_set = !disables;
                continue;
            }
            if self.busy_lock(action, i).is_none() {
                continue;
            }
            return (!timeout_set).then_some(i);
        }
        None
    }
}

/// The table part of a drop's key: triggers, policies and rules are named per table; other
/// objects (an index too) are named per schema.
pub(super) fn table_of_drop(kind: ObjectKind, action: &Action) -> &str {
    if kind.named_per_table() {
        action.table_str()
    } else {
        ""
    }
}
