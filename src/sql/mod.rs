//! SQL text as PostgreSQL reads it, below any judgement of it: [`split`] cuts a file into
//! statements, psql meta-commands and COPY data with exact byte spans (and maps offsets to lines
//! and columns); [`tokens`] tokenizes one statement as sqlparser's PostgreSQL dialect does
//! ([`lex`] quickly, for the common case), spans in bytes. The linter and the migration replay
//! both read SQL through here.
//!
//! This module imports nothing else of the crate: it knows no rules, schemas or databases.

pub mod lex;
pub mod split;
pub mod tokens;
