//! Indexes (indexes.sql, read on the helper connection when there is one) and the definitions
//! of the plain indexes whose keys have a collation other than their column's
//! (index_definitions.sql). A plain index gets its definition written from its row, as
//! `pg_get_indexdef` prints it; one with expressions, a predicate or storage options gets none
//! here (see [`super::index_definitions`]).

use std::collections::HashMap;

use postgres::Row;

use super::columns::{Collations, ColumnNames};
use super::lookups::Lookups;
use super::reader::{table_for, Catalog, Reader};
use super::row::CatalogRow;
use super::{queries, DbError};
use crate::model::{Index, IndexKey, QualifiedName, Schema};

const WHAT: &str = "indexes";
const WHAT_DEFINITIONS: &str = "index definitions";

/// `pg_index.indoption` bit of a descending key (PostgreSQL's `INDOPTION_DESC`).
const INDOPTION_DESC: i16 = 0x0001;
/// `pg_index.indoption` bit of a key with NULLs first (PostgreSQL's `INDOPTION_NULLS_FIRST`).
const INDOPTION_NULLS_FIRST: i16 = 0x0002;

/// One row of indexes.sql.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct IndexRow {
    pub(super) oid: u32,
    pub(super) table_oid: u32,
    pub(super) name: String,
    pub(super) unique: bool,
    pub(super) valid: bool,
    pub(super) method: String,
    /// Keys before this many are key columns, the rest INCLUDE columns.
    pub(super) key_count: i32,
    /// Attribute number per key, 0 for an expression.
    pub(super) attnums: Vec<i16>,
    pub(super) opclasses: Vec<u32>,
    /// `indoption` bits per key.
    pub(super) options: Vec<i16>,
    pub(super) collations: Vec<u32>,
    /// The expression keys, deparsed, in key order.
    pub(super) expressions: Option<Vec<String>>,
    pub(super) predicate: Option<String>,
    pub(super) has_options: bool,
    pub(super) on_partitioned: bool,
    pub(super) nulls_not_distinct: bool,
}

impl IndexRow {
    fn read(row: CatalogRow<'_>, table_oid: u32) -> Result<Self, DbError> {
        Ok(Self {
            oid: row.get("indexrelid")?,
            table_oid,
            name: row.get("index_name")?,
            unique: row.get("indisunique")?,
            valid: row.get("indisvalid")?,
            method: row.get("method")?,
            key_count: row.get("key_count")?,
            attnums: row.get("attnums")?,
            opclasses: row.get("opclasses")?,
            options: row.get("options")?,
            collations: row.get("collations")?,
            expressions: row.get("expressions")?,
            predicate: row.get("predicate")?,
            has_options: row.get("has_options")?,
            on_partitioned: row.get("on_partitioned")?,
            nulls_not_distinct: row.get("nulls_not_distinct")?,
        })
    }
}

/// Plain indexes whose definition index_definitions.sql must still read: their oids, and where
/// each sits (table, position in its indexes).
#[derive(Default)]
struct MissingDefinitions {
    oids: Vec<u32>,
    places: HashMap<u32, (QualifiedName, usize)>,
}

/// Adds the indexes to their tables: from `shared` (the helper's rows) when given, else from
/// indexes.sql run here; then reads the definitions that could not be written.
pub(super) fn read(
    reader: &mut Reader<'_>,
    catalog: &mut Catalog,
    schemas: &[String],
    shared: Option<Vec<Row>>,
    lookups: &Lookups,
) -> Result<(), DbError> {
    let mut missing = MissingDefinitions::default();
    let mut add_row = |row: &Row| add(catalog, row, lookups, &mut missing);
    match shared {
        Some(rows) => {
            reader.queries += 1;
            rows.iter().try_for_each(add_row)?;
        }
        None => {
            let sql = queries::indexes(reader.version);
            reader.each_row(&sql, schemas, WHAT, &mut add_row)?;
        }
    }
    read_definitions(reader, &mut catalog.schema, missing)
}

/// Adds the index of one row of indexes.sql to its table.
fn add(
    catalog: &mut Catalog,
    row: &Row,
    lookups: &Lookups,
    missing: &mut MissingDefinitions,
) -> Result<(), DbError> {
    let row = CatalogRow::new(row, WHAT);
    let table_oid: u32 = row.get("indrelid")?;
    let Some(table) = table_for(&mut catalog.schema, &catalog.by_oid, table_oid) else {
        return Ok(());
    };
    catalog.stats.indexes += 1;
    let row = IndexRow::read(row, table_oid)?;
    let oid = row.oid;
    let (index, needs_definition) = index_from_row(
        row,
        &table.name,
        &catalog.names,
        &catalog.collations,
        lookups,
    )?;
    if needs_definition {
        missing.oids.push(oid);
        missing
            .places
            .insert(oid, (table.name.clone(), table.indexes.len()));
    }
    table.indexes.push(index);
    Ok(())
}

/// Runs index_definitions.sql for the `missing` definitions (none: no query).
fn read_definitions(
    reader: &mut Reader<'_>,
    schema: &mut Schema,
    missing: MissingDefinitions,
) -> Result<(), DbError> {
    if missing.oids.is_empty() {
        return Ok(());
    }
    let rows = reader.rows(
        queries::INDEX_DEFINITIONS,
        &[&missing.oids],
        WHAT_DEFINITIONS,
    )?;
    for row in &rows {
        let row = CatalogRow::new(row, WHAT_DEFINITIONS);
        let oid: u32 = row.get("indexrelid")?;
        let Some((table, i)) = missing.places.get(&oid) else {
            continue;
        };
        if let Some(index) = schema
            .tables
            .get_mut(table)
            .and_then(|t| t.indexes.get_mut(*i))
        {
            index.definition = Some(row.get("definition")?);
        }
    }
    Ok(())
}

/// A row of indexes.sql, of an index on `table`, as an [`Index`]; `true` when its definition
/// must still be read (a key with a collation other than its column's, `collations`).
pub(super) fn index_from_row(
    mut row: IndexRow,
    table: &QualifiedName,
    names: &ColumnNames,
    collations: &Collations,
    lookups: &Lookups,
) -> Result<(Index, bool), DbError> {
    let what = format!("index {}", row.name);
    let key_count = usize::try_from(row.key_count).unwrap_or(0);
    let mut index = Index {
        name: Some(row.name.clone()),
        unique: row.unique,
        method: std::mem::take(&mut row.method),
        keys: Vec::with_capacity(key_count),
        include: Vec::new(),
        predicate: row.predicate.take(),
        nulls_not_distinct: row.nulls_not_distinct,
        valid: row.valid,
        definition: None,
        pos: None,
    };
    let mut expressions = row.expressions.take().unwrap_or_default().into_iter();
    let mut odd_collation = false;
    // Each column key and INCLUDE column as pg_get_indexdef writes it.
    let mut written_keys = Vec::with_capacity(row.attnums.len());
    for (k, &attnum) in row.attnums.iter().enumerate() {
        if k >= key_count {
            let name = names.get(row.table_oid, attnum, &what, table)?;
            written_keys.push(lookups.quote(&name));
            index.include.push(name);
            continue;
        }
        let mut key = index_key(&row, k, lookups);
        if attnum == 0 {
            key.expr = expressions.next().ok_or_else(|| DbError::Catalog {
                what: what.clone(),
                detail: "fewer expressions than expression keys".into(),
            })?;
            key.expression = true;
        } else {
            key.expr = names.get(row.table_oid, attnum, &what, table)?;
            let collation = row.collations.get(k).copied().unwrap_or(0);
            if collation != 0 && Some(&collation) != collations.get(&(row.table_oid, attnum)) {
                odd_collation = true;
                key.collation = lookups.collations.get(&collation).cloned();
            }
            written_keys.push(written_key(&key, &index.method, lookups));
        }
        index.keys.push(key);
    }
    if index.keys.iter().any(|k| k.expression) || index.predicate.is_some() || row.has_options {
        // Deparsed in full only when needed: see `index_definitions`.
        return Ok((index, false));
    }
    if odd_collation {
        return Ok((index, true));
    }
    let definition = plain_definition(&index, &row, table, &written_keys, lookups);
    index.definition = Some(definition);
    Ok((index, false))
}

/// Key `k` of `row` with its operator class (unless the default) and ordering; the caller fills
/// in what it is (a column name or an expression).
fn index_key(row: &IndexRow, k: usize, lookups: &Lookups) -> IndexKey {
    let (descending, nulls_first) = key_order(row.options.get(k).copied().unwrap_or(0));
    IndexKey {
        expr: String::new(),
        expression: false,
        opclass: lookups.non_default_opclass(row.opclasses.get(k)),
        descending,
        nulls_first,
        collation: None,
    }
}

/// A key's `indoption` bits as [`IndexKey::descending`] and [`IndexKey::nulls_first`]: the
/// latter only when it is not the default (NULLS FIRST for a descending key, NULLS LAST for an
/// ascending one).
pub(super) fn key_order(option: i16) -> (bool, Option<bool>) {
    let descending = option & INDOPTION_DESC != 0;
    let nulls_first = option & INDOPTION_NULLS_FIRST != 0;
    (
        descending,
        (nulls_first != descending).then_some(nulls_first),
    )
}

/// A column key as pg_get_indexdef writes it: the quoted name, a non-default operator class,
/// and (btree only) an ordering other than the default.
fn written_key(key: &IndexKey, method: &str, lookups: &Lookups) -> String {
    let mut written = lookups.quote(&key.expr);
    if let Some(opclass) = &key.opclass {
        written.push(' ');
        written.push_str(opclass);
    }
    if method == "btree" {
        let nulls_first = key.nulls_first.unwrap_or(key.descending);
        match (key.descending, nulls_first) {
            (true, true) => written.push_str(" DESC"),
            (true, false) => written.push_str(" DESC NULLS LAST"),
            (false, true) => written.push_str(" NULLS FIRST"),
            (false, false) => {}
        }
    }
    written
}

/// What pg_get_indexdef prints for an index without expressions, predicate or options, from
/// its keys as [`written_key`] writes them (INCLUDE columns after the keys).
fn plain_definition(
    index: &Index,
    row: &IndexRow,
    table: &QualifiedName,
    written_keys: &[String],
    lookups: &Lookups,
) -> String {
    let key_count = index.keys.len();
    let mut definition = format!(
        "CREATE {}INDEX {} ON {}{}.{} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        lookups.quote(&row.name),
        if row.on_partitioned { "ONLY " } else { "" },
        lookups.quote(&table.schema),
        lookups.quote(&table.name),
        lookups.quote(&index.method),
        written_keys[..key_count].join(", ")
    );
    if written_keys.len() > key_count {
        definition.push_str(&format!(
            " INCLUDE ({})",
            written_keys[key_count..].join(", ")
        ));
    }
    if index.nulls_not_distinct {
        definition.push_str(" NULLS NOT DISTINCT");
    }
    definition
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_names_nulls_first_only_when_it_is_not_the_default() {
        assert_eq!(key_order(0), (false, None));
        assert_eq!(key_order(INDOPTION_NULLS_FIRST), (false, Some(true)));
        assert_eq!(key_order(INDOPTION_DESC), (true, Some(false)));
        assert_eq!(
            key_order(INDOPTION_DESC | INDOPTION_NULLS_FIRST),
            (true, None)
        );
    }

    const PROSPECTS: u32 = 100;

    fn table() -> QualifiedName {
        QualifiedName::new("public", "prospects")
    }

    fn names() -> ColumnNames {
        let mut names = ColumnNames::default();
        for (attnum, name) in [(1, "id"), (2, "status"), (3, "domain"), (4, "user")] {
            names.insert(PROSPECTS, attnum, name.into());
        }
        names
    }

    fn collations() -> Collations {
        (1..=4).map(|attnum| ((PROSPECTS, attnum), 0)).collect()
    }

    fn lookups() -> Lookups {
        let mut lookups = Lookups::default();
        lookups.keywords.insert("user".into());
        lookups.opclasses.insert(1, ("text_ops".into(), true));
        lookups
            .opclasses
            .insert(2, ("text_pattern_ops".into(), false));
        lookups
    }

    fn row(attnums: Vec<i16>) -> IndexRow {
        let keys = attnums.len();
        IndexRow {
            oid: 500,
            table_oid: PROSPECTS,
            name: "ix".into(),
            valid: true,
            method: "btree".into(),
            key_count: keys as i32,
            attnums,
            opclasses: vec![1; keys],
            options: vec![0; keys],
            collations: vec![0; keys],
            ..IndexRow::default()
        }
    }

    fn convert(row: IndexRow) -> Result<(Index, bool), DbError> {
        index_from_row(row, &table(), &names(), &collations(), &lookups())
    }

    #[test]
    fn an_index_with_an_expression_and_a_predicate_is_left_without_definition() {
        let row = IndexRow {
            name: "ux_prospects_domain_lower".into(),
            unique: true,
            expressions: Some(vec!["lower(domain::text)".into()]),
            predicate: Some("(status <> 'replied'::outreach_status)".into()),
            ..row(vec![0, 2])
        };
        let (index, needs_definition) = convert(row).unwrap();
        assert!(!needs_definition);
        assert_eq!(index.definition, None);
        assert!(index.unique);
        assert_eq!(
            index.predicate.as_deref(),
            Some("(status <> 'replied'::outreach_status)")
        );
        let keys: Vec<(&str, bool)> = index
            .keys
            .iter()
            .map(|k| (k.expr.as_str(), k.expression))
            .collect();
        assert_eq!(keys, [("lower(domain::text)", true), ("status", false)]);
    }

    #[test]
    fn a_plain_index_gets_the_definition_pg_get_indexdef_prints() {
        let row = IndexRow {
            name: "Ix".into(),
            key_count: 3,
            opclasses: vec![1, 2, 1, 0],
            // DESC NULLS LAST, ascending with the default opclass named off, NULLS FIRST.
            options: vec![INDOPTION_DESC, 0, INDOPTION_NULLS_FIRST, 0],
            on_partitioned: true,
            nulls_not_distinct: true,
            ..row(vec![2, 3, 4, 1])
        };
        let (index, needs_definition) = convert(row).unwrap();
        assert!(!needs_definition);
        assert_eq!(
            index.definition.as_deref(),
            Some(
                "CREATE INDEX \"Ix\" ON ONLY public.prospects USING btree \
                 (status DESC NULLS LAST, domain text_pattern_ops, \"user\" NULLS FIRST) \
                 INCLUDE (id) NULLS NOT DISTINCT"
            )
        );
        assert_eq!(index.include, ["id"]);
        let status = &index.keys[0];
        assert!(status.descending);
        assert_eq!(status.nulls_first, Some(false));
        assert_eq!(index.keys[1].opclass.as_deref(), Some("text_pattern_ops"));
        assert_eq!(index.keys[2].nulls_first, Some(true));
    }

    #[test]
    fn a_key_with_another_collation_than_its_column_needs_its_definition_read() {
        let row = IndexRow {
            collations: vec![950],
            ..row(vec![3])
        };
        let (index, needs_definition) = convert(row).unwrap();
        assert!(needs_definition);
        assert_eq!(index.definition, None);
    }

    #[test]
    fn missing_expressions_and_columns_are_catalog_errors() {
        assert_eq!(
            convert(row(vec![0])).unwrap_err().to_string(),
            "unexpected catalog value while reading index ix: \
             fewer expressions than expression keys"
        );
        assert_eq!(
            convert(row(vec![7])).unwrap_err().to_string(),
            "unexpected catalog value while reading index ix: \
             no column number 7 in public.prospects"
        );
    }
}
