//! Transaction semantics: whether a migration file runs inside one transaction, as its runner
//! decides. Diesel, Prisma, Flyway, Alembic, dbmate and golang-migrate wrap a file in a
//! transaction unless told otherwise; psql, sqitch and no runner at all leave it to the file's own
//! `BEGIN` / `COMMIT`. A caller names the [`Runner`] per file (a plain enum: `lint --runner`,
//! `[lint] runner`, or `lint --alembic` for the SQL of a revision) and passes the opt-outs it found
//! outside the file (Diesel's `metadata.toml`, Flyway's `<script>.sql.conf`); the opt-outs
//! written in the file itself are read here ([`directive`]). Reading files is the caller's job.

/// The tool that runs the migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runner {
    Alembic,
    Diesel,
    Prisma,
    GolangMigrate,
    Flyway,
    Dbmate,
    Sqitch,
    Psql,
    /// Said explicitly: nothing wraps the file.
    None,
}

impl Runner {
    pub const ALL: [Runner; 9] = [
        Runner::Alembic,
        Runner::Diesel,
        Runner::Prisma,
        Runner::GolangMigrate,
        Runner::Flyway,
        Runner::Dbmate,
        Runner::Sqitch,
        Runner::Psql,
        Runner::None,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Runner::Alembic => "alembic",
            Runner::Diesel => "diesel",
            Runner::Prisma => "prisma",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Flyway => "flyway",
            Runner::Dbmate => "dbmate",
            Runner::Sqitch => "sqitch",
            Runner::Psql => "psql",
            Runner::None => "none",
        }
    }

    pub fn from_name(name: &str) -> Option<Runner> {
        Runner::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether the runner wraps a file of `statements` statements in one transaction (when the
    /// file does not opt out), and how it says so in a finding.
    pub fn wraps(self, statements: usize) -> Option<&'static str> {
        match self {
            Runner::Alembic => Some("Alembic runs each migration in a transaction"),
            Runner::Diesel => Some("Diesel runs each migration in a transaction"),
            Runner::Prisma => Some("Prisma runs each migration in a transaction"),
            Runner::Flyway => Some("Flyway runs each migration in a transaction"),
            Runner::Dbmate => Some("dbmate runs each migration in a transaction"),
            // The postgres driver sends the file as one query: several statements in one query
            // run as one implicit transaction.
            Runner::GolangMigrate if statements > 1 => {
                Some("golang-migrate sends the file as one query, which runs as one transaction")
            }
            Runner::GolangMigrate | Runner::Sqitch | Runner::Psql | Runner::None => None,
        }
    }

    /// How this runner's users turn the wrapping off for one file, for help texts.
    pub fn opt_out(self) -> &'static str {
        match self {
            Runner::Alembic => "run it in `with op.get_context().autocommit_block():`",
            Runner::Diesel => "add `run_in_transaction = false` to the migration's metadata.toml",
            Runner::Flyway => "set `executeInTransaction=false` in the script's .sql.conf file",
            Runner::Dbmate => "write `-- migrate:up transaction:false`",
            Runner::GolangMigrate => "put the statement in a migration file of its own",
            Runner::Prisma | Runner::Sqitch | Runner::Psql | Runner::None => {
                "put it in a migration that runs outside a transaction"
            }
        }
    }
}

/// A transaction directive written in the file: `Some(false)` when the file says it runs
/// outside a transaction (`-- driftlint: no-transaction`, dbmate's `-- migrate:up
/// transaction:false`, `-- postgres-migrations disable-transaction`, goose's `-- +goose NO
/// TRANSACTION`), `Some(true)` for `-- driftlint: transaction`; with the line as written.
pub fn directive(text: &str) -> Option<(bool, String)> {
    // Only a line with `--` after its indentation can hold one: the text is searched for `--`,
    // not read line by line.
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&text.as_bytes()[from..], b"--") {
        let dashes = from + found;
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..dashes]).map_or(0, |n| n + 1);
        let line_end =
            memchr::memchr(b'\n', &text.as_bytes()[dashes..]).map_or(text.len(), |n| dashes + n);
        from = line_end;
        // A line's `\r` is whitespace to trim.
        if !text[line_start..dashes].trim().is_empty() {
            continue;
        }
        let trimmed = text[line_start..line_end].trim();
        let rest = trimmed[2..].trim();
        if !DIRECTIVE_STARTS
            .iter()
            .any(|start| starts_with_word(rest, start))
        {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let wraps = match words.as_slice() {
            ["driftlint:", "no-transaction", ..] | ["driftlint:no-transaction", ..] => false,
            ["driftlint:", "transaction", ..] | ["driftlint:transaction", ..] => true,
            ["postgres-migrations", "disable-transaction", ..] => false,
            ["+goose", "no", "transaction", ..] => false,
            ["migrate:up", rest @ ..] if rest.contains(&"transaction:false") => false,
            _ => continue,
        };
        return Some((wraps, trimmed.to_string()));
    }
    None
}

/// How the first word of every directive [`directive`] reads starts (in any case): a comment
/// that starts otherwise is passed over without being lowercased and split into words, which
/// is most of a file's comments.
const DIRECTIVE_STARTS: [&str; 4] = ["driftlint:", "postgres-migrations", "+goose", "migrate:up"];

/// Whether `text` starts with `start`, ASCII case ignored.
fn starts_with_word(text: &str, start: &str) -> bool {
    text.as_bytes()
        .get(..start.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(start.as_bytes()))
}

/// Whether a file runs inside one transaction, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrapping {
    /// No runner given: only the file's own `BEGIN` / `COMMIT` count (as before runners).
    Unknown,
    /// The whole file runs in one transaction (the reason, for messages).
    Wrapped(String),
    /// The file runs outside a transaction (the runner does not wrap, or the file opts out).
    Unwrapped,
}

/// How a file runs: `runner` (none given: [`Wrapping::Unknown`]), `outside` an opt-out the
/// caller found outside the text, and the file's own directive.
pub fn wrapping(
    runner: Option<Runner>,
    outside: Option<&str>,
    text: &str,
    statements: usize,
) -> Wrapping {
    match directive(text) {
        Some((true, line)) => return Wrapping::Wrapped(format!("the file says `{line}`")),
        Some((false, _)) => return Wrapping::Unwrapped,
        None => {}
    }
    if outside.is_some() {
        return Wrapping::Unwrapped;
    }
    match runner.map(|r| r.wraps(statements)) {
        None => Wrapping::Unknown,
        Some(Some(reason)) => Wrapping::Wrapped(reason.to_string()),
        Some(None) => Wrapping::Unwrapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_as_each_runner_writes_them() {
        assert_eq!(
            directive("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);"),
            Some((false, "-- migrate:up transaction:false".into()))
        );
        assert_eq!(directive("-- migrate:up\nSELECT 1;"), None);
        assert_eq!(
            directive("-- postgres-migrations disable-transaction\n").map(|d| d.0),
            Some(false)
        );
        assert_eq!(
            directive("-- +goose NO TRANSACTION\n").map(|d| d.0),
            Some(false)
        );
        assert_eq!(
            directive("-- driftlint: no-transaction\n").map(|d| d.0),
            Some(false)
        );
        assert_eq!(
            directive("--driftlint: transaction\n").map(|d| d.0),
            Some(true)
        );
    }

    /// A directive is a line of its own, after any indentation (a `\r`, or Unicode spaces, as
    /// `str::trim` reads them), wherever it is in the file; dashes after code are a comment, not
    /// a directive.
    #[test]
    fn a_directive_is_a_comment_line_anywhere_in_the_file() {
        let found = |text: &str| directive(text).map(|d| d.1);
        let line = "-- driftlint: no-transaction";
        for text in [
            line.to_string(),
            format!("  \t{line}\r\nSELECT 1;"),
            format!("SELECT 1; -- a note -- with dashes\n---------\n\u{3000}{line}\n"),
            format!("/* header */\r\n\r\n{line}  \r\n-- driftlint: transaction\n"),
        ] {
            assert_eq!(found(&text).as_deref(), Some(line), "{text:?}");
        }
        for text in [
            format!("SELECT 1; {line}\n"),
            "SELECT '--';\n-- driftlint:no-transactions\n".to_string(),
            "--".to_string(),
            String::new(),
        ] {
            assert_eq!(found(&text), None, "{text:?}");
        }
    }

    #[test]
    fn wrapping_by_runner_and_opt_out() {
        let sql = "CREATE INDEX CONCURRENTLY i ON t (a);";
        assert_eq!(wrapping(None, None, sql, 1), Wrapping::Unknown);
        assert!(matches!(
            wrapping(Some(Runner::Diesel), None, sql, 1),
            Wrapping::Wrapped(_)
        ));
        assert_eq!(
            wrapping(
                Some(Runner::Diesel),
                Some("run_in_transaction = false"),
                sql,
                1
            ),
            Wrapping::Unwrapped
        );
        assert_eq!(
            wrapping(Some(Runner::Psql), None, sql, 1),
            Wrapping::Unwrapped
        );
        assert_eq!(
            wrapping(Some(Runner::GolangMigrate), None, sql, 1),
            Wrapping::Unwrapped
        );
        assert!(matches!(
            wrapping(Some(Runner::GolangMigrate), None, sql, 2),
            Wrapping::Wrapped(_)
        ));
        assert!(matches!(
            wrapping(None, None, "-- driftlint: transaction\nSELECT 1;", 1),
            Wrapping::Wrapped(_)
        ));
    }
}
