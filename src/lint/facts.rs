//! What the statements before an action say, followed through the file one action at a time:
//! which tables the file created (and how), which objects it dropped or created for sure, which
//! actions cannot fail because of the statements before them (following the file from an unknown
//! database), the types it gave columns, the constraints it added `NOT VALID`, the functions it
//! created. Rules read these facts through [`super::context::Ctx`]; judging an action against
//! them, and the guards around it, is not this module's job.
//!
//! The engine calls [`Facts::arrive`] before the rules judge an action and [`Facts::record`]
//! after, so the facts are always those of the actions before the one judged, and the file is
//! never held whole: what is kept per object is a 128-bit key and a few flags, not the names.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::OnceLock;

use super::action::{
    Action, ConstraintKind, Guard, Kind, LockMode, Name, ObjectKind, RenameKind, Target,
};

/// A lock blocking writes on a table that may be in use, found by [`Facts::busy_lock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusyLock {
    /// On the table the action acts on, in this mode.
    Own(LockMode),
    /// SHARE ROW EXCLUSIVE on this table, which a new foreign key references.
    Referenced(Name),
}

/// One object's key: kind, name, table (for objects named per table), hashed to 128 bits.
type Key = u128;

/// The key of an object of `target` named `name` (on `table` when named per table).
fn key(target: Target, name: &str, table: &str) -> Key {
    // One SipHash (keyed at random, see `KEYS`) read out twice, the second time with a byte
    // more: two inputs share a key only if both 64-bit outputs collide, which is beyond any
    // file's size. The input is read once, not once per half: keys are made for every object
    // of every action.
    let mut hasher = KEYS.get_or_init(RandomState::new).build_hasher();
    (target, name, table).hash(&mut hasher);
    let first = hasher.finish();
    hasher.write_u8(0);
    (u128::from(first) << 64) | u128::from(hasher.finish())
}

/// The SipHash keys of every [`Key`], drawn at random once per process: no text can be written
/// to make two objects share a key, or to crowd one slot of a [`KeyMap`].
static KEYS: OnceLock<RandomState> = OnceLock::new();

/// A map by [`Key`]: keys are hashes already, so the map takes its own bits from them instead
/// of hashing them again.
type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyBits>>;
type KeySet = HashSet<Key, BuildHasherDefault<KeyBits>>;

/// The hasher of a [`KeyMap`]: a key's two halves folded together.
#[derive(Default)]
struct KeyBits(u64);

impl Hasher for KeyBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, key: u128) {
        self.0 ^= (key >> 64) as u64 ^ key as u64;
    }
}

/// The key of a table by its name (as a table's create, drop or rename names it).
fn table_key(name: &str) -> Key {
    key(Target::Object(ObjectKind::Table), name, "")
}

/// What the file said so far about one object.
#[derive(Debug, Default)]
struct Known {
    /// An earlier action drops it (with or without `IF EXISTS`).
    dropped: bool,
    /// An earlier action creates it for sure (under nothing but catalog lookups).
    created: bool,
    /// Following the file from an unknown database: it exists (`Some(true)`) or is absent.
    exists: Option<bool>,
    /// For a column or constraint: the generation of its table [`Known::exists`] was set in (a
    /// table created, dropped or renamed since makes what its columns were unknown).
    generation: u32,
    /// A table: the first `CREATE TABLE` of it fails on a second run (no `IF NOT EXISTS`, no
    /// guard) or makes a temporary table (`Some(true)`), or neither (`Some(false)`).
    table_created: Option<bool>,
    /// A column: the type the file gave it last.
    column_type: Option<Box<str>>,
    /// A column: a validated `CHECK (column IS NOT NULL)` proves it (PostgreSQL 12+ then skips
    /// the scan of `SET NOT NULL`).
    proven_not_null: bool,
}

/// What the file says before the action being judged.
#[derive(Debug, Default)]
pub struct Facts {
    objects: KeyMap<Known>,
    /// Table key -> how many times the file created, dropped or renamed it.
    generations: KeyMap<u32>,
    /// Constraint key -> the transactions it was added `NOT VALID` in.
    added_not_valid: KeyMap<Vec<usize>>,
    /// Constraint key -> the column of a `CHECK (column IS NOT NULL) NOT VALID`, until validated.
    not_null_checks: KeyMap<String>,
    /// Function name -> whether the file created it last as STABLE or IMMUTABLE.
    functions: HashMap<String, bool>,
    /// Whether a `SET lock_timeout` (not to 0) is in effect.
    timeout_set: bool,
    /// Whether the first action taking a lock that blocks writes on a table in use was seen.
    lock_seen: bool,
    /// About the action being judged: see [`Facts::safe_after_earlier`].
    safe: bool,
    /// About the action being judged: see [`Facts::lock_timeout_missing`].
    lock_timeout_missing: bool,
    /// About the action being judged: what it drops (remembered by [`Facts::record`]).
    dropped: Vec<Object>,
}

/// An object an action needs or leaves: its key, and for a column or constraint the key of
/// its table (whose generation says whether what is known of it still holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Object {
    key: Key,
    table: Option<Key>,
}

impl Object {
    fn new(target: Target, name: &str, table: &str) -> Object {
        let per_table = matches!(target, Target::Column | Target::Constraint);
        Object {
            key: key(target, name, table),
            table: per_table.then(|| table_key(table)),
        }
    }
}

/// Objects, each with whether it exists (before an action needs it, or after it leaves it).
type Existence = Vec<(Object, bool)>;

/// A renamed object and its new name.
fn rename_objects(kind: RenameKind, action: &Action) -> Option<(Object, Object)> {
    let target = kind.target()?;
    let table = key_table(target, action);
    let old = &action.name.as_ref()?.name;
    let new = action.new_name.as_ref()?;
    Some((
        Object::new(target, old, table),
        Object::new(target, new, table),
    ))
}

/// What a drop action removes: every object a `DROP a, b` names, or the column or constraint it
/// drops.
fn dropped_objects(action: &Action) -> Vec<Object> {
    match action.kind.dropped() {
        Some(target @ Target::Object(kind)) => {
            let table = table_of_drop(kind, action);
            let names = action.name.iter().chain(&action.more_names);
            names
                .map(|name| Object::new(target, &name.name, table))
                .collect()
        }
        Some(target) => vec![Object::new(target, action.name_str(), action.table_str())],
        None => Vec::new(),
    }
}

/// What an action needs (object, must exist) and what it leaves (object, exists after).
fn needs_and_leaves(action: &Action, dropped: &[Object]) -> (Existence, Existence) {
    let mut needs = Vec::new();
    let mut leaves = Vec::new();
    if action.kind.dropped().is_some() {
        for &object in dropped {
            needs.push((object, true));
            leaves.push((object, false));
        }
    } else if let Kind::Rename(kind) = &action.kind {
        if let Some((old, new)) = rename_objects(*kind, action) {
            needs.push((old, true));
            needs.push((new, false));
            leaves.push((old, false));
            leaves.push((new, true));
        }
    } else if let (Some(target), Some(name)) = (action.kind.created(), &action.name) {
        let object = Object::new(target, &name.name, key_table(target, action));
        needs.push((object, false));
        leaves.push((object, true));
    }
    (needs, leaves)
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
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Before the rules judge `action`: work out what the actions before it make of it.
    pub fn arrive(&mut self, action: &Action) {
        self.dropped = dropped_objects(action);
        self.safe = self.follow(action);
        self.lock_timeout_missing = self.first_lock_without_timeout(action);
    }

    /// After the rules judged `action`: remember what it does.
    pub fn record(&mut self, action: &Action) {
        if action.kind == Kind::CreateTable {
            let fails_on_rerun =
                action.flags.temporary || (!action.flags.if_not_exists && action.guards.is_empty());
            let known = self
                .objects
                .entry(table_key(action.name_str()))
                .or_default();
            known.table_created.get_or_insert(fails_on_rerun);
        }
        let written = match &action.kind {
            Kind::AddColumn(column) => Some(column.type_name.as_str()),
            Kind::AlterColumnType { to } => Some(to.as_str()),
            _ => None,
        };
        if let Some(written) = written {
            let column = key(Target::Column, action.name_str(), action.table_str());
            self.objects.entry(column).or_default().column_type = Some(written.into());
        }
        // A plain DROP counts too: it is flagged on its own, and once it ran, the object is
        // gone, so re-creating it cannot fail.
        for object in std::mem::take(&mut self.dropped) {
            self.objects.entry(object.key).or_default().dropped = true;
        }
        // Created for sure: nothing but catalog lookups decides whether it runs.
        let certain = action
            .guards
            .iter()
            .all(|g| matches!(g, Guard::Catalog { .. }));
        if let (Some(target), Some(name), true) = (action.kind.created(), &action.name, certain) {
            let table = key_table(target, action);
            self.objects
                .entry(key(target, &name.name, table))
                .or_default()
                .created = true;
        }
        self.record_constraints_and_functions(action);
    }

    /// Whether the action being judged cannot fail once the statements before it ran, whatever
    /// the database held before the file: a create of an object known to be absent there, a
    /// drop of objects known to exist, a rename from a known-present to a known-absent name.
    pub fn safe_after_earlier(&self) -> bool {
        self.safe
    }

    /// Whether the action being judged is the first that takes a lock blocking writes on a
    /// table already in use, with no `SET lock_timeout` before it.
    pub fn lock_timeout_missing(&self) -> bool {
        self.lock_timeout_missing
    }

    /// How the file created table `name` earlier: `Some(true)` when its first `CREATE TABLE`
    /// fails on a second run (or makes a temporary table), `Some(false)` when it does not,
    /// `None` when the file did not create it.
    pub fn table_created(&self, name: &str) -> Option<bool> {
        self.objects.get(&table_key(name))?.table_created
    }

    /// Whether an earlier action drops the object.
    pub fn dropped(&self, target: Target, name: &str, table: &str) -> bool {
        self.objects
            .get(&key(target, name, table))
            .is_some_and(|k| k.dropped)
    }

    /// Whether an earlier action creates the object for sure.
    pub fn created(&self, target: Target, name: &str, table: &str) -> bool {
        self.objects
            .get(&key(target, name, table))
            .is_some_and(|k| k.created)
    }

    /// The type the file gave `column` of `table` last, if it did.
    pub fn column_type(&self, table: &str, column: &str) -> Option<&str> {
        let known = self.objects.get(&key(Target::Column, column, table))?;
        known.column_type.as_deref()
    }

    /// Whether a validated `CHECK (column IS NOT NULL)` on the table comes earlier.
    pub fn proven_not_null(&self, table: &str, column: &str) -> bool {
        self.objects
            .get(&key(Target::Column, column, table))
            .is_some_and(|k| k.proven_not_null)
    }

    /// Whether constraint `name` of `table` was added `NOT VALID` earlier in `transaction`.
    pub fn added_not_valid_in(&self, table: &str, name: &str, transaction: usize) -> bool {
        self.added_not_valid
            .get(&key(Target::Constraint, name, table))
            .is_some_and(|added| added.contains(&transaction))
    }

    /// Whether the file created function `name` earlier, as STABLE or IMMUTABLE (`Some(true)`)
    /// or volatile, the last time it did.
    pub fn function_not_volatile(&self, name: &str) -> Option<bool> {
        self.functions.get(name).copied()
    }

    /// Whether the action acts on something created earlier in this file (a table, an index it
    /// drops or rebuilds, a schema it drops): nobody uses it yet.
    pub fn acts_on_new(&self, action: &Action) -> bool {
        if action.table.is_some() && self.table_created(action.table_str()).is_some() {
            return true;
        }
        let object = match action.kind {
            Kind::Drop(ObjectKind::Index) | Kind::Reindex(ObjectKind::Index) => ObjectKind::Index,
            Kind::Drop(ObjectKind::Schema) => ObjectKind::Schema,
            _ => return false,
        };
        self.created(Target::Object(object), action.name_str(), "")
    }

    /// The first lock blocking writes that `action` takes on a table that may be in use: on its
    /// own table (or an index's table, or every table of a dropped schema), else on a table its
    /// new foreign key references that this file did not create.
    pub fn busy_lock(&self, action: &Action) -> Option<BusyLock> {
        if let Some(mode) = action.kind.table_lock(&action.flags) {
            if mode.blocks_writes() && !self.acts_on_new(action) {
                return Some(BusyLock::Own(mode));
            }
        }
        // A table the statement itself creates (a self-reference) is new too.
        let new = |name: &Name| {
            self.table_created(&name.name).is_some()
                || (action.kind == Kind::CreateTable && action.name_str() == name.name)
        };
        let referenced = action.referenced.iter().find(|name| !new(name))?;
        Some(BusyLock::Referenced(referenced.clone()))
    }

    /// Follow the file from an unknown database: whether `action` cannot fail because of what
    /// the actions before it left, and what it leaves for the ones after it.
    fn follow(&mut self, action: &Action) -> bool {
        let (needs, leaves) = needs_and_leaves(action, &self.dropped);
        if needs.is_empty() && leaves.is_empty() {
            return false;
        }
        // A table created, dropped or renamed: what its columns and constraints are is unknown.
        let relation = matches!(
            action.kind,
            Kind::CreateTable | Kind::Drop(ObjectKind::Table) | Kind::Rename(RenameKind::Table)
        );
        if relation {
            // The objects it leaves are the tables themselves.
            let tables: KeySet = leaves.iter().map(|(o, _)| o.key).collect();
            for table in tables {
                *self.generations.entry(table).or_default() += 1;
            }
        }
        if !action.guards.is_empty() {
            // Under a condition: it may not have run.
            for (object, _) in &leaves {
                self.set_exists(object, None);
            }
            return false;
        }
        let safe = !needs.is_empty()
            && needs
                .iter()
                .all(|(object, exists)| self.exists(object) == Some(*exists));
        for (object, exists) in &leaves {
            self.set_exists(object, Some(*exists));
        }
        safe
    }

    /// The generation of the table a column or constraint belongs to (0 for other objects).
    fn generation(&self, object: &Object) -> u32 {
        object
            .table
            .and_then(|table| self.generations.get(&table).copied())
            .unwrap_or(0)
    }

    fn exists(&self, object: &Object) -> Option<bool> {
        let known = self.objects.get(&object.key)?;
        (known.generation == self.generation(object))
            .then_some(known.exists)
            .flatten()
    }

    fn set_exists(&mut self, object: &Object, exists: Option<bool>) {
        let generation = self.generation(object);
        let known = self.objects.entry(object.key).or_default();
        known.exists = exists;
        known.generation = generation;
    }

    /// See [`Facts::lock_timeout_missing`].
    fn first_lock_without_timeout(&mut self, action: &Action) -> bool {
        if self.lock_seen {
            return false;
        }
        if let Kind::SetLockTimeout { disables } = action.kind {
            self.timeout_set = !disables;
            return false;
        }
        if self.busy_lock(action).is_none() {
            return false;
        }
        self.lock_seen = true;
        !self.timeout_set
    }

    /// Remembers constraints added `NOT VALID`, validated `NOT NULL` checks and functions.
    fn record_constraints_and_functions(&mut self, action: &Action) {
        let constraint = || key(Target::Constraint, action.name_str(), action.table_str());
        match &action.kind {
            Kind::AddConstraint(kind) => {
                if action.flags.not_valid {
                    self.added_not_valid
                        .entry(constraint())
                        .or_default()
                        .push(action.transaction);
                }
                let checked = action.columns.first();
                if let (ConstraintKind::Check, Some(column)) = (kind, checked) {
                    if action.flags.not_valid {
                        self.not_null_checks.insert(constraint(), column.clone());
                    } else {
                        self.prove_not_null(action.table_str(), column);
                    }
                }
            }
            Kind::ValidateConstraint => {
                if let Some(column) = self.not_null_checks.get(&constraint()).cloned() {
                    self.prove_not_null(action.table_str(), &column);
                }
            }
            Kind::CreateFunction => {
                self.functions
                    .insert(action.name_str().to_string(), action.flags.not_volatile);
            }
            _ => {}
        }
    }

    fn prove_not_null(&mut self, table: &str, column: &str) {
        self.objects
            .entry(key(Target::Column, column, table))
            .or_default()
            .proven_not_null = true;
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
