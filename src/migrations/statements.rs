//! A file's statements as replay needs them: byte spans from the shared splitter
//! (quotes, dollar quotes, nested comments, `E''` strings, `BEGIN ATOMIC` bodies) and their
//! leading keywords, which decide how each statement runs; line and column of a byte.

use std::ops::Range;

use sqlparser::tokenizer::{Token, Tokenizer};

use crate::sql::split::{self as source, PieceKind};
use crate::sql::tokens::DIALECT;

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
                    && server_version_num < crate::server::PG_12
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
pub(super) fn char_position_to_byte(text: &str, position: u32) -> usize {
    let index = (position as usize).saturating_sub(1);
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(byte, _)| byte)
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
    fn line_column_counts_characters() {
        let text = "SELECT 1;\nSELECT 'é', x;\n";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 13));
        assert_eq!(char_position_to_byte(text, 1), 0);
        assert_eq!(char_position_to_byte("é x", 3), 3);
    }
}
