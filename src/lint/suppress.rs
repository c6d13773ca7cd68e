//! Inline suppression comments.
//!
//! `-- driftlint-ignore: rule-a, rule-b` silences those rules for the next statement;
//! `-- driftlint-ignore-file: rule-a` silences them for the whole file; `all` stands for every
//! rule. Text after a second `--` is a free-form reason. A directive before a top-level statement
//! covers everything inside it (the DDL of a `DO` body too); a directive inside a statement (in a
//! `DO` body) covers the inner statement that follows it.
//!
//! This module finds the directives and answers "is this rule silenced here?"; it does not know
//! which rule names exist (the caller reports unknown ones through [`Suppressions::unknown_names`]).

use std::ops::Range;

use crate::sql::split::{block_comment_end, Piece, PieceKind};

const NEXT: &str = "driftlint-ignore:";
const FILE: &str = "driftlint-ignore-file:";

/// Every suppression directive of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressions {
    directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Directive {
    scope: Scope,
    names: Vec<Name>,
}

/// A rule name with its byte range in the file.
type Name = (Range<usize>, String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    File,
    /// Statements starting inside this byte range.
    Statements(Range<usize>),
    /// A directive with no statement after it.
    Nothing,
}

/// Find the suppression directives of `text`, split into `pieces` by [`crate::sql::split::split`].
pub fn parse(text: &str, pieces: &[Piece]) -> Suppressions {
    let mut suppressions = Suppressions::default();
    if !text.contains("driftlint-ignore") {
        return suppressions;
    }
    let mut comments = Vec::new();
    let mut previous_end = 0;
    for piece in pieces {
        line_comments(text, previous_end..piece.span.start, None, &mut comments);
        if piece.kind == PieceKind::Statement {
            line_comments(text, piece.span.clone(), Some(piece), &mut comments);
        }
        previous_end = piece.span.end;
    }
    line_comments(text, previous_end..text.len(), None, &mut comments);

    for (comment, inside) in comments {
        let Some((kind, names)) = directive(text, comment.clone()) else {
            continue;
        };
        let scope = if kind == FILE {
            Scope::File
        } else if let Some(piece) = inside {
            match next_token(text, comment.end..piece.span.end) {
                Some(start) => Scope::Statements(start..start + 1),
                None => Scope::Nothing,
            }
        } else {
            match pieces.iter().find(|p| p.span.start >= comment.end) {
                Some(piece) => Scope::Statements(piece.span.clone()),
                None => Scope::Nothing,
            }
        };
        suppressions.directives.push(Directive { scope, names });
    }
    suppressions
}

impl Suppressions {
    /// Whether `rule` is silenced for the statement that starts at byte `statement_span_start`.
    pub fn is_suppressed(&self, rule: &str, statement_span_start: usize) -> bool {
        self.directives.iter().any(|directive| {
            let applies = match &directive.scope {
                Scope::File => true,
                Scope::Statements(range) => range.contains(&statement_span_start),
                Scope::Nothing => false,
            };
            applies
                && directive
                    .names
                    .iter()
                    .any(|(_, name)| name == rule || name == "all")
        })
    }

    /// Names in directives that are neither `all` nor accepted by `known`, with their spans.
    pub fn unknown_names(&self, known: &dyn Fn(&str) -> bool) -> Vec<(Range<usize>, String)> {
        self.directives
            .iter()
            .flat_map(|directive| &directive.names)
            .filter(|(_, name)| name != "all" && !known(name))
            .cloned()
            .collect()
    }
}

/// The directive kind and rule names of the `--` comment at `comment`, if it is a directive.
fn directive(text: &str, comment: Range<usize>) -> Option<(&'static str, Vec<Name>)> {
    let body = &text[comment.clone()];
    let after_dashes = body.strip_prefix("--")?;
    let trimmed = after_dashes.trim_start();
    let kind = [FILE, NEXT]
        .into_iter()
        .find(|kind| trimmed.starts_with(kind))?;
    let list_start = comment.start + body.len() - trimmed.len() + kind.len();
    let mut list = &text[list_start..comment.end];
    if let Some(reason) = list.find("--") {
        list = &list[..reason];
    }
    let mut names = Vec::new();
    let mut offset = list_start;
    for part in list.split([',', ' ', '\t']) {
        let name = part.trim_end_matches('\r');
        if !name.is_empty() {
            names.push((offset..offset + name.len(), name.to_string()));
        }
        offset += part.len() + 1;
    }
    Some((kind, names))
}

/// The first byte in `range` that is neither whitespace nor part of a comment.
fn next_token(text: &str, range: Range<usize>) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = range.start;
    while pos < range.end {
        match bytes[pos] {
            b if b.is_ascii_whitespace() => pos += 1,
            b'-' if bytes.get(pos + 1) == Some(&b'-') => pos = line_end(bytes, pos),
            b'/' if bytes.get(pos + 1) == Some(&b'*') => pos = block_comment_end(bytes, pos),
            _ => return Some(pos),
        }
    }
    None
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i)
}

/// Collect the `--` comments in `range` (each up to its line end, without `\r`), treating the
/// inside of dollar quotes as code too, so comments in `DO` and function bodies are found.
/// Quoted strings and identifiers are skipped.
fn line_comments<'p>(
    text: &str,
    range: Range<usize>,
    inside: Option<&'p Piece>,
    out: &mut Vec<(Range<usize>, Option<&'p Piece>)>,
) {
    let bytes = &text.as_bytes()[..range.end];
    let mut pos = range.start;
    let mut open_tags: Vec<&str> = Vec::new();
    while pos < bytes.len() {
        match bytes[pos] {
            b'-' if bytes.get(pos + 1) == Some(&b'-') => {
                let mut end = line_end(bytes, pos);
                if end > pos && bytes[end - 1] == b'\r' {
                    end -= 1;
                }
                out.push((pos..end, inside));
                pos = end;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => pos = block_comment_end(bytes, pos),
            quote @ (b'\'' | b'"') => {
                let escapes = quote == b'\''
                    && pos > 0
                    && matches!(bytes[pos - 1], b'E' | b'e')
                    && (pos < 2 || !is_word_byte(bytes[pos - 2]));
                pos += 1;
                while pos < bytes.len() {
                    if escapes && bytes[pos] == b'\\' {
                        pos += 2;
                    } else if bytes[pos] == quote {
                        pos += 1;
                        if bytes.get(pos) != Some(&quote) {
                            break;
                        }
                        pos += 1;
                    } else {
                        pos += 1;
                    }
                }
            }
            b'$' if pos == 0 || !is_word_byte(bytes[pos - 1]) => {
                let mut end = pos + 1;
                while end < bytes.len() && is_word_byte(bytes[end]) && bytes[end] != b'$' {
                    end += 1;
                }
                let tag_ok = bytes.get(end) == Some(&b'$')
                    && (end == pos + 1 || !bytes[pos + 1].is_ascii_digit());
                if tag_ok {
                    let tag = &text[pos..=end];
                    if open_tags.last() == Some(&tag) {
                        open_tags.pop();
                    } else {
                        open_tags.push(tag);
                    }
                    pos = end + 1;
                } else {
                    pos += 1;
                }
            }
            _ => pos += 1,
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::split::split;

    fn parsed(text: &str) -> Suppressions {
        parse(text, &split(text))
    }

    /// The start of the statement whose text begins with `prefix`.
    fn at(text: &str, prefix: &str) -> usize {
        let start = text.find(prefix).expect("prefix in text");
        assert!(
            split(text).iter().any(|p| p.span.start == start) || text[..start].contains("$$"),
            "{prefix:?} does not start a statement"
        );
        start
    }

    #[test]
    fn next_statement_only() {
        let text = "-- driftlint-ignore: drop-table\nDROP TABLE a;\nDROP TABLE b;\n";
        let s = parsed(text);
        assert!(s.is_suppressed("drop-table", at(text, "DROP TABLE a")));
        assert!(!s.is_suppressed("drop-table", at(text, "DROP TABLE b")));
        assert!(!s.is_suppressed("drop-without-if-exists", at(text, "DROP TABLE a")));
    }

    #[test]
    fn several_names_and_all() {
        let text = "-- driftlint-ignore: drop-table,drop-without-if-exists\nDROP TABLE a;\n\
                    --driftlint-ignore: all\nDROP TABLE b;\nDROP TABLE c;";
        let s = parsed(text);
        assert!(s.is_suppressed("drop-table", at(text, "DROP TABLE a")));
        assert!(s.is_suppressed("drop-without-if-exists", at(text, "DROP TABLE a")));
        assert!(s.is_suppressed("anything", at(text, "DROP TABLE b")));
        assert!(!s.is_suppressed("drop-table", at(text, "DROP TABLE c")));
    }

    #[test]
    fn whole_file() {
        let text = "CREATE TABLE a (id int);\n-- driftlint-ignore-file: create-table-without-if-not-exists\nCREATE TABLE b (id int);";
        let s = parsed(text);
        for start in [at(text, "CREATE TABLE a"), at(text, "CREATE TABLE b")] {
            assert!(s.is_suppressed("create-table-without-if-not-exists", start));
            assert!(!s.is_suppressed("drop-table", start));
        }
    }

    #[test]
    fn stacked_directives_and_comments_between() {
        let text = "-- driftlint-ignore: rule-a\n/* note */\n-- driftlint-ignore: rule-b -- because\n-- plain\nSELECT 1;\nSELECT 2;";
        let s = parsed(text);
        let first = at(text, "SELECT 1");
        assert!(s.is_suppressed("rule-a", first));
        assert!(s.is_suppressed("rule-b", first));
        assert!(!s.is_suppressed("because", first));
        assert!(!s.is_suppressed("rule-a", at(text, "SELECT 2")));
    }

    #[test]
    fn trailing_comment_applies_to_the_following_statement() {
        let text = "SELECT 1; -- driftlint-ignore: rule-a\r\nSELECT 2;";
        let s = parsed(text);
        assert!(!s.is_suppressed("rule-a", at(text, "SELECT 1")));
        assert!(s.is_suppressed("rule-a", at(text, "SELECT 2")));
        assert_eq!(s.unknown_names(&|_| false)[0].1, "rule-a");
    }

    #[test]
    fn top_level_directive_covers_the_whole_do_block() {
        let text = "-- driftlint-ignore: add-column-without-if-not-exists\nDO $$\nBEGIN\n  ALTER TABLE t ADD COLUMN c int;\nEND $$;";
        let s = parsed(text);
        let inner = text.find("ALTER").unwrap();
        assert!(s.is_suppressed("add-column-without-if-not-exists", inner));
        assert!(s.is_suppressed("add-column-without-if-not-exists", at(text, "DO")));
    }

    #[test]
    fn directive_inside_a_do_body_covers_the_next_inner_statement() {
        let text = "DO $$\nBEGIN\n  -- driftlint-ignore: drop-column\n  ALTER TABLE t DROP COLUMN a;\n  ALTER TABLE t DROP COLUMN b;\nEND $$;";
        let s = parsed(text);
        assert!(s.is_suppressed(
            "drop-column",
            text.find("ALTER TABLE t DROP COLUMN a").unwrap()
        ));
        assert!(!s.is_suppressed(
            "drop-column",
            text.find("ALTER TABLE t DROP COLUMN b").unwrap()
        ));
        assert!(!s.is_suppressed("drop-column", at(text, "DO")));
    }

    #[test]
    fn directive_text_in_strings_is_not_a_directive() {
        let text = "SELECT '-- driftlint-ignore: all';\nSELECT E'\\' -- driftlint-ignore: all';\nCOMMENT ON TABLE \"-- driftlint-ignore: all\" IS 'x';\nSELECT 1;";
        let s = parsed(text);
        for prefix in ["SELECT E", "COMMENT", "SELECT 1"] {
            assert!(!s.is_suppressed("x", at(text, prefix)), "{prefix}");
        }
        assert!(s.unknown_names(&|_| false).is_empty());
    }

    #[test]
    fn directive_in_copy_data_or_meta_command_is_ignored() {
        let text = "COPY t FROM stdin;\n-- driftlint-ignore: all\n\\.\n\\echo -- driftlint-ignore: all\nSELECT 1;";
        let s = parsed(text);
        assert!(!s.is_suppressed("x", at(text, "SELECT 1")));
    }

    #[test]
    fn directive_at_end_of_file_suppresses_nothing() {
        let text = "SELECT 1;\n-- driftlint-ignore: all\n";
        let s = parsed(text);
        assert!(!s.is_suppressed("x", at(text, "SELECT 1")));
        assert!(!s.is_suppressed("x", text.len()));
    }

    #[test]
    fn unknown_names_with_exact_spans() {
        let text = "-- driftlint-ignore: drop-table, no-such-rule,all\nDROP TABLE a;\n-- driftlint-ignore-file:  typo-rule\n";
        let s = parsed(text);
        let unknown = s.unknown_names(&|name| name == "drop-table");
        assert_eq!(unknown.len(), 2, "{unknown:?}");
        for (span, name) in &unknown {
            assert_eq!(&text[span.clone()], name);
        }
        assert_eq!(unknown[0].1, "no-such-rule");
        assert_eq!(unknown[1].1, "typo-rule");
    }

    /// Random mixes of directives, quotes and comments: parsing never panics and every name
    /// span points at that name in the text.
    #[test]
    fn random_fragments_never_panic() {
        const FRAGMENTS: &[&str] = &[
            "-- driftlint-ignore: ",
            "-- driftlint-ignore-file:",
            "rule-a",
            ",",
            " ",
            "all",
            "\n",
            "\r\n",
            "'",
            "\"",
            "$$",
            "$t$",
            "/*",
            "*/",
            ";",
            "SELECT 1",
            "E'\\",
            "é",
            "--",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let mut names = 0;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(30) {
                text.push_str(FRAGMENTS[next(FRAGMENTS.len())]);
            }
            let s = parsed(&text);
            for (span, name) in s.unknown_names(&|_| false) {
                assert_eq!(text.get(span), Some(name.as_str()), "{text:?}");
                names += 1;
            }
            for start in 0..=text.len() {
                s.is_suppressed("rule-a", start);
            }
        }
        assert!(names > 100, "only {names} names found");
    }

    #[test]
    fn file_without_directives() {
        let text =
            "-- see driftlint-ignore: in the docs\n-- driftlint-ignore without a colon\nSELECT 1;";
        let s = parsed(text);
        assert_eq!(s, Suppressions::default());
        assert!(!s.is_suppressed("x", 0));
    }
}
