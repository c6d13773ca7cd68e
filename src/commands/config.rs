//! Which setting wins, and `driftlint config`. Each command's options arrive here built from its
//! flags (with the flags' built-in defaults); every setting the user did not give on the
//! command line is then taken from the configuration file when the file sets it: flag > file >
//! default. Each resolver also says where every value came from, which is what
//! `driftlint config` prints. The file itself is read and validated by [`crate::config`].

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::commands::check::{CheckOptions, DriftFormat};
use crate::commands::lint::{Format as LintFormat, LintOptions};
use crate::commands::repair::{RepairFormat, RepairOptions};
use crate::commands::verify::{Format as VerifyFormat, VerifyOptions};
use crate::config::lint::LintAdjust;
use crate::config::{ConfigFile, Entry, Value};
use crate::{Error, Outcome};

/// The settings given on the command line (or through the environment), by clap argument id
/// (the field name: `lock_timeout`, `schema_names`).
#[derive(Debug, Clone, Default)]
pub struct Given {
    ids: BTreeSet<String>,
}

impl Given {
    pub fn new(ids: impl IntoIterator<Item = String>) -> Given {
        Given {
            ids: ids.into_iter().collect(),
        }
    }

    fn has(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// One effective setting and where it came from: `--strict`, `driftlint.toml:12`, `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub section: &'static str,
    pub key: &'static str,
    pub value: String,
    pub origin: String,
}

/// Walks one section's settings, recording what wins and why.
struct Resolve<'a> {
    section: &'static str,
    /// Sections whose value is used when this one does not set the key.
    fallback: &'static [&'static str],
    given: &'a Given,
    file: Option<&'a ConfigFile>,
    shown: Vec<Shown>,
}

impl<'a> Resolve<'a> {
    fn new(
        section: &'static str,
        fallback: &'static [&'static str],
        given: &'a Given,
        file: Option<&'a ConfigFile>,
    ) -> Self {
        Resolve {
            section,
            fallback,
            given,
            file,
            shown: Vec::new(),
        }
    }

    /// The file's entry for `key`: this section's, else a fallback section's.
    fn entry(&self, key: &str) -> Option<&'a Entry> {
        let file = self.file?;
        std::iter::once(&self.section)
            .chain(self.fallback)
            .find_map(|section| file.get(section, key))
    }

    /// Sets `slot` from the file unless the flag `flag` (clap id, shown as `--label`) was
    /// given; records the value shown by `show` and its origin.
    fn set<T>(
        &mut self,
        key: &'static str,
        flag: (&str, &str),
        slot: &mut T,
        from: impl Fn(&Value) -> Option<T>,
        show: impl Fn(&T) -> String,
    ) {
        let origin = if self.given.has(flag.0) {
            flag.1.to_string()
        } else {
            match self.entry(key).and_then(|e| Some((from(&e.value)?, e))) {
                Some((value, entry)) => {
                    *slot = value;
                    self.origin_of(entry)
                }
                None => "default".to_string(),
            }
        };
        self.record(key, show(slot), origin);
    }

    /// [`Resolve::set`] for a setting with named values (the formats).
    fn choice<T: Copy + PartialEq>(
        &mut self,
        key: &'static str,
        flag: (&str, &str),
        slot: &mut T,
        names: &[(&str, T)],
    ) {
        let from = |v: &Value| {
            let name = text(v)?;
            names.iter().find(|(n, _)| *n == name).map(|(_, x)| *x)
        };
        let show = |x: &T| {
            let name = names.iter().find(|(_, y)| y == x).map(|(n, _)| *n);
            name.unwrap_or("?").to_string()
        };
        self.set(key, flag, slot, from, show);
    }

    fn origin_of(&self, entry: &Entry) -> String {
        let file = self.file.map(|f| f.origin(entry)).unwrap_or_default();
        if entry.section == self.section {
            file
        } else {
            format!("{file} ([{}] {})", entry.section, entry.key)
        }
    }

    fn record(&mut self, key: &'static str, value: String, origin: String) {
        self.shown.push(Shown {
            section: self.section,
            key,
            value,
            origin,
        });
    }

    /// A setting that only the file can give (no flag yet).
    fn file_only(&mut self, key: &'static str, none: &str) -> Option<&'a Value> {
        let entry = self.entry(key);
        let (value, origin) = match entry {
            Some(e) => (show_value(&e.value), self.origin_of(e)),
            None => (none.to_string(), "default".to_string()),
        };
        self.record(key, value, origin);
        entry.map(|e| &e.value)
    }
}

// Conversions from validated file values.

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => Some(t.clone()),
        _ => None,
    }
}

fn path(v: &Value) -> Option<PathBuf> {
    text(v).map(PathBuf::from)
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Flag(b) => Some(*b),
        _ => None,
    }
}

fn seconds(v: &Value) -> Option<Duration> {
    match v {
        Value::Number(n) => u64::try_from(*n).ok().map(Duration::from_secs),
        _ => None,
    }
}

fn texts(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Texts(t) => Some(t.clone()),
        _ => None,
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Flag(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Texts(t) => format!("[{}]", t.join(", ")),
        Value::Severities(pairs) => pairs
            .iter()
            .map(|(r, s)| format!("{r} = {s}"))
            .collect::<Vec<_>>()
            .join(", "),
        Value::FileIgnores(pairs) => pairs
            .iter()
            .map(|(g, r)| format!("{g} = [{}]", r.join(", ")))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

// Takes the slot's own type, to be passed where a `Fn(&PathBuf)` is wanted.
#[allow(clippy::ptr_arg)]
fn show_path(p: &PathBuf) -> String {
    p.display().to_string()
}

fn show_optional_path(p: &Option<PathBuf>) -> String {
    p.as_ref()
        .map(show_path)
        .unwrap_or_else(|| "(none)".to_string())
}

fn show_optional(t: &Option<String>) -> String {
    t.clone().unwrap_or_else(|| "(none)".to_string())
}

// Takes the slot's own type, to be passed where a `Fn(&Vec<String>)` is wanted.
#[allow(clippy::ptr_arg)]
fn show_list(t: &Vec<String>) -> String {
    if t.is_empty() {
        "(none)".to_string()
    } else {
        format!("[{}]", t.join(", "))
    }
}

fn show_seconds(d: &Duration) -> String {
    d.as_secs().to_string()
}

fn show_flag(b: &bool) -> String {
    b.to_string()
}

/// The settings of `[check]` (and, for repair, `[repair]` then `[check]`) that say where the
/// actual schema comes from.
fn source_settings(r: &mut Resolve, source: &mut crate::pipeline::SourceOptions) {
    // An empty DATABASE_URL counts as none (the binary drops it).
    let url_given = r.given.has("database_url") && source.database_url.is_some();
    let migrations_flag = if url_given {
        // A database URL (flag or DATABASE_URL) wins over a migration directory in the file.
        ("database_url", "--database-url / DATABASE_URL")
    } else {
        ("migrations", "--migrations")
    };
    r.set(
        "migrations",
        migrations_flag,
        &mut source.migrations,
        |v| path(v).map(Some),
        show_optional_path,
    );
    r.set(
        "glob",
        ("glob", "--glob"),
        &mut source.glob,
        |v| text(v).map(Some),
        show_optional,
    );
    r.set(
        "schema-names",
        ("schema_names", "--schema-name"),
        &mut source.schema_names,
        texts,
        show_list,
    );
    r.set(
        "ignore-tables",
        ("", ""),
        &mut source.ignore_tables,
        texts,
        show_list,
    );
    r.set(
        "timeout",
        ("timeout", "--timeout"),
        &mut source.timeout,
        seconds,
        show_seconds,
    );
}

/// `models` and `python`: SQLAlchemy models declaring the schema instead of schema.yaml. A
/// `--schema` on the command line wins over models set in the file.
fn models_settings(r: &mut Resolve, models: &mut Option<String>, python: &mut Option<PathBuf>) {
    let models_flag = if r.given.has("schema") && !r.given.has("models") {
        ("schema", "--schema")
    } else {
        ("models", "--models")
    };
    r.set(
        "models",
        models_flag,
        models,
        |v| text(v).map(Some),
        show_optional,
    );
    r.set(
        "python",
        ("python", "--python"),
        python,
        |v| path(v).map(Some),
        show_optional_path,
    );
}

/// `alembic`: the Alembic project run instead of SQL files. A flag of `sql_only` (clap id and
/// how it is shown) on the command line means SQL files, and wins over the file's project.
fn alembic_setting(r: &mut Resolve, ini: &mut Option<PathBuf>, sql_only: &[(&str, &str)]) {
    let flag = sql_only
        .iter()
        .copied()
        .find(|(id, _)| r.given.has(id))
        .unwrap_or(("alembic", "--alembic"));
    r.set(
        "alembic",
        flag,
        ini,
        |v| path(v).map(Some),
        show_optional_path,
    );
}

/// `check`'s options after the configuration file, and where each came from.
pub fn check(options: &mut CheckOptions, given: &Given, file: Option<&ConfigFile>) -> Vec<Shown> {
    let mut r = Resolve::new("check", &[], given, file);
    r.set(
        "schema",
        ("schema", "--schema"),
        &mut options.schema,
        path,
        show_path,
    );
    models_settings(&mut r, &mut options.models, &mut options.python);
    source_settings(&mut r, &mut options.source);
    r.set(
        "strict",
        ("strict", "--strict"),
        &mut options.strict,
        flag,
        show_flag,
    );
    r.choice(
        "format",
        ("format", "--format"),
        &mut options.format,
        &[
            ("json", DriftFormat::Json),
            ("github", DriftFormat::Github),
            ("human", DriftFormat::Human),
        ],
    );
    r.shown
}

/// `repair`'s options after the configuration file: `[repair]`, then `[check]` for the keys
/// they share.
pub fn repair(options: &mut RepairOptions, given: &Given, file: Option<&ConfigFile>) -> Vec<Shown> {
    let mut r = Resolve::new("repair", &["check"], given, file);
    r.set(
        "schema",
        ("schema", "--schema"),
        &mut options.schema,
        path,
        show_path,
    );
    models_settings(&mut r, &mut options.models, &mut options.python);
    source_settings(&mut r, &mut options.source);
    r.fallback = &[];
    let output_given = given.has("output") || given.has("out_dir");
    let (out_flag, dir_flag) = if output_given {
        (
            ("output", "--output / --out-dir"),
            ("out_dir", "--output / --out-dir"),
        )
    } else {
        (("output", "--output"), ("out_dir", "--out-dir"))
    };
    r.set(
        "output",
        out_flag,
        &mut options.output,
        |v| path(v).map(Some),
        show_optional_path,
    );
    r.set(
        "out-dir",
        dir_flag,
        &mut options.out_dir,
        |v| path(v).map(Some),
        show_optional_path,
    );
    if options.output.is_some() && options.out_dir.is_some() && !output_given {
        // Both from the file: the directory wins, as the flags cannot be given together.
        options.output = None;
    }
    r.choice(
        "format",
        ("format", "--format"),
        &mut options.format,
        &[
            ("sql", RepairFormat::Sql),
            ("alembic", RepairFormat::Alembic),
        ],
    );
    r.set(
        "alembic-dir",
        ("alembic_dir", "--alembic-dir"),
        &mut options.alembic_dir,
        |v| path(v).map(Some),
        show_optional_path,
    );
    r.set(
        "destructive",
        ("destructive", "--destructive"),
        &mut options.destructive,
        flag,
        show_flag,
    );
    r.set(
        "lock-timeout",
        ("lock_timeout", "--lock-timeout"),
        &mut options.lock_timeout,
        text,
        Clone::clone,
    );
    r.shown
}

/// `verify`'s options after the configuration file: `[verify]`, then `[check]`'s migration
/// directory, glob and timeout.
pub fn verify(options: &mut VerifyOptions, given: &Given, file: Option<&ConfigFile>) -> Vec<Shown> {
    let mut r = Resolve::new("verify", &["check"], given, file);
    verify_paths(&mut r, &mut options.paths);
    r.set(
        "glob",
        ("glob", "--glob"),
        &mut options.glob,
        |v| text(v).map(Some),
        show_optional,
    );
    r.set(
        "timeout",
        ("timeout", "--timeout"),
        &mut options.timeout,
        seconds,
        show_seconds,
    );
    r.fallback = &[];
    r.choice(
        "format",
        ("format", "--format"),
        &mut options.format,
        &[
            ("json", VerifyFormat::Json),
            ("github", VerifyFormat::Github),
            ("human", VerifyFormat::Human),
        ],
    );
    alembic_setting(
        &mut r,
        &mut options.alembic,
        &[
            ("paths", "PATH"),
            ("both_ways", "--both-ways"),
            ("glob", "--glob"),
            ("dev_url", "--dev-url"),
            ("locks", "--locks"),
            ("rows", "--rows"),
        ],
    );
    r.fallback = &["check"];
    r.set(
        "python",
        ("python", "--python"),
        &mut options.python,
        |v| path(v).map(Some),
        show_optional_path,
    );
    r.fallback = &[];
    verify_run_settings(&mut r, options);
    r.shown
}

/// `verify`'s paths: the PATH arguments, else `migrations` from `[verify]` or `[check]`, else
/// `migrations`.
fn verify_paths(r: &mut Resolve, paths: &mut Vec<PathBuf>) {
    let mut shown_paths = paths.clone();
    if shown_paths.is_empty() {
        shown_paths.push(PathBuf::from("migrations"));
    }
    r.set(
        "migrations",
        ("paths", "PATH"),
        &mut shown_paths,
        |v| match v {
            Value::Texts(t) => Some(t.iter().map(PathBuf::from).collect()),
            Value::Text(t) => Some(vec![PathBuf::from(t)]),
            _ => None,
        },
        |p| p.iter().map(show_path).collect::<Vec<_>>().join(", "),
    );
    *paths = shown_paths;
}

/// How `verify` runs each file: `both-ways`, `locks` and `rows`.
fn verify_run_settings(r: &mut Resolve, options: &mut VerifyOptions) {
    r.set(
        "both-ways",
        ("both_ways", "--both-ways"),
        &mut options.both_ways,
        flag,
        show_flag,
    );
    r.set(
        "locks",
        ("locks", "--locks"),
        &mut options.locks,
        flag,
        show_flag,
    );
    r.set(
        "rows",
        ("rows", "--rows"),
        &mut options.rows,
        |v| match v {
            Value::Number(n) => usize::try_from(*n).ok().map(Some),
            _ => None,
        },
        |rows| match rows {
            Some(n) => n.to_string(),
            None => "(1000 with locks, else 0)".to_string(),
        },
    );
}

/// `lint`'s options after the configuration file. Without PATH arguments, `lint` lints
/// `[check] migrations` when the file sets it.
pub fn lint(options: &mut LintOptions, given: &Given, file: Option<&ConfigFile>) -> Vec<Shown> {
    let mut r = Resolve::new("lint", &[], given, file);
    r.set(
        "select",
        ("select", "--select"),
        &mut options.select,
        texts,
        show_list,
    );
    r.set(
        "ignore",
        ("ignore", "--ignore"),
        &mut options.ignore,
        texts,
        show_list,
    );
    r.set(
        "schema",
        ("schema", "--schema"),
        &mut options.schema,
        |v| path(v).map(Some),
        show_optional_path,
    );
    models_settings(&mut r, &mut options.models, &mut options.python);
    alembic_setting(
        &mut r,
        &mut options.alembic,
        &[
            ("paths", "PATH"),
            ("fix", "--fix"),
            ("stdin_filename", "--stdin-filename"),
        ],
    );
    r.choice(
        "format",
        ("format", "--format"),
        &mut options.format,
        &[
            ("json", LintFormat::Json),
            ("sarif", LintFormat::Sarif),
            ("github", LintFormat::Github),
            ("human", LintFormat::Human),
        ],
    );
    let adjust = lint_adjust(&mut r);
    lint_engine_settings(&mut r, options);
    if let Some(adjust) = adjust {
        options.adjust = adjust;
    }
    lint_paths(&mut r, &mut options.paths);
    r.shown
}

/// The file-only settings that narrow what `lint` reports: `exclude`, `per-file-ignores` and
/// `severity`, in that order; `None` without a file.
fn lint_adjust(r: &mut Resolve) -> Option<LintAdjust> {
    let exclude = r
        .file_only("exclude", "(none)")
        .and_then(texts)
        .unwrap_or_default();
    let per_file = match r.file_only("per-file-ignores", "(none)") {
        Some(Value::FileIgnores(pairs)) => pairs.clone(),
        _ => Vec::new(),
    };
    let severity = match r.file_only("severity", "(rule defaults)") {
        Some(Value::Severities(pairs)) => pairs.clone(),
        _ => Vec::new(),
    };
    let file = r.file?;
    Some(LintAdjust::new(&file.dir, &exclude, &per_file, &severity))
}

/// `lint`'s settings about the database it runs against: `pg-version`, `small-table-rows` and
/// `runner`.
fn lint_engine_settings(r: &mut Resolve, options: &mut LintOptions) {
    r.set(
        "pg-version",
        ("pg_version", "--pg-version"),
        &mut options.pg_version,
        |v| match v {
            Value::Number(n) => u32::try_from(*n).ok().map(Some),
            _ => None,
        },
        |v| match v {
            Some(n) => n.to_string(),
            None => format!("{} (the oldest supported)", crate::lint::OLDEST_PG_VERSION),
        },
    );
    r.set(
        "small-table-rows",
        ("small_table_rows", "--small-table-rows"),
        &mut options.small_table_rows,
        |v| match v {
            Value::Number(n) => u64::try_from(*n).ok().map(Some),
            _ => None,
        },
        |v| match v {
            Some(n) => n.to_string(),
            None => crate::lint::tables::SMALL_TABLE_ROWS.to_string(),
        },
    );
    r.set(
        "runner",
        ("runner", "--runner"),
        &mut options.runner,
        |v| {
            text(v)
                .and_then(|name| crate::lint::Runner::from_name(&name))
                .map(Some)
        },
        |v| match v {
            Some(runner) => runner.name().to_string(),
            None => "(none: only the files' own BEGIN/COMMIT)".to_string(),
        },
    );
}

/// `lint`'s paths: the PATH arguments, else `[check] migrations` from the file, else none.
fn lint_paths(r: &mut Resolve, paths: &mut Vec<PathBuf>) {
    let from_check = r.file.and_then(|f| f.get("check", "migrations"));
    let origin = if r.given.has("paths") {
        "PATH".to_string()
    } else if let Some(entry) = from_check.filter(|_| paths.is_empty()) {
        *paths = path(&entry.value).into_iter().collect();
        r.origin_of(entry)
    } else {
        "default".to_string()
    };
    let value = match paths.is_empty() {
        true => "(none)".to_string(),
        false => paths.iter().map(show_path).collect::<Vec<_>>().join(", "),
    };
    r.record("paths", value, origin);
}

/// `driftlint config`: the file used (if any) and every effective setting with its origin.
pub fn run(
    file: Option<&ConfigFile>,
    shown: &[Shown],
    json: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let used = file.map(|f| f.shown_path().display().to_string());
    if json {
        let settings: Vec<serde_json::Value> = shown
            .iter()
            .map(|s| {
                serde_json::json!({
                    "section": s.section, "key": s.key, "value": s.value, "source": s.origin,
                })
            })
            .collect();
        let doc = serde_json::json!({ "version": 1, "file": used, "settings": settings });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| Error::Output(e.into()))?;
        writeln!(out).map_err(Error::Output)?;
        return Ok(Outcome::Clean);
    }
    human(used.as_deref(), shown, out).map_err(Error::Output)?;
    Ok(Outcome::Clean)
}

fn human(used: Option<&str>, shown: &[Shown], out: &mut dyn Write) -> std::io::Result<()> {
    match used {
        Some(path) => writeln!(out, "config file: {path}")?,
        None => writeln!(out, "config file: none (built-in defaults)")?,
    }
    let mut section = "";
    for s in shown {
        if s.section != section {
            section = s.section;
            writeln!(out, "\n[{section}]")?;
        }
        let value = crate::report::terminal::printable(&s.value);
        writeln!(out, "  {:<18} {:<32} {}", s.key, value, s.origin)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with_check_migrations(dir: &str) -> ConfigFile {
        ConfigFile {
            path: PathBuf::from("/project/driftlint.toml"),
            dir: PathBuf::from("/project"),
            pyproject: false,
            entries: vec![Entry {
                section: "check",
                key: "migrations",
                value: Value::Text(dir.to_string()),
                line: 3,
            }],
        }
    }

    fn lint_paths_of(
        given: &[&str],
        file: Option<&ConfigFile>,
        paths: &[&str],
    ) -> (Vec<PathBuf>, Shown) {
        let given = Given::new(given.iter().map(|id| id.to_string()));
        let mut r = Resolve::new("lint", &[], &given, file);
        let mut paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        lint_paths(&mut r, &mut paths);
        (paths, r.shown.pop().expect("lint_paths records the paths"))
    }

    #[test]
    fn lint_paths_come_from_check_migrations_when_none_are_given() {
        let file = file_with_check_migrations("db/migrations");
        let (paths, shown) = lint_paths_of(&[], Some(&file), &[]);
        assert_eq!(paths, vec![PathBuf::from("db/migrations")]);
        assert_eq!(shown.key, "paths");
        assert_eq!(shown.value, "db/migrations");
        assert!(
            shown.origin.ends_with(":3 ([check] migrations)"),
            "{}",
            shown.origin
        );
    }

    #[test]
    fn lint_path_arguments_win_over_check_migrations() {
        let file = file_with_check_migrations("db/migrations");
        let (paths, shown) = lint_paths_of(&["paths"], Some(&file), &["one.sql", "two.sql"]);
        assert_eq!(
            paths,
            vec![PathBuf::from("one.sql"), PathBuf::from("two.sql")]
        );
        assert_eq!(
            (shown.value.as_str(), shown.origin.as_str()),
            ("one.sql, two.sql", "PATH")
        );
    }

    #[test]
    fn lint_paths_are_none_without_arguments_or_file() {
        let (paths, shown) = lint_paths_of(&[], None, &[]);
        assert!(paths.is_empty());
        assert_eq!(
            (shown.value.as_str(), shown.origin.as_str()),
            ("(none)", "default")
        );
    }
}
