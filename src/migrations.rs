//! Migration directories as a schema source: which files are "up" migrations, their order, and
//! applying them to a scratch database.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum MigrationError {}
