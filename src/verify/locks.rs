//! `verify --locks`: what each statement of a migration really does to the relations that
//! existed before it: the locks its backend holds, the tables it rewrites, the indexes it
//! builds and the tables it reads in full.
//!
//! The statements run one at a time on the migration's connection, in the transactions the
//! runner would use; after each one:
//!
//! - **locks** are read from `pg_locks` on a second connection, filtered by the migration
//!   backend's pid (the migration's own connection would see its own reads of the catalog). A
//!   statement is charged with the locks it *added*: a mode stronger than what the transaction
//!   already held on that relation.
//! - **rewrites** are the tables and materialized views whose `relfilenode` changed (read on the
//!   migration's connection, inside its transaction, where the uncommitted catalog is visible);
//!   `TRUNCATE` also gives a new file but empties the table rather than rewriting it, and is not
//!   counted.
//! - **index builds** are new indexes on existing tables, and existing indexes with a new file
//!   whose table was not rewritten (`REINDEX`, a type change that rebuilt only the index).
//! - **scans** are the existing tables read in full and not rewritten: the increase of the
//!   transaction's own sequential-scan counter (`pg_stat_get_xact_numscans`, exact inside the
//!   transaction; it counts the heap scans PostgreSQL runs for `VALIDATE`, a new `CHECK` or
//!   `FOREIGN KEY`, `SET NOT NULL`, a table rewrite's copy and an index build, and the data
//!   statements that read a whole table), plus the table of every index build.
//!
//! A statement that cannot run inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//! `VACUUM`, ...) releases its locks when it ends: its locks are sampled on the second
//! connection while it runs. That connection holds a snapshot meanwhile, so a concurrent index
//! build, which waits for older snapshots before it finishes, is seen holding its locks; the
//! snapshot is released as soon as the statement is seen waiting for it.
//!
//! [`observe`] takes the statements and the two connections, nothing about files, so that any
//! source of statements can be observed the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::migrations::{self, Statement};

/// Lock modes as `pg_locks` names them, weakest first (PostgreSQL's lock mode numbers).
pub const MODES: [&str; 8] = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

/// The strength of a mode (1 = ACCESS SHARE .. 8 = ACCESS EXCLUSIVE; 0 for an unknown name).
pub fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).map_or(0, |p| p + 1)
}

/// What a lock mode stops other sessions from doing on the relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocks {
    /// Only schema changes (and `VACUUM`, `CREATE INDEX` for the stronger of these modes).
    Ddl,
    /// Writes (`INSERT`, `UPDATE`, `DELETE`); reads go on.
    Writes,
    /// Everything, plain `SELECT` included.
    Reads,
}

impl Blocks {
    pub fn of(mode: &str) -> Blocks {
        match strength(mode) {
            8 => Blocks::Reads,
            5..=7 => Blocks::Writes,
            _ => Blocks::Ddl,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Blocks::Ddl => "ddl",
            Blocks::Writes => "writes",
            Blocks::Reads => "reads",
        }
    }
}

/// A lock a statement took on a relation that existed before the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// `schema.name`.
    pub relation: String,
    /// As `pg_locks` names it (`AccessExclusiveLock`).
    pub mode: String,
    pub blocks: Blocks,
}

/// What one statement did to the relations that existed before the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatementEffects {
    /// 1-based position of the statement's start and end in the file (set by the caller with
    /// [`locate`]).
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub locks: Vec<Lock>,
    pub rewrites: Vec<String>,
    pub scans: Vec<String>,
    pub index_builds: Vec<String>,
    /// How many later statements ran in the same transaction: the locks taken here are held
    /// until they are done.
    pub held_until_commit_by: usize,
    /// The byte span of the statement in the observed text.
    #[serde(skip)]
    pub span: Range<usize>,
    /// It ran outside any transaction: its locks were sampled while it ran.
    #[serde(skip)]
    pub sampled: bool,
    /// The strongest lock its transaction holds on each existing relation after it (the
    /// statement's own and those of earlier statements of the transaction).
    #[serde(skip)]
    pub held: Vec<Lock>,
    /// The transaction it ran in (a counter), `None` for transaction control statements.
    #[serde(skip)]
    pub transaction: Option<usize>,
}

impl StatementEffects {
    /// The strongest lock it took on an existing relation.
    pub fn strongest(&self) -> Option<&Lock> {
        self.locks.iter().max_by_key(|l| strength(&l.mode))
    }

    /// It did something to an existing relation worth showing: a lock that blocks reads or
    /// writes, a rewrite, an index build or a full scan.
    pub fn is_notable(&self) -> bool {
        self.locks.iter().any(|l| l.blocks != Blocks::Ddl)
            || !self.rewrites.is_empty()
            || !self.scans.is_empty()
            || !self.index_builds.is_empty()
    }
}

/// A hazard the run observed on a statement: `(rule, message)`. A lock that blocks reads or
/// writes is a hazard when it is held for more than an instant: while the table is rewritten,
/// read in full or indexed, or while later statements of the same transaction run.
pub fn hazards(statement: &StatementEffects) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for table in &statement.rewrites {
        found.push((
            "observed-rewrite",
            format!("rewrites {table}: every row is copied while reads and writes wait"),
        ));
    }
    // A scan or index build keeps whatever its transaction holds on the table for its length.
    let blocking = |relation: &str| {
        statement
            .held
            .iter()
            .chain(&statement.locks)
            .find(|l| l.relation == relation && l.blocks != Blocks::Ddl)
    };
    let built_on: Vec<&String> = statement
        .scans
        .iter()
        .filter(|table| {
            statement
                .index_builds
                .iter()
                .any(|index| same_schema(index, table))
        })
        .collect();
    for table in &statement.scans {
        let Some(lock) = blocking(table) else {
            continue;
        };
        let (rule, what) = match built_on.contains(&table) && !statement.index_builds.is_empty() {
            true => ("observed-blocking-index-build", "builds an index on"),
            false => ("observed-scan", "reads all of"),
        };
        found.push((
            rule,
            format!(
                "{what} {table} holding {} (blocks {})",
                lock.mode,
                lock.blocks.name()
            ),
        ));
    }
    if statement.held_until_commit_by > 0 {
        for lock in statement.locks.iter().filter(|l| l.blocks != Blocks::Ddl) {
            let rule = match lock.blocks {
                Blocks::Reads => "observed-access-exclusive",
                _ => "observed-write-lock-held",
            };
            found.push((
                rule,
                format!(
                    "{} on {} (blocks {}) is held while {} more statement(s) run until commit",
                    lock.mode,
                    lock.relation,
                    lock.blocks.name(),
                    statement.held_until_commit_by
                ),
            ));
        }
    }
    found
}

/// `a` and `b` are in the same schema (`schema.name`).
fn same_schema(a: &str, b: &str) -> bool {
    a.split_once('.').map(|p| p.0) == b.split_once('.').map(|p| p.0)
}

/// What the run says of one `locking` lint finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The run shows the lock, rewrite or scan the rule predicts.
    Confirmed,
    /// The statement ran and did not do it.
    Disproved,
    /// The statement did not run (an earlier statement failed).
    NotRun,
}

/// A `locking` lint finding, judged by the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintVerdict {
    pub rule: String,
    pub line: usize,
    pub column: usize,
    pub verdict: Verdict,
    /// What the run showed.
    pub observed: String,
}

/// A hazard the run observed on a statement that no `locking` lint finding flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedFinding {
    /// `observed-rewrite`, `observed-access-exclusive`, ...
    pub rule: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

/// How the run judged a rule's findings, and how many hazards it found that no rule flagged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CrossCheck {
    /// Rule -> findings confirmed, disproved and not run.
    pub lint: BTreeMap<String, VerdictCounts>,
    /// `observed-*` rule -> findings.
    pub observed: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub confirmed: usize,
    pub disproved: usize,
    pub not_run: usize,
}

/// The verdict on a `locking` finding of rule `rule` on `statement`, and what the run showed.
pub fn judge(rule: &str, statement: &StatementEffects) -> (Verdict, String) {
    // The locks of the transaction count on the relations the statement reads or rewrites: an
    // index built after an ALTER TABLE of the same transaction blocks writes for its length.
    let touched = |relation: &str| {
        statement
            .scans
            .iter()
            .chain(&statement.rewrites)
            .any(|t| t == relation)
    };
    let mut blocking: Vec<&Lock> = statement
        .locks
        .iter()
        .filter(|l| l.blocks != Blocks::Ddl)
        .collect();
    for lock in &statement.held {
        if lock.blocks != Blocks::Ddl
            && touched(&lock.relation)
            && !blocking.iter().any(|l| l.relation == lock.relation)
        {
            blocking.push(lock);
        }
    }
    let confirmed = match rule {
        "alter-column-type" | "add-column-with-volatile-default" => !statement.rewrites.is_empty(),
        "set-not-null" | "add-check-without-not-valid" | "add-foreign-key-without-not-valid" => {
            !statement.scans.is_empty() || !statement.rewrites.is_empty()
        }
        "create-index-without-concurrently" => {
            !statement.index_builds.is_empty() && blocking.iter().any(|l| touched(&l.relation))
        }
        _ => !blocking.is_empty() || !statement.rewrites.is_empty() || !statement.scans.is_empty(),
    };
    let mut shown: Vec<String> = blocking
        .iter()
        .map(|l| format!("{} on {}", l.mode, l.relation))
        .collect();
    shown.extend(statement.rewrites.iter().map(|t| format!("rewrite of {t}")));
    shown.extend(
        statement
            .index_builds
            .iter()
            .map(|i| format!("index build {i}")),
    );
    shown.extend(statement.scans.iter().map(|t| format!("scan of {t}")));
    let observed = match shown.is_empty() {
        true => "no lock blocking reads or writes, no rewrite, no scan of an existing relation"
            .to_string(),
        false => shown.join(", "),
    };
    let verdict = match confirmed {
        true => Verdict::Confirmed,
        false => Verdict::Disproved,
    };
    (verdict, observed)
}

/// The first statement that failed (`None`: the final `COMMIT`), with the error.
pub struct StatementError {
    pub index: Option<usize>,
    pub error: postgres::Error,
    /// The client-side deadline canceled it.
    pub timed_out: bool,
}

/// The result of [`observe`]: the effects of every statement that ran, and the error that
/// stopped the run, if one did (its transaction is rolled back).
pub struct Observed {
    pub statements: Vec<StatementEffects>,
    pub failure: Option<StatementError>,
}

/// A relation that existed before the statements ran.
#[derive(Debug, Clone)]
struct Relation {
    name: String,
    /// `pg_class.relkind`.
    kind: char,
}

/// Runs `statements` (spans into `sql`) on `client` and records what each did, reading locks
/// on `watcher` (a second connection to the same database). `in_transaction`: the statements
/// run in one transaction (the file's own `BEGIN`/`COMMIT` still count); otherwise each runs
/// alone, in a one-statement transaction where it can. `timeout` bounds the whole run.
///
/// An `Err` is a failure to observe (a catalog read that failed), not a failing statement.
pub fn observe(
    client: &mut postgres::Client,
    watcher: &mut postgres::Client,
    sql: &str,
    statements: &[Statement],
    in_transaction: bool,
    version: u32,
    timeout: Duration,
) -> Result<Observed, postgres::Error> {
    let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
    let existing = existing_relations(client)?;
    let oids: Vec<u32> = existing.keys().copied().collect();
    let stored: Vec<u32> = existing
        .iter()
        .filter(|(_, r)| matches!(r.kind, 'r' | 'm' | 'i'))
        .map(|(oid, _)| *oid)
        .collect();
    client.batch_execute(&format!(
        "SET statement_timeout = {}",
        timeout.as_millis().max(1)
    ))?;
    let mut run = Run {
        client,
        watcher,
        pid,
        existing,
        oids,
        stored,
        transaction: 0,
        in_transaction: false,
        baseline: None,
        held: BTreeMap::new(),
    };
    let deadline = Instant::now() + timeout;
    let mut observed = Observed {
        statements: Vec::new(),
        failure: None,
    };
    if in_transaction {
        run.begin()?;
    }
    for (index, statement) in statements.iter().enumerate() {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let text = &sql[statement.span.clone()];
        match run.statement(statement, text, left, version)? {
            Ok(mut effects) => {
                effects.span = statement.span.clone();
                observed.statements.push(effects);
            }
            Err((error, timed_out)) => {
                observed.failure = Some(StatementError {
                    index: Some(index),
                    error,
                    timed_out,
                });
                break;
            }
        }
    }
    if observed.failure.is_none() && run.in_transaction {
        if let Err(error) = run.client.batch_execute("COMMIT") {
            observed.failure = Some(StatementError {
                index: None,
                error,
                timed_out: false,
            });
        }
    }
    held_until_commit(&mut observed.statements);
    Ok(observed)
}

/// Sets `held_until_commit_by` from the transactions the statements ran in.
fn held_until_commit(statements: &mut [StatementEffects]) {
    let transactions: Vec<Option<usize>> = statements.iter().map(|s| s.transaction).collect();
    for (index, statement) in statements.iter_mut().enumerate() {
        if let Some(transaction) = statement.transaction {
            statement.held_until_commit_by = transactions[index + 1..]
                .iter()
                .filter(|t| **t == Some(transaction))
                .count();
        }
    }
}

/// Sets the lines and columns of `statements` whose spans are offsets into `text` from
/// `offset` on (a file's up section starts at `offset` of the file).
pub fn locate(statements: &mut [StatementEffects], text: &str, offset: usize) {
    for statement in statements {
        let start = offset + statement.span.start;
        let end = offset + statement.span.end.max(statement.span.start + 1) - 1;
        (statement.line, statement.column) = migrations::line_column(text, start);
        let (line, column) = migrations::line_column(text, end.min(text.len()));
        (statement.end_line, statement.end_column) = (line, column + 1);
    }
}

/// What the migration's transaction sees of the existing relations.
#[derive(Debug, Default, Clone)]
struct State {
    filenodes: BTreeMap<u32, u32>,
    scans: BTreeMap<u32, i64>,
    /// Index -> its qualified name and its table, for the indexes of existing tables.
    indexes: BTreeMap<u32, (String, u32)>,
}

struct Run<'c> {
    client: &'c mut postgres::Client,
    watcher: &'c mut postgres::Client,
    pid: i32,
    existing: BTreeMap<u32, Relation>,
    oids: Vec<u32>,
    /// The existing relations with storage whose file can change: tables, materialized views,
    /// indexes.
    stored: Vec<u32>,
    /// The current transaction's number.
    transaction: usize,
    in_transaction: bool,
    /// The state after the last statement of the current transaction.
    baseline: Option<State>,
    /// The strongest mode held on each relation in the current transaction.
    held: BTreeMap<u32, usize>,
}

type Ran = Result<StatementEffects, (postgres::Error, bool)>;

impl Run<'_> {
    fn begin(&mut self) -> Result<(), postgres::Error> {
        self.client.batch_execute("BEGIN")?;
        self.start_transaction();
        Ok(())
    }

    fn start_transaction(&mut self) {
        self.in_transaction = true;
        self.transaction += 1;
        self.baseline = None;
        self.held.clear();
    }

    fn statement(
        &mut self,
        statement: &Statement,
        text: &str,
        left: Duration,
        version: u32,
    ) -> Result<Ran, postgres::Error> {
        if statement.is_transaction_control() {
            let (result, fired) = migrations::guarded(self.client, left, |c| c.batch_execute(text));
            if let Err(error) = result {
                let _ = self.client.batch_execute("ROLLBACK");
                return Ok(Err((error, fired)));
            }
            match statement.words.first().map(String::as_str) {
                Some("BEGIN" | "START") if !self.in_transaction => self.start_transaction(),
                Some("BEGIN" | "START") => {}
                _ => self.in_transaction = false,
            }
            return Ok(Ok(StatementEffects::default()));
        }
        let alone = statement.needs_no_transaction(version).is_some()
            || statement.words.first().is_some_and(|w| w == "CALL");
        if self.in_transaction {
            return self.run_in_transaction(statement, text, left);
        }
        if !alone {
            // A statement of a file that runs without a transaction, in a transaction of its
            // own, which is what autocommit gives it; one that turns out not to run in a
            // transaction block runs alone.
            self.begin()?;
            let ran = self.run_in_transaction(statement, text, left)?;
            match ran {
                Err((error, fired)) if !needs_no_transaction(&error) => {
                    self.in_transaction = false;
                    return Ok(Err((error, fired)));
                }
                Err(_) => self.in_transaction = false,
                Ok(effects) => {
                    let committed = self.client.batch_execute("COMMIT");
                    self.in_transaction = false;
                    return Ok(match committed {
                        Ok(()) => Ok(effects),
                        Err(error) => Err((error, false)),
                    });
                }
            }
        }
        self.alone(statement, text, left)
    }

    /// Runs a statement inside the open transaction (rolled back when it fails).
    fn run_in_transaction(
        &mut self,
        statement: &Statement,
        text: &str,
        left: Duration,
    ) -> Result<Ran, postgres::Error> {
        let sets_transaction = statement.words.first().is_some_and(|w| w == "SET")
            && statement.words.get(1).is_some_and(|w| w == "TRANSACTION");
        if self.baseline.is_none() && !sets_transaction {
            // Read inside the transaction: the scan counters are the transaction's own.
            self.baseline = Some(read_state_of(self.client, &self.stored)?);
        }
        let (result, fired) = migrations::guarded(self.client, left, |c| c.batch_execute(text));
        if let Err(error) = result {
            let _ = self.client.batch_execute("ROLLBACK");
            self.in_transaction = false;
            return Ok(Err((error, fired)));
        }
        let mut effects = StatementEffects {
            transaction: Some(self.transaction),
            ..StatementEffects::default()
        };
        // The locks (on the watcher) and the catalog (on the migration's connection) are read
        // at the same time.
        let read_state = !(sets_transaction && self.baseline.is_none());
        let (watcher, client) = (&mut *self.watcher, &mut *self.client);
        let (pid, oids, stored) = (self.pid, &self.oids, &self.stored);
        let (locks, after) = std::thread::scope(|scope| {
            let locks = scope.spawn(move || read_locks(watcher, pid, oids));
            let after = read_state.then(|| read_state_of(client, stored));
            let locks = locks.join().unwrap_or_else(|_| Ok(BTreeMap::new()));
            (locks, after)
        });
        for (oid, mode) in locks? {
            let held = self.held.entry(oid).or_insert(0);
            if strength(&mode) > *held {
                *held = strength(&mode);
                effects.locks.push(self.lock(oid, mode));
            }
        }
        effects.held = self
            .held
            .iter()
            .map(|(oid, held)| self.lock(*oid, MODES[held.saturating_sub(1)].to_string()))
            .collect();
        effects.locks.sort_by(|a, b| a.relation.cmp(&b.relation));
        let Some(after) = after else {
            return Ok(Ok(effects));
        };
        let after = after?;
        let before = self.baseline.replace(after.clone()).unwrap_or_default();
        self.changes(statement, &before, &after, true, &mut effects);
        Ok(Ok(effects))
    }

    /// Runs a statement that cannot run in a transaction block, sampling its locks meanwhile.
    fn alone(
        &mut self,
        statement: &Statement,
        text: &str,
        left: Duration,
    ) -> Result<Ran, postgres::Error> {
        let before = read_state_of(self.client, &self.stored)?;
        let stop = AtomicBool::new(false);
        let (pid, oids) = (self.pid, &self.oids);
        let watcher = &mut *self.watcher;
        let client = &mut *self.client;
        let (result, fired, sampled) = std::thread::scope(|scope| {
            let sampler = scope.spawn(|| sample(watcher, pid, oids, &stop));
            let (result, fired) = migrations::guarded(client, left, |c| c.batch_execute(text));
            stop.store(true, Ordering::SeqCst);
            let sampled = sampler.join().unwrap_or_else(|_| Ok(BTreeMap::new()));
            (result, fired, sampled)
        });
        if let Err(error) = result {
            return Ok(Err((error, fired)));
        }
        let mut effects = StatementEffects {
            sampled: true,
            ..StatementEffects::default()
        };
        for (oid, mode) in sampled? {
            effects.locks.push(self.lock(oid, mode));
        }
        effects.locks.sort_by(|a, b| a.relation.cmp(&b.relation));
        effects.held = effects.locks.clone();
        let after = read_state_of(self.client, &self.stored)?;
        self.changes(statement, &before, &after, false, &mut effects);
        Ok(Ok(effects))
    }

    fn lock(&self, oid: u32, mode: String) -> Lock {
        Lock {
            relation: self.name(oid),
            blocks: Blocks::of(&mode),
            mode,
        }
    }

    fn name(&self, oid: u32) -> String {
        self.existing
            .get(&oid)
            .map_or_else(|| oid.to_string(), |r| r.name.clone())
    }

    /// Rewrites, index builds and scans between two states.
    fn changes(
        &self,
        statement: &Statement,
        before: &State,
        after: &State,
        counted_scans: bool,
        effects: &mut StatementEffects,
    ) {
        let truncate = statement.words.first().is_some_and(|w| w == "TRUNCATE");
        let mut rewritten = BTreeSet::new();
        for (oid, node) in &after.filenodes {
            let Some(relation) = self.existing.get(oid) else {
                continue;
            };
            let changed = before.filenodes.get(oid).is_some_and(|old| old != node);
            if changed && matches!(relation.kind, 'r' | 'm') && !truncate {
                rewritten.insert(*oid);
                effects.rewrites.push(relation.name.clone());
            }
        }
        let mut built_on = BTreeSet::new();
        for (oid, (name, table)) in &after.indexes {
            let new = !before.indexes.contains_key(oid) && !self.existing.contains_key(oid);
            let rebuilt = before
                .filenodes
                .get(oid)
                .zip(after.filenodes.get(oid))
                .is_some_and(|(old, now)| old != now)
                && !rewritten.contains(table)
                && !truncate;
            if new || rebuilt {
                effects.index_builds.push(name.clone());
                built_on.insert(*table);
            }
        }
        let mut scanned: BTreeSet<u32> = built_on;
        if counted_scans {
            for (oid, count) in &after.scans {
                if before.scans.get(oid).is_some_and(|old| count > old) {
                    scanned.insert(*oid);
                }
            }
        }
        for oid in scanned {
            let table = self
                .existing
                .get(&oid)
                .filter(|r| matches!(r.kind, 'r' | 'm') && !rewritten.contains(&oid));
            if let Some(table) = table {
                effects.scans.push(table.name.clone());
            }
        }
        effects.index_builds.sort();
        effects.rewrites.sort();
        effects.scans.sort();
    }
}

/// The locks the migration's backend `pid` holds on `oids`, strongest per relation.
fn read_locks(
    watcher: &mut postgres::Client,
    pid: i32,
    oids: &[u32],
) -> Result<BTreeMap<u32, String>, postgres::Error> {
    let rows = watcher.query(LOCKS_SQL, &[&pid, &oids])?;
    let mut strongest: BTreeMap<u32, String> = BTreeMap::new();
    for row in rows {
        let (oid, mode): (u32, String) = (row.get(0), row.get(1));
        let slot = strongest.entry(oid).or_default();
        if strength(&mode) > strength(slot) {
            *slot = mode;
        }
    }
    Ok(strongest)
}

/// What the migration's transaction sees of the relations with storage among `oids`.
fn read_state_of(client: &mut postgres::Client, oids: &[u32]) -> Result<State, postgres::Error> {
    let mut state = State::default();
    for row in client.query(STATE_SQL, &[&oids])? {
        let kind: &str = row.get(0);
        let oid: u32 = row.get(1);
        let node: u32 = row.get(2);
        match kind {
            "r" => {
                state.filenodes.insert(oid, node);
                state.scans.insert(oid, row.get(3));
            }
            _ => {
                state.indexes.insert(oid, (row.get(4), node));
                state.filenodes.insert(oid, row.get(5));
            }
        }
    }
    Ok(state)
}

/// Locks of the migration's backend on existing relations.
const LOCKS_SQL: &str = "SELECT l.relation, l.mode FROM pg_catalog.pg_locks l \
     WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted AND l.relation = ANY($2)";

/// The file node and the transaction's sequential-scan count of every existing relation, and
/// the indexes of existing tables (with their own file node).
const STATE_SQL: &str = "\
SELECT 'r'::text, c.oid, c.relfilenode, pg_catalog.pg_stat_get_xact_numscans(c.oid), ''::text, 0::oid
FROM pg_catalog.pg_class c WHERE c.oid = ANY($1)
UNION ALL
SELECT 'i', i.indexrelid, i.indrelid, 0::int8,
       pg_catalog.format('%s.%s', n.nspname, c.relname), c.relfilenode
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = ANY($1)";

/// Every relation of the user's schemas that has a name worth reporting.
fn existing_relations(
    client: &mut postgres::Client,
) -> Result<BTreeMap<u32, Relation>, postgres::Error> {
    let rows = client.query(
        "SELECT c.oid, pg_catalog.format('%s.%s', n.nspname, c.relname), c.relkind::text \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
           AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'm', 'f', 'v')",
        &[],
    )?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let kind: String = row.get(2);
            (
                row.get(0),
                Relation {
                    name: row.get(1),
                    kind: kind.chars().next().unwrap_or('r'),
                },
            )
        })
        .collect())
}

/// A statement failed because it cannot run inside a transaction block (or commits itself).
fn needs_no_transaction(error: &postgres::Error) -> bool {
    error
        .as_db_error()
        .is_some_and(|db| matches!(db.code().code(), "25001" | "2D000"))
}

/// Samples the locks of `pid` on `oids` until `stop`, holding a snapshot until `pid` is seen
/// waiting for another transaction (a concurrent index build waits for older snapshots).
fn sample(
    watcher: &mut postgres::Client,
    pid: i32,
    oids: &[u32],
    stop: &AtomicBool,
) -> Result<BTreeMap<u32, String>, postgres::Error> {
    let mut seen: BTreeMap<u32, String> = BTreeMap::new();
    let result = sample_into(watcher, pid, oids, stop, &mut seen);
    let _ = watcher.batch_execute("ROLLBACK");
    result.map(|()| seen)
}

fn sample_into(
    watcher: &mut postgres::Client,
    pid: i32,
    oids: &[u32],
    stop: &AtomicBool,
    seen: &mut BTreeMap<u32, String>,
) -> Result<(), postgres::Error> {
    watcher.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")?;
    let mut holding = true;
    loop {
        let done = stop.load(Ordering::SeqCst);
        let rows = watcher.query(
            "SELECT l.locktype, l.relation, l.mode, l.granted FROM pg_catalog.pg_locks l \
             WHERE l.pid = $1",
            &[&pid],
        )?;
        for row in rows {
            let (locktype, relation, mode, granted): (String, Option<u32>, String, bool) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            match relation {
                Some(oid) if granted && locktype == "relation" && oids.contains(&oid) => {
                    let slot = seen.entry(oid).or_default();
                    if strength(&mode) > strength(slot) {
                        *slot = mode;
                    }
                }
                _ if !granted
                    && holding
                    && matches!(locktype.as_str(), "virtualxid" | "transactionid") =>
                {
                    watcher.batch_execute("COMMIT")?;
                    holding = false;
                }
                _ => {}
            }
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if holding {
        watcher.batch_execute("COMMIT")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_block_reads_writes_or_ddl() {
        assert_eq!(Blocks::of("AccessExclusiveLock"), Blocks::Reads);
        assert_eq!(Blocks::of("ExclusiveLock"), Blocks::Writes);
        assert_eq!(Blocks::of("ShareRowExclusiveLock"), Blocks::Writes);
        assert_eq!(Blocks::of("ShareLock"), Blocks::Writes);
        assert_eq!(Blocks::of("ShareUpdateExclusiveLock"), Blocks::Ddl);
        assert_eq!(Blocks::of("RowExclusiveLock"), Blocks::Ddl);
        assert_eq!(Blocks::of("AccessShareLock"), Blocks::Ddl);
        assert!(strength("AccessExclusiveLock") > strength("ShareRowExclusiveLock"));
    }

    fn lock(relation: &str, mode: &str) -> Lock {
        Lock {
            relation: relation.into(),
            mode: mode.into(),
            blocks: Blocks::of(mode),
        }
    }

    #[test]
    fn hazards_are_rewrites_blocking_scans_and_locks_held_for_later_statements() {
        let rewrite = StatementEffects {
            locks: vec![lock("public.t", "AccessExclusiveLock")],
            rewrites: vec!["public.t".into()],
            ..StatementEffects::default()
        };
        let rules: Vec<&str> = hazards(&rewrite).iter().map(|h| h.0).collect();
        assert_eq!(rules, ["observed-rewrite"]);

        let index = StatementEffects {
            locks: vec![lock("public.t", "ShareLock")],
            index_builds: vec!["public.t_a_idx".into()],
            scans: vec!["public.t".into()],
            ..StatementEffects::default()
        };
        let rules: Vec<&str> = hazards(&index).iter().map(|h| h.0).collect();
        assert_eq!(rules, ["observed-blocking-index-build"]);

        // VALIDATE: a scan under SHARE UPDATE EXCLUSIVE blocks nobody's reads or writes.
        let validate = StatementEffects {
            locks: vec![lock("public.t", "ShareUpdateExclusiveLock")],
            scans: vec!["public.t".into()],
            ..StatementEffects::default()
        };
        assert!(hazards(&validate).is_empty());

        // A brief ACCESS EXCLUSIVE is no hazard; held for a later statement it is.
        let mut add_column = StatementEffects {
            locks: vec![lock("public.t", "AccessExclusiveLock")],
            ..StatementEffects::default()
        };
        assert!(hazards(&add_column).is_empty());
        add_column.held_until_commit_by = 2;
        let rules: Vec<&str> = hazards(&add_column).iter().map(|h| h.0).collect();
        assert_eq!(rules, ["observed-access-exclusive"]);
    }

    #[test]
    fn judge_confirms_or_disproves_by_rule() {
        let no_rewrite = StatementEffects {
            locks: vec![lock("public.t", "AccessExclusiveLock")],
            ..StatementEffects::default()
        };
        assert_eq!(
            judge("alter-column-type", &no_rewrite).0,
            Verdict::Disproved
        );
        let rewrite = StatementEffects {
            rewrites: vec!["public.t".into()],
            ..no_rewrite.clone()
        };
        assert_eq!(judge("alter-column-type", &rewrite).0, Verdict::Confirmed);
        assert_eq!(judge("set-not-null", &no_rewrite).0, Verdict::Disproved);
        // An index built after an ALTER TABLE of the same transaction: the table's lock is the
        // transaction's, and the build holds it for its length.
        let after_alter = StatementEffects {
            held: vec![lock("public.t", "AccessExclusiveLock")],
            index_builds: vec!["public.t_a_idx".into()],
            scans: vec!["public.t".into()],
            ..StatementEffects::default()
        };
        assert_eq!(
            judge("create-index-without-concurrently", &after_alter).0,
            Verdict::Confirmed
        );
        let rules: Vec<&str> = hazards(&after_alter).iter().map(|h| h.0).collect();
        assert_eq!(rules, ["observed-blocking-index-build"]);
        // A rule the cross-check does not know: confirmed by any blocking lock.
        assert_eq!(judge("some-new-rule", &no_rewrite).0, Verdict::Confirmed);
        assert_eq!(
            judge("some-new-rule", &StatementEffects::default()).0,
            Verdict::Disproved
        );
    }

    #[test]
    fn held_until_commit_counts_later_statements_of_the_same_transaction() {
        let mut statements: Vec<StatementEffects> = [Some(1), Some(1), Some(1), None, Some(2)]
            .into_iter()
            .map(|transaction| StatementEffects {
                transaction,
                ..StatementEffects::default()
            })
            .collect();
        held_until_commit(&mut statements);
        let held: Vec<usize> = statements.iter().map(|s| s.held_until_commit_by).collect();
        assert_eq!(held, vec![2, 1, 0, 0, 0]);
    }

    #[test]
    fn locate_gives_start_and_end_positions() {
        let text = "-- up\nALTER TABLE t\n  ADD x int;\n";
        let sql = &text[6..];
        let mut statements = vec![StatementEffects {
            span: 0..sql.trim_end().len(),
            ..StatementEffects::default()
        }];
        locate(&mut statements, text, 6);
        let s = &statements[0];
        assert_eq!((s.line, s.column, s.end_line, s.end_column), (2, 1, 3, 13));
    }
}
