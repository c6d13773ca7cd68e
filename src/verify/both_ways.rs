//! `verify --both-ways`: after a file's up migration, its down must bring the schema back to
//! what it was before the up, and the up run again must give the schema it gave the first
//! time. The schemas are read with the catalog read `check` uses and compared with
//! [`crate::diff::compare`], so a down that forgets an index reports an `extra_index`.
//!
//! The database is left as the up migration left it, for the files after it: when the down
//! or the second up did anything else, it is rebuilt from the history.

use std::time::Duration;

use serde::Serialize;

use super::{rebuild, Session};
use crate::diff::{self, Drift};
use crate::introspect;
use crate::migrations::{self, MigrationFile, Workspace};
use crate::model::Schema;
use crate::Error;

/// How a down migration went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DownStatus {
    /// The down restored the schema, and the up after it gave the same schema again.
    Ok,
    /// The down (or the up after it) left the schema different.
    NotRestoring,
    /// The down, or the up after it, failed.
    Failed,
}

/// The verdict on one file's down migration.
#[derive(Debug, Clone, Serialize)]
pub struct DownReport {
    /// The down file (or `<file> (down section)`).
    pub file: String,
    pub status: DownStatus,
    /// The step that failed or left the schema different: `down` or `up again` (none when
    /// both steps restored the schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'static str>,
    /// How the schema after the step differs from the one it should equal: after the down,
    /// the schema before the up is the declared side; after the second up, the schema after
    /// the first up.
    #[serde(skip)]
    pub difference: Vec<Drift>,
    /// The error of the failing step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The schema of every user schema of the database the session is connected to.
pub(super) fn read_schema(session: &mut Session) -> Result<Schema, Error> {
    let schemas = introspect::user_schemas(&mut session.client)?;
    let (schema, _) = introspect::read(&mut session.client, &schemas)?;
    Ok(schema)
}

/// Runs the down of the last file of `history` (just applied once, which gave `after_up`),
/// compares with `before`, then runs that file again and compares with `after_up`.
pub(super) fn down_then_up(
    workspace: &mut Workspace,
    session: &mut Session,
    history: &[MigrationFile],
    down: &MigrationFile,
    before: &Schema,
    version: u32,
    timeout: Duration,
) -> Result<DownReport, Error> {
    let Some(up) = history.last() else {
        unreachable!("a down belongs to a file of the history");
    };
    let after_up = read_schema(session)?;
    let mut report = DownReport {
        file: down.name.clone(),
        status: DownStatus::Ok,
        step: None,
        difference: Vec::new(),
        error: None,
    };
    let steps = [(down, before, "down"), (up, &after_up, "up again")];
    for (file, expected, step) in steps {
        report.step = Some(step);
        let mode = migrations::mode_for(file, version);
        if let Err(failure) = migrations::apply(&mut session.client, file, &mode, timeout) {
            report.status = DownStatus::Failed;
            report.error = Some(failure.headline());
            break;
        }
        let difference = diff::compare(expected, &read_schema(session)?, true);
        if !difference.is_empty() {
            report.status = DownStatus::NotRestoring;
            report.difference = difference;
            break;
        }
    }
    if report.status == DownStatus::Ok {
        report.step = None;
    } else {
        rebuild(workspace, session, history, version, timeout)?;
    }
    Ok(report)
}
