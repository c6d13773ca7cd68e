//! What the database says about the tables a file touches (`lint --database-url`): each
//! table's estimated rows and size and its columns' current types, as plain data the command
//! read once with bulk catalog queries. With it, locking findings name the size of the table
//! they lock, findings on a table below `--small-table-rows` become info, a table the database
//! does not have is known to be new, and a type change is judged from the column's real type.
//! Reading the database is the command's job; this module only holds and formats the figures.

use std::collections::HashMap;

use super::action::Name;
use crate::model::quote_ident;

/// The default of `--small-table-rows`.
pub const SMALL_TABLE_ROWS: u64 = 10_000;

/// One table as the database knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableInfo {
    /// `pg_class.reltuples`: the planner's row estimate (negative: never analyzed).
    pub rows: f64,
    /// `relpages` times the block size.
    pub bytes: u64,
    /// Column name -> `format_type` of its type.
    pub columns: HashMap<String, String>,
}

/// Every table of the database, by (schema, name).
#[derive(Debug, Clone, Default)]
pub struct Tables {
    tables: HashMap<(String, String), TableInfo>,
    /// Tables with fewer estimated rows are small: their locking findings are info.
    pub small_rows: u64,
}

impl Tables {
    pub fn new(small_rows: u64) -> Tables {
        Tables {
            tables: HashMap::new(),
            small_rows,
        }
    }

    pub fn insert(&mut self, schema: String, name: String, info: TableInfo) {
        self.tables.insert((schema, name), info);
    }

    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The table `name` names: in its schema, or unqualified in `public`, else the one table of
    /// that name in any schema. With its qualified name for messages.
    pub fn get(&self, name: &Name) -> Option<(String, &TableInfo)> {
        let key = |schema: &str| (schema.to_string(), name.name.clone());
        let shown = |schema: &str| format!("{}.{}", quote_ident(schema), quote_ident(&name.name));
        if let Some(schema) = &name.schema {
            return self.tables.get(&key(schema)).map(|t| (shown(schema), t));
        }
        if let Some(table) = self.tables.get(&key("public")) {
            return Some((shown("public"), table));
        }
        let mut found = self.tables.iter().filter(|((_, n), _)| *n == name.name);
        let ((schema, _), table) = found.next()?;
        found.next().is_none().then(|| (shown(schema), table))
    }
}

impl TableInfo {
    /// `~48M rows, 31 GB`, or what is not known.
    pub fn size(&self) -> String {
        if self.rows < 0.0 {
            return "size unknown (never analyzed)".to_string();
        }
        format!("~{} rows, {}", count(self.rows), bytes(self.bytes))
    }
}

/// `950`, `12k`, `48M`, `3.1B`.
fn count(n: f64) -> String {
    let n = n.round();
    match n {
        n if n >= 1e9 => format!("{:.1}B", n / 1e9),
        n if n >= 1e6 => format!("{:.0}M", n / 1e6),
        n if n >= 1e3 => format!("{:.0}k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

/// `8 kB`, `120 MB`, `31 GB`.
fn bytes(n: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.0} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_writes_them() {
        let info = TableInfo {
            rows: 48_000_000.0,
            bytes: 31 * 1024 * 1024 * 1024,
            columns: HashMap::new(),
        };
        assert_eq!(info.size(), "~48M rows, 31 GB");
        let small = TableInfo {
            rows: 12.0,
            bytes: 8192,
            ..TableInfo::default()
        };
        assert_eq!(small.size(), "~12 rows, 8 kB");
        let unknown = TableInfo {
            rows: -1.0,
            ..TableInfo::default()
        };
        assert!(unknown.size().contains("never analyzed"));
    }

    #[test]
    fn unqualified_names_look_in_public_then_anywhere() {
        let mut tables = Tables::new(SMALL_TABLE_ROWS);
        tables.insert("billing".into(), "invoices".into(), TableInfo::default());
        tables.insert("public".into(), "users".into(), TableInfo::default());
        let name = |schema: Option<&str>, n: &str| Name {
            name: n.into(),
            schema: schema.map(str::to_string),
            written: n.into(),
        };
        assert_eq!(
            tables.get(&name(None, "invoices")).unwrap().0,
            "billing.invoices"
        );
        assert_eq!(tables.get(&name(None, "users")).unwrap().0, "public.users");
        assert!(tables.get(&name(Some("public"), "invoices")).is_none());
    }
}
