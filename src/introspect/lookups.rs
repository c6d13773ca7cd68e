//! Keywords and operator classes (lookups.sql), to write index definitions the way
//! `pg_get_indexdef` does without asking it for every index.

use std::collections::{HashMap, HashSet};

use super::reader::Reader;
use super::row::CatalogRow;
use super::{queries, DbError};

const WHAT: &str = "keywords, operator classes and collations";

/// Keywords and operator classes, to write index definitions as `pg_get_indexdef` does.
#[derive(Debug, Default)]
pub(super) struct Lookups {
    /// Keywords that `quote_ident` quotes.
    pub(super) keywords: HashSet<String>,
    /// Operator class oid -> (name as SQL, is the default for its type).
    pub(super) opclasses: HashMap<u32, (String, bool)>,
    /// Collation oid -> name as SQL.
    pub(super) collations: HashMap<u32, String>,
}

/// One row of lookups.sql.
struct LookupRow {
    /// `k` for a keyword, `o` for an operator class, `c` for a collation.
    kind: String,
    oid: u32,
    name: String,
    is_default: bool,
}

impl LookupRow {
    fn read(row: &postgres::Row) -> Result<Self, DbError> {
        let row = CatalogRow::new(row, WHAT);
        Ok(Self {
            kind: row.get("kind")?,
            oid: row.get("oid")?,
            name: row.get("name")?,
            is_default: row.get("is_default")?,
        })
    }
}

/// Runs lookups.sql.
pub(super) fn read(reader: &mut Reader<'_>) -> Result<Lookups, DbError> {
    let rows = reader.rows(queries::LOOKUPS, &[], WHAT)?;
    let rows = rows.iter().map(LookupRow::read);
    let mut lookups = Lookups::default();
    for row in rows {
        lookups.add(row?);
    }
    Ok(lookups)
}

impl Lookups {
    fn add(&mut self, row: LookupRow) {
        match row.kind.as_str() {
            "k" => {
                self.keywords.insert(row.name);
            }
            "c" => {
                self.collations.insert(row.oid, row.name);
            }
            _ => {
                self.opclasses.insert(row.oid, (row.name, row.is_default));
            }
        }
    }

    /// The name of operator class `oid` as SQL, unless it is the default for its type.
    pub(super) fn non_default_opclass(&self, oid: Option<&u32>) -> Option<String> {
        oid.and_then(|oid| self.opclasses.get(oid))
            .filter(|(_, is_default)| !is_default)
            .map(|(name, _)| name.clone())
    }

    /// PostgreSQL's `quote_identifier`: quoted unless lower-case letters, digits and `_` (not
    /// starting with a digit) and not a keyword that needs quoting.
    pub(super) fn quote(&self, ident: &str) -> String {
        let safe = ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && ident
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !self.keywords.contains(ident);
        if safe {
            ident.to_string()
        } else {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups() -> Lookups {
        let mut lookups = Lookups::default();
        for (kind, oid, name, is_default) in [
            ("k", 0, "user", false),
            ("o", 1, "int4_ops", true),
            ("o", 2, "varchar_pattern_ops", false),
        ] {
            lookups.add(LookupRow {
                kind: kind.into(),
                oid,
                name: name.into(),
                is_default,
            });
        }
        lookups
    }

    #[test]
    fn identifiers_are_quoted_as_quote_ident_does() {
        let lookups = lookups();
        assert_eq!(lookups.quote("domain"), "domain");
        assert_eq!(lookups.quote("_x1"), "_x1");
        assert_eq!(lookups.quote("user"), "\"user\"");
        assert_eq!(lookups.quote("Order"), "\"Order\"");
        assert_eq!(lookups.quote("1a"), "\"1a\"");
        assert_eq!(lookups.quote("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn only_non_default_operator_classes_are_named() {
        let lookups = lookups();
        assert_eq!(lookups.non_default_opclass(Some(&1)), None);
        assert_eq!(
            lookups.non_default_opclass(Some(&2)).as_deref(),
            Some("varchar_pattern_ops")
        );
        assert_eq!(lookups.non_default_opclass(Some(&3)), None);
        assert_eq!(lookups.non_default_opclass(None), None);
    }
}
