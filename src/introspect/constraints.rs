//! Constraints (constraints.sql): primary keys, unique, check and foreign-key constraints. Their
//! rows are read with the other bulk queries but turned into the model last, once every column
//! they name (their own table's, and a referenced table's outside the schemas read) is known.

use std::collections::HashMap;

use super::columns::ColumnNames;
use super::indexes::key_order;
use super::reader::{table_for, Catalog, Reader};
use super::row::CatalogRow;
use super::{queries, DbError};
use crate::model::{
    Check, Exclusion, ExclusionElement, FkAction, ForeignKey, IndexKey, PrimaryKey, QualifiedName,
    Unique,
};

const WHAT: &str = "constraints";

/// One row of constraints.sql.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct ConstraintRow {
    pub(super) table_oid: u32,
    pub(super) name: String,
    /// `p`, `u`, `c` or `f`.
    pub(super) contype: String,
    pub(super) conkey: Option<Vec<i16>>,
    /// The referenced table of a foreign key (0 otherwise).
    pub(super) ref_oid: Option<u32>,
    pub(super) confkey: Option<Vec<i16>>,
    pub(super) ref_schema: Option<String>,
    pub(super) ref_table: Option<String>,
    /// `confupdtype` / `confdeltype`: `a`, `r`, `c`, `n` or `d` for a foreign key.
    pub(super) on_update: String,
    pub(super) on_delete: String,
    pub(super) deferrable: bool,
    pub(super) initially_deferred: bool,
    pub(super) validated: bool,
    /// `pg_get_constraintdef` of a check or an exclusion constraint.
    pub(super) definition: Option<String>,
    pub(super) nulls_not_distinct: bool,
    /// An exclusion constraint's index: method, keys, options, operator classes, operators,
    /// predicate (see constraints.sql).
    pub(super) exclusion: Option<ExclusionRow>,
}

/// The exclusion parts of a row of constraints.sql.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct ExclusionRow {
    pub(super) method: String,
    pub(super) attnums: Vec<i16>,
    pub(super) options: Vec<i16>,
    pub(super) keys: Vec<String>,
    pub(super) opclasses: Vec<String>,
    pub(super) operators: Vec<String>,
    pub(super) predicate: Option<String>,
}

impl ConstraintRow {
    fn read(row: CatalogRow<'_>, table_oid: u32) -> Result<Self, DbError> {
        Ok(Self {
            table_oid,
            name: row.get("conname")?,
            contype: row.get("contype")?,
            conkey: row.get("conkey")?,
            ref_oid: row.get("confrelid")?,
            confkey: row.get("confkey")?,
            ref_schema: row.get("ref_schema")?,
            ref_table: row.get("ref_table")?,
            on_update: row.get("on_update")?,
            on_delete: row.get("on_delete")?,
            deferrable: row.get("condeferrable")?,
            initially_deferred: row.get("condeferred")?,
            validated: row.get("convalidated")?,
            definition: row.get("definition")?,
            nulls_not_distinct: row.get("nulls_not_distinct")?,
            exclusion: match row.get::<Option<String>>("exclusion_method")? {
                None => None,
                Some(method) => Some(ExclusionRow {
                    method,
                    attnums: row.get("exclusion_attnums")?,
                    options: row.get("exclusion_options")?,
                    keys: row.get("exclusion_keys")?,
                    opclasses: row.get("exclusion_opclasses")?,
                    operators: row.get("exclusion_operators")?,
                    predicate: row.get("exclusion_predicate")?,
                }),
            },
        })
    }
}

/// A constraint of the model, as one row of constraints.sql gives it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Constraint {
    PrimaryKey(PrimaryKey),
    Unique(Unique),
    Check(Check),
    ForeignKey(ForeignKey),
    Exclusion(Exclusion),
}

/// Runs constraints.sql; [`add`] puts the rows into the catalog.
pub(super) fn read(
    reader: &mut Reader<'_>,
    schemas: &[String],
) -> Result<Vec<postgres::Row>, DbError> {
    let sql = queries::constraints(reader.version);
    reader.rows(&sql, &[&schemas], WHAT)
}

/// The tables outside the catalog that foreign keys of `rows` refer to, sorted.
pub(super) fn referenced_outside(
    rows: &[postgres::Row],
    by_oid: &HashMap<u32, QualifiedName>,
) -> Result<Vec<u32>, DbError> {
    let mut oids = Vec::new();
    for row in rows {
        let oid: Option<u32> = CatalogRow::new(row, WHAT).get("confrelid")?;
        oids.extend(oid.filter(|oid| *oid != 0 && !by_oid.contains_key(oid)));
    }
    oids.sort_unstable();
    oids.dedup();
    Ok(oids)
}

/// Adds the constraints of `rows` to their tables.
pub(super) fn add(catalog: &mut Catalog, rows: &[postgres::Row]) -> Result<(), DbError> {
    for row in rows {
        let row = CatalogRow::new(row, WHAT);
        let table_oid: u32 = row.get("conrelid")?;
        let Some(table) = table_for(&mut catalog.schema, &catalog.by_oid, table_oid) else {
            continue;
        };
        catalog.stats.constraints += 1;
        let row = ConstraintRow::read(row, table_oid)?;
        match constraint_from_row(row, &catalog.names)? {
            Constraint::PrimaryKey(pk) => table.primary_key = Some(pk),
            Constraint::Unique(unique) => table.uniques.push(unique),
            Constraint::Check(check) => table.checks.push(check),
            Constraint::ForeignKey(fk) => table.foreign_keys.push(fk),
            Constraint::Exclusion(exclusion) => table.exclusions.push(exclusion),
        }
    }
    Ok(())
}

/// A row of constraints.sql as a [`Constraint`]; `names` names the columns of its keys.
pub(super) fn constraint_from_row(
    row: ConstraintRow,
    names: &ColumnNames,
) -> Result<Constraint, DbError> {
    let what = format!("constraint {}", row.name);
    let column_names = |keys: &Option<Vec<i16>>, oid: u32| -> Result<Vec<String>, DbError> {
        let table = format!("table oid {oid}");
        keys.iter()
            .flatten()
            .map(|attnum| names.get(oid, *attnum, &what, &table))
            .collect()
    };
    // A check's `conkey` lists the columns its expression reads, a whole-row reference
    // (`CHECK (t IS NOT NULL)`) as 0; the model keeps only the expression.
    let columns = if row.contype == "c" || row.contype == "x" {
        Vec::new()
    } else {
        column_names(&row.conkey, row.table_oid)?
    };
    let name = Some(row.name.clone());
    Ok(match row.contype.as_str() {
        "p" => Constraint::PrimaryKey(PrimaryKey {
            name,
            columns,
            pos: None,
        }),
        "u" => Constraint::Unique(Unique {
            name,
            columns,
            nulls_not_distinct: row.nulls_not_distinct,
            deferrable: row.deferrable,
            initially_deferred: row.initially_deferred,
            pos: None,
        }),
        "c" => Constraint::Check(Check {
            name,
            expression: check_expression(row.definition.as_deref().unwrap_or_default()),
            valid: row.validated,
            pos: None,
        }),
        "x" => Constraint::Exclusion(exclusion(&row, names, &what)?),
        "f" => {
            let ref_oid = row.ref_oid.unwrap_or(0);
            let ref_columns = column_names(&row.confkey, ref_oid)?;
            Constraint::ForeignKey(foreign_key(row, columns, ref_columns)?)
        }
        other => {
            return Err(DbError::Catalog {
                what,
                detail: format!("unexpected contype `{other}`"),
            })
        }
    })
}

/// An exclusion constraint's row with its index's keys named (an expression key as written).
fn exclusion(row: &ConstraintRow, names: &ColumnNames, what: &str) -> Result<Exclusion, DbError> {
    let Some(x) = &row.exclusion else {
        return Err(DbError::Catalog {
            what: what.to_string(),
            detail: "an exclusion constraint without its index".into(),
        });
    };
    let count = x.operators.len();
    if [x.keys.len(), x.opclasses.len()]
        .iter()
        .any(|n| *n != count)
        || x.attnums.len() < count
    {
        return Err(DbError::Catalog {
            what: what.to_string(),
            detail: "exclusion keys and operators differ in number".into(),
        });
    }
    let table = format!("table oid {}", row.table_oid);
    let mut elements = Vec::with_capacity(count);
    for k in 0..count {
        let attnum = x.attnums[k];
        let (descending, nulls_first) = key_order(x.options.get(k).copied().unwrap_or(0));
        let key = IndexKey {
            expr: if attnum == 0 {
                x.keys[k].clone()
            } else {
                names.get(row.table_oid, attnum, what, &table)?
            },
            expression: attnum == 0,
            opclass: Some(x.opclasses[k].clone()).filter(|o| !o.is_empty()),
            descending,
            nulls_first,
            collation: None,
        };
        elements.push(ExclusionElement {
            key,
            operator: x.operators[k].clone(),
        });
    }
    Ok(Exclusion {
        name: Some(row.name.clone()),
        method: x.method.clone(),
        elements,
        predicate: x.predicate.clone(),
        deferrable: row.deferrable,
        initially_deferred: row.initially_deferred,
        definition: row.definition.clone(),
        pos: None,
    })
}

/// A foreign-key row with its columns and referenced columns named.
fn foreign_key(
    row: ConstraintRow,
    columns: Vec<String>,
    ref_columns: Vec<String>,
) -> Result<ForeignKey, DbError> {
    let action = |column: &str, code: &str| -> Result<FkAction, DbError> {
        fk_action(code).ok_or_else(|| DbError::Catalog {
            what: format!("foreign key {}", row.name),
            detail: format!("unknown {column} action `{code}`"),
        })
    };
    Ok(ForeignKey {
        columns,
        ref_table: QualifiedName::new(
            row.ref_schema.clone().unwrap_or_default(),
            row.ref_table.clone().unwrap_or_default(),
        ),
        ref_columns,
        on_delete: action("on_delete", &row.on_delete)?,
        on_update: action("on_update", &row.on_update)?,
        deferrable: row.deferrable,
        initially_deferred: row.initially_deferred,
        valid: row.validated,
        name: Some(row.name),
        pos: None,
    })
}

/// `pg_constraint.confupdtype` / `confdeltype` as an action.
fn fk_action(code: &str) -> Option<FkAction> {
    Some(match code {
        "a" => FkAction::NoAction,
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => return None,
    })
}

/// `CHECK ((a > 0)) NOT VALID` -> `(a > 0)`: the expression of a `pg_get_constraintdef`.
pub fn check_expression(definition: &str) -> String {
    let mut text = definition.trim();
    loop {
        if let Some(rest) = text.strip_suffix("NOT VALID") {
            text = rest.trim_end();
        } else if let Some(rest) = text.strip_suffix("NO INHERIT") {
            text = rest.trim_end();
        } else {
            break;
        }
    }
    match text
        .strip_prefix("CHECK (")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(inner) => inner.to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: u32 = 100;
    const ACCOUNTS: u32 = 200;

    fn names() -> ColumnNames {
        let mut names = ColumnNames::default();
        for (oid, attnum, name) in [
            (ORDERS, 1, "id"),
            (ORDERS, 2, "acc_a"),
            (ORDERS, 3, "acc_b"),
            (ACCOUNTS, 1, "a"),
            (ACCOUNTS, 2, "b"),
        ] {
            names.insert(oid, attnum, name.into());
        }
        names
    }

    fn row(name: &str, contype: &str) -> ConstraintRow {
        ConstraintRow {
            table_oid: ORDERS,
            name: name.into(),
            contype: contype.into(),
            ref_oid: Some(0),
            on_update: " ".into(),
            on_delete: " ".into(),
            validated: true,
            ..ConstraintRow::default()
        }
    }

    fn foreign_key_row() -> ConstraintRow {
        ConstraintRow {
            conkey: Some(vec![2, 3]),
            ref_oid: Some(ACCOUNTS),
            confkey: Some(vec![1, 2]),
            ref_schema: Some("billing".into()),
            ref_table: Some("accounts".into()),
            on_update: "r".into(),
            on_delete: "c".into(),
            deferrable: true,
            initially_deferred: true,
            validated: false,
            ..row("fk_order_account", "f")
        }
    }

    #[test]
    fn a_foreign_key_row_has_its_columns_reference_and_actions() {
        let Constraint::ForeignKey(fk) = constraint_from_row(foreign_key_row(), &names()).unwrap()
        else {
            panic!("not a foreign key");
        };
        assert_eq!(fk.name.as_deref(), Some("fk_order_account"));
        assert_eq!(fk.columns, ["acc_a", "acc_b"]);
        assert_eq!(fk.ref_table, QualifiedName::new("billing", "accounts"));
        assert_eq!(fk.ref_columns, ["a", "b"]);
        assert_eq!(
            (fk.on_delete, fk.on_update),
            (FkAction::Cascade, FkAction::Restrict)
        );
        assert!(fk.deferrable && fk.initially_deferred && !fk.valid);
    }

    #[test]
    fn an_unknown_foreign_key_action_is_a_catalog_error() {
        let row = ConstraintRow {
            on_delete: "x".into(),
            ..foreign_key_row()
        };
        let error = constraint_from_row(row, &names()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected catalog value while reading foreign key fk_order_account: \
             unknown on_delete action `x`"
        );
    }

    #[test]
    fn a_check_whose_conkey_is_0_keeps_only_its_expression() {
        let row = ConstraintRow {
            conkey: Some(vec![0]),
            definition: Some("CHECK ((t.* IS NOT NULL)) NOT VALID".into()),
            validated: false,
            ..row("t_check", "c")
        };
        let Constraint::Check(check) = constraint_from_row(row, &names()).unwrap() else {
            panic!("not a check");
        };
        assert_eq!(check.name.as_deref(), Some("t_check"));
        assert_eq!(check.expression, "(t.* IS NOT NULL)");
        assert!(!check.valid);
    }

    #[test]
    fn primary_keys_and_uniques_name_their_columns() {
        let pk = ConstraintRow {
            conkey: Some(vec![1]),
            ..row("orders_pkey", "p")
        };
        assert_eq!(
            constraint_from_row(pk, &names()).unwrap(),
            Constraint::PrimaryKey(PrimaryKey {
                name: Some("orders_pkey".into()),
                columns: vec!["id".into()],
                pos: None,
            })
        );
        let unique = ConstraintRow {
            conkey: Some(vec![2, 3]),
            nulls_not_distinct: true,
            deferrable: true,
            ..row("uq", "u")
        };
        assert_eq!(
            constraint_from_row(unique, &names()).unwrap(),
            Constraint::Unique(Unique {
                name: Some("uq".into()),
                columns: vec!["acc_a".into(), "acc_b".into()],
                nulls_not_distinct: true,
                deferrable: true,
                initially_deferred: false,
                pos: None,
            })
        );
    }

    #[test]
    fn unknown_columns_and_kinds_are_catalog_errors() {
        let unknown_column = ConstraintRow {
            conkey: Some(vec![9]),
            ..row("uq", "u")
        };
        assert_eq!(
            constraint_from_row(unknown_column, &names())
                .unwrap_err()
                .to_string(),
            "unexpected catalog value while reading constraint uq: \
             no column number 9 in table oid 100"
        );
        let exclusion = row("ex", "x");
        assert_eq!(
            constraint_from_row(exclusion, &names())
                .unwrap_err()
                .to_string(),
            "unexpected catalog value while reading constraint ex: \
             an exclusion constraint without its index"
        );
        assert_eq!(
            constraint_from_row(row("tr", "t"), &names())
                .unwrap_err()
                .to_string(),
            "unexpected catalog value while reading constraint tr: unexpected contype `t`"
        );
    }

    #[test]
    fn an_exclusion_row_has_its_elements_in_order() {
        let row = ConstraintRow {
            deferrable: true,
            exclusion: Some(ExclusionRow {
                method: "gist".into(),
                attnums: vec![2, 0],
                options: vec![0, 3],
                keys: vec!["acc_a".into(), "tsrange(a, b)".into()],
                opclasses: vec![String::new(), "range_ops".into()],
                operators: vec!["=".into(), "&&".into()],
                predicate: Some("(id > 0)".into()),
            }),
            ..row("no_overlap", "x")
        };
        let Constraint::Exclusion(x) = constraint_from_row(row, &names()).unwrap() else {
            panic!("not an exclusion constraint");
        };
        assert_eq!(
            x.to_sql(),
            "EXCLUDE USING gist (acc_a WITH =, (tsrange(a, b)) range_ops DESC WITH &&) \
             WHERE ((id > 0)) DEFERRABLE"
        );
    }

    #[test]
    fn exclusion_keys_and_operators_of_different_counts_are_a_catalog_error() {
        let row = ConstraintRow {
            exclusion: Some(ExclusionRow {
                method: "gist".into(),
                attnums: vec![2, 3],
                options: vec![0, 0],
                keys: vec!["acc_a".into(), "acc_b".into()],
                opclasses: vec![String::new()],
                operators: vec!["=".into(), "=".into()],
                predicate: None,
            }),
            ..row("ex", "x")
        };
        assert_eq!(
            constraint_from_row(row, &names()).unwrap_err().to_string(),
            "unexpected catalog value while reading constraint ex: \
             exclusion keys and operators differ in number"
        );
    }

    #[test]
    fn check_expression_strips_the_wrapper() {
        assert_eq!(check_expression("CHECK ((a > 0))"), "(a > 0)");
        assert_eq!(check_expression("CHECK ((a > 0)) NOT VALID"), "(a > 0)");
        assert_eq!(check_expression("CHECK ((a > 0)) NO INHERIT"), "(a > 0)");
        assert_eq!(
            check_expression("CHECK ((note <> 'NOT VALID'::text))"),
            "(note <> 'NOT VALID'::text)"
        );
    }
}
