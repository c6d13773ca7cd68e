//! A throwaway PostgreSQL cluster (initdb / pg_ctl) on a unix socket in a temporary directory.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum ScratchError {}
