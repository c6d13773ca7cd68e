//! Integration tests: one binary, a module per feature area, run against the built `driftlint`
//! binary and a real PostgreSQL (a scratch cluster started by `util`).

mod util;

mod alembic;
mod check;
mod config;
mod faults;
mod init;
mod layers;
mod lint;
mod lint_docs;
mod models;
mod pull;
mod repair;
mod schema_yaml;
mod security;
mod verify;
