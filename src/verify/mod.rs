//! `driftlint verify`: apply each migration twice on a scratch database; the second run must
//! succeed and change nothing.
//!
//! For every file, in order: apply it, take a snapshot (the introspected schema model, the
//! catalog objects the model does not cover, and the exact row count of every table), apply it
//! again, take another snapshot. A second run that fails makes the file *not re-runnable*; one
//! that succeeds but changes a snapshot (a second index, duplicated rows) *changes on re-run*.
//! A file that fails on its first run is an error in the history and stops the run (exit 2).
//!
//! With `--both-ways` each file's down migration runs after it (`both_ways`); with `--locks`
//! the first run goes statement by statement and records what each statement locks, rewrites
//! and scans ([`locks`]); with `--rows` the existing tables are filled with generated rows
//! before each file (`rows`). Judging the linter's findings by those records is the command's
//! (it runs the linter); [`locks`] gives it the verdicts and hazards as plain functions.
//!
//! Finding and applying files is [`crate::migrations`]; this module judges the re-runs and
//! reports them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::migrations::{
    self, ApplyError, Failure, MigrationError, MigrationFile, Mode, Workspace,
};
use crate::Error;

mod both_ways;
pub mod locks;
mod rows;

pub use both_ways::{DownReport, DownStatus};
pub use locks::StatementEffects;

/// What `verify` proves besides the second runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proofs {
    /// Run each file's down migration, then the file again (`--both-ways`).
    pub both_ways: bool,
    /// Record what each statement of each first run locks, rewrites and scans (`--locks`).
    pub locks: bool,
    /// Fill every table that exists before each file with this many generated rows (`--rows`).
    pub rows: usize,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    NotRerunnable,
    ChangesOnRerun,
    /// The first run failed: the history itself is broken at this file.
    Failed,
}

/// The verdict for one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub status: Status,
    /// `false` when the file ran statement by statement, outside a transaction.
    pub transaction: bool,
    /// The error of the failing run (second run for `not_rerunnable`, first for `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// What the second run changed (`changes_on_rerun`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Statements that probably caused the changes (`file:line:col  statement`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suspects: Vec<Suspect>,
    /// With `--both-ways`, for a file that has a down migration: how the down went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<DownReport>,
    /// With `--locks`: what each statement of the first run did to existing relations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<Vec<StatementEffects>>,
    /// With `--locks`: the file's `locking` lint findings, judged by the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lint: Vec<locks::LintVerdict>,
    /// With `--locks`: hazards the run observed that no lint finding flagged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observed: Vec<locks::ObservedFinding>,
}

/// A statement pointed at as the likely cause of a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    pub line: usize,
    pub column: usize,
    pub statement: String,
}

/// One difference between the snapshots around a second run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// `table`, `column`, `index`, `foreign key`, `function`, `rows`, ...
    pub object_type: String,
    pub object: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Change {
    pub fn describe(&self) -> String {
        match (self.change, &self.before, &self.after) {
            ("changed", Some(before), Some(after)) if self.object_type == "rows" => {
                format!("rows in {}: {before} -> {after}", self.object)
            }
            ("changed", Some(before), Some(after)) => format!(
                "{} {} changed: {} -> {}",
                self.object_type,
                self.object,
                short(before),
                short(after)
            ),
            ("added", _, Some(after)) if !after.is_empty() => {
                format!(
                    "{} {} added: {}",
                    self.object_type,
                    self.object,
                    short(after)
                )
            }
            (change, _, _) => format!("{} {} {change}", self.object_type, self.object),
        }
    }
}

pub fn short(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}...")
    }
}

/// What [`verify_all`] found: a verdict per file run, and the first-run failure that stopped
/// the history, if one did.
pub struct Verified {
    pub reports: Vec<FileReport>,
    pub summary: Summary,
    /// Things the user should know (files skipped, a copy rebuilt).
    pub notes: Vec<String>,
    /// The files found, in order (for rendering errors at their lines).
    pub files: Vec<MigrationFile>,
    /// A file that failed on its first run: the history is broken there.
    pub history_error: Option<ApplyError>,
}

/// Applies every up migration of `paths` twice on a fresh database (a scratch cluster, or a
/// temporary database on `dev_url`) and judges each second run; with `both_ways`, each down
/// migration too.
pub fn verify_all(
    paths: &[PathBuf],
    glob: Option<&str>,
    dev_url: Option<&str>,
    timeout: Duration,
    proofs: Proofs,
) -> Result<Verified, Error> {
    let discovery = migrations::discover(paths, glob)?;
    let mut notes: Vec<String> = migrations::skipped_note(&discovery.skipped)
        .into_iter()
        .collect();
    let mut workspace = Workspace::open(dev_url, timeout)?;
    let mut session = Session::open(&workspace, proofs.locks)?;
    let version = migrations::server_version(&mut session.client)?;
    let progress = migrations::progress_bar(discovery.files.len(), "verifying");

    let mut reports = Vec::new();
    let mut history_error = None;
    for (index, file) in discovery.files.iter().enumerate() {
        progress.set_message(file.name.clone());
        let outcome = verify_file(
            &mut workspace,
            &mut session,
            &discovery.files,
            index,
            version,
            timeout,
            proofs,
        )?;
        match outcome {
            FileOutcome::Verified {
                report,
                notes: more,
            } => {
                reports.push(*report);
                notes.extend(more);
            }
            FileOutcome::FirstRunFailed(failure) => {
                reports.push(FileReport {
                    file: file.name.clone(),
                    status: Status::Failed,
                    transaction: migrations::mode_for(file, version) == Mode::Transaction,
                    error: Some((*failure).clone()),
                    changes: Vec::new(),
                    suspects: Vec::new(),
                    down: None,
                    statements: None,
                    lint: Vec::new(),
                    observed: Vec::new(),
                });
                history_error = Some(ApplyError::new(
                    file,
                    *failure,
                    "driftlint::verify::first_run_failed",
                    "the first run fails, so the history is broken here: ",
                ));
                break;
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(Verified {
        summary: Summary::new(discovery.files.len(), &reports, proofs),
        reports,
        notes,
        files: discovery.files,
        history_error,
    })
}

/// The connections to the replay database (reopened when the database is swapped for a copy):
/// the one migrations run on, and with `--locks` a second one that reads their locks.
pub(super) struct Session {
    client: postgres::Client,
    watcher: Option<postgres::Client>,
    /// Tables already filled with generated rows (`--rows`), by oid.
    filled: std::collections::BTreeSet<u32>,
}

impl Session {
    fn open(workspace: &Workspace, watch: bool) -> Result<Session, Error> {
        Ok(Session {
            client: workspace.connect()?,
            watcher: match watch {
                true => Some(workspace.connect()?),
                false => None,
            },
            filled: std::collections::BTreeSet::new(),
        })
    }
}

enum FileOutcome {
    Verified {
        report: Box<FileReport>,
        notes: Vec<String>,
    },
    FirstRunFailed(Box<Failure>),
}

/// Verifies `files[index]`; the files before it have been applied once.
fn verify_file(
    workspace: &mut Workspace,
    session: &mut Session,
    files: &[MigrationFile],
    index: usize,
    version: u32,
    timeout: Duration,
    proofs: Proofs,
) -> Result<FileOutcome, Error> {
    let file = &files[index];
    let history = &files[..=index];
    let mut notes = Vec::new();
    if proofs.rows > 0 {
        notes.extend(rows::fill(session, proofs.rows, timeout)?);
    }
    let down = match proofs.both_ways {
        true => migrations::down_of(file)?,
        false => None,
    };
    let before = match down {
        Some(_) => Some(both_ways::read_schema(session)?),
        None => None,
    };
    let mode = &migrations::mode_for(file, version);
    let first = match proofs.locks {
        true => first_run_observed(session, file, mode, version, timeout)?.map(Some),
        false => migrations::apply(&mut session.client, file, mode, timeout).map(|()| None),
    };
    let statements = match first {
        Ok(statements) => statements,
        Err(failure) => {
            if let Some(event) = failure.server_event() {
                return Err(event.into());
            }
            return Ok(FileOutcome::FirstRunFailed(failure));
        }
    };

    // The second run must never leak into the history: the next file starts from the state
    // after this file's first run. A file that runs in one transaction is run again in a
    // transaction that is judged, then rolled back. Snapshots are taken only when they can
    // differ: a held second run that fails, or that never wrote anything (no transaction id
    // was assigned), changed nothing.
    //
    // A file that runs outside a transaction (or commits by itself) cannot be rolled back: it
    // is run again in place between two snapshots, and if that changed anything (a duplicate,
    // or half a failed run) the database is rebuilt from the history applied once.
    let held = *mode == Mode::Transaction && !file.controls_transactions();
    let (second, changes) = if held {
        second_run_held(session, file, version, timeout)?
    } else {
        let (second, note) =
            second_run_in_place(workspace, session, history, (file, mode), version, timeout)?;
        notes.extend(note);
        second
    };

    if let Some(event) = second.as_ref().err().and_then(|f| f.server_event()) {
        return Err(event.into());
    }
    let mut report = judge_second_run(file, *mode == Mode::Transaction, second, changes);
    report.statements = statements;
    if let (Some(down), Some(before)) = (&down, &before) {
        let verdict =
            both_ways::down_then_up(workspace, session, history, down, before, version, timeout)?;
        report.down = Some(verdict);
    }
    Ok(FileOutcome::Verified {
        report: Box::new(report),
        notes,
    })
}

/// The first run of `file`, statement by statement, recording what each does
/// ([`locks::observe`]); a failing statement is the file's failure.
fn first_run_observed(
    session: &mut Session,
    file: &MigrationFile,
    mode: &Mode,
    version: u32,
    timeout: Duration,
) -> Result<Result<Vec<StatementEffects>, Box<Failure>>, Error> {
    let Some(watcher) = session.watcher.as_mut() else {
        unreachable!("a session of `verify --locks` has a watcher connection");
    };
    let sql = file.sql();
    let statements = migrations::statements(sql);
    let observed = locks::observe(
        &mut session.client,
        watcher,
        sql,
        &statements,
        *mode == Mode::Transaction,
        version,
        timeout,
    )
    .map_err(|e| server_error("recording the locks of a migration", &e))?;
    if let Some(failed) = observed.failure {
        let failure = match failed.index.and_then(|i| statements.get(i)) {
            Some(statement) => {
                migrations::statement_failure(file, statement, &failed.error, failed.timed_out)
            }
            None => migrations::file_failure(file, &failed.error),
        };
        return Ok(Err(failure));
    }
    let mut effects = observed.statements;
    locks::locate(&mut effects, &file.text, file.up.start);
    Ok(Ok(effects))
}

/// The report of a file whose first run succeeded, from how its second run went.
fn judge_second_run(
    file: &MigrationFile,
    transaction: bool,
    second: Result<(), Box<Failure>>,
    changes: Vec<Change>,
) -> FileReport {
    let mut report = FileReport {
        file: file.name.clone(),
        status: Status::Ok,
        transaction,
        error: None,
        changes,
        suspects: Vec::new(),
        down: None,
        statements: None,
        lint: Vec::new(),
        observed: Vec::new(),
    };
    match second {
        Ok(()) if report.changes.is_empty() => {}
        Ok(()) => report.status = Status::ChangesOnRerun,
        Err(failure) => {
            report.status = Status::NotRerunnable;
            report.error = Some(*failure);
        }
    }
    if !report.changes.is_empty() {
        report.suspects = suspects(file, &report.changes);
    }
    report
}

/// How a second run went, and what it changed.
type SecondRun = (Result<(), Box<Failure>>, Vec<Change>);

/// The second run of `file` (the last of `history`) in place, between two snapshots; when it
/// changed anything the database is rebuilt from `history` applied once, and the note says so.
fn second_run_in_place(
    workspace: &mut Workspace,
    session: &mut Session,
    history: &[MigrationFile],
    (file, mode): (&MigrationFile, &Mode),
    version: u32,
    timeout: Duration,
) -> Result<(SecondRun, Option<String>), Error> {
    let after_first = Snapshot::take(&mut session.client, false, version, timeout)?;
    let result = migrations::apply(&mut session.client, file, mode, timeout);
    let after_second = Snapshot::take(&mut session.client, false, version, timeout)?;
    let changes = after_first.changes_to(&after_second);
    let mut note = None;
    if !changes.is_empty() {
        rebuild(workspace, session, history, version, timeout)?;
        note = Some(format!(
            "{}: its second run (outside a transaction) changed the database; the database \
             was rebuilt from the files so far, applied once",
            file.name
        ));
    }
    Ok(((result, changes), note))
}

/// The second run of a file that runs in one transaction: judged inside that transaction, then
/// rolled back, so the history goes on from the first run.
fn second_run_held(
    session: &mut Session,
    file: &MigrationFile,
    version: u32,
    timeout: Duration,
) -> Result<SecondRun, Error> {
    Ok(
        match migrations::apply_held(&mut session.client, file, timeout) {
            Err(failure) => (Err(failure), Vec::new()),
            Ok(()) if !wrote_anything(&mut session.client)? => {
                rollback(&mut session.client)?;
                (Ok(()), Vec::new())
            }
            Ok(()) => {
                let after_second = Snapshot::take(&mut session.client, true, version, timeout);
                rollback(&mut session.client)?;
                let after_first = Snapshot::take(&mut session.client, false, version, timeout)?;
                (Ok(()), after_first.changes_to(&after_second?))
            }
        },
    )
}

/// Whether the open transaction wrote anything: catalog or table rows (PostgreSQL assigns a
/// transaction id on the first write).
fn wrote_anything(client: &mut postgres::Client) -> Result<bool, Error> {
    let row = client
        .query_one("SELECT txid_current_if_assigned() IS NOT NULL", &[])
        .map_err(|e| snapshot_error(&e))?;
    Ok(row.get(0))
}

fn rollback(client: &mut postgres::Client) -> Result<(), Error> {
    client
        .batch_execute("ROLLBACK")
        .map_err(|e| snapshot_error(&e))
}

/// Replaces the replay database with a new one holding `history` applied once (first runs
/// only), and reconnects.
pub(super) fn rebuild(
    workspace: &mut Workspace,
    session: &mut Session,
    history: &[MigrationFile],
    version: u32,
    timeout: Duration,
) -> Result<(), Error> {
    let admin = workspace.connect_admin()?;
    drop(std::mem::replace(&mut session.client, admin));
    let watched = session.watcher.take().is_some();
    session.filled.clear();
    workspace.start_over()?;
    session.client = workspace.connect()?;
    if watched {
        session.watcher = Some(workspace.connect()?);
    }
    for file in history {
        let mode = migrations::mode_for(file, version);
        migrations::apply(&mut session.client, file, &mode, timeout).map_err(|failure| {
            MigrationError::Apply(Box::new(ApplyError::new(
                file,
                *failure,
                "driftlint::verify::rebuild_failed",
                "rebuilding the database from the history failed (the history does not replay \
                 the same way twice): ",
            )))
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Snapshots

const CATALOG_SQL: &str = include_str!("catalog.sql");

/// What a second run must not change: every catalog object (with a definition to compare) and
/// every table's row count.
#[derive(Debug, Clone, Default, PartialEq)]
struct Snapshot {
    /// (object type, name) -> definition.
    objects: BTreeMap<(String, String), String>,
    rows: BTreeMap<String, i64>,
}

impl Snapshot {
    /// Reads the snapshot; `held`: inside the open transaction of a second run (left open),
    /// else in a transaction of its own. `timeout` (the command's `--timeout`) bounds the read:
    /// a `--dev-url` server gone silent ends the run.
    fn take(
        client: &mut postgres::Client,
        held: bool,
        version: u32,
        timeout: Duration,
    ) -> Result<Snapshot, Error> {
        let _step = crate::deadline::step("reading the replayed catalog", timeout);
        let setup = if held {
            "SET LOCAL search_path = pg_catalog"
        } else {
            "BEGIN READ ONLY; SET LOCAL search_path = pg_catalog"
        };
        client
            .batch_execute(setup)
            .map_err(|e| snapshot_error(&e))?;
        let mut snapshot = Snapshot::default();
        let is_generated = if version >= crate::server::PG_12 {
            "a.attgenerated = 's'"
        } else {
            "false"
        };
        let catalog = CATALOG_SQL.replace("{is_generated}", is_generated);
        for row in client
            .query(&catalog, &[])
            .map_err(|e| snapshot_error(&e))?
        {
            let kind: String = row.get(0);
            let name: String = row.get(1);
            let definition: Option<String> = row.get(2);
            snapshot
                .objects
                .insert((kind, name), definition.unwrap_or_default());
        }
        for row in client
            .query(include_str!("row_counts.sql"), &[])
            .map_err(|e| snapshot_error(&e))?
        {
            let name: String = row.get(0);
            let count: Option<i64> = row.get(1);
            snapshot.rows.insert(name, count.unwrap_or(0));
        }
        if !held {
            client
                .batch_execute("COMMIT")
                .map_err(|e| snapshot_error(&e))?;
        }
        Ok(snapshot)
    }

    /// What changed from `self` to `after`.
    fn changes_to(&self, after: &Snapshot) -> Vec<Change> {
        let mut changes = Vec::new();
        for ((kind, name), before) in &self.objects {
            match after.objects.get(&(kind.clone(), name.clone())) {
                None => changes.push(Change {
                    object_type: kind.clone(),
                    object: name.clone(),
                    change: "removed",
                    before: Some(before.clone()),
                    after: None,
                }),
                Some(now) if now != before => changes.push(Change {
                    object_type: kind.clone(),
                    object: name.clone(),
                    change: "changed",
                    before: Some(before.clone()),
                    after: Some(now.clone()),
                }),
                Some(_) => {}
            }
        }
        for ((kind, name), now) in &after.objects {
            if !self.objects.contains_key(&(kind.clone(), name.clone())) {
                changes.push(Change {
                    object_type: kind.clone(),
                    object: name.clone(),
                    change: "added",
                    before: None,
                    after: Some(now.clone()),
                });
            }
        }
        for (table, before) in &self.rows {
            if let Some(now) = after.rows.get(table) {
                if now != before {
                    changes.push(Change {
                        object_type: "rows".into(),
                        object: table.clone(),
                        change: "changed",
                        before: Some(before.to_string()),
                        after: Some(now.to_string()),
                    });
                }
            }
        }
        changes.sort();
        changes
    }
}

fn snapshot_error(error: &postgres::Error) -> Error {
    server_error("reading the catalog between runs", error)
}

/// A query of verify's own that the server refused, while doing `action`.
pub(super) fn server_error(action: &str, error: &postgres::Error) -> Error {
    MigrationError::Server {
        action: action.into(),
        message: error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_string()),
    }
    .into()
}

/// Statements of `file` that write to a table the changes name: the likely culprits.
fn suspects(file: &MigrationFile, changes: &[Change]) -> Vec<Suspect> {
    const MAX: usize = 3;
    // Row changes come from data statements, object changes from DDL.
    let targets: Vec<(bool, String)> = changes
        .iter()
        .map(|c| {
            let table = table_part(&c.object_type, &c.object).to_ascii_uppercase();
            (c.object_type == "rows", table)
        })
        .collect();
    let sql = file.sql();
    migrations::statements(sql)
        .into_iter()
        .filter(|statement| {
            let first = statement.words.first().map(String::as_str).unwrap_or("");
            let writes_rows = matches!(first, "INSERT" | "COPY" | "UPDATE" | "MERGE" | "WITH");
            let ddl = matches!(first, "CREATE" | "ALTER" | "DO");
            targets.iter().any(|(rows, table)| {
                (if *rows { writes_rows } else { ddl })
                    && (first == "DO" || statement.words.contains(table))
            })
        })
        .take(MAX)
        .map(|statement| {
            let start = file.up.start + statement.span.start;
            let (line, column) = migrations::line_column(&file.text, start);
            Suspect {
                line,
                column,
                statement: short(sql[statement.span].trim()),
            }
        })
        .collect()
}

/// The bare table name in an object name: `public.t` for rows/tables, `public.t.x` otherwise.
fn table_part<'a>(object_type: &str, object: &'a str) -> &'a str {
    let mut parts = object.rsplitn(3, '.');
    match object_type {
        "rows" | "table" => parts.next().unwrap_or(object),
        _ => {
            parts.next();
            parts.next().unwrap_or(object)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reports

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Up migrations found.
    pub files: usize,
    /// Files applied twice (or whose first run failed).
    pub verified: usize,
    pub ok: usize,
    pub not_rerunnable: usize,
    pub changes_on_rerun: usize,
    pub failed: usize,
    /// Files never reached because an earlier file failed its first run.
    pub not_run: usize,
    /// With `--both-ways`: the down migrations run, and how many of them restored the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downs: Option<DownSummary>,
    /// With `--locks`: what the first runs did to existing relations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locks: Option<LockSummary>,
}

/// How many statements of the first runs took an ACCESS EXCLUSIVE lock on, rewrote, scanned or
/// built an index on a relation that existed before their file (`--locks`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LockSummary {
    /// Statements observed.
    pub statements: usize,
    pub access_exclusive: usize,
    /// Statements whose locks block writes (or reads).
    pub blocking_writes: usize,
    pub rewrites: usize,
    pub scans: usize,
    pub index_builds: usize,
    /// The linter's `locking` findings judged by the run, and the hazards no rule flagged
    /// (filled in by the command, which runs the linter).
    #[serde(flatten)]
    pub cross_check: locks::CrossCheck,
}

impl LockSummary {
    fn new(reports: &[FileReport]) -> LockSummary {
        let statements: Vec<&StatementEffects> = reports
            .iter()
            .filter_map(|r| r.statements.as_ref())
            .flatten()
            .collect();
        let count = |test: &dyn Fn(&StatementEffects) -> bool| {
            statements.iter().filter(|s| test(s)).count()
        };
        LockSummary {
            statements: statements.len(),
            access_exclusive: count(&|s| s.locks.iter().any(|l| l.blocks == locks::Blocks::Reads)),
            blocking_writes: count(&|s| s.locks.iter().any(|l| l.blocks != locks::Blocks::Ddl)),
            rewrites: count(&|s| !s.rewrites.is_empty()),
            scans: count(&|s| !s.scans.is_empty()),
            index_builds: count(&|s| !s.index_builds.is_empty()),
            cross_check: locks::CrossCheck::default(),
        }
    }
}

/// How the down migrations went (`--both-ways`).
#[derive(Debug, Clone, Serialize)]
pub struct DownSummary {
    pub run: usize,
    pub ok: usize,
    pub not_restoring: usize,
    pub failed: usize,
}

impl Summary {
    fn new(files: usize, reports: &[FileReport], proofs: Proofs) -> Summary {
        let count = |status: Status| reports.iter().filter(|r| r.status == status).count();
        let downs = || {
            let downs: Vec<DownStatus> = reports
                .iter()
                .filter_map(|r| r.down.as_ref().map(|d| d.status))
                .collect();
            let count = |status: DownStatus| downs.iter().filter(|s| **s == status).count();
            DownSummary {
                run: downs.len(),
                ok: count(DownStatus::Ok),
                not_restoring: count(DownStatus::NotRestoring),
                failed: count(DownStatus::Failed),
            }
        };
        Summary {
            files,
            verified: reports.len(),
            ok: count(Status::Ok),
            not_rerunnable: count(Status::NotRerunnable),
            changes_on_rerun: count(Status::ChangesOnRerun),
            failed: count(Status::Failed),
            not_run: files - reports.len(),
            downs: proofs.both_ways.then(downs),
            locks: proofs.locks.then(|| LockSummary::new(reports)),
        }
    }

    /// Every file re-ran cleanly, and every down restored the schema.
    pub fn all_ok(&self) -> bool {
        self.ok == self.verified && self.downs.as_ref().is_none_or(|d| d.ok == d.run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(objects: &[(&str, &str, &str)], rows: &[(&str, i64)]) -> Snapshot {
        Snapshot {
            objects: objects
                .iter()
                .map(|(k, n, d)| ((k.to_string(), n.to_string()), d.to_string()))
                .collect(),
            rows: rows.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        }
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let a = snapshot(&[("table", "public.t", "")], &[("public.t", 3)]);
        assert!(a.changes_to(&a.clone()).is_empty());
    }

    #[test]
    fn changes_name_added_removed_changed_and_rows() {
        let before = snapshot(
            &[
                (
                    "index",
                    "public.t.a_idx",
                    "CREATE INDEX a_idx ON public.t USING btree (a)",
                ),
                ("column", "public.t.a", "integer"),
                ("function", "public.f()", "x"),
            ],
            &[("public.t", 1)],
        );
        let after = snapshot(
            &[
                (
                    "index",
                    "public.t.a_idx",
                    "CREATE INDEX a_idx ON public.t USING btree (a)",
                ),
                (
                    "index",
                    "public.t.a_idx1",
                    "CREATE INDEX a_idx1 ON public.t USING btree (a)",
                ),
                ("column", "public.t.a", "bigint"),
            ],
            &[("public.t", 2)],
        );
        let described: Vec<String> = before
            .changes_to(&after)
            .iter()
            .map(Change::describe)
            .collect();
        assert_eq!(
            described,
            vec![
                "column public.t.a changed: integer -> bigint",
                "function public.f() removed",
                "index public.t.a_idx1 added: CREATE INDEX a_idx1 ON public.t USING btree (a)",
                "rows in public.t: 1 -> 2",
            ]
        );
    }

    #[test]
    fn suspects_are_the_statements_writing_the_changed_table() {
        let file = MigrationFile::from_text(
            PathBuf::from("003_seed.sql"),
            "003_seed.sql".into(),
            "CREATE TABLE IF NOT EXISTS public.tags (name text);\n\nINSERT INTO tags (name) VALUES ('a');\nSELECT 1;\n".into(),
        );
        let changes = vec![Change {
            object_type: "rows".into(),
            object: "public.tags".into(),
            change: "changed",
            before: Some("1".into()),
            after: Some("2".into()),
        }];
        let found = suspects(&file, &changes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].column), (3, 1));
        assert!(found[0].statement.starts_with("INSERT INTO tags"));
    }

    #[test]
    fn table_part_of_object_names() {
        assert_eq!(table_part("rows", "public.tags"), "tags");
        assert_eq!(table_part("index", "public.tags.tags_name_idx"), "tags");
    }
}
