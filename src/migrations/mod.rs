//! Migration directories as a schema source: which files are "up" migrations, their order, and
//! applying them to a scratch database.
//!
//! This module finds the files (C-locale byte order of their path inside the directory), decides
//! for each whether it runs in a transaction, applies it with the simple query protocol and turns
//! PostgreSQL's errors into diagnostics that point at `file:line:column`. It does not read the
//! resulting schema (that is [`crate::introspect`]) nor judge re-runs (that is [`crate::verify`]).
//!
//! A replay happens on a [`Workspace`]: a throwaway database on a scratch cluster
//! ([`crate::scratch::Cluster`]) or, with `--dev-url`, a temporary database created on that
//! server. Either is removed when the workspace is dropped.
//!
//! By concern: `discover` (which files, in which order, in a transaction or not),
//! `statements` (their statements and keywords), `apply` (running one file and locating its
//! error), `workspace` (where they run), `error`; this file replays a whole directory.

pub mod alembic;
mod apply;
mod discover;
mod error;
pub mod python;
mod statements;
mod workspace;

pub use apply::*;
pub use discover::*;
pub use error::*;
pub use statements::*;
pub use workspace::*;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// Options for [`replay`].
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub dir: PathBuf,
    pub glob: Option<String>,
    pub dev_url: Option<String>,
    pub timeout: Duration,
}

/// A replayed migration directory: the database stays until this is dropped.
#[derive(Debug)]
pub struct Replayed {
    workspace: Workspace,
    /// The files applied, in order.
    pub files: Vec<String>,
    /// Things the user should know (`.sql` files skipped as not being up migrations).
    pub notes: Vec<String>,
}

impl Replayed {
    /// The URL of the database the migrations were applied to.
    pub fn url(&self) -> &str {
        self.workspace.url()
    }
}

/// Applies the up migrations of `options.dir` in C-locale order to a fresh database. The first
/// file PostgreSQL rejects ends the replay with a diagnostic pointing at `file:line:column`.
pub fn replay(options: &ReplayOptions) -> Result<Replayed, MigrationError> {
    let discovery = discover(std::slice::from_ref(&options.dir), options.glob.as_deref())?;
    let workspace = Workspace::open(options.dev_url.as_deref(), options.timeout)?;
    let mut client = workspace.connect()?;
    let version = server_version(&mut client)?;
    let notes = skipped_note(&discovery.skipped)
        .into_iter()
        .collect::<Vec<_>>();
    let progress = progress_bar(discovery.files.len(), "replaying");
    for file in &discovery.files {
        progress.set_message(file.name.clone());
        let mode = mode_for(file, version);
        apply(&mut client, file, &mode, options.timeout).map_err(|failure| {
            MigrationError::Apply(Box::new(ApplyError::new(
                file,
                *failure,
                "driftlint::migrations::apply",
                "",
            )))
        })?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    drop(client);
    Ok(Replayed {
        workspace,
        files: discovery.files.into_iter().map(|f| f.name).collect(),
        notes,
    })
}

/// A note listing `.sql` files that were not applied, if any.
pub fn skipped_note(skipped: &[String]) -> Option<String> {
    const SHOWN: usize = 5;
    if skipped.is_empty() {
        return None;
    }
    let mut list = skipped
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if skipped.len() > SHOWN {
        list.push_str(&format!(" and {} more", skipped.len() - SHOWN));
    }
    Some(format!(
        "not applied: {list} ({} .sql file(s) whose name does not look like an up migration; \
         --glob chooses the files)",
        skipped.len()
    ))
}

/// A progress bar on stderr for long runs on a terminal; hidden otherwise.
pub fn progress_bar(len: usize, verb: &str) -> indicatif::ProgressBar {
    const LONG: usize = 20;
    if len < LONG || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{verb} {{bar:30}} {{pos}}/{{len}} {{wide_msg}}"
    )) {
        bar.set_style(style);
    }
    bar
}
