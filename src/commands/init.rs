//! `driftlint init`: look at the project in the directory, recognise its migration layout
//! ([`crate::config::detect`]), and write the configuration: `driftlint.toml`, or a
//! `[tool.driftlint]` table appended to an existing `pyproject.toml` (the rest of that file is
//! kept byte for byte). With `--database-url` it also writes `schema.yaml` from the database.
//! It then prints what it found, the next two commands and a CI snippet.
//!
//! It never overwrites: an existing configuration is left alone (exit 0, with a note) unless
//! `--force`, and running it twice changes nothing the second time.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::detect::{alembic_ini, detect, project_files, Layout};
use crate::{Error, Outcome};

/// Options for [`run`].
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project directory.
    pub dir: PathBuf,
    /// Write schema.yaml from this database too.
    pub database_url: Option<String>,
    /// Replace an existing driftlint.toml (and schema.yaml).
    pub force: bool,
}

/// Where the configuration goes.
enum Target {
    /// `driftlint.toml` (or the `.driftlint.toml` already there).
    File(PathBuf),
    /// The `[tool.driftlint]` table of this `pyproject.toml`.
    Pyproject(PathBuf),
}

/// Runs `init`: detect, write (unless a configuration exists), then tell the user what next.
pub fn run(options: &InitOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let files = project_files(&options.dir);
    let read = |relative: &str| std::fs::read_to_string(options.dir.join(relative)).ok();
    let layout = detect(&files, &read);
    // An Alembic project with its alembic.ini: lint and verify run its revisions through it.
    let ini = layout
        .as_ref()
        .filter(|l| l.runner == "alembic")
        .and_then(|_| alembic_ini(&files));
    let o = |e: std::io::Error| Error::Output(e);
    match &layout {
        Some(l) => writeln!(
            out,
            "found: {}, from {}; migrations in {}/",
            l.tool, l.evidence, l.dir
        ),
        None => writeln!(out, "found: no migration layout; writing the defaults"),
    }
    .map_err(o)?;
    write_config(options, layout.as_ref(), ini.map(String::as_str), out)?;
    if let Some(url) = &options.database_url {
        pull_schema(options, url, out)?;
    }
    next_steps(layout.as_ref(), ini.is_some(), &options.dir, out).map_err(o)?;
    Ok(Outcome::Clean)
}

/// Writes the configuration unless one exists (then says so); with `--force` replaces a
/// `driftlint.toml`.
fn write_config(
    options: &InitOptions,
    layout: Option<&Layout>,
    ini: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let o = |e: std::io::Error| Error::Output(e);
    let body = settings(layout, ini);
    match target(&options.dir)? {
        Target::File(path) => {
            let text = format!("{}\n{body}", header(layout));
            let existing = std::fs::read_to_string(&path).ok();
            if existing.as_deref() == Some(text.as_str()) {
                writeln!(out, "unchanged: {} already says this", shown(&path)).map_err(o)?;
            } else if existing.is_some() && !options.force {
                writeln!(
                    out,
                    "kept: {} exists and was not changed (--force replaces it)",
                    shown(&path)
                )
                .map_err(o)?;
            } else {
                write(&path, &text)?;
                writeln!(out, "wrote: {}", shown(&path)).map_err(o)?;
            }
        }
        Target::Pyproject(path) => {
            let text = read(&path)?;
            if has_table(&text) {
                let note = if options.force {
                    " (--force does not rewrite pyproject.toml: edit or remove the table by hand)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "kept: {} already has a [tool.driftlint] table{note}",
                    shown(&path)
                )
                .map_err(o)?;
            } else {
                let mut new = text.clone();
                if !new.is_empty() && !new.ends_with('\n') {
                    new.push('\n');
                }
                new.push_str(&pyproject_table(layout, &body));
                write(&path, &new)?;
                writeln!(out, "wrote: [tool.driftlint] in {}", shown(&path)).map_err(o)?;
            }
        }
    }
    Ok(())
}

/// An existing `driftlint.toml` or `.driftlint.toml`, else a `pyproject.toml`, else a new
/// `driftlint.toml`.
fn target(dir: &Path) -> Result<Target, Error> {
    for name in ["driftlint.toml", ".driftlint.toml"] {
        if dir.join(name).is_file() {
            return Ok(Target::File(dir.join(name)));
        }
    }
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        return Ok(Target::Pyproject(pyproject));
    }
    Ok(Target::File(dir.join("driftlint.toml")))
}

fn has_table(text: &str) -> bool {
    match text.parse::<toml::Table>() {
        Ok(table) => table.get("tool").and_then(|t| t.get("driftlint")).is_some(),
        Err(_) => text.contains("[tool.driftlint"),
    }
}

fn header(layout: Option<&Layout>) -> String {
    let found = match layout {
        Some(l) => format!("# Migration layout: {}, from {}.\n", l.tool, l.evidence),
        None => {
            "# No migration layout was recognised: set [check] migrations and glob.\n".to_string()
        }
    };
    format!(
        "# driftlint settings, written by `driftlint init`. Every key: docs/configuration.md.\n\
         # Paths are relative to this file; command-line flags win over these values.\n{found}"
    )
}

/// The sections, as `[lint]`, `[check]`... (prefixed with `tool.driftlint.` for pyproject).
fn settings(layout: Option<&Layout>, ini: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(l) = layout {
        text.push_str(&format!("[lint]\nrunner = \"{}\"\n", l.runner));
        if let Some(ini) = ini {
            text.push_str(&format!("alembic = {}\n", quoted(ini)));
        }
        text.push('\n');
    }
    text.push_str("[check]\nschema = \"schema.yaml\"\n");
    if let Some(l) = layout {
        text.push_str(&format!(
            "migrations = {}\nglob = {}\n",
            quoted(&l.dir),
            quoted(l.glob)
        ));
    }
    if let Some(ini) = ini {
        text.push_str(&format!("\n[verify]\nalembic = {}\n", quoted(ini)));
    }
    text
}

fn pyproject_table(layout: Option<&Layout>, body: &str) -> String {
    let comments: String = header(layout).lines().map(|l| format!("{l}\n")).collect();
    let tables = body
        .replace("[lint]", "[tool.driftlint.lint]")
        .replace("[check]", "[tool.driftlint.check]")
        .replace("[verify]", "[tool.driftlint.verify]");
    format!("\n{comments}[tool.driftlint]\n\n{tables}")
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// `--database-url`: schema.yaml from the database, unless one exists (and no `--force`).
fn pull_schema(options: &InitOptions, url: &str, out: &mut dyn Write) -> Result<(), Error> {
    let path = options.dir.join("schema.yaml");
    if path.exists() && !options.force {
        writeln!(
            out,
            "kept: {} exists and was not changed (--force replaces it)",
            shown(&path)
        )
        .map_err(Error::Output)?;
        return Ok(());
    }
    let pull = crate::commands::pull::PullOptions {
        database_url: Some(url.to_string()),
        output: Some(path.clone()),
        schema_names: Vec::new(),
        timeout: None,
    };
    crate::commands::pull::run(&pull, &mut std::io::sink())?;
    writeln!(out, "wrote: {} (from the database)", shown(&path)).map_err(Error::Output)
}

/// The next two commands, and a CI job for the layout.
fn next_steps(
    layout: Option<&Layout>,
    alembic: bool,
    dir: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let has_schema = dir.join("schema.yaml").exists();
    // With its alembic.ini, an Alembic project is linted and verified like a SQL one.
    let sql = layout.is_some_and(|l| l.runner != "alembic") || alembic;
    let pull = "driftlint pull --database-url \"$DATABASE_URL\" --output schema.yaml";
    let steps: [&str; 2] = match (sql, has_schema) {
        (true, true) => ["driftlint lint", "driftlint check"],
        (true, false) => ["driftlint lint", pull],
        (false, true) => [
            "driftlint check --database-url \"$DATABASE_URL\"",
            "driftlint config",
        ],
        (false, false) => [pull, "driftlint check --database-url \"$DATABASE_URL\""],
    };
    writeln!(out, "\nnext:\n  {}\n  {}", steps[0], steps[1])?;
    writeln!(
        out,
        "\nCI (GitHub Actions steps):\n{}",
        ci_snippet(layout, alembic)
    )
}

fn ci_snippet(layout: Option<&Layout>, alembic: bool) -> String {
    let apply = match layout.map(|l| l.runner) {
        Some("alembic") => "alembic upgrade head",
        Some("diesel") => "diesel migration run",
        Some("prisma") => "npx prisma migrate deploy",
        Some("golang-migrate") => "migrate -path <dir> -database \"$DATABASE_URL\" up",
        Some("flyway") => "flyway migrate",
        Some("dbmate") => "dbmate up",
        Some("sqitch") => "sqitch deploy",
        _ => "",
    };
    let mut steps = String::from("  - run: pipx install driftlint\n");
    if layout.is_some_and(|l| l.runner != "alembic") || alembic {
        steps.push_str("  - run: driftlint lint --format github\n");
        steps.push_str("  - run: driftlint verify --format github\n");
    }
    if !apply.is_empty() {
        let dir = layout.map(|l| l.dir.as_str()).unwrap_or("");
        steps.push_str(&format!("  - run: {}\n", apply.replace("<dir>", dir)));
    }
    steps.push_str("  - run: driftlint check --database-url \"$DATABASE_URL\" --format github");
    steps
}
