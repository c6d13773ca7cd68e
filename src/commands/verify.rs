//! `driftlint verify`: apply each migration twice on a scratch database ([`crate::verify`]
//! judges the second runs, and with `--both-ways` the down migrations), then the report, and the
//! exit code: 0 when every file re-ran cleanly (and every down restored the schema), 1 when one
//! did not, 2 (the error) when a file fails on its first run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::migrations::{MigrationError, MigrationFile};
use crate::report::verify as report;
use crate::verify::{verify_all, Proofs};
use crate::{Error, Outcome};

/// Report formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    /// GitHub workflow annotations (`::error file=...`).
    Github,
}

/// Options for [`run`], built by the binary from its flags.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Migration files or directories; empty means `./migrations`.
    pub paths: Vec<PathBuf>,
    /// Create the scratch database on this server instead of starting a cluster.
    pub dev_url: Option<String>,
    /// Which files are up migrations (overrides the defaults).
    pub glob: Option<String>,
    /// Bound on each run of each file.
    pub timeout: Duration,
    pub format: Format,
    /// Also run each file's down migration, then the file again, and compare the schemas.
    pub both_ways: bool,
    /// Record what each statement of each first run locks, rewrites and scans.
    pub locks: bool,
    /// Generated rows per existing table before each file; `None`: 1,000 with `locks`, else 0.
    pub rows: Option<usize>,
}

/// The rows `--locks` fills each table with when `--rows` is not given.
pub const DEFAULT_ROWS: usize = 1000;

impl VerifyOptions {
    /// The proofs asked for, with `--rows` defaulted.
    pub fn proofs(&self) -> Proofs {
        Proofs {
            both_ways: self.both_ways,
            locks: self.locks,
            rows: self
                .rows
                .unwrap_or(if self.locks { DEFAULT_ROWS } else { 0 }),
        }
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            dev_url: None,
            glob: None,
            timeout: Duration::from_secs(300),
            format: Format::Human,
            both_ways: false,
            locks: false,
            rows: None,
        }
    }
}

/// Runs `verify` and writes the report; the first-run failure of a file is returned as the
/// error (after the report of the files before it).
pub fn run(options: &VerifyOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from("migrations")]
    } else {
        options.paths.clone()
    };
    let verified = verify_all(
        &paths,
        options.glob.as_deref(),
        options.dev_url.as_deref(),
        options.timeout,
        options.proofs(),
    )?;
    let (reports, summary, notes) = (&verified.reports, &verified.summary, &verified.notes);
    let by_name: BTreeMap<&str, &MigrationFile> = verified
        .files
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    match options.format {
        Format::Human => report::human(out, reports, &by_name, summary, notes),
        Format::Json => report::json(out, reports, summary, notes),
        Format::Github => report::github(out, reports, summary),
    }
    .map_err(Error::Output)?;

    if let Some(error) = verified.history_error {
        return Err(MigrationError::Apply(Box::new(error)).into());
    }
    Ok(if summary.all_ok() {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}
