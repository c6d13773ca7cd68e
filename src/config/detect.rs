//! Recognising a project's migration layout from its files, for `driftlint init`: which tool
//! runs the migrations, where they live and which files are the up migrations. Pure: it looks
//! at a list of relative paths (and, for dbmate and Alembic, a few files' text handed in by a
//! closure), and decides nothing about writing.

use std::path::Path;

/// A recognised layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The tool, as people call it ("Alembic", "golang-migrate").
    pub tool: &'static str,
    /// The value for `[lint] runner`.
    pub runner: &'static str,
    /// The migration directory, relative to the project, with `/`.
    pub dir: String,
    /// Which files of the directory are the up migrations (relative to it).
    pub glob: &'static str,
    /// What gave it away, for the user.
    pub evidence: String,
}

/// Directories never looked into.
pub const SKIPPED_DIRS: [&str; 8] = [
    ".git",
    "target",
    "node_modules",
    "venv",
    ".venv",
    "__pycache__",
    ".tox",
    "vendor",
];

/// The layout of a project whose files (relative paths with `/`, sorted) are `files`; `read`
/// returns a file's text. The more specific tools are tried first.
pub fn detect(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<Layout> {
    alembic(files, read)
        .or_else(|| diesel(files, read))
        .or_else(|| prisma(files))
        .or_else(|| sqitch(files))
        .or_else(|| dbmate(files, read))
        .or_else(|| flyway(files))
        .or_else(|| golang_migrate(files))
        .or_else(|| rails(files))
        .or_else(|| numbered(files))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or(".")
}

fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory holding most of the files `wanted` accepts (ties: the shallowest, then the
/// first in order), with one such file.
fn busiest_dir(files: &[String], wanted: impl Fn(&str) -> bool) -> Option<(String, &str)> {
    let mut counts: Vec<(String, usize, &str)> = Vec::new();
    for file in files.iter().filter(|f| wanted(f)) {
        let dir = parent(file).to_string();
        match counts.iter_mut().find(|(d, _, _)| *d == dir) {
            Some(entry) => entry.1 += 1,
            None => counts.push((dir, 1, file)),
        }
    }
    let depth = |dir: &str| dir.matches('/').count();
    let mut best: Option<(String, usize, &str)> = None;
    for candidate in counts {
        let better = match &best {
            None => true,
            Some((dir, count, _)) => {
                candidate.1 > *count || (candidate.1 == *count && depth(&candidate.0) < depth(dir))
            }
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|(dir, _, file)| (dir, file))
}

/// The project's `alembic.ini` (the first of `files`, relative with `/`), if it has one.
pub fn alembic_ini(files: &[String]) -> Option<&String> {
    files.iter().find(|f| name(f) == "alembic.ini")
}

/// `alembic.ini` (its `script_location`, default `alembic`) and a `versions/` directory.
fn alembic(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<Layout> {
    let Some(ini) = alembic_ini(files) else {
        return alembic_versions(files);
    };
    let base = parent(ini);
    let location = read(ini)
        .and_then(|text| {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == "script_location")
                .map(|(_, v)| v.trim().replace("%(here)s/", "").replace("%(here)s", "."))
        })
        .unwrap_or_else(|| "alembic".to_string());
    let location = location.trim_start_matches("./").trim_end_matches('/');
    let dir = join(base, &format!("{location}/versions"));
    Some(Layout {
        tool: "Alembic",
        runner: "alembic",
        dir,
        glob: "*.py",
        evidence: format!("{ini} (script_location = {location})"),
    })
}

/// Without `alembic.ini`: a `versions/` directory of `.py` revisions beside an `env.py`.
fn alembic_versions(files: &[String]) -> Option<Layout> {
    let example = files.iter().find(|f| {
        f.ends_with(".py")
            && name(parent(f)) == "versions"
            && files.contains(&join(parent(parent(f)), "env.py"))
    })?;
    Some(Layout {
        tool: "Alembic",
        runner: "alembic",
        dir: parent(example).to_string(),
        glob: "*.py",
        evidence: format!("{} beside env.py", parent(example)),
    })
}

/// `diesel.toml` (its `[migrations_directory] dir`) or `*/up.sql` directories.
fn diesel(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<Layout> {
    if let Some(toml) = files.iter().find(|f| name(f) == "diesel.toml") {
        let dir = read(toml)
            .and_then(|text| diesel_dir(&text))
            .unwrap_or_else(|| "migrations".to_string());
        return Some(Layout {
            tool: "Diesel",
            runner: "diesel",
            dir: join(parent(toml), dir.trim_end_matches('/')),
            glob: "*/up.sql",
            evidence: toml.clone(),
        });
    }
    let (dir, example) = busiest_dir(files, |f| name(f) == "up.sql")?;
    let dir = parent(&dir).to_string();
    Some(Layout {
        tool: "Diesel",
        runner: "diesel",
        dir,
        glob: "*/up.sql",
        evidence: example.to_string(),
    })
}

/// `dir = "..."` under `[migrations_directory]`.
fn diesel_dir(text: &str) -> Option<String> {
    let table: toml::Table = text.parse().ok()?;
    let dir = table.get("migrations_directory")?.get("dir")?.as_str()?;
    Some(dir.to_string())
}

fn prisma(files: &[String]) -> Option<Layout> {
    let example = files.iter().find(|f| {
        f.ends_with("/migration.sql") && parent(parent(f)).ends_with("prisma/migrations")
    })?;
    Some(Layout {
        tool: "Prisma",
        runner: "prisma",
        dir: parent(parent(example)).to_string(),
        glob: "*/migration.sql",
        evidence: example.clone(),
    })
}

fn sqitch(files: &[String]) -> Option<Layout> {
    let plan = files.iter().find(|f| name(f) == "sqitch.plan")?;
    Some(Layout {
        tool: "sqitch",
        runner: "sqitch",
        dir: join(parent(plan), "deploy"),
        glob: "*.sql",
        evidence: plan.clone(),
    })
}

/// `.sql` files with a `-- migrate:up` section (usually in `db/migrations`).
fn dbmate(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<Layout> {
    let is_dbmate = |f: &str| {
        f.ends_with(".sql")
            && read(f).is_some_and(|t| t.lines().any(|l| l.trim().starts_with("-- migrate:up")))
    };
    let (dir, example) = busiest_dir(files, is_dbmate)?;
    Some(Layout {
        tool: "dbmate",
        runner: "dbmate",
        dir,
        glob: "*.sql",
        evidence: format!("{example} (-- migrate:up)"),
    })
}

/// Flyway's versioned files: `V1__init.sql`, `V2_1__x.sql`.
fn flyway(files: &[String]) -> Option<Layout> {
    let versioned = |f: &str| {
        let n = name(f);
        let Some(rest) = n.strip_prefix('V') else {
            return false;
        };
        let Some((version, _)) = rest.split_once("__") else {
            return false;
        };
        n.ends_with(".sql")
            && !version.is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_digit() || c == '_' || c == '.')
    };
    let (dir, example) = busiest_dir(files, versioned)?;
    Some(Layout {
        tool: "Flyway",
        runner: "flyway",
        dir,
        glob: "V*__*.sql",
        evidence: example.to_string(),
    })
}

fn golang_migrate(files: &[String]) -> Option<Layout> {
    let (dir, example) = busiest_dir(files, |f| f.ends_with(".up.sql"))?;
    Some(Layout {
        tool: "golang-migrate",
        runner: "golang-migrate",
        dir,
        glob: "*.up.sql",
        evidence: example.to_string(),
    })
}

/// A Rails `db/structure.sql` dump: replayed, it gives the schema the app expects.
fn rails(files: &[String]) -> Option<Layout> {
    let dump = files
        .iter()
        .find(|f| f.ends_with("db/structure.sql") || *f == "structure.sql")?;
    Some(Layout {
        tool: "Rails (structure.sql)",
        runner: "psql",
        dir: parent(dump).to_string(),
        glob: "structure.sql",
        evidence: dump.clone(),
    })
}

/// Plain numbered SQL files: `001_init.sql`, `20240101_x.sql`, run with psql.
fn numbered(files: &[String]) -> Option<Layout> {
    let is_numbered = |f: &str| {
        let n = name(f);
        n.ends_with(".sql") && n.chars().next().is_some_and(|c| c.is_ascii_digit())
    };
    let (dir, example) = busiest_dir(files, is_numbered)?;
    Some(Layout {
        tool: "numbered SQL files",
        runner: "psql",
        dir,
        glob: "[0-9]*.sql",
        evidence: example.to_string(),
    })
}

fn join(base: &str, rest: &str) -> String {
    if base == "." || base.is_empty() {
        rest.to_string()
    } else {
        format!("{base}/{rest}")
    }
}

/// The files under `root` (relative, with `/`, sorted), at most five levels deep, skipping
/// [`SKIPPED_DIRS`].
pub fn project_files(root: &Path) -> Vec<String> {
    let walker = walkdir::WalkDir::new(root)
        .max_depth(6)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        });
    walker
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let relative = e.path().strip_prefix(root).ok()?;
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            Some(parts.join("/"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_directory_with_most_migrations_wins() {
        let list = files(&["scripts/1_x.sql", "sql/001_a.sql", "sql/002_b.sql"]);
        let layout = detect(&list, &|_| None).expect("numbered layout");
        assert_eq!((layout.dir.as_str(), layout.runner), ("sql", "psql"));
    }

    #[test]
    fn alembic_reads_script_location() {
        let list = files(&["alembic.ini", "db/versions/abc_x.py"]);
        let read = |_: &str| Some("[alembic]\nscript_location = db\n".to_string());
        let layout = detect(&list, &read).expect("alembic layout");
        assert_eq!(layout.dir, "db/versions");
    }
}
