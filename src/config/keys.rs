//! Every key the configuration file accepts: its section, its name (the command-line flag's
//! name, kebab-case), the kind of value it takes and one line for `driftlint config` and the
//! docs. Reading, validation and the "did you mean" hints all come from this one table.

/// The sections, in the order `driftlint config` shows them.
pub const SECTIONS: [&str; 4] = ["lint", "check", "repair", "verify"];

/// The migration runners `[lint] runner` accepts.
pub const RUNNERS: [&str; 9] = [
    "alembic",
    "diesel",
    "prisma",
    "golang-migrate",
    "flyway",
    "dbmate",
    "sqitch",
    "psql",
    "none",
];

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// A string naming a file or directory, relative to the config file's directory.
    Path,
    /// One path or a list of paths.
    Paths,
    /// A program: a path (relative to the config file's directory, when it holds a `/`), or a
    /// command name looked up on `PATH` (`python3`).
    Program,
    /// `true` or `false`.
    Flag,
    /// A whole number of seconds, at least 1.
    Seconds,
    /// A whole number, 0 or more.
    Count,
    /// A PostgreSQL major version, 13 to 18.
    PgVersion,
    /// One of the listed strings.
    Choice(&'static [&'static str]),
    /// A list of rule names or categories.
    Rules,
    /// A list of glob patterns.
    Globs,
    /// A list of names (schemas).
    Names,
    /// A `lock_timeout` value: `5s`, `500ms`, `1min`.
    LockTimeout,
    /// `[lint.severity]`: a table of rule name to severity.
    Severities,
    /// `[lint.per-file-ignores]`: a table of glob to a list of rules.
    FileIgnores,
}

/// One accepted key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub section: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
}

const fn key(section: &'static str, name: &'static str, kind: Kind, help: &'static str) -> Key {
    Key {
        section,
        name,
        kind,
        help,
    }
}

const LINT_FORMATS: &[&str] = &["human", "json", "sarif", "github"];
const CHECK_FORMATS: &[&str] = &["human", "json", "github"];
const REPAIR_FORMATS: &[&str] = &["sql", "alembic"];

/// The keys [check] and [repair] share (a [repair] value wins for repair, else [check]'s).
macro_rules! source_keys {
    ($section:literal) => {
        [
            key($section, "schema", Kind::Path, "the declared schema file"),
            key(
                $section,
                "models",
                Kind::Text,
                "SQLAlchemy models declaring the schema instead (module:Base)",
            ),
            key(
                $section,
                "python",
                Kind::Program,
                "the Python that imports the models (--models)",
            ),
            key(
                $section,
                "migrations",
                Kind::Path,
                "migration directory replayed when no database URL is given",
            ),
            key(
                $section,
                "glob",
                Kind::Text,
                "which files of the migration directory are up migrations",
            ),
            key($section, "schema-names", Kind::Names, "schemas to read"),
            key(
                $section,
                "ignore-tables",
                Kind::Globs,
                "tables never reported (names or globs), added to schema.yaml's ignore list",
            ),
            key(
                $section,
                "timeout",
                Kind::Seconds,
                "bound on each migration file and catalog query, in seconds",
            ),
        ]
    };
}

const CHECK_SOURCE: [Key; 8] = source_keys!("check");
const REPAIR_SOURCE: [Key; 8] = source_keys!("repair");

const OTHER_KEYS: [Key; 30] = [
    key(
        "lint",
        "select",
        Kind::Rules,
        "only these rules or categories",
    ),
    key(
        "lint",
        "ignore",
        Kind::Rules,
        "skip these rules or categories",
    ),
    key(
        "lint",
        "exclude",
        Kind::Globs,
        "files never linted (globs, relative to the config file)",
    ),
    key(
        "lint",
        "severity",
        Kind::Severities,
        "per-rule severity: error, warning, info or off",
    ),
    key(
        "lint",
        "per-file-ignores",
        Kind::FileIgnores,
        "rules ignored in the files a glob matches",
    ),
    key(
        "lint",
        "schema",
        Kind::Path,
        "declared schema used by the rules that need the tables",
    ),
    key(
        "lint",
        "models",
        Kind::Text,
        "SQLAlchemy models declaring the schema instead (module:Base)",
    ),
    key(
        "lint",
        "python",
        Kind::Program,
        "the project's Python (--models, --alembic)",
    ),
    key(
        "lint",
        "alembic",
        Kind::Path,
        "lint this Alembic project's revisions (its alembic.ini) instead of SQL files",
    ),
    key(
        "lint",
        "format",
        Kind::Choice(LINT_FORMATS),
        "report format",
    ),
    key(
        "lint",
        "pg-version",
        Kind::PgVersion,
        "PostgreSQL major version the migrations run on (13 to 18)",
    ),
    key(
        "lint",
        "runner",
        Kind::Choice(&RUNNERS),
        "the tool that runs the migrations",
    ),
    key(
        "lint",
        "small-table-rows",
        Kind::Count,
        "with --database-url: locking findings on tables with fewer rows are info",
    ),
    key(
        "check",
        "strict",
        Kind::Flag,
        "extra objects in the database fail the check too",
    ),
    key(
        "check",
        "format",
        Kind::Choice(CHECK_FORMATS),
        "report format",
    ),
    key(
        "repair",
        "format",
        Kind::Choice(REPAIR_FORMATS),
        "migration format",
    ),
    key(
        "repair",
        "output",
        Kind::Path,
        "file the migration is written to",
    ),
    key(
        "repair",
        "out-dir",
        Kind::Path,
        "directory the next numbered migration is written to",
    ),
    key(
        "repair",
        "alembic-dir",
        Kind::Path,
        "Alembic versions directory, to find down_revision",
    ),
    key(
        "repair",
        "destructive",
        Kind::Flag,
        "also emit drops and type changes as statements",
    ),
    key(
        "repair",
        "lock-timeout",
        Kind::LockTimeout,
        "value for SET lock_timeout at the top of the script",
    ),
    key(
        "verify",
        "migrations",
        Kind::Paths,
        "migration files or directories (default: [check] migrations)",
    ),
    key(
        "verify",
        "glob",
        Kind::Text,
        "which files are up migrations (default: [check] glob)",
    ),
    key(
        "verify",
        "timeout",
        Kind::Seconds,
        "bound on each migration file, in seconds",
    ),
    key(
        "verify",
        "format",
        Kind::Choice(CHECK_FORMATS),
        "report format",
    ),
    key(
        "verify",
        "alembic",
        Kind::Path,
        "run this Alembic project's history (its alembic.ini) instead of SQL files",
    ),
    key(
        "verify",
        "python",
        Kind::Program,
        "with alembic: the project's Python (default: [check] python)",
    ),
    key(
        "verify",
        "both-ways",
        Kind::Flag,
        "also run and check each file's down migration",
    ),
    key(
        "verify",
        "locks",
        Kind::Flag,
        "record each statement's locks, rewrites and scans",
    ),
    key(
        "verify",
        "rows",
        Kind::Count,
        "generated rows per existing table (default 1000 with locks, 0 disables)",
    ),
];

/// Every key, section by section.
pub static KEYS: std::sync::LazyLock<Vec<Key>> = std::sync::LazyLock::new(|| {
    let mut all: Vec<Key> = CHECK_SOURCE
        .iter()
        .chain(REPAIR_SOURCE.iter())
        .chain(OTHER_KEYS.iter())
        .copied()
        .collect();
    all.sort_by_key(|k| SECTIONS.iter().position(|s| *s == k.section));
    all
});

/// The key `name` of `section`.
pub fn find(section: &str, name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.section == section && k.name == name)
}

/// The known name closest to `typo` (at most a third of its letters off), for "did you mean".
pub fn closest<'a>(typo: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = typo.chars().count().div_ceil(3).max(1);
    known
        .into_iter()
        .map(|name| (edit_distance(typo, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit (`selcet`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in table[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[i - 1][j] + 1)
                .min(table[i][j - 1] + 1)
                .min(table[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[i - 2][j - 2] + 1);
            }
            table[i][j] = best;
        }
    }
    table[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runners_of_the_file_are_the_lint_engines() {
        let names = crate::lint::Runner::ALL.map(|r| r.name());
        assert_eq!(RUNNERS, names);
    }

    #[test]
    fn a_swapped_pair_of_letters_is_one_edit() {
        assert_eq!(edit_distance("selcet", "select"), 1);
        assert_eq!(closest("selcet", ["select", "ignore"]), Some("select"));
        assert_eq!(closest("zzzzzz", ["select", "ignore"]), None);
    }

    #[test]
    fn every_key_is_in_a_known_section_once() {
        for key in KEYS.iter() {
            assert!(SECTIONS.contains(&key.section), "{}", key.section);
            let same = KEYS
                .iter()
                .filter(|k| k.section == key.section && k.name == key.name)
                .count();
            assert_eq!(same, 1, "{}.{}", key.section, key.name);
        }
    }
}
