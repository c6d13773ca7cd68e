//! Repair: the drift `check` finds, turned into a hotfix migration that is safe to run twice and
//! safe on a busy table, rendered as plain SQL or as an Alembic revision.
//!
//! [`plan::plan`] decides the steps (recipes, order, hazards, reverses); [`sql`] and [`alembic`]
//! only render them; this module holds what the repair's file needs besides (its name, the
//! lock_timeout it sets). It does no I/O but reading a directory's names; the `repair` command
//! ([`crate::commands::repair`]) finds the drift and writes the file.

pub mod alembic;
mod names;
pub mod plan;
pub mod sql;

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub use plan::{plan, Hazard, LockLevel, Migration, PlanContext, Step};
pub use sql::RenderOptions;

use crate::diff::Drift;

#[derive(Debug, Error, Diagnostic)]
pub enum RepairError {
    #[error("`{value}` is not a lock_timeout PostgreSQL accepts")]
    #[diagnostic(
        code(driftlint::repair::lock_timeout),
        help("use a number with an optional unit: 5s, 500ms, 2min, 0 (no limit)")
    )]
    LockTimeout { value: String },

    #[error("could not read the Alembic versions directory {}", path.display())]
    #[diagnostic(
        code(driftlint::repair::alembic_dir),
        help("point --alembic-dir at the directory holding env.py and versions/, or at versions/ itself")
    )]
    AlembicDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the repair SQL contains a backslash before a colon, which SQLAlchemy's text() cannot carry")]
    #[diagnostic(
        code(driftlint::repair::alembic_escape),
        help("generate the repair with --format sql and run it with op.get_bind().exec_driver_sql() by hand")
    )]
    AlembicBackslashColon,

    #[error("could not read the output directory {}", path.display())]
    #[diagnostic(
        code(driftlint::repair::out_dir),
        help("--out-dir must be an existing, readable directory")
    )]
    OutDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Accepts what PostgreSQL accepts for a time setting: a number and an optional unit.
pub fn check_lock_timeout(value: &str) -> Result<(), RepairError> {
    let v = value.trim();
    let digits = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(digits);
    let ok = !number.is_empty()
        && number.parse::<f64>().is_ok()
        && matches!(unit.trim(), "" | "us" | "ms" | "s" | "min" | "h" | "d");
    if ok {
        Ok(())
    } else {
        Err(RepairError::LockTimeout {
            value: value.to_string(),
        })
    }
}

/// A file-name slug for the drift: `prospects_discovery_query_id`, `prospects`, `schema_drift`.
pub fn slug(drift: &[Drift]) -> String {
    let tables: std::collections::BTreeSet<&str> =
        drift.iter().map(|d| d.table.name.as_str()).collect();
    let raw = match (tables.len(), drift) {
        (_, [one]) => match &one.object {
            Some(object) => format!("repair_{}_{}", one.table.name, object),
            None => format!("repair_{}", one.table.name),
        },
        (1, _) => format!(
            "repair_{}",
            tables.iter().next().copied().unwrap_or("schema")
        ),
        _ => "repair_schema_drift".to_string(),
    };
    let mut slug = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_matches('_');
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('_').to_string();
    if slug.is_empty() {
        "repair".to_string()
    } else {
        slug
    }
}

/// The next `NNN_<slug>.sql` in `dir`: one above the highest number there, with its zero padding
/// (`001_` in an empty directory).
pub fn next_sql_name(dir: &Path, slug: &str) -> Result<String, RepairError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RepairError::OutDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut highest: Option<(u128, usize)> = None;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") {
            continue;
        }
        let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 30 {
            continue;
        }
        let Ok(number) = digits.parse::<u128>() else {
            continue;
        };
        if highest.is_none_or(|(n, _)| number > n) {
            highest = Some((number, digits.len()));
        }
    }
    let (number, width) = match highest {
        Some((n, width)) => (n + 1, width),
        None => (1, 3),
    };
    Ok(format!("{number:0width$}_{slug}.sql"))
}

#[cfg(test)]
mod tests;
