//! driftlint keeps a PostgreSQL database honest against the schema its code declares, and keeps
//! the SQL migrations that change it safe to run twice.
//!
//! The library behind the `driftlint` binary. Entry points, one per command:
//! [`commands::lint::run`], [`check::run`], [`repair::run`], [`pull::run`], [`verify::run`].
//! Each takes a plain options struct, writes its report to the given writer and returns an
//! [`Outcome`]; the binary alone turns that into an exit code.

pub mod canon;
pub mod check;
pub mod commands;
pub mod declared;
pub mod diff;
pub mod error;
pub mod introspect;
pub mod lint;
pub mod migrations;
pub mod model;
pub mod pull;
pub mod repair;
pub mod report;
pub mod scratch;
pub mod sql;
pub mod types;
pub mod verify;

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
