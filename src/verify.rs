//! `driftlint verify`: apply each migration twice on a scratch database; the second run must
//! succeed and change nothing.

use std::io::Write;

use crate::{Error, Outcome};

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {}

pub fn run(_options: &VerifyOptions, _out: &mut dyn Write) -> Result<Outcome, Error> {
    Err(Error::NotImplemented("verify"))
}
