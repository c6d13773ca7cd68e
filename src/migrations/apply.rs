//! Applying one file with the simple query protocol (in a transaction, or statement by
//! statement), bounded by a timeout, and pointing PostgreSQL's error at the statement, line and
//! column where it happened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use super::*;

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

/// The failure of `statement` of `file`, sent to the server alone: located at the statement, or
/// inside it where PostgreSQL names a position or an inner statement. `fired`: the client-side
/// deadline canceled it.
pub fn statement_failure(
    file: &MigrationFile,
    statement: &Statement,
    error: &postgres::Error,
    fired: bool,
) -> Box<Failure> {
    let mut failure = failure_at(file, Some(statement), error, fired);
    point_inside(file, &mut failure, error);
    failure
}

/// The failure of `file` as a whole (its `COMMIT`, say), not of one of its statements.
pub fn file_failure(file: &MigrationFile, error: &postgres::Error) -> Box<Failure> {
    failure_at(file, None, error, false)
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
pub(crate) fn guarded<T>(
    client: &mut postgres::Client,
    timeout: Duration,
    work: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
) -> (Result<T, postgres::Error>, bool) {
    // The cancel is sent at `timeout`; the watchdog waits as long again for the server to stop.
    let _step = crate::deadline::step("applying a migration", timeout.saturating_mul(2));
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
