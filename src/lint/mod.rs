//! The migration linter: split files into statements with exact spans, understand each one
//! (sqlparser AST, PL/pgSQL DO bodies, token fallback), run the rules, report findings.

pub mod source;
pub mod suppress;

use std::io::Write;

use miette::Diagnostic;
use thiserror::Error;

use crate::{Error, Outcome};

#[derive(Debug, Error, Diagnostic)]
pub enum LintError {}

#[derive(Debug, Clone, Default)]
pub struct LintOptions {}

pub fn run(_options: &LintOptions, _out: &mut dyn Write) -> Result<Outcome, Error> {
    Err(Error::NotImplemented("lint"))
}
