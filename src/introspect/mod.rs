//! The live database read into a [`crate::model::Schema`] with a fixed number of bulk catalog
//! queries, in one READ ONLY transaction.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum DbError {}
