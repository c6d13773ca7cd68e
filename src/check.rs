//! `driftlint check`: load schema.yaml, read the actual schema (a live database or a replayed
//! migration directory), canonicalize, compare, report.
//!
//! [`drift_for`] does everything but the report and is shared with `repair`. The comparison itself
//! lives in [`crate::diff`], the rendering in [`crate::report::drift`]; this module wires the
//! sources together and decides which tables take part (the `ignore:` list and migration-tool
//! tables).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use miette::Diagnostic;
use thiserror::Error;

use crate::declared::{self, Declared, Positions};
use crate::diff::{self, Drift, DriftKind, Object, Severity};
use crate::introspect::{self, ConnectOptions};
use crate::migrations::{self, ReplayOptions};
use crate::model::{Index, QualifiedName, Schema};
use crate::report::drift as report;
use crate::{canon, types, Error, Outcome};

/// Where the actual schema comes from.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// A live database (`--database-url` / `DATABASE_URL`).
    pub database_url: Option<String>,
    /// A migration directory replayed on a scratch database (`--migrations`).
    pub migrations: Option<PathBuf>,
    /// With `migrations`: an existing server for the scratch database.
    pub dev_url: Option<String>,
    /// With `migrations`: which files are up migrations.
    pub glob: Option<String>,
    /// Schemas to read; empty: the schemas schema.yaml declares.
    pub schema_names: Vec<String>,
    /// Bound on connecting, each catalog query and each migration file.
    pub timeout: Duration,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            database_url: None,
            migrations: None,
            dev_url: None,
            glob: None,
            schema_names: Vec::new(),
            timeout: Duration::from_secs(300),
        }
    }
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DriftFormat {
    #[default]
    Human,
    Json,
    Github,
}

/// Options for [`run`], built by the binary from its flags.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub schema: PathBuf,
    pub source: SourceOptions,
    pub format: DriftFormat,
    pub strict: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            schema: PathBuf::from("schema.yaml"),
            source: SourceOptions::default(),
            format: DriftFormat::Human,
            strict: false,
        }
    }
}

/// Errors of `check` itself (the sources' errors have their own types).
#[derive(Debug, Error, Diagnostic)]
pub enum CheckError {
    #[error("no database to compare with")]
    #[diagnostic(
        code(driftlint::check::no_source),
        help("pass --database-url URL (or set DATABASE_URL), or --migrations DIR to replay a migration directory")
    )]
    NoSource,
}

/// Everything found by [`drift_for`].
#[derive(Debug, Clone)]
pub struct DriftResult {
    /// Sorted by table, kind, object.
    pub drift: Vec<Drift>,
    /// The declared schema as compared: canonicalized, ignored tables removed.
    pub declared: Schema,
    /// The actual schema as compared: ignored and migration-tool tables removed.
    pub live: Schema,
    /// Things the reader should know (text fallback, replay notes).
    pub notes: Vec<String>,
    /// The schemas that were read.
    pub schemas: Vec<String>,
    /// Catalog queries the read took (constant, whatever the number of tables).
    pub catalog_queries: usize,
    /// `alembic_version.version_num` when the database has that table (for repair's down_revision).
    pub alembic_version: Option<String>,
    /// The loaded schema.yaml (path, default schema, ignore list, text). Its `schema` holds the
    /// tables with drift (at least) and the enums as written, with positions; without drift it
    /// is empty (the compared model is `declared`).
    pub file: Declared,
}

impl DriftResult {
    /// `true` when any drift is an error (missing or mismatched, or extra under `--strict`).
    pub fn has_errors(&self) -> bool {
        self.drift.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Loads `schema_yaml`, reads the actual schema from `source`, and compares them.
pub fn drift_for(
    schema_yaml: &Path,
    source: &SourceOptions,
    strict: bool,
) -> Result<DriftResult, Error> {
    let mut timings = Timings::new();
    let text = declared::read(schema_yaml)?;
    let mut notes = Vec::new();

    // Keep the replayed database alive until the comparison is done.
    let replayed;
    let (file, schemas, mut client, mut live, mut stats) =
        match (&source.migrations, &source.database_url) {
            (None, Some(url)) => {
                // The catalog read does not need the parsed file, only the schemas it declares:
                // start it on the schemas the text names while the file is read, and read again
                // in the rare case the guess was wrong. A schema.yaml error still comes first.
                let guess = if source.schema_names.is_empty() {
                    declared::guess_schemas(&text)
                } else {
                    source.schema_names.clone()
                };
                let reading = {
                    let (url, guess, timeout) = (url.clone(), guess.clone(), source.timeout);
                    std::thread::spawn(move || {
                        let started = Instant::now();
                        connect_and_read(&url, &guess, timeout)
                            .map(|read| (read, started.elapsed()))
                    })
                };
                let file = declared::from_text_with(schema_yaml, text, Positions::Skip)?;
                timings.lap("load schema.yaml");
                let ((mut client, mut live, mut stats), elapsed) = match reading.join() {
                    Ok(read) => read?,
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                timings.lap("rest of catalog read");
                timings.note("connect + catalog read", elapsed);
                let schemas = if source.schema_names.is_empty() {
                    file.schemas()
                } else {
                    guess.clone()
                };
                if schemas != guess {
                    let (again, more) =
                        introspect::read_with_timeout(&mut client, &schemas, source.timeout)?;
                    live = again;
                    stats.queries += more.queries;
                    timings.lap("catalog read again");
                }
                (file, schemas, client, live, stats)
            }
            (migrations, url) => {
                let file = declared::from_text_with(schema_yaml, text, Positions::Skip)?;
                timings.lap("load schema.yaml");
                let schemas = if source.schema_names.is_empty() {
                    file.schemas()
                } else {
                    source.schema_names.clone()
                };
                let url: String = match (migrations, url) {
                    (Some(dir), _) => {
                        replayed = migrations::replay(&ReplayOptions {
                            dir: dir.clone(),
                            glob: source.glob.clone(),
                            dev_url: source.dev_url.clone(),
                            timeout: source.timeout,
                        })?;
                        notes.extend(replayed.notes.iter().cloned());
                        replayed.url().to_string()
                    }
                    (None, Some(url)) => url.clone(),
                    (None, None) => return Err(CheckError::NoSource.into()),
                };
                let (client, live, stats) = connect_and_read(&url, &schemas, source.timeout)?;
                timings.lap("connect + catalog read");
                (file, schemas, client, live, stats)
            }
        };
    let alembic_version = alembic_version(&mut client);
    timings.lap("alembic version");

    // The file was read without positions: compare first, then read the positions of the
    // declared objects with drift (`positions_for`: only the parts of the file that hold them).
    let mut file = file;
    let mut declared_schema = std::mem::take(&mut file.schema);
    declared_schema
        .tables
        .retain(|name, _| !file.ignore.is_listed(name));
    live.enums.retain(|name, _| !file.ignore.is_listed(name));
    live.tables.retain(|name, _| {
        !(file.ignore.is_listed(name)
            || (!declared_schema.tables.contains_key(name) && file.ignore.skips_undeclared(name)))
    });

    timings.lap("clone and filter");
    let canon =
        canon::canonicalize_with_timeout(&mut client, &mut declared_schema, &live, source.timeout)?;
    timings.lap("canonicalize");
    notes.extend(canon.note());
    for (what, reason) in &canon.failed {
        notes.push(format!(
            "the declared {what} could not be put in PostgreSQL's own form ({reason}): it is compared as normalized text"
        ));
    }
    normalize_types(&mut declared_schema);
    normalize_types(&mut live);

    timings.lap("normalize types");
    let mut drift = diff::compare(&declared_schema, &live, strict);
    let drifted: BTreeSet<QualifiedName> = drift
        .iter()
        .map(|item| &item.table)
        .filter(|name| {
            declared_schema.tables.contains_key(*name) || declared_schema.enums.contains_key(*name)
        })
        .cloned()
        .collect();
    if !drifted.is_empty() {
        match declared::positions_for(&file, &drifted) {
            Some(written) => file.schema = written,
            None => {
                let source = std::mem::take(&mut file.source);
                file = declared::from_text(schema_yaml, source)?;
            }
        }
        declared_schema.take_positions_from(&file.schema);
        drift = diff::compare(&declared_schema, &live, strict);
        timings.lap("positions for the drift");
    }
    as_written(&mut drift, &file.schema);
    if complete_index_definitions(&mut client, &mut drift)? {
        stats.queries += 1;
    }
    timings.lap("compare");
    Ok(DriftResult {
        drift,
        declared: declared_schema,
        live,
        notes,
        schemas,
        catalog_queries: stats.queries,
        alembic_version,
        file,
    })
}

/// Connects to `url` and reads the catalog of `schemas`.
fn connect_and_read(
    url: &str,
    schemas: &[String],
    timeout: Duration,
) -> Result<(postgres::Client, Schema, introspect::ReadStats), introspect::DbError> {
    let (mut client, helper) = introspect::connect_pair(url, &ConnectOptions { timeout })?;
    let (live, stats) = introspect::read_alongside(&mut client, helper, schemas, timeout)?;
    Ok((client, live, stats))
}

/// Runs `check` and writes the report.
pub fn run(options: &CheckOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let result = drift_for(&options.schema, &options.source, options.strict)?;
    let label = options.schema.display().to_string();
    match options.format {
        DriftFormat::Human => {
            report::human(&result, &label, out).and_then(|()| repair_preview(&result, options, out))
        }
        DriftFormat::Json => report::json(&result, out),
        DriftFormat::Github => report::github(&result, &label, out),
    }
    .map_err(Error::Output)?;
    Ok(if result.has_errors() {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// After a human report with error drift: what `driftlint repair` would do about it, step by
/// step, and the command that writes it.
fn repair_preview(
    result: &DriftResult,
    options: &CheckOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !result.has_errors() {
        return Ok(());
    }
    let mut live = result.live.clone();
    if options.source.migrations.is_some() {
        // As `repair` does: the databases a replayed history is for have rows.
        for table in live.tables.values_mut() {
            table.row_estimate = None;
        }
    }
    let context = crate::repair::PlanContext {
        declared: &result.declared,
        live: &live,
        destructive: false,
    };
    let migration = crate::repair::plan(&result.drift, &context);
    if migration.is_empty() {
        return Ok(());
    }
    let source = match (&options.source.migrations, &options.source.database_url) {
        (Some(dir), _) => format!(" --migrations {}", dir.display()),
        _ => " --database-url \"$DATABASE_URL\"".to_string(),
    };
    writeln!(
        out,
        "\nrepair: `driftlint repair --schema {}{source} --output repair.sql` writes a migration \
         that is safe to run twice and on a busy table:",
        options.schema.display()
    )?;
    for (number, step) in migration.applied().enumerate() {
        let place = if step.outside_transaction {
            " (outside a transaction)"
        } else {
            ""
        };
        writeln!(out, "  {}. {}{place}", number + 1, step.comment)?;
    }
    Ok(())
}

/// A missing object is shown as the YAML wrote it, not in the canonical form it was compared
/// in (mismatches keep both sides canonical, so that their difference is the real one).
fn as_written(drift: &mut [Drift], written: &Schema) {
    for item in drift.iter_mut() {
        let Some(table) = written.tables.get(&item.table) else {
            continue;
        };
        let Some(pos) = item.pos else {
            continue;
        };
        match item.kind {
            DriftKind::MissingColumn => {
                if let Some(column) = table.columns.iter().find(|c| c.pos == Some(pos)) {
                    let mut column = column.clone();
                    if let Ok(canonical) = types::canonical(&column.data_type) {
                        column.data_type = canonical;
                    }
                    item.expected = Some(diff::describe_column(&column));
                }
            }
            DriftKind::MissingIndex => {
                if let Some(index) = table.indexes.iter().find(|i| i.pos == Some(pos)) {
                    item.expected = Some(diff::describe_index(index));
                }
            }
            DriftKind::MissingCheck if item.actual.is_none() => {
                if let Some(check) = table.checks.iter().find(|c| c.pos == Some(pos)) {
                    item.expected = Some(check.expression.clone());
                }
            }
            _ => {}
        }
    }
}

/// Reads the full definition of the live indexes an `index_mismatch` would have repair replace,
/// when the catalog read left them without one; `true` when that took a query.
fn complete_index_definitions(
    client: &mut postgres::Client,
    drift: &mut [Drift],
) -> Result<bool, Error> {
    fn live_index(item: &mut Drift) -> Option<&mut Index> {
        match (item.kind, &mut item.live) {
            (DriftKind::IndexMismatch, Some(Object::Index(index)))
                if index.definition.is_none() =>
            {
                Some(index)
            }
            _ => None,
        }
    }
    let wanted: Vec<(String, String)> = drift
        .iter_mut()
        .filter_map(|item| {
            let schema = item.table.schema.clone();
            live_index(item).and_then(|index| index.name.clone().map(|name| (schema, name)))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(false);
    }
    let mut definitions = introspect::index_definitions(client, &wanted)?;
    for item in drift.iter_mut() {
        let schema = item.table.schema.clone();
        if let Some(index) = live_index(item) {
            if let Some(name) = index.name.clone() {
                index.definition = definitions.remove(&(schema, name));
            }
        }
    }
    Ok(true)
}

/// Puts every column type in canonical spelling (both sides go through the same function, so
/// `format_type` output and a declared spelling meet in one form).
fn normalize_types(schema: &mut Schema) {
    // A schema uses few distinct types: remember each one's canonical form.
    let mut seen: HashMap<String, String> = HashMap::new();
    for table in schema.tables.values_mut() {
        for column in &mut table.columns {
            if let Some(canonical) = seen.get(&column.data_type) {
                column.data_type.clone_from(canonical);
            } else if let Ok(canonical) = types::canonical(&column.data_type) {
                seen.insert(column.data_type.clone(), canonical.clone());
                column.data_type = canonical;
            }
        }
    }
}

/// The Alembic revision the database is at, if it has an `alembic_version` table.
fn alembic_version(client: &mut postgres::Client) -> Option<String> {
    let exists: bool = client
        .query_one(
            "SELECT pg_catalog.to_regclass('alembic_version') IS NOT NULL",
            &[],
        )
        .ok()?
        .get(0);
    if !exists {
        return None;
    }
    client
        .query_opt("SELECT version_num::text FROM alembic_version LIMIT 1", &[])
        .ok()??
        .get(0)
}

/// Wall time of each step on stderr when `DRIFTLINT_TIMINGS=1` (for the benchmark).
struct Timings {
    enabled: bool,
    last: Instant,
}

impl Timings {
    fn new() -> Self {
        Timings {
            enabled: std::env::var_os("DRIFTLINT_TIMINGS").is_some_and(|v| v == "1"),
            last: Instant::now(),
        }
    }

    /// A step timed elsewhere (on another thread).
    fn note(&self, step: &str, elapsed: Duration) {
        if self.enabled {
            eprintln!(
                "timing: {step:<20} {:>7.1} ms (alongside)",
                elapsed.as_secs_f64() * 1000.0
            );
        }
    }

    fn lap(&mut self, step: &str) {
        if self.enabled {
            let now = Instant::now();
            eprintln!(
                "timing: {step:<20} {:>7.1} ms  {}",
                (now - self.last).as_secs_f64() * 1000.0,
                memory_note()
            );
            self.last = now;
        }
    }
}

/// Resident and peak resident memory (Linux), for the timings.
pub(crate) fn memory_note() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    format!("rss {} peak {}", field("VmRSS:"), field("VmHWM:"))
}
