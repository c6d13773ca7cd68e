//! `driftlint pull`: the live database's schema written as schema.yaml (version 1).

use std::io::Write;

use crate::{Error, Outcome};

#[derive(Debug, Clone, Default)]
pub struct PullOptions {}

pub fn run(_options: &PullOptions, _out: &mut dyn Write) -> Result<Outcome, Error> {
    Err(Error::NotImplemented("pull"))
}
