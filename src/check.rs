//! `driftlint check`: load schema.yaml, read the actual schema, compare, report.

use std::io::Write;

use crate::{Error, Outcome};

/// Options for [`run`], built by the binary from its flags.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {}

pub fn run(_options: &CheckOptions, _out: &mut dyn Write) -> Result<Outcome, Error> {
    Err(Error::NotImplemented("check"))
}
