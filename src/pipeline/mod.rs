//! The drift pipeline every drift command runs: load schema.yaml, read the actual schema (a live
//! database or a replayed migration directory), canonicalize, normalize types, compare. The
//! declared objects carry their positions from the one read of the file. [`drift_for`] returns plain data ([`DriftResult`]);
//! rendering and deciding belong to the commands above ([`crate::commands`]).
//!
//! The comparison itself lives in [`crate::diff`], the catalog read in [`crate::introspect`],
//! the replay in [`crate::migrations`]; this module wires them together and decides which tables
//! take part (the `ignore:` list and migration-tool tables).
//!
//! The declared side is a schema.yaml file or SQLAlchemy models ([`DeclaredSource`]): models are
//! exported to schema.yaml text by the project's Python ([`models`]) and read by the same reader.

pub mod models;
mod timings;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::declared::{self, Declared};
use crate::diff::{self, Drift, DriftKind, Object, Severity};
use crate::introspect::{self, ConnectOptions, ReadStats};
use crate::migrations::{self, ReplayOptions, Replayed};
use crate::model::{Check, Index, QualifiedName, Schema};
use crate::repair::{Migration, PlanContext};
use crate::{canon, types, Error};

pub use models::Models;
use timings::Timings;

/// Where the declared schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredSource {
    /// A schema.yaml file.
    File(PathBuf),
    /// SQLAlchemy models (`--models app.models:Base`), exported by driftlint-sqlalchemy.
    Models(Models),
}

impl DeclaredSource {
    /// The models when `models` names them, else the file `schema`.
    pub fn choose(schema: &Path, models: Option<&str>, python: Option<&Path>) -> DeclaredSource {
        match models.filter(|m| !m.trim().is_empty()) {
            Some(spec) => DeclaredSource::Models(Models {
                spec: spec.trim().to_string(),
                python: python.map(Path::to_path_buf),
            }),
            None => DeclaredSource::File(schema.to_path_buf()),
        }
    }

    /// How reports name it: the file's path, or `app.models:Base`.
    pub fn label(&self) -> String {
        match self {
            DeclaredSource::File(path) => path.display().to_string(),
            DeclaredSource::Models(models) => models.spec.clone(),
        }
    }

    /// The schema.yaml text, and the name diagnostics give it.
    fn text(&self, timeout: Duration) -> Result<(PathBuf, String), Error> {
        match self {
            DeclaredSource::File(path) => Ok((path.clone(), declared::read(path)?)),
            DeclaredSource::Models(models) => {
                let text = models::export(models, timeout)?;
                Ok((PathBuf::from(&models.spec), text))
            }
        }
    }

    /// Reads and validates the declared schema (for the commands that need it without a
    /// database: `lint --schema` / `--models`).
    pub fn load(&self, timeout: Duration) -> Result<Declared, Error> {
        let (path, text) = self.text(timeout)?;
        Ok(declared::from_text(&path, text)?)
    }
}

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
    /// Tables never reported (names or globs), added to schema.yaml's `ignore:` list.
    pub ignore_tables: Vec<String>,
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
            ignore_tables: Vec::new(),
        }
    }
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
    /// The loaded schema.yaml (path, default schema, ignore list, text). Its `schema` is empty:
    /// the compared model, with the positions, is `declared`.
    pub file: Declared,
    /// The actual schema came from a replayed migration directory (empty tables), not from a
    /// database with rows.
    pub replayed: bool,
}

impl DriftResult {
    /// `true` when any drift is an error (missing or mismatched, or extra under `--strict`).
    pub fn has_errors(&self) -> bool {
        self.drift.iter().any(|d| d.severity == Severity::Error)
    }

    /// The repair of this drift, planned against the live schema. A replayed migration
    /// directory's tables are empty, but the databases a repair is for have rows: their row
    /// estimates are dropped so that every table counts as busy.
    pub fn repair_plan(&self, destructive: bool) -> Migration {
        let busy;
        let live = if self.replayed {
            let mut live = self.live.clone();
            for table in live.tables.values_mut() {
                table.row_estimate = None;
            }
            busy = live;
            &busy
        } else {
            &self.live
        };
        crate::repair::plan(
            &self.drift,
            &PlanContext {
                declared: &self.declared,
                live,
                destructive,
            },
        )
    }
}

/// The actual side once read: the connection stays open for canonicalization and the lazy
/// reads after the comparison; a replayed database lives as long as `replayed`.
struct Actual {
    schemas: Vec<String>,
    client: postgres::Client,
    live: Schema,
    stats: ReadStats,
    notes: Vec<String>,
    replayed: Option<Replayed>,
}

/// Loads the declared schema, reads the actual schema from `source`, and compares them.
pub fn drift_for(
    declared: &DeclaredSource,
    source: &SourceOptions,
    strict: bool,
) -> Result<DriftResult, Error> {
    let mut timings = Timings::new();
    let no_source = source.migrations.is_none() && source.database_url.is_none();
    if no_source && matches!(declared, DeclaredSource::Models(_)) {
        // Said before the models are imported, which takes a while.
        return Err(Error::NoSource);
    }
    let (schema_yaml, text) = declared.text(source.timeout)?;
    timings.lap("read the declared schema");
    let schema_yaml = schema_yaml.as_path();
    let (mut file, mut actual) = match (&source.migrations, &source.database_url) {
        (None, Some(url)) => read_live_alongside(schema_yaml, text, url, source, &mut timings)?,
        (Some(dir), _) => read_replayed(schema_yaml, text, dir, source, &mut timings)?,
        (None, None) => return Err(Error::NoSource),
    };
    let alembic_version = {
        let _step = crate::deadline::step("reading the Alembic version", source.timeout);
        alembic_version(&mut actual.client)
    };
    timings.lap("alembic version");

    add_ignored(&mut file, &source.ignore_tables);
    let mut declared_schema = std::mem::take(&mut file.schema);
    leave_out_ignored(&file, &mut declared_schema, &mut actual.live);
    let written = WrittenExpressions::of(&declared_schema);
    timings.lap("clone and filter");
    canonicalize(&mut actual, &mut declared_schema, source.timeout)?;
    timings.lap("canonicalize");
    normalize_types(&mut declared_schema);
    normalize_types(&mut actual.live);
    timings.lap("normalize types");

    let mut drift = diff::compare(&declared_schema, &actual.live, strict);
    as_written(&mut drift, &declared_schema, &written);
    let completed = {
        let _step = crate::deadline::step("reading index definitions", source.timeout);
        complete_index_definitions(&mut actual.client, &mut drift)?
    };
    if completed {
        actual.stats.queries += 1;
    }
    timings.lap("compare");
    if let DeclaredSource::Models(_) = declared {
        // Lines of a file the user never sees: the reports name the models instead.
        forget_positions(&mut drift, &mut declared_schema);
    }
    Ok(DriftResult {
        drift,
        declared: declared_schema,
        live: actual.live,
        notes: actual.notes,
        schemas: actual.schemas,
        catalog_queries: actual.stats.queries,
        alembic_version,
        file,
        replayed: actual.replayed.is_some(),
    })
}

/// A live database: the catalog read does not need the parsed file, only the schemas it
/// declares, so it starts on the schemas the text names while the file is parsed, and reads
/// again in the rare case the guess was wrong. A schema.yaml error still comes first.
fn read_live_alongside(
    schema_yaml: &Path,
    text: String,
    url: &str,
    source: &SourceOptions,
    timings: &mut Timings,
) -> Result<(Declared, Actual), Error> {
    let guess = if source.schema_names.is_empty() {
        declared::guess_schemas(&text)
    } else {
        source.schema_names.clone()
    };
    let reading = {
        let (url, guess, timeout) = (url.to_string(), guess.clone(), source.timeout);
        std::thread::spawn(move || {
            let started = Instant::now();
            connect_and_read(&url, &guess, timeout).map(|read| (read, started.elapsed()))
        })
    };
    let file = declared::from_text(schema_yaml, text)?;
    timings.lap("load schema.yaml");
    let ((mut client, mut live, mut stats), elapsed) = match reading.join() {
        Ok(read) => read?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    timings.lap("rest of catalog read");
    timings.note("connect + catalog read", elapsed);
    let schemas = schemas_to_read(source, &file);
    if schemas != guess {
        let (again, more) = introspect::read_with_timeout(&mut client, &schemas, source.timeout)?;
        live = again;
        stats.queries += more.queries;
        timings.lap("catalog read again");
    }
    Ok((
        file,
        Actual {
            schemas,
            client,
            live,
            stats,
            notes: Vec::new(),
            replayed: None,
        },
    ))
}

/// A migration directory: replayed on a scratch database first, then read.
fn read_replayed(
    schema_yaml: &Path,
    text: String,
    dir: &Path,
    source: &SourceOptions,
    timings: &mut Timings,
) -> Result<(Declared, Actual), Error> {
    let file = declared::from_text(schema_yaml, text)?;
    timings.lap("load schema.yaml");
    let schemas = schemas_to_read(source, &file);
    let replayed = migrations::replay(&ReplayOptions {
        dir: dir.to_path_buf(),
        glob: source.glob.clone(),
        dev_url: source.dev_url.clone(),
        timeout: source.timeout,
    })?;
    let (client, live, stats) = connect_and_read(replayed.url(), &schemas, source.timeout)?;
    timings.lap("connect + catalog read");
    Ok((
        file,
        Actual {
            schemas,
            client,
            live,
            stats,
            notes: replayed.notes.clone(),
            replayed: Some(replayed),
        },
    ))
}

/// The schemas to read: those named with `--schema-name`, else those schema.yaml declares.
fn schemas_to_read(source: &SourceOptions, file: &Declared) -> Vec<String> {
    if source.schema_names.is_empty() {
        file.schemas()
    } else {
        source.schema_names.clone()
    }
}

/// Clears the positions of the declared objects (and of the drift pointing at them).
fn forget_positions(drift: &mut [Drift], declared: &mut Schema) {
    for item in drift {
        item.pos = None;
    }
    for table in declared.tables.values_mut() {
        table.pos = None;
    }
    for item in declared.enums.values_mut() {
        item.pos = None;
    }
}

/// Connects to `url` and reads the catalog of `schemas`.
fn connect_and_read(
    url: &str,
    schemas: &[String],
    timeout: Duration,
) -> Result<(postgres::Client, Schema, ReadStats), introspect::DbError> {
    let (mut client, helper) = introspect::connect_pair(url, &ConnectOptions { timeout })?;
    let (live, stats) = introspect::read_alongside(&mut client, helper, schemas, timeout)?;
    Ok((client, live, stats))
}

/// Adds the configuration file's `ignore-tables` to schema.yaml's `ignore:` list (the globs
/// were checked when the configuration was read; an invalid one leaves the list as it was).
fn add_ignored(file: &mut Declared, extra: &[String]) {
    if extra.is_empty() {
        return;
    }
    let mut patterns = file.ignore.patterns().to_vec();
    patterns.extend(extra.iter().cloned());
    if let Ok(ignore) = crate::declared::Ignore::new(&patterns) {
        file.ignore = ignore;
    }
}

/// Removes the tables, enums and sequences of the `ignore:` list from both sides, and the
/// migration-tool tables the file does not declare (and the sequences they own) from the live
/// side.
fn leave_out_ignored(file: &Declared, declared: &mut Schema, live: &mut Schema) {
    declared
        .tables
        .retain(|name, _| !file.ignore.is_listed(name));
    live.enums.retain(|name, _| !file.ignore.is_listed(name));
    let skipped = |name: &QualifiedName| {
        file.ignore.is_listed(name)
            || (!declared.tables.contains_key(name) && file.ignore.skips_undeclared(name))
    };
    // A sequence is left out when listed, or when the table owning it is.
    declared
        .sequences
        .retain(|name, _| !file.ignore.is_listed(name));
    live.sequences.retain(|name, sequence| {
        !(file.ignore.is_listed(name)
            || (!declared.sequences.contains_key(name)
                && sequence
                    .owned_by
                    .as_ref()
                    .is_some_and(|(table, _)| skipped(table))))
    });
    live.tables.retain(|name, _| !skipped(name));
}

/// Puts the declared expressions in PostgreSQL's own form, noting what could not be.
fn canonicalize(
    actual: &mut Actual,
    declared: &mut Schema,
    timeout: Duration,
) -> Result<(), Error> {
    let canon =
        canon::canonicalize_with_timeout(&mut actual.client, declared, &actual.live, timeout)?;
    actual.notes.extend(canon.note());
    for (what, reason) in &canon.failed {
        actual.notes.push(format!(
            "the declared {what} could not be put in PostgreSQL's own form ({reason}): it is compared as normalized text"
        ));
    }
    for (what, why) in &canon.as_text {
        actual.notes.push(format!(
            "the declared {what} was not put in PostgreSQL's own form, which would have run it on the database ({why}): it is compared as normalized text"
        ));
    }
    Ok(())
}

/// The declared checks and the indexes on expressions as written, before canonicalization
/// puts them in PostgreSQL's form (only those can change; a missing column has no live twin to
/// be canonicalized against), so that a missing one is reported as the YAML wrote it.
struct WrittenExpressions(HashMap<QualifiedName, (Vec<Index>, Vec<Check>)>);

impl WrittenExpressions {
    fn of(declared: &Schema) -> Self {
        let mut written = HashMap::new();
        for (name, table) in &declared.tables {
            let indexes: Vec<Index> = table
                .indexes
                .iter()
                .filter(|i| i.predicate.is_some() || i.keys.iter().any(|k| k.expression))
                .cloned()
                .collect();
            if !indexes.is_empty() || !table.checks.is_empty() {
                written.insert(name.clone(), (indexes, table.checks.clone()));
            }
        }
        WrittenExpressions(written)
    }
}

/// A missing object is shown as the YAML wrote it, not in the canonical form it was compared
/// in (mismatches keep both sides canonical, so that their difference is the real one).
fn as_written(drift: &mut [Drift], declared: &Schema, written: &WrittenExpressions) {
    for item in drift.iter_mut() {
        let Some(table) = declared.tables.get(&item.table) else {
            continue;
        };
        let Some(pos) = item.pos else {
            continue;
        };
        let (indexes, checks) = written
            .0
            .get(&item.table)
            .map_or((&[][..], &[][..]), |(i, c)| (&i[..], &c[..]));
        match item.kind {
            DriftKind::MissingColumn => {
                if let Some(column) = table.columns.iter().find(|c| c.pos == Some(pos)) {
                    item.expected = Some(diff::describe_column(column));
                }
            }
            DriftKind::MissingIndex => {
                let index = indexes
                    .iter()
                    .chain(&table.indexes)
                    .find(|i| i.pos == Some(pos));
                if let Some(index) = index {
                    item.expected = Some(diff::describe_index(index));
                }
            }
            DriftKind::MissingCheck if item.actual.is_none() => {
                if let Some(check) = checks.iter().find(|c| c.pos == Some(pos)) {
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
