//! Migration directories as a schema source: which files are "up" migrations, their order, and
//! applying them to a scratch database.
//!
//! This module finds the files (C-locale byte order of their path inside the directory), decides
//! for each whether it runs in a transaction, applies it with the simple query protocol and turns
//! PostgreSQL's errors into diagnostics that point at `file:line:column`. It does not read the
//! resulting schema (that is [`crate::introspect`]) nor judge re-runs (that is [`crate::verify`]).
//!
//! A replay happens on a [`Workspace`]: a throwaway database on a scratch cluster
//! ([`crate::scratch::Cluster`]) or, with `--dev-url`, a temporary database created on that
//! server. Either is removed when the workspace is dropped.

use std::fmt;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;
use thiserror::Error;

use sqlparser::tokenizer::{Token, Tokenizer};

use crate::model::quote_ident;
use crate::sql::split::{self as source, PieceKind};
use crate::sql::tokens::DIALECT;
use crate::Error;

// ---------------------------------------------------------------------------------------------
// Errors

/// Errors finding or applying migration files.
#[derive(Debug, Error, Diagnostic)]
pub enum MigrationError {
    #[error("no migration files found in {}", path.display())]
    #[diagnostic(
        code(driftlint::migrations::no_files),
        help("{looked_for}; pass --glob to choose the files, e.g. --glob '*.sql'")
    )]
    NoFiles { path: PathBuf, looked_for: String },

    #[error("{} does not exist", path.display())]
    #[diagnostic(
        code(driftlint::migrations::not_found),
        help("pass the directory that holds the migration files")
    )]
    NotFound { path: PathBuf },

    #[error("could not read {}", path.display())]
    #[diagnostic(
        code(driftlint::migrations::read),
        help("check that the path exists and is readable")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not UTF-8 text", path.display())]
    #[diagnostic(
        code(driftlint::migrations::encoding),
        help("save the migration as UTF-8; PostgreSQL receives it as UTF-8 text")
    )]
    NotUtf8 { path: PathBuf },

    #[error("invalid --glob pattern `{glob}`: {message}")]
    #[diagnostic(
        code(driftlint::migrations::glob),
        help("use shell glob syntax, e.g. '*.up.sql' or '**/up.sql'")
    )]
    Glob { glob: String, message: String },

    #[error("{file}:{line}:{column}: {what} is not supported by replay")]
    #[diagnostic(
        code(driftlint::migrations::psql_only),
        help("replay sends each file to PostgreSQL as SQL; psql meta-commands and COPY ... FROM stdin data only work in psql. Load data with INSERT or COPY from a server-side file, and run meta-commands outside the migration")
    )]
    PsqlOnly {
        file: String,
        line: usize,
        column: usize,
        what: String,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(Box<ApplyError>),

    #[error("{action} on the scratch database failed: {message}")]
    #[diagnostic(
        code(driftlint::migrations::server),
        help("the server ran the migrations until then; check that it is still reachable and that the user may create databases")
    )]
    Server { action: String, message: String },

    #[error("could not create a temporary database on the --dev-url server: {message}")]
    #[diagnostic(
        code(driftlint::migrations::dev_database),
        help("the --dev-url user needs the CREATEDB privilege (ALTER ROLE ... CREATEDB); the database is dropped again afterwards")
    )]
    DevDatabase { message: String },
}

impl MigrationError {
    fn server(action: impl Into<String>, error: &postgres::Error) -> Self {
        MigrationError::Server {
            action: action.into(),
            message: error_text(error),
        }
    }
}

/// A migration file that PostgreSQL rejected, as a diagnostic with the file's source attached.
#[derive(Debug, Error)]
#[error("{}", self.headline())]
pub struct ApplyError {
    pub failure: Failure,
    source_code: NamedSource<String>,
    help: Option<String>,
    code: &'static str,
    what: &'static str,
}

impl ApplyError {
    /// Builds the diagnostic for `failure` in `file`; `code` names the situation
    /// (`driftlint::migrations::apply`, `driftlint::verify::not_rerunnable`, ...) and `what`
    /// prefixes PostgreSQL's message (e.g. "the second run fails: ").
    pub fn new(
        file: &MigrationFile,
        failure: Failure,
        code: &'static str,
        what: &'static str,
    ) -> Self {
        let help = failure.help_text();
        ApplyError {
            source_code: NamedSource::new(file.name.clone(), file.text.clone())
                .with_language("SQL"),
            failure,
            help,
            code,
            what,
        }
    }

    fn headline(&self) -> String {
        let failure = &self.failure;
        let mut text = format!("{}: {}{}", failure.location(), self.what, failure.message);
        if let Some(state) = &failure.sqlstate {
            text.push_str(&format!(" (SQLSTATE {state})"));
        }
        text
    }
}

impl Diagnostic for ApplyError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.failure.span.as_ref().map(|_| &self.source_code as _)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.failure.span.clone()?;
        let label = "fails here".to_string();
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(label), SourceSpan::from(span)),
        )))
    }
}

/// What went wrong applying one file: PostgreSQL's error and where in the file it points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The file as named in reports (its path as given on the command line).
    pub file: String,
    /// 1-based position of the error (or of the failing statement) in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The failing statement's text, when it could be determined.
    pub statement: Option<String>,
    pub message: String,
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// PostgreSQL's CONTEXT line (e.g. the PL/pgSQL function and line), if any.
    pub context: Option<String>,
    /// The file was stopped by `--timeout`.
    pub timed_out: bool,
    /// Byte range in the file the error points at (the error position or the statement).
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl Failure {
    /// `file:line:col: message (SQLSTATE x)`.
    pub fn headline(&self) -> String {
        let mut text = self.location();
        text.push_str(": ");
        text.push_str(&self.message);
        if let Some(state) = &self.sqlstate {
            text.push_str(&format!(" (SQLSTATE {state})"));
        }
        text
    }

    /// `file:line:col`, or just the file when no position is known.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            _ => self.file.clone(),
        }
    }

    fn help_text(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(detail) = &self.detail {
            parts.push(format!("detail: {detail}"));
        }
        if let Some(hint) = &self.hint {
            parts.push(format!("hint: {hint}"));
        }
        if let Some(context) = &self.context {
            parts.push(format!("context: {context}"));
        }
        if self.timed_out {
            parts.push(
                "the file ran longer than --timeout; raise it if the migration is just slow".into(),
            );
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

fn error_text(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => error.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery

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
        let bytes = std::fs::read(path).map_err(|source| MigrationError::Read {
            path: path.to_path_buf(),
            source,
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
                source: error
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("file system loop")),
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
        ) || (words.first() == Some(&"migrate:up")
            && words.contains(&"transaction:false"));
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

// ---------------------------------------------------------------------------------------------
// Statements
//
// Statement boundaries come from the linter's splitter ([`crate::sql::split::split`]: quotes,
// dollar quotes, nested comments, `E''` strings, `BEGIN ATOMIC` bodies). Replay only adds what it
// needs to decide how to run a statement: its leading keywords.

/// One statement of a file: its byte span (from its first token to its `;`) and keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub span: Range<usize>,
    /// The first words of the statement, upper-cased (comments, literals and quoted identifiers
    /// skipped).
    pub words: Vec<String>,
    /// The word CONCURRENTLY appears outside literals and comments.
    pub concurrently: bool,
}

const KEPT_WORDS: usize = 8;

impl Statement {
    /// Reads the keywords of the statement at `span` of `sql`.
    fn read(sql: &str, span: Range<usize>) -> Statement {
        let mut tokens = Vec::new();
        // On a tokenizer error (an unterminated literal, say) the tokens before it still count;
        // PostgreSQL reports the error itself when the statement runs.
        let _ = Tokenizer::new(&DIALECT, &sql[span.clone()])
            .tokenize_with_location_into_buf(&mut tokens);
        let mut words = Vec::new();
        let mut concurrently = false;
        for token in &tokens {
            let Token::Word(word) = &token.token else {
                continue;
            };
            if word.quote_style.is_some() {
                continue;
            }
            let upper = word.value.to_ascii_uppercase();
            concurrently |= upper == "CONCURRENTLY";
            if words.len() < KEPT_WORDS {
                words.push(upper);
            }
        }
        Statement {
            span,
            words,
            concurrently,
        }
    }

    fn word(&self, index: usize) -> &str {
        self.words.get(index).map(String::as_str).unwrap_or("")
    }

    /// `BEGIN`, `COMMIT`, `ROLLBACK`, ... which replay must not send inside its own transaction.
    pub fn is_transaction_control(&self) -> bool {
        matches!(
            self.word(0),
            "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "ABORT" | "START"
        ) && !(self.word(0) == "START" && self.word(1) != "TRANSACTION")
    }

    /// Why this statement cannot run inside a transaction block, if it cannot.
    pub fn needs_no_transaction(&self, server_version_num: u32) -> Option<String> {
        let (first, second) = (self.word(0), self.word(1));
        let reason = match first {
            "CREATE" | "DROP" | "REINDEX" | "ALTER" if self.concurrently => {
                Some(format!("{first} ... CONCURRENTLY"))
            }
            "VACUUM" => Some("VACUUM".to_string()),
            "ALTER" if second == "SYSTEM" => Some("ALTER SYSTEM".to_string()),
            "CREATE" | "DROP" if matches!(second, "DATABASE" | "TABLESPACE" | "SUBSCRIPTION") => {
                Some(format!("{first} {second}"))
            }
            "ALTER"
                if second == "TYPE"
                    && server_version_num < 120000
                    && self
                        .words
                        .windows(2)
                        .any(|w| w[0] == "ADD" && w[1] == "VALUE") =>
            {
                Some("ALTER TYPE ... ADD VALUE (before PostgreSQL 12)".to_string())
            }
            _ => None,
        };
        reason.map(|r| format!("`{r}`"))
    }
}

/// The SQL statements of `sql`, in order, with byte spans. psql meta-commands and COPY data are
/// not statements; [`discover`] refuses files that have them ([`MigrationFile::psql_only`]).
pub fn statements(sql: &str) -> Vec<Statement> {
    source::split(sql)
        .into_iter()
        .filter(|piece| piece.kind == PieceKind::Statement)
        .map(|piece| Statement::read(sql, piece.span))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Positions

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Byte offset in `text` of the 1-based character `position` PostgreSQL reports.
fn char_position_to_byte(text: &str, position: u32) -> usize {
    let index = (position as usize).saturating_sub(1);
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(byte, _)| byte)
}

// ---------------------------------------------------------------------------------------------
// Applying files

/// How one file was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The whole file in one transaction.
    Transaction,
    /// Statement by statement, without a transaction; the reason (a directive or a statement).
    NoTransaction(String),
}

/// Applies one file on `client`: in a transaction (rolled back on error) or statement by
/// statement. `timeout` bounds the file (server-side `statement_timeout` plus a client-side
/// cancel).
pub fn apply(
    client: &mut postgres::Client,
    file: &MigrationFile,
    mode: &Mode,
    timeout: Duration,
) -> Result<(), Box<Failure>> {
    match mode {
        Mode::Transaction => {
            apply_held(client, file, timeout)?;
            client
                .batch_execute("COMMIT")
                .map_err(|error| failure_at(file, None, &error, false))
        }
        Mode::NoTransaction(_) => {
            if let Err(error) = client.batch_execute(&timeout_setting(timeout)) {
                return Err(failure_at(file, None, &error, false));
            }
            let sql = file.sql();
            let statements = statements(sql);
            let deadline = std::time::Instant::now() + timeout;
            for statement in &statements {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let text = &sql[statement.span.clone()];
                let (result, fired) = guarded(client, left.max(Duration::from_millis(1)), |c| {
                    c.batch_execute(text)
                });
                if let Err(error) = result {
                    // A statement inside the file's own BEGIN block leaves it aborted.
                    let _ = client.batch_execute("ROLLBACK");
                    let mut failure = failure_at(file, Some(statement), &error, fired);
                    point_inside(file, &mut failure, &error);
                    return Err(failure);
                }
            }
            Ok(())
        }
    }
}

/// Runs the whole file inside a transaction and leaves that transaction open on success (the
/// caller commits or rolls back); on error it is rolled back.
pub fn apply_held(
    client: &mut postgres::Client,
    file: &MigrationFile,
    timeout: Duration,
) -> Result<(), Box<Failure>> {
    let setup = format!("{}; BEGIN", timeout_setting(timeout));
    if let Err(error) = client.batch_execute(&setup) {
        return Err(failure_at(file, None, &error, false));
    }
    let (result, fired) = guarded(client, timeout, |c| c.batch_execute(file.sql()));
    match result {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = client.batch_execute("ROLLBACK");
            let mut failure = failure_at(file, None, &error, fired);
            if failure.statement.is_none() && !failure.timed_out {
                locate_by_probing(client, file, &error, timeout, &mut failure);
            }
            point_inside(file, &mut failure, &error);
            Err(failure)
        }
    }
}

fn timeout_setting(timeout: Duration) -> String {
    format!("SET statement_timeout = {}", timeout.as_millis().max(1))
}

/// For an error without a position, finds the failing statement by running the file again one
/// statement at a time in a transaction that is always rolled back.
fn locate_by_probing(
    client: &mut postgres::Client,
    file: &MigrationFile,
    original: &postgres::Error,
    timeout: Duration,
    failure: &mut Failure,
) {
    let sql = file.sql();
    let statements = statements(sql);
    if statements.len() < 2 {
        if let Some(statement) = statements.first() {
            set_statement(file, statement, failure);
        }
        return;
    }
    if client.batch_execute("BEGIN").is_err() {
        return;
    }
    let wanted = original.as_db_error().map(|db| db.code().clone());
    for statement in &statements {
        if statement.is_transaction_control() {
            continue;
        }
        let text = &sql[statement.span.clone()];
        let (result, _) = guarded(client, timeout, |c| c.batch_execute(text));
        if let Err(error) = result {
            let same = error.as_db_error().map(|db| db.code().clone()) == wanted;
            if same {
                set_statement(file, statement, failure);
            }
            break;
        }
    }
    let _ = client.batch_execute("ROLLBACK");
}

fn set_statement(file: &MigrationFile, statement: &Statement, failure: &mut Failure) {
    let absolute = file.up.start + statement.span.start..file.up.start + statement.span.end;
    let (line, column) = line_column(&file.text, absolute.start);
    failure.line = Some(line);
    failure.column = Some(column);
    failure.statement = Some(file.sql()[statement.span.clone()].trim().to_string());
    failure.span = Some(absolute);
}

/// Builds a [`Failure`] from a client error; `statement` is the statement that was sent alone
/// (outside a transaction), `None` when the whole file was sent.
fn failure_at(
    file: &MigrationFile,
    statement: Option<&Statement>,
    error: &postgres::Error,
    fired: bool,
) -> Box<Failure> {
    let db = error.as_db_error();
    let sqlstate = db.map(|db| db.code().code().to_string());
    let timed_out = fired || sqlstate.as_deref() == Some("57014");
    let mut failure = Box::new(Failure {
        file: file.name.clone(),
        line: None,
        column: None,
        statement: None,
        message: db.map_or_else(|| error.to_string(), |db| db.message().to_string()),
        sqlstate,
        detail: db.and_then(|db| db.detail().map(str::to_string)),
        hint: db.and_then(|db| db.hint().map(str::to_string)),
        context: db.and_then(|db| db.where_().map(str::to_string)),
        timed_out,
        span: None,
    });
    if fired {
        failure.message = "canceled: the file ran longer than --timeout".to_string();
    }
    let sql = file.sql();
    // The text that was sent and where it starts in `sql`.
    let (sent, base) = match statement {
        Some(statement) => (&sql[statement.span.clone()], statement.span.start),
        None => (sql, 0),
    };
    if let Some(statement) = statement {
        set_statement(file, statement, &mut failure);
    }
    if let Some(postgres::error::ErrorPosition::Original(position)) =
        db.and_then(|db| db.position())
    {
        let at = base + char_position_to_byte(sent, *position);
        let containing = statements(sql)
            .into_iter()
            .find(|s| s.span.start <= at && at < s.span.end.max(s.span.start + 1));
        if let Some(containing) = containing {
            failure.statement = Some(sql[containing.span.clone()].trim().to_string());
        }
        let absolute = file.up.start + at;
        let (line, column) = line_column(&file.text, absolute);
        failure.line = Some(line);
        failure.column = Some(column);
        let width = file.text[absolute..]
            .chars()
            .next()
            .map_or(0, char::len_utf8)
            .max(1)
            .min(file.text.len().saturating_sub(absolute));
        failure.span = Some(absolute..absolute + width);
    }
    failure
}

/// An error raised inside a DO block or function body: narrows the span from the whole
/// statement to the inner statement PostgreSQL names (its internal query or the `SQL statement
/// "..."` of the context), when that text appears in the statement.
fn point_inside(file: &MigrationFile, failure: &mut Failure, error: &postgres::Error) {
    let Some(db) = error.as_db_error() else {
        return;
    };
    let Some(window) = failure.span.clone() else {
        return;
    };
    let (inner, position) = match db.position() {
        Some(postgres::error::ErrorPosition::Internal { position, query }) => {
            (query.clone(), Some(*position))
        }
        Some(postgres::error::ErrorPosition::Original(_)) => return,
        None => match db.where_().and_then(context_statement) {
            Some(query) => (query, None),
            None => return,
        },
    };
    if inner.trim().is_empty() || window.len() <= inner.len() {
        return;
    }
    let Some(found) = file.text[window.clone()].find(inner.as_str()) else {
        return;
    };
    let start = window.start + found;
    let (at, end) = match position {
        Some(position) => {
            let at = start + char_position_to_byte(&inner, position);
            let width = file.text[at..].chars().next().map_or(1, char::len_utf8);
            (at, at + width)
        }
        None => (start, start + inner.len()),
    };
    let (line, column) = line_column(&file.text, at);
    failure.line = Some(line);
    failure.column = Some(column);
    failure.span = Some(at..end);
}

/// The statement text of a PL/pgSQL context (`SQL statement "ALTER TABLE ..."`).
fn context_statement(context: &str) -> Option<String> {
    let rest = context.split_once("SQL statement \"")?.1;
    let end = rest.find("\"\n").or_else(|| rest.rfind('"'))?;
    Some(rest[..end].to_string())
}

/// Runs `work` with a client-side deadline: past `timeout`, the running query is canceled
/// (covers files that reset `statement_timeout` themselves). Returns whether it fired.
fn guarded<T>(
    client: &mut postgres::Client,
    timeout: Duration,
    work: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
) -> (Result<T, postgres::Error>, bool) {
    let token = client.cancel_token();
    let fired = Arc::new(AtomicBool::new(false));
    let (done, wait) = mpsc::channel::<()>();
    let watcher = {
        let fired = Arc::clone(&fired);
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(timeout) {
                fired.store(true, Ordering::SeqCst);
                let _ = token.cancel_query(postgres::NoTls);
            }
        })
    };
    let result = work(client);
    drop(done);
    let _ = watcher.join();
    (result, fired.load(Ordering::SeqCst))
}

/// `server_version_num` of the connected server (e.g. 150004).
pub fn server_version(client: &mut postgres::Client) -> Result<u32, MigrationError> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .map_err(|e| MigrationError::server("reading the server version", &e))?;
    let version: i32 = row.get(0);
    Ok(u32::try_from(version).unwrap_or(0))
}

/// The transaction mode for `file` on a server of `server_version_num`.
pub fn mode_for(file: &MigrationFile, server_version_num: u32) -> Mode {
    match file.no_transaction_reason(server_version_num) {
        Some(reason) => Mode::NoTransaction(reason),
        None => Mode::Transaction,
    }
}

// ---------------------------------------------------------------------------------------------
// Workspace: where migrations are replayed

/// A database to replay into, removed again when dropped: a database on a scratch cluster, or a
/// temporary database on the `--dev-url` server.
pub struct Workspace {
    host: Host,
    database: String,
    url: String,
    timeout: Duration,
}

enum Host {
    Scratch(crate::scratch::Cluster),
    Dev { admin_url: String },
}

impl fmt::Debug for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// Starts a scratch cluster, or creates a temporary database on the `dev_url` server.
    pub fn open(dev_url: Option<&str>, timeout: Duration) -> Result<Workspace, Error> {
        let database = unique_name();
        match dev_url {
            None => {
                let cluster = crate::scratch::Cluster::start()?;
                let url = cluster.create_database(&database)?;
                Ok(Workspace {
                    host: Host::Scratch(cluster),
                    database,
                    url,
                    timeout,
                })
            }
            Some(admin_url) => {
                install_dev_interrupt_handler();
                let mut admin = connect(admin_url, timeout)?;
                admin
                    .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&database)))
                    .map_err(|e| MigrationError::DevDatabase {
                        message: error_text(&e),
                    })?;
                register_dev_database(admin_url, &database);
                let url = with_database(admin_url, &database);
                Ok(Workspace {
                    host: Host::Dev {
                        admin_url: admin_url.to_string(),
                    },
                    database,
                    url,
                    timeout,
                })
            }
        }
    }

    /// The URL of the replay database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The replay database's name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// `true` on a scratch cluster, `false` on a `--dev-url` server.
    pub fn is_scratch(&self) -> bool {
        matches!(self.host, Host::Scratch(_))
    }

    /// A new connection to the replay database.
    pub fn connect(&self) -> Result<postgres::Client, Error> {
        connect(&self.url, self.timeout)
    }

    fn url_for(&self, database: &str) -> String {
        match &self.host {
            Host::Scratch(cluster) => cluster.url(database),
            Host::Dev { admin_url } => with_database(admin_url, database),
        }
    }

    /// A new connection to the server's maintenance database (not the replay database).
    pub fn connect_admin(&self) -> Result<postgres::Client, Error> {
        let url = match &self.host {
            Host::Scratch(cluster) => cluster.url("postgres"),
            Host::Dev { admin_url } => admin_url.clone(),
        };
        connect(&url, self.timeout)
    }

    /// Replaces the replay database with a new, empty one (the old one is dropped); the
    /// caller must have closed its connections to the old one.
    pub fn start_over(&mut self) -> Result<(), Error> {
        let name = unique_name();
        match &self.host {
            Host::Scratch(cluster) => {
                cluster.create_database(&name)?;
            }
            Host::Dev { admin_url } => {
                let mut admin = connect(admin_url, self.timeout)?;
                admin
                    .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
                    .map_err(|e| MigrationError::DevDatabase {
                        message: error_text(&e),
                    })?;
                register_dev_database(admin_url, &name);
            }
        }
        let old = std::mem::replace(&mut self.database, name);
        self.url = self.url_for(&self.database);
        self.drop_database(&old)
    }

    /// Drops a database of this workspace.
    pub fn drop_database(&self, name: &str) -> Result<(), Error> {
        match &self.host {
            Host::Scratch(cluster) => Ok(cluster.drop_database(name)?),
            Host::Dev { admin_url } => {
                drop_dev_database(admin_url, name, self.timeout).map_err(|message| {
                    MigrationError::Server {
                        action: format!("dropping the temporary database {name}"),
                        message,
                    }
                })?;
                unregister_dev_database(name);
                Ok(())
            }
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        // A scratch cluster removes everything when it stops; a dev server keeps what we do
        // not drop.
        if let Host::Dev { admin_url } = &self.host {
            let _ = drop_dev_database(admin_url, &self.database, self.timeout);
            unregister_dev_database(&self.database);
        }
    }
}

fn connect(url: &str, timeout: Duration) -> Result<postgres::Client, Error> {
    let options = crate::introspect::ConnectOptions { timeout };
    Ok(crate::introspect::connect(url, &options)?)
}

/// `url` pointing at `database` instead: a trailing `dbname` parameter wins over whatever the URL
/// or key=value string named before (libpq's rule, which `introspect::connect` follows).
fn with_database(url: &str, database: &str) -> String {
    let url = url.trim();
    let is_url = url
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.to_ascii_lowercase().starts_with("postgres"));
    if is_url {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}dbname={database}")
    } else {
        format!("{url} dbname={database}")
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "driftlint_tmp_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn drop_dev_database(admin_url: &str, name: &str, timeout: Duration) -> Result<(), String> {
    let mut admin = connect(admin_url, timeout).map_err(|e| e.to_string())?;
    let version = server_version(&mut admin).map_err(|e| e.to_string())?;
    let sql = if version >= 130000 {
        format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
    } else {
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid(); \
             DROP DATABASE IF EXISTS {}",
            crate::model::quote_literal(name),
            quote_ident(name)
        )
    };
    admin.batch_execute(&sql).map_err(|e| error_text(&e))
}

/// Temporary databases created on `--dev-url` servers by this process, dropped on Ctrl-C.
static DEV_DATABASES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn register_dev_database(admin_url: &str, name: &str) {
    if let Ok(mut list) = DEV_DATABASES.lock() {
        list.push((admin_url.to_string(), name.to_string()));
    }
}

fn unregister_dev_database(name: &str) {
    if let Ok(mut list) = DEV_DATABASES.lock() {
        list.retain(|(_, n)| n != name);
    }
}

fn install_dev_interrupt_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // If a handler is already installed (a scratch cluster's), keep it.
        let _ = ctrlc::set_handler(|| {
            let list = DEV_DATABASES.lock().map(|l| l.clone()).unwrap_or_default();
            for (admin_url, name) in list {
                let _ = drop_dev_database(&admin_url, &name, Duration::from_secs(10));
            }
            crate::scratch::stop_all();
            eprintln!("interrupted");
            std::process::exit(130);
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Replay

/// Options for [`replay`].
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub dir: PathBuf,
    pub glob: Option<String>,
    pub dev_url: Option<String>,
    pub timeout: Duration,
}

/// A replayed migration directory: the database stays until this is dropped.
#[derive(Debug)]
pub struct Replayed {
    workspace: Workspace,
    /// The files applied, in order.
    pub files: Vec<String>,
    /// Things the user should know (`.sql` files skipped as not being up migrations).
    pub notes: Vec<String>,
}

impl Replayed {
    /// The URL of the database the migrations were applied to.
    pub fn url(&self) -> &str {
        self.workspace.url()
    }
}

/// Applies the up migrations of `options.dir` in C-locale order to a fresh database. The first
/// file PostgreSQL rejects ends the replay with a diagnostic pointing at `file:line:column`.
pub fn replay(options: &ReplayOptions) -> Result<Replayed, Error> {
    let discovery = discover(std::slice::from_ref(&options.dir), options.glob.as_deref())?;
    let workspace = Workspace::open(options.dev_url.as_deref(), options.timeout)?;
    let mut client = workspace.connect()?;
    let version = server_version(&mut client)?;
    let notes = skipped_note(&discovery.skipped)
        .into_iter()
        .collect::<Vec<_>>();
    let progress = progress_bar(discovery.files.len(), "replaying");
    for file in &discovery.files {
        progress.set_message(file.name.clone());
        let mode = mode_for(file, version);
        apply(&mut client, file, &mode, options.timeout).map_err(|failure| {
            MigrationError::Apply(Box::new(ApplyError::new(
                file,
                *failure,
                "driftlint::migrations::apply",
                "",
            )))
        })?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    drop(client);
    Ok(Replayed {
        workspace,
        files: discovery.files.into_iter().map(|f| f.name).collect(),
        notes,
    })
}

/// A note listing `.sql` files that were not applied, if any.
pub fn skipped_note(skipped: &[String]) -> Option<String> {
    const SHOWN: usize = 5;
    if skipped.is_empty() {
        return None;
    }
    let mut list = skipped
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if skipped.len() > SHOWN {
        list.push_str(&format!(" and {} more", skipped.len() - SHOWN));
    }
    Some(format!(
        "not applied: {list} ({} .sql file(s) whose name does not look like an up migration; \
         --glob chooses the files)",
        skipped.len()
    ))
}

/// A progress bar on stderr for long runs on a terminal; hidden otherwise.
pub fn progress_bar(len: usize, verb: &str) -> indicatif::ProgressBar {
    const LONG: usize = 20;
    if len < LONG || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{verb} {{bar:30}} {{pos}}/{{len}} {{wide_msg}}"
    )) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        statements(sql).into_iter().map(|s| &sql[s.span]).collect()
    }

    #[test]
    fn split_handles_comments_strings_and_dollar_quotes() {
        let sql =
            "-- lead; comment\nCREATE TABLE a (x text DEFAULT ';');\n/* a ; /* nested ; */ */\n\
                   DO $body$ BEGIN PERFORM 1; END $body$;\nSELECT E'it\\'s;', \"a;b\" FROM t";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE TABLE a (x text DEFAULT ';');",
                "DO $body$ BEGIN PERFORM 1; END $body$;",
                "SELECT E'it\\'s;', \"a;b\" FROM t",
            ]
        );
    }

    #[test]
    fn split_keeps_begin_atomic_bodies_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\nSELECT 3;";
        let parts = texts(sql);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("SELECT 2; END;"));
    }

    #[test]
    fn split_ignores_parameters_that_look_like_dollar_quotes() {
        let sql = "PREPARE p AS SELECT $1; SELECT 1;";
        assert_eq!(texts(sql), vec!["PREPARE p AS SELECT $1;", "SELECT 1;"]);
    }

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        let reason = |sql: &str, version| {
            statements(sql)
                .first()
                .and_then(|s| s.needs_no_transaction(version))
        };
        assert!(reason("CREATE UNIQUE INDEX CONCURRENTLY ix ON t (a);", 150000).is_some());
        assert!(reason("drop index concurrently if exists ix;", 150000).is_some());
        assert!(reason("REINDEX TABLE CONCURRENTLY t;", 150000).is_some());
        assert!(reason("VACUUM ANALYZE t;", 150000).is_some());
        assert!(reason("ALTER SYSTEM SET work_mem = '8MB';", 150000).is_some());
        assert!(reason("ALTER TYPE s ADD VALUE 'x';", 110000).is_some());
        assert!(reason("ALTER TYPE s ADD VALUE 'x';", 150000).is_none());
        assert!(reason("CREATE INDEX ix ON t (a);", 150000).is_none());
        assert!(reason("COMMENT ON TABLE t IS 'built concurrently';", 150000).is_none());
        assert!(reason(
            "-- CREATE INDEX CONCURRENTLY\nCREATE INDEX ix ON t (a);",
            150000
        )
        .is_none());
    }

    #[test]
    fn transaction_control_statements() {
        let first = |sql: &str| statements(sql)[0].is_transaction_control();
        assert!(first("BEGIN;"));
        assert!(first("commit;"));
        assert!(first("START TRANSACTION;"));
        assert!(!first("CREATE TABLE t (a int);"));
        assert!(!first("DO $$ BEGIN END $$;"));
    }

    #[test]
    fn keywords_skip_comments_literals_and_quoted_identifiers() {
        let sql =
            "/* CONCURRENTLY */ CREATE INDEX \"CONCURRENTLY\" ON t (a) WHERE b = 'CONCURRENTLY';\n\
                   ALTER TABLE public.tags ADD COLUMN x int;";
        let found = statements(sql);
        assert_eq!(found.len(), 2);
        assert!(!found[0].concurrently, "{:?}", found[0]);
        assert_eq!(found[0].words[..3], ["CREATE", "INDEX", "ON"]);
        assert_eq!(found[1].words[..4], ["ALTER", "TABLE", "PUBLIC", "TAGS"]);
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
    fn context_statement_reads_plpgsql_context() {
        let context = "SQL statement \"ALTER TABLE t\n  ADD COLUMN b int\"\nPL/pgSQL function inline_code_block line 3 at SQL statement";
        assert_eq!(
            context_statement(context).as_deref(),
            Some("ALTER TABLE t\n  ADD COLUMN b int")
        );
        assert_eq!(
            context_statement("PL/pgSQL function f() line 3 at RAISE"),
            None
        );
    }

    #[test]
    fn with_database_names_the_temporary_database_last() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=require", "tmp_1"),
            "postgres://u:p@h:5432/app?sslmode=require&dbname=tmp_1"
        );
        assert_eq!(
            with_database("postgresql+asyncpg://u@h/app", "tmp_1"),
            "postgresql+asyncpg://u@h/app?dbname=tmp_1"
        );
        assert_eq!(
            with_database("host=/tmp user=postgres dbname=postgres", "tmp_1"),
            "host=/tmp user=postgres dbname=postgres dbname=tmp_1"
        );
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "SELECT 1;\nSELECT 'é', x;\n";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 13));
        assert_eq!(char_position_to_byte(text, 1), 0);
        assert_eq!(char_position_to_byte("é x", 3), 3);
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
