//! Finding the up migrations of a directory (C-locale byte order of their path inside it) and
//! reading each: its up section, and whether it runs in a transaction (the runner's directives).

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::sql::split::{self as source, PieceKind};

use super::*;

/// One migration file to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    /// Path on disk.
    pub path: PathBuf,
    /// The path as shown in reports.
    pub name: String,
    /// The whole file.
    pub text: String,
    /// The byte range of `text` that is applied: the whole file, or dbmate's / goose's up section.
    pub up: Range<usize>,
    /// A runner directive in the file asks for no transaction (the directive, as written).
    pub directive: Option<String>,
}

impl MigrationFile {
    /// Reads a file; `name` is how reports call it.
    pub fn read(path: &Path, name: String) -> Result<MigrationFile, MigrationError> {
        use crate::input::{mib, read_file, Unread, MAX_MIGRATION_BYTES};
        let bytes = read_file(path, MAX_MIGRATION_BYTES).map_err(|unread| match unread {
            Unread::Io(source) => MigrationError::Read {
                path: path.to_path_buf(),
                source,
            },
            Unread::TooLarge => MigrationError::TooLarge {
                path: path.to_path_buf(),
                limit_mib: mib(MAX_MIGRATION_BYTES),
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|_| MigrationError::NotUtf8 {
            path: path.to_path_buf(),
        })?;
        Ok(MigrationFile::from_text(path.to_path_buf(), name, text))
    }

    /// A file from its contents (no I/O): finds the up section and the directives.
    pub fn from_text(path: PathBuf, name: String, text: String) -> MigrationFile {
        let up = up_section(&text);
        let mut directive = transaction_directive(&text[..up.end]);
        if directive.is_none() {
            directive = diesel_metadata_directive(&path);
        }
        MigrationFile {
            path,
            name,
            text,
            up,
            directive,
        }
    }

    /// The SQL that is sent to the server.
    pub fn sql(&self) -> &str {
        &self.text[self.up.clone()]
    }

    /// The file has its own `BEGIN` / `COMMIT` / `ROLLBACK` statements.
    pub fn controls_transactions(&self) -> bool {
        statements(self.sql())
            .iter()
            .any(Statement::is_transaction_control)
    }

    /// Refuses a file whose up section holds what only psql understands: a backslash
    /// meta-command (`\connect`, `\set`) or the data lines of `COPY ... FROM stdin`.
    pub fn psql_only(&self) -> Result<(), MigrationError> {
        let sql = self.sql();
        let pieces = source::split(sql);
        for (index, piece) in pieces.iter().enumerate() {
            let (what, at) = match piece.kind {
                PieceKind::Statement => continue,
                PieceKind::MetaCommand => {
                    let command = piece.text(sql).split_whitespace().next().unwrap_or("\\");
                    (format!("psql meta-command `{command}`"), piece.span.start)
                }
                PieceKind::CopyData => {
                    // Point at the COPY statement the data belongs to.
                    let copy = index
                        .checked_sub(1)
                        .and_then(|before| pieces.get(before))
                        .map_or(piece.span.start, |copy| copy.span.start);
                    ("COPY ... FROM stdin data".to_string(), copy)
                }
            };
            let (line, column) = line_column(&self.text, self.up.start + at);
            return Err(MigrationError::PsqlOnly {
                file: self.name.clone(),
                line,
                column,
                what,
            });
        }
        Ok(())
    }

    /// Why this file must run outside a transaction on a server of `server_version_num`
    /// (e.g. 150004), or `None` when it runs in one.
    pub fn no_transaction_reason(&self, server_version_num: u32) -> Option<String> {
        if let Some(directive) = &self.directive {
            return Some(format!("directive `{directive}`"));
        }
        let sql = self.sql();
        statements(sql)
            .iter()
            .find_map(|statement| statement.needs_no_transaction(server_version_num))
    }
}

/// The down migration of `file`, if it has one: a sibling file (Diesel's `down.sql` beside
/// `up.sql`, golang-migrate's `X.down.sql` beside `X.up.sql`, `X__down.sql` beside
/// `X__up.sql`), or the file's own down section (dbmate's `-- migrate:down`, goose's
/// `-- +goose Down`). A file without one gets `None`.
pub fn down_of(file: &MigrationFile) -> Result<Option<MigrationFile>, MigrationError> {
    if let Some((marker, down)) = down_section(&file.text) {
        let directive = section_directive(&file.text, "")
            .or_else(|| section_directive(&file.text[marker..down.end], "migrate:down"));
        return Ok(Some(MigrationFile {
            path: file.path.clone(),
            name: format!("{} (down section)", file.name),
            text: file.text.clone(),
            up: down,
            directive,
        }));
    }
    let Some(file_name) = file.path.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let sibling = [
        ("up.sql", "down.sql"),
        (".up.sql", ".down.sql"),
        ("__up.sql", "__down.sql"),
    ]
    .iter()
    .find_map(|(up, down)| {
        let stem = file_name.strip_suffix(up)?;
        (stem.is_empty() == (*up == "up.sql")).then(|| format!("{stem}{down}"))
    });
    let Some(sibling) = sibling else {
        return Ok(None);
    };
    let path = file.path.with_file_name(&sibling);
    if !path.is_file() {
        return Ok(None);
    }
    let name = Path::new(&file.name)
        .with_file_name(&sibling)
        .display()
        .to_string();
    MigrationFile::read(&path, name).map(Some)
}

/// Where dbmate's / goose's down section starts (its marker line) and the byte range of its
/// statements, when the file has one.
fn down_section(text: &str) -> Option<(usize, Range<usize>)> {
    let mut offset = 0;
    let mut down_start = None;
    for line in text.split_inclusive('\n') {
        match (section_marker(line), down_start) {
            (Some(Section::Down), None) => down_start = Some((offset, offset + line.len())),
            (Some(Section::Up), Some((marker, begin))) => return Some((marker, begin..offset)),
            _ => {}
        }
        offset += line.len();
    }
    down_start.map(|(marker, begin)| (marker, begin..text.len()))
}

/// The files found for a replay, in the order they are applied.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub files: Vec<MigrationFile>,
    /// `.sql` files that were not recognised as up migrations (so not applied).
    pub skipped: Vec<String>,
}

/// Finds the up migrations under each path, in order: a directory's files in C-locale byte order
/// of their path inside it, a file as given (even if its name does not look like an up
/// migration). `glob` replaces the default file-name rules.
pub fn discover(paths: &[PathBuf], glob: Option<&str>) -> Result<Discovery, MigrationError> {
    let matcher = match glob {
        Some(pattern) => Some(compile_glob(pattern)?),
        None => None,
    };
    let mut discovery = Discovery::default();
    for path in paths {
        if !path.exists() {
            return Err(MigrationError::NotFound { path: path.clone() });
        }
        if path.is_file() {
            let name = path.display().to_string();
            discovery
                .files
                .push(replayable(MigrationFile::read(path, name)?)?);
            continue;
        }
        let mut entries = Vec::new();
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            let entry = entry.map_err(|error| MigrationError::Read {
                path: error.path().unwrap_or(path).to_path_buf(),
                source: crate::input::walk_error(error),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(path) else {
                continue;
            };
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            entries.push((relative, entry.path().to_path_buf()));
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let before = discovery.files.len();
        for (relative, file_path) in entries {
            let name = file_path.display().to_string();
            let wanted = match &matcher {
                Some(matcher) => matcher.matches(&relative),
                None => match classify(&relative) {
                    Kind::Up => true,
                    Kind::Down | Kind::NotSql => false,
                    Kind::Unknown => {
                        // dbmate and goose keep up and down in one file with any name.
                        let file = MigrationFile::read(&file_path, name.clone())?;
                        if file.up.len() != file.text.len() {
                            discovery.files.push(replayable(file)?);
                        } else {
                            discovery.skipped.push(name);
                        }
                        continue;
                    }
                },
            };
            if wanted {
                discovery
                    .files
                    .push(replayable(MigrationFile::read(&file_path, name)?)?);
            }
        }
        if discovery.files.len() == before {
            let looked_for = match glob {
                Some(glob) => format!("looked for files matching `{glob}`"),
                None => DEFAULT_RULES.to_string(),
            };
            return Err(MigrationError::NoFiles {
                path: path.clone(),
                looked_for,
            });
        }
    }
    Ok(discovery)
}

/// `file`, unless it holds something only psql can run.
fn replayable(file: MigrationFile) -> Result<MigrationFile, MigrationError> {
    file.psql_only()?;
    Ok(file)
}

const DEFAULT_RULES: &str = "looked for *.up.sql, up.sql in per-migration directories, *__up.sql, \
     migration.sql (Prisma), numbered NNN_name.sql files and dbmate/goose files with up sections";

struct GlobMatcher {
    full: globset::GlobMatcher,
    /// A pattern without `/` also matches the bare file name.
    name_only: bool,
}

impl GlobMatcher {
    fn matches(&self, relative: &str) -> bool {
        if self.full.is_match(relative) {
            return true;
        }
        self.name_only
            && relative
                .rsplit('/')
                .next()
                .is_some_and(|name| self.full.is_match(name))
    }
}

fn compile_glob(pattern: &str) -> Result<GlobMatcher, MigrationError> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
        .map_err(|error| MigrationError::Glob {
            glob: pattern.to_string(),
            message: error.kind().to_string(),
        })?;
    Ok(GlobMatcher {
        full: glob.compile_matcher(),
        name_only: !pattern.contains('/'),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Up,
    Down,
    NotSql,
    /// A `.sql` file whose name says nothing: applied only if it has dbmate/goose sections.
    Unknown,
}

/// The default rules, by the file's path inside the migration directory.
fn classify(relative: &str) -> Kind {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let lower = name.to_ascii_lowercase();
    if !lower.ends_with(".sql") {
        return Kind::NotSql;
    }
    let is_down = lower == "down.sql"
        || lower.ends_with(".down.sql")
        || lower.ends_with("__down.sql")
        || lower.ends_with(".undo.sql");
    if is_down {
        return Kind::Down;
    }
    let is_up = lower == "up.sql"
        || lower.ends_with(".up.sql")
        || lower.ends_with("__up.sql")
        || lower == "migration.sql"
        || lower.ends_with("__migration.sql");
    if is_up {
        return Kind::Up;
    }
    // Numbered files: `001_init.sql`, `20240101120000_x.sql`, Flyway's `V3__x.sql`.
    let bytes = lower.as_bytes();
    let numbered = bytes.first().is_some_and(u8::is_ascii_digit)
        || (bytes.first() == Some(&b'v') && bytes.get(1).is_some_and(u8::is_ascii_digit));
    if numbered {
        Kind::Up
    } else {
        Kind::Unknown
    }
}

/// The byte range of the up part: dbmate's `-- migrate:up` ... `-- migrate:down`, goose's
/// `-- +goose Up` ... `-- +goose Down`, else the whole file (minus a UTF-8 byte-order mark).
fn up_section(text: &str) -> Range<usize> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut up_start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let marker = section_marker(line);
        match (marker, up_start) {
            (Some(Section::Up), None) => up_start = Some(offset + line.len()),
            (Some(Section::Down), Some(begin)) => return begin..offset,
            _ => {}
        }
        offset += line.len();
    }
    match up_start {
        Some(begin) => begin..text.len(),
        None => start..text.len(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Up,
    Down,
}

fn section_marker(line: &str) -> Option<Section> {
    let line = line.trim();
    let rest = line.strip_prefix("--")?.trim_start();
    let lower = rest.to_ascii_lowercase();
    let word = lower.split_whitespace().next().unwrap_or("");
    match word {
        "migrate:up" => Some(Section::Up),
        "migrate:down" => Some(Section::Down),
        "+goose" => match lower.split_whitespace().nth(1) {
            Some("up") => Some(Section::Up),
            Some("down") => Some(Section::Down),
            _ => None,
        },
        _ => None,
    }
}

/// A runner directive that asks to run the file outside a transaction, as written in the file.
fn transaction_directive(text: &str) -> Option<String> {
    section_directive(text, "migrate:up")
}

/// [`transaction_directive`] for the section whose dbmate marker is `section`
/// (`migrate:up`, `migrate:down`; empty: directives of the whole file only).
fn section_directive(text: &str, section: &str) -> Option<String> {
    // Sections start after their marker line, so look at the marker too for dbmate.
    for line in text.lines() {
        let trimmed = line.trim();
        let Some(rest) = trimmed.strip_prefix("--") else {
            continue;
        };
        let words: Vec<String> = rest
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let found = matches!(
            words.as_slice(),
            ["driftlint:", "no-transaction", ..]
                | ["driftlint:no-transaction", ..]
                | ["postgres-migrations", "disable-transaction", ..]
                | ["+goose", "no", "transaction", ..]
                | ["no-transaction"]
        ) || (words.first() == Some(&section) && words.contains(&"transaction:false"));
        if found {
            return Some(trimmed.to_string());
        }
    }
    None
}

/// Diesel's `metadata.toml` next to an `up.sql` with `run_in_transaction = false`.
fn diesel_metadata_directive(path: &Path) -> Option<String> {
    if path.file_name()? != "up.sql" {
        return None;
    }
    let metadata = std::fs::read_to_string(path.parent()?.join("metadata.toml")).ok()?;
    metadata
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").replace(' ', ""))
        .any(|line| line == "run_in_transaction=false")
        .then(|| "metadata.toml: run_in_transaction = false".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_migrations_beside_or_inside_the_up() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            MigrationFile::read(&path, name.to_string()).unwrap()
        };
        let diesel = write("2024_x/up.sql", "CREATE TABLE a ();\n");
        write("2024_x/down.sql", "DROP TABLE a;\n");
        let down = down_of(&diesel).unwrap().expect("diesel down.sql");
        assert_eq!(
            (down.name.as_str(), down.sql()),
            ("2024_x/down.sql", "DROP TABLE a;\n")
        );

        let golang = write("1_b.up.sql", "CREATE TABLE b ();\n");
        write("1_b.down.sql", "DROP TABLE b;\n");
        assert_eq!(down_of(&golang).unwrap().unwrap().name, "1_b.down.sql");
        let flat = write("x__up.sql", "CREATE TABLE c ();\n");
        write("x__down.sql", "DROP TABLE c;\n");
        assert_eq!(down_of(&flat).unwrap().unwrap().name, "x__down.sql");

        let dbmate = write(
            "2_d.sql",
            "-- migrate:up\nCREATE TABLE d ();\n-- migrate:down transaction:false\nDROP TABLE d;\n",
        );
        let down = down_of(&dbmate).unwrap().expect("dbmate down section");
        assert_eq!(down.sql(), "DROP TABLE d;\n");
        assert!(down.directive.is_some());
        let goose = write(
            "3_e.sql",
            "-- +goose Down\nDROP TABLE e;\n-- +goose Up\nCREATE TABLE e ();\n",
        );
        assert_eq!(down_of(&goose).unwrap().unwrap().sql(), "DROP TABLE e;\n");

        assert!(down_of(&write("4_plain.sql", "CREATE TABLE f ();\n"))
            .unwrap()
            .is_none());
        assert!(down_of(&write("5_g.up.sql", "CREATE TABLE g ();\n"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn psql_meta_commands_and_copy_data_are_refused_with_their_position() {
        let file = |text: &str| {
            MigrationFile::from_text(PathBuf::from("1_x.sql"), "1_x.sql".into(), text.into())
        };
        assert!(
            file("CREATE TABLE t (a text DEFAULT '\\x');\nSELECT E'\\\\';\n")
                .psql_only()
                .is_ok()
        );
        let Err(MigrationError::PsqlOnly {
            line, column, what, ..
        }) = file("SELECT 1;\n\\connect other\nSELECT 2;\n").psql_only()
        else {
            panic!("a meta-command is refused");
        };
        assert_eq!(
            (line, column, what.as_str()),
            (2, 1, "psql meta-command `\\connect`")
        );
        // The position is in the whole file, past dbmate's up marker.
        let Err(MigrationError::PsqlOnly {
            line, column, what, ..
        }) = file("-- migrate:up\nCOPY t (a) FROM stdin;\n1\n\\.\n-- migrate:down\n").psql_only()
        else {
            panic!("COPY data is refused");
        };
        assert_eq!(
            (line, column, what.as_str()),
            (2, 1, "COPY ... FROM stdin data")
        );
        // Only the up section is replayed.
        assert!(
            file("-- migrate:up\nSELECT 1;\n-- migrate:down\n\\echo down\n")
                .psql_only()
                .is_ok()
        );
    }
    #[test]
    fn classify_default_rules() {
        assert_eq!(classify("1510262030_initial_schema.up.sql"), Kind::Up);
        assert_eq!(classify("1510262030_initial_schema.down.sql"), Kind::Down);
        assert_eq!(classify("2019-02-26-002946_create_user/up.sql"), Kind::Up);
        assert_eq!(
            classify("2019-02-26-002946_create_user/down.sql"),
            Kind::Down
        );
        assert_eq!(classify("2019-02-26-002946_create_user__up.sql"), Kind::Up);
        assert_eq!(
            classify("2019-02-26-002946_create_user__down.sql"),
            Kind::Down
        );
        assert_eq!(classify("20230101000000_init/migration.sql"), Kind::Up);
        assert_eq!(classify("20230101000000_init__migration.sql"), Kind::Up);
        assert_eq!(classify("001_init.sql"), Kind::Up);
        assert_eq!(classify("V3__add_users.sql"), Kind::Up);
        assert_eq!(classify("seed.sql"), Kind::Unknown);
        assert_eq!(classify("README.md"), Kind::NotSql);
    }
    #[test]
    fn dbmate_up_section_stops_at_down() {
        let text = "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";
        let range = up_section(text);
        assert_eq!(&text[range], "CREATE TABLE a (id int);\n\n");
    }
    #[test]
    fn goose_up_section() {
        let text = "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\nSELECT 2;\n";
        let range = up_section(text);
        assert!(text[range.clone()].contains("SELECT 1"));
        assert!(!text[range].contains("SELECT 2"));
    }
    #[test]
    fn plain_file_is_all_up() {
        let text = "\u{feff}CREATE TABLE a (id int);\n";
        assert_eq!(&text[up_section(text)], "CREATE TABLE a (id int);\n");
    }
    #[test]
    fn directives_that_disable_the_transaction() {
        for text in [
            "-- driftlint: no-transaction\nCREATE INDEX ix ON t (a);",
            "-- postgres-migrations disable-transaction\nCREATE INDEX ix ON t (a);",
            "-- +goose NO TRANSACTION\nSELECT 1;",
            "-- no-transaction\nSELECT 1;",
        ] {
            assert!(transaction_directive(text).is_some(), "{text}");
        }
        assert!(transaction_directive("-- a normal comment\nSELECT 1;").is_none());
        let dbmate = MigrationFile::from_text(
            PathBuf::from("1_x.sql"),
            "1_x.sql".into(),
            "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY ix ON t (a);\n-- migrate:down\n".into(),
        );
        assert!(dbmate.directive.is_some());
        let plain = MigrationFile::from_text(
            PathBuf::from("1_x.sql"),
            "1_x.sql".into(),
            "CREATE TABLE t (a int);\n".into(),
        );
        assert_eq!(plain.no_transaction_reason(150000), None);
    }
    #[test]
    fn discovery_orders_by_c_locale_and_skips_down_files() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("b_second/up.sql", "SELECT 2;");
        write("b_second/down.sql", "SELECT -2;");
        write("B_upper/up.sql", "SELECT 0;");
        write("a/up.sql", "SELECT 1;");
        write("a_b/up.sql", "SELECT 1.5;");
        write("notes.sql", "SELECT 'not a migration';");
        write("README.md", "hello");
        let found = discover(&[dir.path().to_path_buf()], None).unwrap();
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            vec![
                "B_upper/up.sql",
                "a/up.sql",
                "a_b/up.sql",
                "b_second/up.sql"
            ]
        );
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].ends_with("notes.sql"));
    }
    #[test]
    fn discovery_with_glob_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0002__b.sql"), "SELECT 2;").unwrap();
        std::fs::write(dir.path().join("0001__a.sql"), "SELECT 1;").unwrap();
        std::fs::write(dir.path().join("0001__a.down.sql"), "SELECT 1;").unwrap();
        let found = discover(&[dir.path().to_path_buf()], Some("*__?.sql")).unwrap();
        let names: Vec<&str> = found
            .files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, vec!["0001__a.sql", "0002__b.sql"]);
        let none = discover(&[dir.path().to_path_buf()], Some("*.up.sql"));
        assert!(matches!(none, Err(MigrationError::NoFiles { .. })));
        let bad = discover(&[dir.path().to_path_buf()], Some("[a"));
        assert!(matches!(bad, Err(MigrationError::Glob { .. })));
    }
    #[test]
    fn dbmate_files_are_found_by_their_sections() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("create_users.sql"),
            "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
        )
        .unwrap();
        let found = discover(&[dir.path().to_path_buf()], None).unwrap();
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].sql(), "CREATE TABLE users (id int);\n");
    }
}
