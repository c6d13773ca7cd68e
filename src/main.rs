//! The `driftlint` binary: parse the command line, call the library, map the outcome to an exit
//! code (0 clean, 1 findings or drift, 2 error). Nothing else lives here.

mod cli;

/// Statement tokens are many small allocations; mimalloc cuts the linter's CPU time by about a
/// fifth on the shared corpus compared with the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use driftlint::{Error, Outcome};

use crate::cli::{Cli, Command};

/// When mimalloc gives freed memory back to the system, by command. `check`, `pull` and `repair`
/// read a large schema.yaml and a large catalog side by side, and parsing each frees much memory
/// as it goes: on the 10,000-table benchmark (median of 6 runs), never giving it back peaked at
/// 169 MB in 0.60 s, giving it back at once at 138 MB in 0.69 s (pages given back and faulted in
/// again cost system time), after 50 ms at 157 MB in 0.61 s. `lint` frees and allocates again
/// all along, a file after another: keeping the pages avoids faulting them in again (on the
/// shared corpus, 0.01-0.02 s of system time instead of 0.01-0.20 s, for the same peak).
fn tune_allocator(command: &Command) {
    let delay_ms: std::ffi::c_long = match command {
        Command::Check(_) | Command::Pull(_) | Command::Repair(_) => 50,
        Command::Lint(_) => -1,
        _ => return,
    };
    // `mi_option_purge_delay`, the option right before `mi_option_use_numa_nodes` in the
    // mimalloc.h of both mimalloc versions libmimalloc-sys builds (it names the latter only);
    // -1 is never.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_use_numa_nodes - 1;
    // SAFETY: called once, first thing in `main`, before any other thread exists (mimalloc's
    // option setters are not thread safe); the option takes a plain integer.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay_ms) };
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tune_allocator(&cli.command);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Lint(args) => lint(args, &mut out),
        Command::Check(args) => check(args, &mut out),
        Command::Repair(args) => repair(args, &mut out),
        Command::Pull(args) => pull(args, &mut out),
        Command::Verify(args) => verify(args, &mut out),
        Command::Rules(args) => rules(args, &mut out),
        Command::Explain(args) => explain(args, &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// lint, rules, explain

fn lint(args: cli::LintArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    use std::io::IsTerminal;
    let format = match args.format {
        cli::LintFormat::Human => driftlint::commands::lint::Format::Human,
        cli::LintFormat::Json => driftlint::commands::lint::Format::Json,
        cli::LintFormat::Sarif => driftlint::commands::lint::Format::Sarif,
        cli::LintFormat::Github => driftlint::commands::lint::Format::Github,
    };
    let options = driftlint::commands::lint::LintOptions {
        paths: args.paths,
        format,
        select: args.select,
        ignore: args.ignore,
        stdin_filename: args.stdin_filename,
        fix: args.fix,
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        schema: args.schema,
    };
    driftlint::commands::lint::run(&options, out)
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
fn source_options(source: cli::SourceArgs) -> driftlint::check::SourceOptions {
    driftlint::check::SourceOptions {
        database_url: source.database_url.filter(|url| !url.is_empty()),
        migrations: source.migrations,
        dev_url: source.dev_url,
        glob: source.glob,
        schema_names: source.schema_names,
        timeout: std::time::Duration::from_secs(source.timeout.max(1)),
    }
}

fn check(args: cli::CheckArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    use driftlint::check::{CheckOptions, DriftFormat};
    let options = CheckOptions {
        schema: args.schema,
        source: source_options(args.source),
        format: match args.format {
            cli::CheckFormat::Human => DriftFormat::Human,
            cli::CheckFormat::Json => DriftFormat::Json,
            cli::CheckFormat::Github => DriftFormat::Github,
        },
        strict: args.strict,
    };
    driftlint::check::run(&options, out)
}

// ---------------------------------------------------------------------------------------------
// pull

fn pull(args: cli::PullArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let options = driftlint::pull::PullOptions {
        database_url: args.database_url,
        output: args.output,
        schema_names: args.schema_names,
        timeout: std::time::Duration::ZERO,
    };
    driftlint::pull::run(&options, out)
}

// ---------------------------------------------------------------------------------------------
// repair

fn repair(args: cli::RepairArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    use driftlint::repair::{RepairFormat, RepairOptions};
    let options = RepairOptions {
        schema: args.schema,
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
    };
    driftlint::repair::run(&options, out)
}

// ---------------------------------------------------------------------------------------------
// verify

fn verify(args: cli::VerifyArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    use driftlint::verify::{Format, VerifyOptions};
    let options = VerifyOptions {
        paths: args.paths,
        dev_url: args.dev_url,
        glob: args.glob,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        format: match args.format {
            cli::CheckFormat::Human => Format::Human,
            cli::CheckFormat::Json => Format::Json,
            cli::CheckFormat::Github => Format::Github,
        },
    };
    driftlint::verify::run(&options, out)
}
