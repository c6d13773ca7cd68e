//! `driftlint verify --alembic [alembic.ini]`: the project's Alembic history run on a scratch
//! database, one revision at a time, by Alembic itself (the project's `env.py`, the project's
//! Python and driver): for each revision,
//!
//! 1. `upgrade` it (a failure here is the error: the revisions after it cannot run);
//! 2. set `alembic_version` back to its parent and `upgrade` it again: the second run must
//!    succeed and leave the schema as the first left it (the hand-applied hotfix of the
//!    runbooks, then the deploy that runs the migration anyway);
//! 3. `downgrade` to the parent: the schema must be the one before the revision;
//! 4. `upgrade` once more: the schema must be the one after the first upgrade.
//!
//! A failed step or a schema that differs is a problem of that revision, reported with
//! Alembic's error or the difference, and the run goes on from the revision's schema (stamped
//! where a step failed). Exit 0 when every revision passed, 1 when one did not, 2 on an error.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::diff;
use crate::introspect::{self, ConnectOptions};
use crate::migrations::alembic::{self, shown, AlembicError, Project, Revision};
use crate::migrations::Workspace;
use crate::model::{QualifiedName, Schema};
use crate::{Error, Outcome};

use super::verify::Format;

/// Options of `verify --alembic`.
#[derive(Debug, Clone)]
pub struct VerifyAlembicOptions {
    /// `alembic.ini`, or the directory holding it.
    pub ini: PathBuf,
    /// The project's Python (with Alembic and the database driver).
    pub python: Option<PathBuf>,
    /// Bound on each Alembic command and catalog read.
    pub timeout: Duration,
    pub format: Format,
}

/// One step that failed, or left a schema other than the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub step: &'static str,
    pub message: String,
}

/// A revision and what went wrong with it (nothing: it passed).
#[derive(Debug, Clone)]
pub struct RevisionResult {
    pub revision: Revision,
    pub problems: Vec<Problem>,
}

/// Runs the history, writes the report.
pub fn run(options: &VerifyAlembicOptions, out: &mut dyn Write) -> Result<Outcome, Error> {
    let project = Project {
        ini: alembic::ini_path(&options.ini),
        python: options.python.clone(),
        timeout: options.timeout,
    };
    let history = project.history()?;
    let workspace = Workspace::open(None, options.timeout)?;
    let url = alembic::sqlalchemy_url(workspace.url(), &history.scheme)?;
    let mut runner = Runner {
        project: &project,
        url: &url,
        catalog_url: workspace.url(),
        timeout: options.timeout,
    };
    let mut results = Vec::new();
    let mut first_run_error = None;
    for revision in &history.revisions {
        match runner.revision(revision)? {
            Ok(result) => results.push(result),
            Err(message) => {
                first_run_error = Some((revision.clone(), message));
                break;
            }
        }
    }
    write(
        &results,
        &history.revisions,
        &project,
        &history.scheme,
        options.format,
        out,
    )
    .map_err(Error::Output)?;
    if let Some((revision, output)) = first_run_error {
        return Err(AlembicError::FirstRun {
            revision: revision.id,
            file: shown(&revision.path),
            output,
        }
        .into());
    }
    Ok(if results.iter().all(|r| r.problems.is_empty()) {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}

struct Runner<'a> {
    project: &'a Project,
    /// The scratch database in the project's driver form, for Alembic.
    url: &'a str,
    /// The same database for our catalog reads.
    catalog_url: &'a str,
    timeout: Duration,
}

impl Runner<'_> {
    /// The four steps of one revision; `Ok(Err(alembic's error))` when the first upgrade fails.
    fn revision(&mut self, revision: &Revision) -> Result<Result<RevisionResult, String>, Error> {
        let parent = alembic::target_of(&revision.down);
        let id = revision.id.as_str();
        let before = self.snapshot()?;
        if let Err(said) = self.project.run("upgrade", self.url, id)? {
            return Ok(Err(said));
        }
        let after = self.snapshot()?;
        let mut problems = Vec::new();

        // 2. alembic_version set back, the upgrade again.
        self.alembic("stamp", &parent)?;
        match self.project.run("upgrade", self.url, id)? {
            Ok(()) => {
                let again = self.snapshot()?;
                if let Some(difference) = difference(&after, &again) {
                    problems.push(Problem {
                        step: "upgrade again",
                        message: format!(
                            "with alembic_version set back to {parent}, the second upgrade changed the schema: {difference}"
                        ),
                    });
                }
            }
            Err(said) => {
                problems.push(Problem {
                    step: "upgrade again",
                    message: format!(
                        "with alembic_version set back to {parent} (the schema already upgraded), the upgrade failed:\n{said}"
                    ),
                });
                self.alembic("stamp", id)?;
            }
        }

        // 3. downgrade to the parent, 4. upgrade once more.
        self.downgrade_and_upgrade(id, &parent, (&before, &after), &mut problems)?;
        Ok(Ok(RevisionResult {
            revision: revision.clone(),
            problems,
        }))
    }

    /// Steps 3 and 4 of a revision: the downgrade to `parent` must give back the schema
    /// `before` the revision, and the upgrade after it the schema `after` the first one.
    fn downgrade_and_upgrade(
        &mut self,
        id: &str,
        parent: &str,
        (before, after): (&Schema, &Schema),
        problems: &mut Vec<Problem>,
    ) -> Result<(), Error> {
        match self.project.run("downgrade", self.url, parent)? {
            Ok(()) => {
                let down = self.snapshot()?;
                if let Some(difference) = difference(before, &down) {
                    problems.push(Problem {
                        step: "downgrade",
                        message: format!(
                            "the schema after the downgrade differs from the one before the revision: {difference}"
                        ),
                    });
                }
                match self.project.run("upgrade", self.url, id)? {
                    Ok(()) => {
                        let up = self.snapshot()?;
                        if let Some(difference) = difference(after, &up) {
                            problems.push(Problem {
                                step: "upgrade after downgrade",
                                message: format!(
                                    "the schema differs from the one after the first upgrade: {difference}"
                                ),
                            });
                        }
                    }
                    Err(said) => {
                        problems.push(Problem {
                            step: "upgrade after downgrade",
                            message: format!("the upgrade after the downgrade failed:\n{said}"),
                        });
                        self.alembic("stamp", id)?;
                    }
                }
            }
            Err(said) => {
                problems.push(Problem {
                    step: "downgrade",
                    message: format!("the downgrade to {parent} failed:\n{said}"),
                });
                self.alembic("stamp", id)?;
            }
        }
        Ok(())
    }

    /// An Alembic command that must work (a `stamp`): its failure is the error.
    fn alembic(&mut self, action: &str, target: &str) -> Result<(), Error> {
        self.project
            .run(action, self.url, target)?
            .map_err(|output| {
                AlembicError::Step {
                    action: action.to_string(),
                    target: target.to_string(),
                    output,
                }
                .into()
            })
    }

    /// The schema now, without Alembic's own table.
    fn snapshot(&mut self) -> Result<Schema, Error> {
        let mut client = introspect::connect(
            self.catalog_url,
            &ConnectOptions {
                timeout: self.timeout,
            },
        )?;
        let schemas = introspect::user_schemas(&mut client)?;
        let (mut schema, _) = introspect::read_with_timeout(&mut client, &schemas, self.timeout)?;
        schema
            .tables
            .retain(|name: &QualifiedName, _| name.name != "alembic_version");
        Ok(schema)
    }
}

/// How `actual` differs from `expected`, in a line; `None` when it does not.
fn difference(expected: &Schema, actual: &Schema) -> Option<String> {
    let drift = diff::compare(expected, actual, true);
    if drift.is_empty() {
        return None;
    }
    let items: Vec<String> = drift
        .iter()
        .map(|d| {
            let object = d
                .object
                .as_deref()
                .map(|o| format!(" {o}"))
                .unwrap_or_default();
            let kind = d
                .kind
                .as_str()
                .replace("missing_", "lost ")
                .replace("extra_", "left ");
            format!("{kind} {}{object}", d.table)
        })
        .collect();
    Some(items.join(", "))
}

fn write(
    results: &[RevisionResult],
    all: &[Revision],
    project: &Project,
    scheme: &str,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let failed = results.iter().filter(|r| !r.problems.is_empty()).count();
    match format {
        Format::Json => write_json(results, all, project, failed, out),
        Format::Github => {
            for result in results {
                for problem in &result.problems {
                    writeln!(
                        out,
                        "::error file={},title=driftlint verify --alembic ({})::{}",
                        shown(&result.revision.path),
                        problem.step,
                        problem.message.replace('%', "%25").replace('\n', "%0A")
                    )?;
                }
            }
            summary(results.len(), all.len(), failed, out)
        }
        Format::Human => write_human(results, all, project, scheme, failed, out),
    }
}

/// The results as one JSON document.
fn write_json(
    results: &[RevisionResult],
    all: &[Revision],
    project: &Project,
    failed: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let revisions: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "revision": r.revision.id,
                "down_revision": r.revision.down,
                "file": shown(&r.revision.path),
                "message": r.revision.doc,
                "ok": r.problems.is_empty(),
                "problems": r.problems.iter().map(|p| serde_json::json!({
                    "step": p.step, "message": p.message,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": 1,
        "alembic": shown(&project.ini),
        "revisions": revisions,
        "summary": {"revisions": all.len(), "run": results.len(), "failed": failed},
    });
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// Each revision's line, then its problems, then the summary.
fn write_human(
    results: &[RevisionResult],
    all: &[Revision],
    project: &Project,
    scheme: &str,
    failed: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let driver = if scheme.is_empty() {
        "postgresql"
    } else {
        scheme
    };
    writeln!(
        out,
        "{}: {} revision(s), each upgraded, upgraded again with alembic_version set back, downgraded and upgraded again on a scratch database ({driver}).\n",
        shown(&project.ini),
        all.len()
    )?;
    for result in results {
        let word = if result.problems.is_empty() {
            "ok"
        } else {
            "FAILED"
        };
        writeln!(
            out,
            "{word:<7} {}  {}  ({})",
            result.revision.id,
            result.revision.doc,
            shown(&result.revision.path)
        )?;
        for problem in &result.problems {
            let mut lines = problem.message.lines();
            writeln!(
                out,
                "        {}: {}",
                problem.step,
                lines.next().unwrap_or("")
            )?;
            for line in lines {
                writeln!(out, "          {line}")?;
            }
        }
    }
    writeln!(out)?;
    summary(results.len(), all.len(), failed, out)
}

fn summary(run: usize, all: usize, failed: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let not_run = if run < all {
        format!(" ({} not run)", all - run)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{all} revision(s){not_run}: {} passed, {failed} failed.",
        run - failed
    )
}
