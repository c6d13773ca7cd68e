//! `schema.yaml` (version 1) into a [`crate::model::Schema`], with validation errors that point at
//! the YAML line and column.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum DeclaredError {}
