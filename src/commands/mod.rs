//! The commands: each takes a plain options struct, runs the layers below it, renders what they
//! found with [`crate::report`], writes it to the given writer and returns an [`crate::Outcome`].
//! Only this layer renders and decides; nothing below it imports it.

pub mod check;
pub mod config;
pub mod init;
pub mod lint;
pub mod lint_alembic;
mod lint_stream;
pub mod lint_tables;
pub mod pull;
pub mod repair;
pub mod verify;
pub mod verify_alembic;

use std::io::Write;

use crate::Error;

/// One line for the user on `err` (notes, what was written), apart from the report on `out`.
pub(crate) fn say(err: &mut dyn Write, line: std::fmt::Arguments) -> Result<(), Error> {
    writeln!(err, "{line}").map_err(Error::Output)
}
