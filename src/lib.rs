//! driftlint keeps a PostgreSQL database honest against the schema its code declares, and keeps
//! the SQL migrations that change it safe to run twice.
//!
//! The library behind the `driftlint` binary. Entry points, one per command, in [`commands`]:
//! each takes a plain options struct, writes its report to the given writer (and its notes to a
//! second one where it has notes) and returns an [`Outcome`]; the binary alone turns that into an
//! exit code.
//!
//! The layers, each importing only those below it (a test checks that no module imports one
//! that imports it back):
//!
//! - [`commands`]: `check`, `repair`, `pull`, `verify`, `lint`: run, render, decide;
//! - [`report`]: findings, drift and verify results in every format, from plain data;
//! - [`pipeline`]: options into (declared, actual, drift); [`verify`]: the second-run verdicts,
//!   down migrations, and what each statement locks, rewrites and scans;
//! - [`error`]: the error every command returns, wrapping the modules' own errors;
//! - [`config`]: the configuration file, read and validated (the commands decide what wins);
//! - [`lint`] (the engine), [`repair`] (planning and rendering), [`diff`] (the comparison);
//! - the sources: [`declared`] (schema.yaml), [`introspect`] (the catalog), [`canon`],
//!   [`migrations`] (finding and replaying files), [`scratch`] (throwaway clusters);
//! - the ground: [`model`], [`types`], the SQL splitter and tokenizer, [`interrupt`],
//!   [`server`] (the PostgreSQL versions that matter).

pub mod canon;
pub mod commands;
pub mod config;
pub mod deadline;
pub mod declared;
pub mod diff;
pub mod error;
pub mod input;
pub mod interrupt;
pub mod introspect;
pub mod lint;
pub mod migrations;
pub mod model;
pub mod pipeline;
pub mod repair;
pub mod report;
pub mod scratch;
pub mod server;
pub mod sql;
pub mod types;
pub mod verify;

#[cfg(test)]
mod test_texts;

pub use error::Error;

/// What a command found, when it ran to the end without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit code 0.
    Clean,
    /// Findings or drift, the thing the user asked to detect: exit code 1.
    Found,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Found => 1,
        }
    }
}
