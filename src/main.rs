//! The `driftlint` binary: parse the command line, call the library, map the outcome to an exit
//! code (0 clean, 1 findings or drift, 2 error). Nothing else lives here.

mod cli;

/// Statement tokens are many small allocations; mimalloc cuts the linter's CPU time by about a
/// fifth on the shared corpus compared with the system allocator. It is built without asking for
/// transparent huge pages (`no_thp`): a short run spent up to a third of its CPU time having the
/// kernel zero fresh 2 MiB pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clap::{CommandFactory, FromArgMatches};
use driftlint::commands::config::{Given, Shown};
use driftlint::config::ConfigFile;
use driftlint::{Error, Outcome};

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let given = given(&matches);
    JSON.store(wants_json(&cli.command), Ordering::SeqCst);
    driftlint::deadline::watch(stalled);
    let mut out = Counting {
        inner: std::io::stdout(),
    };
    let result = dispatch(cli, &given, &mut out);
    let _ = out.flush();
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            fail(error);
            ExitCode::from(2)
        }
    }
}

/// `--format json` is chosen (on the command line or in the configuration file): an error
/// then still prints one JSON document.
static JSON: AtomicBool = AtomicBool::new(false);

/// Bytes written to standard output so far.
static WRITTEN: AtomicUsize = AtomicUsize::new(0);

/// Reports `error`: the JSON error document on stdout when JSON was asked for and nothing was
/// printed yet, the diagnostic on stderr.
fn fail(error: Error) {
    if JSON.load(Ordering::SeqCst) && WRITTEN.load(Ordering::SeqCst) == 0 {
        // A script parsing stdout still gets one document.
        let mut stdout = std::io::stdout();
        let _ = driftlint::report::error::json(&error, &mut stdout);
        let _ = stdout.flush();
    }
    eprintln!("{:?}", miette::Report::new(error));
}

/// A database step outlived its limit (the watchdog's thread): clean up what the run leaves
/// behind, report, exit 2. The main thread stays blocked on its socket until the exit.
fn stalled(what: &str, seconds: u64) -> ! {
    driftlint::interrupt::clean_up(std::time::Duration::from_secs(10));
    fail(Error::Db(driftlint::introspect::DbError::Stalled {
        what: what.to_string(),
        seconds,
    }));
    std::process::exit(2);
}

/// Runs the command, with the configuration file for those that read one (which may choose the
/// JSON format, see [`JSON`]).
fn dispatch(cli: Cli, given: &Given, out: &mut dyn Write) -> Result<Outcome, Error> {
    let config = || driftlint::config::for_run(cli.config.as_deref(), cli.no_config);
    match cli.command {
        Command::Lint(args) => lint(args, given, config()?.as_ref(), out),
        Command::Check(args) => check(args, given, config()?.as_ref(), out),
        Command::Repair(args) => repair(args, given, config()?.as_ref(), out),
        Command::Pull(args) => pull(args, out),
        Command::Verify(args) => verify(args, given, config()?.as_ref(), out),
        Command::Rules(args) => rules(args, out),
        Command::Explain(args) => explain(args, out),
        Command::Init(args) => init(args, out),
        Command::Config(args) => show_config(args, config()?.as_ref(), out),
    }
}

/// The arguments of the subcommand given on the command line or through the environment (not
/// filled in by a default), by clap id: those win over the configuration file.
fn given(matches: &clap::ArgMatches) -> Given {
    use clap::parser::ValueSource;
    let Some((_, sub)) = matches.subcommand() else {
        return Given::default();
    };
    Given::new(
        sub.ids()
            .filter(|id| {
                matches!(
                    sub.value_source(id.as_str()),
                    Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                )
            })
            .map(|id| id.to_string()),
    )
}

/// `--format json`: the command's one document on stdout, an error document when it fails.
fn wants_json(command: &Command) -> bool {
    match command {
        Command::Lint(args) => matches!(args.format, cli::LintFormat::Json),
        Command::Check(args) => matches!(args.format, cli::CheckFormat::Json),
        Command::Verify(args) => matches!(args.format, cli::CheckFormat::Json),
        Command::Rules(args) => matches!(args.format, cli::RulesFormat::Json),
        Command::Config(args) => matches!(args.format, cli::RulesFormat::Json),
        Command::Repair(_) | Command::Pull(_) | Command::Explain(_) | Command::Init(_) => false,
    }
}

/// Standard output, counting what was written in [`WRITTEN`] (a failed run that already printed
/// its report gets no second document).
struct Counting<W> {
    inner: W,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        WRITTEN.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

// ---------------------------------------------------------------------------------------------
// lint, rules, explain

fn lint(
    args: cli::LintArgs,
    given: &Given,
    file: Option<&ConfigFile>,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut options = lint_options(args);
    driftlint::commands::config::lint(&mut options, given, file);
    JSON.store(
        options.format == driftlint::commands::lint::Format::Json,
        Ordering::SeqCst,
    );
    if let Some(ini) = options.alembic.clone() {
        let err = &mut std::io::stderr();
        return driftlint::commands::lint_alembic::run(&options, &ini, out, err);
    }
    driftlint::commands::lint::run(&options, out)
}

fn lint_options(args: cli::LintArgs) -> driftlint::commands::lint::LintOptions {
    use std::io::IsTerminal;
    let format = match args.format {
        cli::LintFormat::Human => driftlint::commands::lint::Format::Human,
        cli::LintFormat::Json => driftlint::commands::lint::Format::Json,
        cli::LintFormat::Sarif => driftlint::commands::lint::Format::Sarif,
        cli::LintFormat::Github => driftlint::commands::lint::Format::Github,
    };
    driftlint::commands::lint::LintOptions {
        paths: args.paths,
        format,
        select: args.select,
        ignore: args.ignore,
        stdin_filename: args.stdin_filename,
        fix: args.fix,
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        schema: args.schema,
        models: args.models.models,
        python: args.models.python,
        alembic: args.alembic,
        pg_version: args.pg_version,
        database_url: args.database_url.filter(|url| !url.is_empty()),
        small_table_rows: args.small_table_rows,
        runner: args
            .runner
            .as_deref()
            .and_then(driftlint::lint::Runner::from_name),
        adjust: Default::default(),
    }
}

fn rules(args: cli::RulesArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let json = args.format == cli::RulesFormat::Json;
    driftlint::commands::lint::list_rules(json, out)
}

fn explain(args: cli::ExplainArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    driftlint::commands::lint::explain(&args.rule, out)
}

// ---------------------------------------------------------------------------------------------
// check

/// Where `check` and `repair` read the actual schema from.
fn source_options(source: cli::SourceArgs) -> driftlint::pipeline::SourceOptions {
    driftlint::pipeline::SourceOptions {
        database_url: source.database_url.filter(|url| !url.is_empty()),
        migrations: source.migrations,
        dev_url: source.dev_url,
        glob: source.glob,
        schema_names: source.schema_names,
        timeout: std::time::Duration::from_secs(source.timeout.max(1)),
        ignore_tables: Vec::new(),
    }
}

fn check(
    args: cli::CheckArgs,
    given: &Given,
    file: Option<&ConfigFile>,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut options = check_options(args);
    driftlint::commands::config::check(&mut options, given, file);
    JSON.store(
        options.format == driftlint::commands::check::DriftFormat::Json,
        Ordering::SeqCst,
    );
    driftlint::commands::check::run(&options, out)
}

fn check_options(args: cli::CheckArgs) -> driftlint::commands::check::CheckOptions {
    use driftlint::commands::check::{CheckOptions, DriftFormat};
    CheckOptions {
        schema: args.schema,
        models: args.models.models,
        python: args.models.python,
        source: source_options(args.source),
        format: match args.format {
            cli::CheckFormat::Human => DriftFormat::Human,
            cli::CheckFormat::Json => DriftFormat::Json,
            cli::CheckFormat::Github => DriftFormat::Github,
        },
        strict: args.strict,
    }
}

// ---------------------------------------------------------------------------------------------
// pull

fn pull(args: cli::PullArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let options = driftlint::commands::pull::PullOptions {
        database_url: args.database_url,
        output: args.output,
        schema_names: args.schema_names,
        timeout: Some(args.timeout)
            .filter(|&seconds| seconds > 0)
            .map(std::time::Duration::from_secs),
    };
    driftlint::commands::pull::run(&options, out)
}

// ---------------------------------------------------------------------------------------------
// repair

fn repair(
    args: cli::RepairArgs,
    given: &Given,
    file: Option<&ConfigFile>,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut options = repair_options(args);
    driftlint::commands::config::repair(&mut options, given, file);
    driftlint::commands::repair::run(&options, out, &mut std::io::stderr())
}

fn repair_options(args: cli::RepairArgs) -> driftlint::commands::repair::RepairOptions {
    use driftlint::commands::repair::{RepairFormat, RepairOptions};
    RepairOptions {
        schema: args.schema,
        models: args.models.models,
        python: args.models.python,
        source: source_options(args.source),
        output: args.output,
        out_dir: args.out_dir,
        format: match args.format {
            cli::RepairFormat::Sql => RepairFormat::Sql,
            cli::RepairFormat::Alembic => RepairFormat::Alembic,
        },
        alembic_dir: args.alembic_dir,
        destructive: args.destructive,
        lock_timeout: args.lock_timeout,
    }
}

// ---------------------------------------------------------------------------------------------
// verify

fn verify(
    args: cli::VerifyArgs,
    given: &Given,
    file: Option<&ConfigFile>,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut options = verify_options(args);
    driftlint::commands::config::verify(&mut options, given, file);
    JSON.store(
        options.format == driftlint::commands::verify::Format::Json,
        Ordering::SeqCst,
    );
    if let Some(ini) = options.alembic.take() {
        use driftlint::commands::verify_alembic::{run, VerifyAlembicOptions};
        let alembic = VerifyAlembicOptions {
            ini,
            python: options.python.take(),
            timeout: options.timeout,
            format: options.format,
        };
        return run(&alembic, out);
    }
    driftlint::commands::verify::run(&options, out)
}

fn verify_options(args: cli::VerifyArgs) -> driftlint::commands::verify::VerifyOptions {
    use driftlint::commands::verify::{Format, VerifyOptions};
    VerifyOptions {
        paths: args.paths,
        dev_url: args.dev_url,
        glob: args.glob,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        format: match args.format {
            cli::CheckFormat::Human => Format::Human,
            cli::CheckFormat::Json => Format::Json,
            cli::CheckFormat::Github => Format::Github,
        },
        both_ways: args.both_ways,
        locks: args.locks,
        rows: args.rows,
        alembic: args.alembic,
        python: args.python,
    }
}

// ---------------------------------------------------------------------------------------------
// init, config

fn init(args: cli::InitArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let options = driftlint::commands::init::InitOptions {
        dir: std::path::PathBuf::from("."),
        database_url: args.database_url.filter(|url| !url.is_empty()),
        force: args.force,
    };
    driftlint::commands::init::run(&options, out)
}

/// `driftlint config [COMMAND ...]`: each command's settings, resolved as that command would
/// resolve them (the given command line for the named command, no flags for the others).
fn show_config(
    args: cli::ConfigArgs,
    file: Option<&ConfigFile>,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    use driftlint::commands::config as resolve;
    const NAMES: [&str; 4] = ["lint", "check", "repair", "verify"];
    if let Some(first) = args
        .command
        .first()
        .filter(|c| !NAMES.contains(&c.as_str()))
    {
        let message = format!(
            "`driftlint config {first}`: the command must be one of {}",
            NAMES.join(", ")
        );
        Cli::command()
            .error(clap::error::ErrorKind::InvalidValue, message)
            .exit();
    }
    let mut shown: Vec<Shown> = Vec::new();
    for name in NAMES {
        let mut argv = vec!["driftlint".to_string(), name.to_string()];
        if args.command.first().map(String::as_str) == Some(name) {
            argv.extend(args.command[1..].iter().cloned());
        }
        let matches = Cli::command()
            .try_get_matches_from(&argv)
            .unwrap_or_else(|e| e.exit());
        let given = given(&matches);
        let parsed = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        shown.extend(match parsed.command {
            Command::Lint(a) => resolve::lint(&mut lint_options(a), &given, file),
            Command::Check(a) => resolve::check(&mut check_options(a), &given, file),
            Command::Repair(a) => resolve::repair(&mut repair_options(a), &given, file),
            Command::Verify(a) => resolve::verify(&mut verify_options(a), &given, file),
            _ => Vec::new(),
        });
    }
    let json = args.format == cli::RulesFormat::Json;
    resolve::run(file, &shown, json, out)
}
