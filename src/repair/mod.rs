//! Drift into a repair [`Migration`]: ordered, idempotent steps with their hazards and reverses.

use std::io::Write;

use miette::Diagnostic;
use thiserror::Error;

use crate::{Error, Outcome};

#[derive(Debug, Error, Diagnostic)]
pub enum RepairError {}

#[derive(Debug, Clone, Default)]
pub struct RepairOptions {}

pub fn run(_options: &RepairOptions, _out: &mut dyn Write) -> Result<Outcome, Error> {
    Err(Error::NotImplemented("repair"))
}
