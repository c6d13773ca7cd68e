//! Command-line definitions (clap derive) and nothing else: no logic lives here.
//!
//! `main.rs` turns these into the library's plain config structs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "driftlint",
    version,
    about = "Keeps a PostgreSQL database honest against its declared schema, and its migrations safe to run twice.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Read the settings from this file instead of the driftlint.toml found upward.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file: flags and built-in defaults only.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint .sql migration files for non-idempotent DDL and locking hazards.
    Lint(LintArgs),
    /// Compare schema.yaml with a live database (or a replayed migration directory).
    Check(CheckArgs),
    /// Generate a migration that repairs the drift found by `check`.
    Repair(RepairArgs),
    /// Write the live database's schema as schema.yaml.
    Pull(PullArgs),
    /// Apply each migration twice on a scratch database: the second run must succeed and change nothing.
    Verify(VerifyArgs),
    /// List the lint rules.
    Rules(RulesArgs),
    /// Print the documentation page of a lint rule.
    Explain(ExplainArgs),
    /// Detect the migration layout here and write driftlint.toml (or [tool.driftlint]).
    Init(InitArgs),
    /// Print the effective settings and where each came from.
    Config(ConfigArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint (directories are walked recursively); '-' reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Only these rules or categories (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Skip these rules or categories (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Name used for stdin in reports.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Rewrite files in place with the safe fixes.
    #[arg(long)]
    pub fix: bool,
    /// Declared schema, used by rules that need to know the tables.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub models: ModelsArgs,
    /// PostgreSQL major version the migrations run on (13 to 18; default 13).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(13..=18))]
    pub pg_version: Option<u32>,
    /// The tool that runs the migrations: whether it wraps each file in a transaction.
    #[arg(long, value_name = "RUNNER", value_parser = runner_names())]
    pub runner: Option<String>,
    /// Read the tables' sizes and column types from this database (read only).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// With --database-url: locking findings on tables with fewer rows are info (default 10000).
    #[arg(long, value_name = "ROWS", requires = "database_url")]
    pub small_table_rows: Option<u64>,
    /// Lint an Alembic project's revisions (its alembic.ini, or the directory holding it;
    /// default ./alembic.ini), each as `alembic upgrade --sql` renders it, reported against
    /// the revision file.
    #[arg(
        long,
        value_name = "INI",
        num_args = 0..=1,
        default_missing_value = "alembic.ini",
        conflicts_with_all = ["paths", "fix", "stdin_filename"]
    )]
    pub alembic: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
}

/// Where the actual schema comes from: a live database or a migration directory.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The database to compare with (falls back to DATABASE_URL).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Replay this migration directory on a scratch database instead.
    #[arg(long, value_name = "DIR", conflicts_with = "database_url")]
    pub migrations: Option<PathBuf>,
    /// With --migrations: use this server for the scratch database instead of starting one.
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// With --migrations: which files are "up" migrations (overrides the defaults).
    #[arg(long, value_name = "GLOB")]
    pub glob: Option<String>,
    /// Schemas to read (repeatable); defaults to the schemas schema.yaml declares.
    #[arg(long = "schema-name", value_name = "NAME")]
    pub schema_names: Vec<String>,
    /// Bound on each migration file / catalog query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

/// SQLAlchemy models as the declared schema, instead of schema.yaml.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Declare the schema with SQLAlchemy models (a declarative base or a MetaData), exported by
    /// the driftlint-sqlalchemy package: e.g. app.models:Base.
    #[arg(long, value_name = "MODULE:ATTR", conflicts_with = "schema")]
    pub models: Option<String>,
    /// The project's Python, which imports the models (and, with --alembic, runs Alembic);
    /// default: $VIRTUAL_ENV's, ./.venv's, then python3.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[arg(long, value_name = "FILE", default_value = "schema.yaml")]
    pub schema: PathBuf,
    #[command(flatten)]
    pub models: ModelsArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Extra objects in the database fail the check too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RepairFormat {
    Sql,
    Alembic,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    #[arg(long, value_name = "FILE", default_value = "schema.yaml")]
    pub schema: PathBuf,
    #[command(flatten)]
    pub models: ModelsArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Write the migration here ('-' for stdout, the default).
    #[arg(long, value_name = "FILE", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = RepairFormat::Sql)]
    pub format: RepairFormat,
    /// Write the next numbered file (NNN_name.sql or an Alembic revision) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Alembic versions directory, to find down_revision.
    #[arg(long, value_name = "DIR")]
    pub alembic_dir: Option<PathBuf>,
    /// Also emit drops and type changes as executable statements (they lose data).
    #[arg(long)]
    pub destructive: bool,
    /// Value for `SET lock_timeout` at the top of the script.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub lock_timeout: String,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Where to write the YAML ('-' or absent: stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Schemas to read (repeatable); default: every non-system schema.
    #[arg(long = "schema-name", value_name = "NAME")]
    pub schema_names: Vec<String>,
    /// Bound on connecting and on each catalog query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Migration files or directories, applied in C-locale sorted order.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Use this server for the scratch database instead of starting one.
    #[arg(long, alias = "database-url", value_name = "URL")]
    pub dev_url: Option<String>,
    /// Which files are "up" migrations (overrides the defaults).
    #[arg(long, value_name = "GLOB")]
    pub glob: Option<String>,
    /// Bound on each migration file, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Also run each file's down migration (down.sql, .down.sql, __down.sql, dbmate's and
    /// goose's down section): it must restore the schema, and the up after it must give the
    /// same schema again.
    #[arg(long)]
    pub both_ways: bool,
    /// Record, statement by statement, the locks each first run takes on existing tables, the
    /// tables it rewrites or scans and the indexes it builds; cross-check the linter's locking
    /// findings with them.
    #[arg(long)]
    pub locks: bool,
    /// Fill every existing table with N generated rows before each file (default: 1000 with
    /// --locks, else 0; 0 disables).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,
    /// Run an Alembic history instead (its alembic.ini, or the directory holding it; default
    /// ./alembic.ini): each revision upgraded, upgraded again with alembic_version set back,
    /// downgraded and upgraded again, by Alembic itself.
    #[arg(
        long,
        value_name = "INI",
        num_args = 0..=1,
        default_missing_value = "alembic.ini",
        conflicts_with_all = ["paths", "both_ways", "glob", "dev_url", "locks", "rows"]
    )]
    pub alembic: Option<PathBuf>,
    /// With --alembic (or [verify] alembic in the configuration file): the project's Python,
    /// which has Alembic and the database driver (default: $VIRTUAL_ENV's, ./.venv's, then
    /// python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule name, e.g. add-column-without-if-not-exists.
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also write schema.yaml from this database (as `driftlint pull` does).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Replace an existing configuration (and schema.yaml with --database-url).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    /// A command line to resolve, e.g. `check --strict`: its flags are shown winning over the
    /// file. Without one, every command's settings from the file and the defaults.
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

/// The names `--runner` accepts: the lint engine's runners.
fn runner_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(driftlint::lint::Runner::ALL.map(|r| r.name()))
}
