//! Names and SQL fragments shared by the repair recipes: PostgreSQL's own naming convention for
//! objects a schema declares without a name, catalog guards for `DO` blocks, dollar quoting.
//!
//! Every identifier goes through [`quote_ident`] / [`QualifiedName::to_sql`] and every name compared
//! in a catalog lookup through [`quote_literal`], so `Order`, `user`, `a b` and `a"b` all work.

use std::collections::BTreeSet;

use crate::model::{quote_literal, QualifiedName};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
const MAX_IDENT_BYTES: usize = 63;

/// Builds `<name1>_<name2>_<label>` the way PostgreSQL's `makeObjectName` does: the longer of the
/// two parts is shortened (on a character boundary) until the whole fits in 63 bytes.
pub fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = if label.is_empty() { 0 } else { label.len() + 1 };
    if name2.is_some() {
        overhead += 1;
    }
    let available = MAX_IDENT_BYTES.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// The longest prefix of `s` of at most `bytes` bytes that ends on a character boundary.
fn clip(s: &str, bytes: usize) -> &str {
    let mut end = bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Chooses a name PostgreSQL would choose for an unnamed object (`prospects_domain_key`), adding a
/// number to the label when the name is already taken (`prospects_domain_key1`), and records it.
pub fn choose_name(
    taken: &mut BTreeSet<(String, String)>,
    schema: &str,
    table: &str,
    columns: &[String],
    label: &str,
) -> String {
    let joined = columns.join("_");
    let name2 = (!joined.is_empty()).then_some(joined.as_str());
    let mut candidate = object_name(table, name2, label);
    let mut pass = 0;
    while taken.contains(&(schema.to_string(), candidate.clone())) {
        pass += 1;
        candidate = object_name(table, name2, &format!("{label}{pass}"));
    }
    taken.insert((schema.to_string(), candidate.clone()));
    candidate
}

/// `'public."Order"'::regclass`: the table as a regclass literal, quoted for both SQL levels.
pub fn regclass(table: &QualifiedName) -> String {
    format!("{}::regclass", quote_literal(&table.to_sql()))
}

/// The catalog condition "a constraint named `name` exists on `table`".
pub fn constraint_exists(table: &QualifiedName, name: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} AND conrelid = {})",
        quote_literal(name),
        regclass(table)
    )
}

/// The catalog condition "a constraint named `name` exists on `table` and is not validated yet".
pub fn constraint_not_validated(table: &QualifiedName, name: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} \
         AND conrelid = {} AND NOT convalidated)",
        quote_literal(name),
        regclass(table)
    )
}

/// The catalog condition "a type named `name` exists".
pub fn type_exists(name: &QualifiedName) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = {} AND t.typname = {})",
        quote_literal(&name.schema),
        quote_literal(&name.name)
    )
}

/// The catalog condition "an index named `name` in `schema` exists and is INVALID".
pub fn invalid_index_exists(schema: &str, name: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = {} AND c.relname = {} AND NOT i.indisvalid)",
        quote_literal(schema),
        quote_literal(name)
    )
}

/// The catalog condition "column `column` of `table` is nullable".
pub fn column_nullable(table: &QualifiedName, column: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = {} \
         AND attname = {} AND NOT attnotnull AND NOT attisdropped)",
        regclass(table),
        quote_literal(column)
    )
}

/// `public."Order".ix`: an index (or other relation) name qualified with the table's schema.
pub fn qualified(schema: &str, name: &str) -> String {
    QualifiedName::new(schema, name).to_sql()
}

/// A `DO` block running `body` when `condition` holds. The dollar-quote tag is chosen so that it
/// does not occur in the body.
pub fn do_block(condition: &str, body: &str) -> String {
    let mut tag = "$driftlint$".to_string();
    let mut n = 0;
    while condition.contains(&tag) || body.contains(&tag) {
        n += 1;
        tag = format!("$driftlint{n}$");
    }
    let body = body.trim_end().trim_end_matches(';');
    let body = indent_code(body, "        ");
    format!("DO {tag}\nBEGIN\n    IF {condition} THEN\n        {body};\n    END IF;\nEND\n{tag};")
}

/// `sql` with `indent` after each newline that is code, and none inside a string literal, a
/// quoted identifier or a dollar-quoted body, whose text is kept byte for byte (a newline in a
/// check's literal or in a column name means what it says).
fn indent_code(sql: &str, indent: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\'' => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'e' | b'E');
                quoted_end(bytes, i, b'\'', escapes)
            }
            b'"' => quoted_end(bytes, i, b'"', false),
            b'$' => dollar_end(sql, i),
            b'\n' => {
                out.push_str(&sql[copied..=i]);
                out.push_str(indent);
                copied = i + 1;
                i + 1
            }
            _ => i + 1,
        };
        i = end.max(i + 1);
    }
    out.push_str(&sql[copied..]);
    out
}

/// The end of the literal or identifier quoted with `quote` that starts at `start` (a doubled
/// quote stays inside; with `escapes`, a backslash escapes the next byte).
fn quoted_end(bytes: &[u8], start: usize, quote: u8, escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end of a dollar-quoted body starting at `start` (`$tag$ ... $tag$`), or `start + 1`
/// when the `$` opens none (a parameter, part of a name).
fn dollar_end(sql: &str, start: usize) -> usize {
    let rest = &sql[start + 1..];
    let Some(len) = rest.find('$') else {
        return start + 1;
    };
    let tag = &rest[..len];
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
        || tag.starts_with(|c: char| c.is_ascii_digit())
    {
        return start + 1;
    }
    let open = &sql[start..start + len + 2];
    match sql[start + open.len()..].find(open) {
        Some(at) => start + open.len() + at + open.len(),
        None => sql.len(),
    }
}

/// A `DO` block running `body` unconditionally (a `PERFORM` that psql would otherwise print).
pub fn do_statement(body: &str) -> String {
    let mut tag = "$driftlint$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$driftlint{n}$");
    }
    let body = body.trim_end().trim_end_matches(';');
    format!("DO {tag}\nBEGIN\n    {body};\nEND\n{tag};")
}

/// The names of the columns of `table` an expression refers to, among `columns`, deduplicated.
/// A rough token scan, good enough to name a check constraint the way PostgreSQL does.
pub fn columns_in_expression(expression: &str, columns: &[String]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut chars = expression.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let word = if c == '\'' {
            // Skip a string literal.
            while let Some((_, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            continue;
        } else if c == '"' {
            let mut word = String::new();
            while let Some((_, c)) = chars.next() {
                if c == '"' {
                    if chars.peek().is_some_and(|(_, n)| *n == '"') {
                        chars.next();
                        word.push('"');
                    } else {
                        break;
                    }
                } else {
                    word.push(c);
                }
            }
            word
        } else if c.is_alphabetic() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some((i, n)) = chars.peek() {
                if n.is_alphanumeric() || *n == '_' || *n == '$' {
                    end = i + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            expression[start..end].to_lowercase()
        } else {
            continue;
        };
        if columns.contains(&word) && !found.contains(&word) {
            found.push(word);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_name_follows_postgres_convention() {
        assert_eq!(
            object_name("prospects", Some("domain"), "key"),
            "prospects_domain_key"
        );
        assert_eq!(object_name("prospects", None, "pkey"), "prospects_pkey");
        let long = "a".repeat(60);
        let name = object_name(&long, Some("column_name"), "idx");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_column_name_idx"), "{name}");
    }

    #[test]
    fn object_name_never_splits_a_character() {
        let long = "é".repeat(40);
        let name = object_name(&long, Some(&long), "idx");
        assert!(name.len() <= 63);
        assert!(name.ends_with("_idx"));
    }

    #[test]
    fn choose_name_adds_a_number_when_taken() {
        let mut taken = BTreeSet::new();
        taken.insert(("public".to_string(), "t_a_idx".to_string()));
        let name = choose_name(&mut taken, "public", "t", &["a".to_string()], "idx");
        assert_eq!(name, "t_a_idx1");
        let again = choose_name(&mut taken, "public", "t", &["a".to_string()], "idx");
        assert_eq!(again, "t_a_idx2");
    }

    #[test]
    fn regclass_literal_quotes_both_levels() {
        assert_eq!(
            regclass(&QualifiedName::new("public", "Order")),
            r#"'public."Order"'::regclass"#
        );
        assert_eq!(
            regclass(&QualifiedName::new("my schema", "it's \"x\"")),
            r#"'"my schema"."it''s ""x"""'::regclass"#
        );
    }

    #[test]
    fn do_block_keeps_newlines_in_literals_and_quoted_names() {
        let block = do_block(
            "true",
            "ALTER TABLE t ADD COLUMN \"a\nb\" text;\nALTER TABLE t ADD CHECK (c <> 'x\ny' AND d <> E'\\'\n' AND e <> $q$\n$q$)",
        );
        assert!(block.contains("\"a\nb\""), "{block}");
        assert!(block.contains("'x\ny'"), "{block}");
        assert!(block.contains("E'\\'\n'"), "{block}");
        assert!(block.contains("$q$\n$q$"), "{block}");
        assert!(block.contains("text;\n        ALTER TABLE"), "{block}");
    }

    #[test]
    fn do_block_picks_a_tag_absent_from_the_body() {
        let block = do_block("true", "SELECT '$driftlint$'");
        assert!(block.starts_with("DO $driftlint1$\n"), "{block}");
        assert!(block.ends_with("$driftlint1$;"), "{block}");
    }

    #[test]
    fn columns_in_expression_skips_literals_and_unknown_words() {
        let columns = vec!["status".to_string(), "user".to_string(), "a b".to_string()];
        assert_eq!(
            columns_in_expression("status <> 'user' AND \"a b\" > 0", &columns),
            vec!["status".to_string(), "a b".to_string()]
        );
        assert!(columns_in_expression("now() > '2020-01-01'", &columns).is_empty());
    }
}
