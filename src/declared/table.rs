//! One table's document into a [`Table`]: its columns (with the primary key, unique and
//! `references` written on them), then the table-level primary key, indexes and their keys,
//! foreign keys, unique constraints and checks, in that order, so that the first error is the
//! first one written. Checks that need other tables (foreign key targets, names unique per
//! schema) are left to `validate`.

use super::convert::{path, split_name, Builder};
use super::doc::{
    CheckDoc, ColumnDoc, ExclusionDoc, ForeignKeyDoc, IndexDoc, KeyDoc, KeySpecDoc, PrimaryKeyDoc,
    TableDoc, UniqueDoc,
};
use super::error::{DeclaredError, InvalidKind};
use super::validate::looks_like_bare_word;
use crate::model::{
    Check, Column, Exclusion, ExclusionElement, ForeignKey, Identity, Index, IndexKey, Pos,
    PrimaryKey, QualifiedName, Schema, SequenceOptions, Table, Unique,
};
use crate::types;

/// `at` with `key` appended.
fn under(at: &[String], key: &str) -> Vec<String> {
    let mut path = at.to_vec();
    path.push(key.to_string());
    path
}

/// One column and what is written on it.
struct ColumnParts {
    column: Column,
    /// `Some(where primary_key is written)` for a `primary_key: true` column.
    primary_key: Option<Option<Pos>>,
    unique: Option<Unique>,
    foreign_key: Option<ForeignKey>,
}

impl Builder<'_> {
    pub(super) fn table(
        &self,
        name: QualifiedName,
        key: &str,
        doc: &TableDoc,
        schema: &Schema,
        default_schema: &str,
    ) -> Result<Table, DeclaredError> {
        let at = path(&["tables", key]);
        let mut table = Table {
            name,
            comment: doc.comment.clone(),
            pos: self.key_pos(&at),
            ..Table::default()
        };
        let mut pk_columns: Vec<String> = Vec::new();
        let mut pk_pos = None;
        for (column_name, column) in &doc.columns.0 {
            let col_at = path(&["tables", key, "columns", column_name]);
            self.identifier(column_name, "column", self.key_span(&col_at))?;
            let parts = self.column(column_name, column, &col_at, schema, default_schema)?;
            if let Some(pos) = parts.primary_key {
                pk_columns.push(column_name.clone());
                if pk_pos.is_none() {
                    pk_pos = pos;
                }
            }
            table.columns.push(parts.column);
            table.uniques.extend(parts.unique);
            table.foreign_keys.extend(parts.foreign_key);
        }
        if let Some(pk) = &doc.primary_key {
            let pk = self.primary_key(
                &table,
                pk,
                !pk_columns.is_empty(),
                &under(&at, "primary_key"),
            )?;
            for column in &mut table.columns {
                if pk.columns.contains(&column.name) {
                    column.nullable = false;
                }
            }
            table.primary_key = Some(pk);
        } else if !pk_columns.is_empty() {
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns: pk_columns,
                pos: pk_pos,
            });
        }
        self.constraints(&mut table, key, doc, default_schema)?;
        table.shrink_to_fit();
        Ok(table)
    }

    /// The table-level lists: indexes, foreign keys, unique constraints, checks.
    fn constraints(
        &self,
        table: &mut Table,
        key: &str,
        doc: &TableDoc,
        default_schema: &str,
    ) -> Result<(), DeclaredError> {
        let list = |name: &str, i: usize| path(&["tables", key, name, &i.to_string()]);
        for (i, index) in doc.indexes.iter().enumerate() {
            let index = self.index(table, index, &list("indexes", i))?;
            table.indexes.push(index);
        }
        for (i, fk) in doc.foreign_keys.iter().enumerate() {
            let fk = self.foreign_key(table, fk, &list("foreign_keys", i), default_schema)?;
            table.foreign_keys.push(fk);
        }
        for (i, unique) in doc.unique.iter().enumerate() {
            let unique = self.unique(table, unique, &list("unique", i))?;
            table.uniques.push(unique);
        }
        for (i, check) in doc.checks.iter().enumerate() {
            let check = self.check(check, &list("checks", i))?;
            table.checks.push(check);
        }
        for (i, exclusion) in doc.exclude.iter().enumerate() {
            let exclusion = self.exclusion(table, exclusion, &list("exclude", i))?;
            table.exclusions.push(exclusion);
        }
        Ok(())
    }

    /// An exclusion constraint of the `exclude` list, written at `at`.
    fn exclusion(
        &self,
        table: &Table,
        doc: &ExclusionDoc,
        at: &[String],
    ) -> Result<Exclusion, DeclaredError> {
        let elements_at = under(at, "elements");
        let mut elements = Vec::new();
        for (k, element) in doc.elements.iter().enumerate() {
            let element_at = under(&elements_at, &k.to_string());
            let spec = KeySpecDoc {
                column: element.column.clone(),
                expression: element.expression.clone(),
                order: element.order.clone(),
                nulls: element.nulls.clone(),
                opclass: element.opclass.clone(),
                collation: None,
            };
            let key = self.structured_key(&spec, table, &element_at)?;
            let operator = element.with.trim().to_string();
            if operator.is_empty() || operator.chars().any(char::is_whitespace) {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{operator}` is not an operator"),
                    Some("write the operator alone: with: \"&&\", with: \"=\"".into()),
                    self.value_span(&under(&element_at, "with")),
                ));
            }
            elements.push(ExclusionElement { key, operator });
        }
        if elements.is_empty() {
            return Err(self.error(
                InvalidKind::Value,
                "an exclusion constraint needs `elements`".into(),
                None,
                self.value_span(at),
            ));
        }
        let predicate = match &doc.predicate {
            Some(sql) => Some(self.expression(sql, "exclusion predicate", &under(at, "where"))?),
            None => None,
        };
        self.deferral(doc.deferrable, doc.initially_deferred, at)?;
        let method = self.index_method(doc.using.as_deref().unwrap_or("gist"), at)?;
        Ok(Exclusion {
            name: doc.name.clone(),
            method,
            elements,
            predicate,
            deferrable: doc.deferrable,
            initially_deferred: doc.initially_deferred,
            definition: None,
            pos: self.value_pos(at),
        })
    }

    /// An index access method written at `at` (under `using`), lower-cased.
    fn index_method(&self, written: &str, at: &[String]) -> Result<String, DeclaredError> {
        let method = written.trim().to_ascii_lowercase();
        if method.is_empty()
            || !method
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(self.error(
                InvalidKind::Value,
                format!("`{method}` is not an index method"),
                Some("btree, hash, gin, gist, spgist, brin, or an extension's method".into()),
                self.value_span(&under(at, "using")),
            ));
        }
        Ok(method)
    }

    /// A column written at `at`, with the primary key, unique and foreign key it declares.
    fn column(
        &self,
        column_name: &str,
        column: &ColumnDoc,
        at: &[String],
        schema: &Schema,
        default_schema: &str,
    ) -> Result<ColumnParts, DeclaredError> {
        let data_type = self.column_type(
            &column.data_type,
            &schema.enums,
            default_schema,
            &under(at, "type"),
        )?;
        let primary_key = self.column_primary_key(column_name, column, at)?;
        let default = match &column.default {
            Some(value) => self.column_default(value, &under(at, "default"))?,
            None => None,
        };
        let identity = match column.more().identity.as_deref() {
            Some(kind) => Some(self.identity(kind, &data_type, at)?),
            None => None,
        };
        let identity_options =
            self.identity_sequence(column_name, column, identity.is_some(), at)?;
        let generated = match &column.more().generated {
            Some(sql) => {
                Some(self.expression(sql, "generated expression", &under(at, "generated"))?)
            }
            None => None,
        };
        let serial = types::serial_base(&data_type).is_some();
        let sources = [
            (default.is_some(), "default"),
            (identity.is_some(), "identity"),
            (generated.is_some(), "generated"),
            (serial, "a serial type"),
        ];
        self.one_value_source(column_name, &sources, at)?;
        // Primary key, serial and identity columns are NOT NULL whatever the YAML says.
        let nullable =
            !(column.primary_key || column.nullable == Some(false) || serial || identity.is_some());
        let unique = column.unique.then(|| Unique {
            name: None,
            columns: vec![column_name.to_string()],
            nulls_not_distinct: false,
            deferrable: false,
            initially_deferred: false,
            pos: self.key_pos(&under(at, "unique")),
        });
        let foreign_key = self.column_reference(column_name, column, at, default_schema)?;
        Ok(ColumnParts {
            column: Column {
                name: column_name.to_string(),
                data_type,
                nullable,
                default,
                identity,
                identity_options,
                generated,
                collation: column.more().collation.as_deref().map(collation_sql),
                comment: column.more().comment.clone(),
                pos: self.key_pos(at),
            },
            primary_key,
            unique,
            foreign_key,
        })
    }

    /// `Some(where primary_key is written)` for a `primary_key: true` column, which cannot also
    /// be `nullable: true`.
    fn column_primary_key(
        &self,
        column_name: &str,
        column: &ColumnDoc,
        at: &[String],
    ) -> Result<Option<Option<Pos>>, DeclaredError> {
        if !column.primary_key {
            return Ok(None);
        }
        if column.nullable == Some(true) {
            return Err(self.error(
                InvalidKind::Value,
                format!("the primary key column {column_name} cannot be nullable"),
                Some("remove `nullable: true`: primary key columns are NOT NULL".into()),
                self.key_span(&under(at, "nullable")),
            ));
        }
        Ok(Some(self.key_pos(&under(at, "primary_key"))))
    }

    /// The options of an identity column's sequence (its `sequence:`), which only an identity
    /// column (`identity` is whether it is one) may have, without a type or owner of their own.
    fn identity_sequence(
        &self,
        column_name: &str,
        column: &ColumnDoc,
        identity: bool,
        at: &[String],
    ) -> Result<Option<Box<SequenceOptions>>, DeclaredError> {
        let Some(doc) = &column.more().sequence else {
            return Ok(None);
        };
        if !identity {
            return Err(self.error(
                InvalidKind::Value,
                format!("`sequence` on column {column_name}, which is not an identity"),
                Some("add `identity: always` or `identity: by_default`; a standalone sequence goes under the top-level `sequences:`".into()),
                self.key_span(&under(at, "sequence")),
            ));
        }
        let sequence_at = under(at, "sequence");
        let own = [
            ("type", doc.data_type.is_some()),
            ("owned_by", doc.owned_by.is_some()),
        ];
        if let Some((key, _)) = own.iter().find(|(_, written)| *written) {
            return Err(self.error(
                InvalidKind::Value,
                format!("`{key}` is not an option of an identity column's sequence"),
                Some(
                    "an identity's sequence has its column's type and belongs to its column".into(),
                ),
                self.key_span(&under(&sequence_at, key)),
            ));
        }
        let options = doc.options(None);
        self.sequence_options(&options, &sequence_at)?;
        Ok(Some(Box::new(options)))
    }

    /// At most one of the `(set, what)` ways a column gets its value is set.
    fn one_value_source(
        &self,
        column_name: &str,
        sources: &[(bool, &str)],
        at: &[String],
    ) -> Result<(), DeclaredError> {
        let set: Vec<&str> = sources.iter().filter(|c| c.0).map(|c| c.1).collect();
        if set.len() > 1 {
            return Err(self.error(
                InvalidKind::Value,
                format!(
                    "the column {column_name} has both {} and {}",
                    set[0], set[1]
                ),
                Some("a column has at most one of: default, identity, generated, serial".into()),
                self.key_span(at),
            ));
        }
        Ok(())
    }

    /// A column's default as SQL; `None` for `DEFAULT NULL`, which PostgreSQL does not store.
    fn column_default(&self, value: &str, at: &[String]) -> Result<Option<String>, DeclaredError> {
        let sql = self.expression(value, "default", at)?;
        if looks_like_bare_word(&sql) {
            return Err(self.error(
                InvalidKind::Expression,
                format!("the default `{sql}` reads as a column name, not a value"),
                Some(format!(
                    "a string default needs SQL quotes inside the YAML string: default: \"'{sql}'\""
                )),
                self.value_span(at),
            ));
        }
        let null = sql.split("::").next().is_some_and(|head| {
            head.trim()
                .trim_matches(|c| c == '(' || c == ')')
                .eq_ignore_ascii_case("null")
        });
        Ok((!null).then_some(sql))
    }

    /// `identity: by_default | always` on a column of type `data_type`, written at `at`.
    fn identity(
        &self,
        kind: &str,
        data_type: &str,
        at: &[String],
    ) -> Result<Identity, DeclaredError> {
        let identity = match kind.to_ascii_lowercase().replace(['_', '-'], " ").as_str() {
            "by default" => Identity::ByDefault,
            "always" => Identity::Always,
            _ => {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{kind}` is not an identity kind"),
                    Some("use `identity: by_default` or `identity: always`".into()),
                    self.value_span(&under(at, "identity")),
                ))
            }
        };
        if !matches!(data_type, "smallint" | "integer" | "bigint") {
            return Err(self.error(
                InvalidKind::Type,
                format!("an identity column must be smallint, integer or bigint, not {data_type}"),
                None,
                self.value_span(&under(at, "type")),
            ));
        }
        Ok(identity)
    }

    /// The foreign key of a column's `references: table.column`, with its actions.
    fn column_reference(
        &self,
        column_name: &str,
        column: &ColumnDoc,
        at: &[String],
        default_schema: &str,
    ) -> Result<Option<ForeignKey>, DeclaredError> {
        let more = column.more();
        let Some(target) = &more.references else {
            let actions = [
                ("on_delete", more.on_delete.is_some()),
                ("on_update", more.on_update.is_some()),
            ];
            if let Some((k, _)) = actions.iter().find(|(_, set)| *set) {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{k}` without `references` on column {column_name}"),
                    Some("add `references: table.column`".into()),
                    self.key_span(&under(at, k)),
                ));
            }
            return Ok(None);
        };
        let parts = split_name(target).unwrap_or_default();
        let (ref_table, ref_column) = match parts.as_slice() {
            [t, c] => (QualifiedName::new(default_schema, t.clone()), c.clone()),
            [s, t, c] => (QualifiedName::new(s.clone(), t.clone()), c.clone()),
            _ => {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{target}` is not a column reference"),
                    Some("write `table.column` or `schema.table.column`".into()),
                    self.value_span(&under(at, "references")),
                ))
            }
        };
        Ok(Some(ForeignKey {
            name: None,
            columns: vec![column_name.to_string()],
            ref_table,
            ref_columns: vec![ref_column],
            on_delete: self.action(more.on_delete.as_deref(), &under(at, "on_delete"))?,
            on_update: self.action(more.on_update.as_deref(), &under(at, "on_update"))?,
            deferrable: false,
            initially_deferred: false,
            valid: true,
            pos: self.value_pos(&under(at, "references")),
        }))
    }

    /// The table-level `primary_key:` written at `at`; `on_columns` when columns say
    /// `primary_key: true` too.
    fn primary_key(
        &self,
        table: &Table,
        doc: &PrimaryKeyDoc,
        on_columns: bool,
        at: &[String],
    ) -> Result<PrimaryKey, DeclaredError> {
        if on_columns {
            return Err(self.error(
                InvalidKind::Duplicate,
                format!("the table {} declares its primary key twice", table.name),
                Some("use either `primary_key: true` on columns or a table-level `primary_key: [..]`".into()),
                self.key_span(at),
            ));
        }
        let (name, columns, columns_at) = match doc {
            PrimaryKeyDoc::Columns(columns) => (None, columns, at.to_vec()),
            PrimaryKeyDoc::Named(named) => {
                (named.name.clone(), &named.columns, under(at, "columns"))
            }
        };
        self.declared_columns(table, columns, &columns_at)?;
        Ok(PrimaryKey {
            name,
            columns: columns.clone(),
            pos: self.key_pos(at),
        })
    }

    /// `columns`, written as the list at `at`, are all columns of `table`.
    fn declared_columns(
        &self,
        table: &Table,
        columns: &[String],
        at: &[String],
    ) -> Result<(), DeclaredError> {
        for (i, column) in columns.iter().enumerate() {
            if table.column(column).is_none() {
                let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                return Err(self.error(
                    InvalidKind::Reference,
                    format!("the table {} has no declared column `{column}`", table.name),
                    Some(format!("declared columns: {}", names.join(", "))),
                    self.value_span(&under(at, &i.to_string())),
                ));
            }
        }
        Ok(())
    }

    /// An index written at `at`.
    fn index(
        &self,
        table: &Table,
        index: &IndexDoc,
        at: &[String],
    ) -> Result<Index, DeclaredError> {
        let keys = self.index_keys(table, index, at)?;
        let predicate = match &index.predicate {
            Some(sql) => Some(self.expression(sql, "index predicate", &under(at, "where"))?),
            None => None,
        };
        self.declared_columns(table, &index.include, &under(at, "include"))?;
        let method = self.index_method(index.using.as_deref().unwrap_or("btree"), at)?;
        Ok(Index {
            name: index.name.clone(),
            unique: index.unique,
            method,
            keys,
            include: index.include.clone(),
            predicate,
            nulls_not_distinct: index.nulls_not_distinct,
            valid: true,
            definition: None,
            pos: self.value_pos(at),
        })
    }

    /// An index's keys: its `columns`, or its `expression`.
    fn index_keys(
        &self,
        table: &Table,
        index: &IndexDoc,
        at: &[String],
    ) -> Result<Vec<IndexKey>, DeclaredError> {
        let mut keys = Vec::new();
        let columns_at = under(at, "columns");
        for (k, key_doc) in index.columns.iter().enumerate() {
            keys.push(self.index_key(key_doc, table, &under(&columns_at, &k.to_string()))?);
        }
        if let Some(expression) = &index.expression {
            if !keys.is_empty() {
                return Err(self.error(
                    InvalidKind::Value,
                    "an index has both `columns` and `expression`".into(),
                    Some("put expressions into `columns` as `{ expression: \"lower(x)\" }` to mix them".into()),
                    self.key_span(&under(at, "expression")),
                ));
            }
            let expr = self.expression(expression, "index expression", &under(at, "expression"))?;
            keys.push(expression_key(expr));
        }
        if keys.is_empty() {
            return Err(self.error(
                InvalidKind::Value,
                "an index needs `columns` or an `expression`".into(),
                None,
                self.value_span(at),
            ));
        }
        Ok(keys)
    }

    /// A foreign key of the `foreign_keys` list, written at `at`.
    fn foreign_key(
        &self,
        table: &Table,
        fk: &ForeignKeyDoc,
        at: &[String],
        default_schema: &str,
    ) -> Result<ForeignKey, DeclaredError> {
        self.declared_columns(table, &fk.columns, &under(at, "columns"))?;
        let target_at = under(&under(at, "references"), "table");
        let ref_table =
            self.qualified(&fk.references.table, default_schema, &target_at, "table")?;
        self.deferral(fk.deferrable, fk.initially_deferred, at)?;
        Ok(ForeignKey {
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            ref_table,
            ref_columns: fk.references.columns.clone(),
            on_delete: self.action(fk.on_delete.as_deref(), &under(at, "on_delete"))?,
            on_update: self.action(fk.on_update.as_deref(), &under(at, "on_update"))?,
            deferrable: fk.deferrable,
            initially_deferred: fk.initially_deferred,
            valid: true,
            pos: self.value_pos(at),
        })
    }

    /// A unique constraint of the `unique` list, written at `at`.
    fn unique(
        &self,
        table: &Table,
        unique: &UniqueDoc,
        at: &[String],
    ) -> Result<Unique, DeclaredError> {
        self.declared_columns(table, &unique.columns, &under(at, "columns"))?;
        self.deferral(unique.deferrable, unique.initially_deferred, at)?;
        Ok(Unique {
            name: unique.name.clone(),
            columns: unique.columns.clone(),
            nulls_not_distinct: unique.nulls_not_distinct,
            deferrable: unique.deferrable,
            initially_deferred: unique.initially_deferred,
            pos: self.value_pos(at),
        })
    }

    /// `initially_deferred: true` of a constraint written at `at` needs `deferrable: true`.
    fn deferral(
        &self,
        deferrable: bool,
        initially_deferred: bool,
        at: &[String],
    ) -> Result<(), DeclaredError> {
        if initially_deferred && !deferrable {
            return Err(self.error(
                InvalidKind::Value,
                "`initially_deferred` needs `deferrable: true`".into(),
                None,
                self.key_span(&under(at, "initially_deferred")),
            ));
        }
        Ok(())
    }

    /// A check of the `checks` list, written at `at`.
    fn check(&self, check: &CheckDoc, at: &[String]) -> Result<Check, DeclaredError> {
        let expression = self.expression(
            &check.expression,
            "check expression",
            &under(at, "expression"),
        )?;
        Ok(Check {
            name: check.name.clone(),
            expression,
            valid: true,
            pos: self.value_pos(at),
        })
    }

    /// One key of an index's `columns`, written at `at`.
    fn index_key(
        &self,
        doc: &KeyDoc,
        table: &Table,
        at: &[String],
    ) -> Result<IndexKey, DeclaredError> {
        match doc {
            KeyDoc::Text(text) => {
                if table.column(text).is_some() {
                    return Ok(plain_key(text));
                }
                if let Some(key) = parse_key_text(text) {
                    if table.column(&key.expr).is_some() {
                        return Ok(key);
                    }
                }
                if text.contains('(') {
                    let expr = self.expression(text, "index expression", at)?;
                    return Ok(expression_key(expr));
                }
                let column = parse_key_text(text).map_or(text.clone(), |k| k.expr);
                Err(self.unknown_key_column(table, &column, at))
            }
            KeyDoc::Structured(spec) => self.structured_key(spec, table, at),
        }
    }

    /// `{ column: c, order: desc, nulls: first, opclass: o }` or `{ expression: "..." }`.
    fn structured_key(
        &self,
        spec: &KeySpecDoc,
        table: &Table,
        at: &[String],
    ) -> Result<IndexKey, DeclaredError> {
        let (expr, expression) = match (&spec.column, &spec.expression) {
            (Some(column), None) => {
                if table.column(column).is_none() {
                    return Err(self.unknown_key_column(table, column, at));
                }
                (column.clone(), false)
            }
            (None, Some(sql)) => {
                let expr_at = under(at, "expression");
                (self.expression(sql, "index expression", &expr_at)?, true)
            }
            _ => {
                return Err(self.error(
                    InvalidKind::Value,
                    "an index key has exactly one of `column` and `expression`".into(),
                    None,
                    self.value_span(at),
                ))
            }
        };
        let descending = match lowercase(spec.order.as_deref()).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{other}` is not an index order"),
                    Some("use `order: asc` or `order: desc`".into()),
                    self.value_span(&under(at, "order")),
                ));
            }
        };
        let nulls_first = match lowercase(spec.nulls.as_deref()).as_deref() {
            None => None,
            Some("first") => Some(true),
            Some("last") => Some(false),
            Some(other) => {
                return Err(self.error(
                    InvalidKind::Value,
                    format!("`{other}` is not a nulls order"),
                    Some("use `nulls: first` or `nulls: last`".into()),
                    self.value_span(&under(at, "nulls")),
                ));
            }
        };
        Ok(normalize_key(IndexKey {
            expr,
            expression,
            opclass: spec.opclass.as_ref().map(|o| o.trim().to_ascii_lowercase()),
            descending,
            nulls_first,
            collation: spec.collation.as_deref().map(collation_sql),
        }))
    }

    fn unknown_key_column(&self, table: &Table, column: &str, at: &[String]) -> DeclaredError {
        self.error(
            InvalidKind::Reference,
            format!("the table {} has no declared column `{column}`", table.name),
            Some(
                "an expression key needs parentheses (`lower(email)`) or `{ expression: ... }`"
                    .into(),
            ),
            self.value_span(at),
        )
    }
}

fn lowercase(text: Option<&str>) -> Option<String> {
    text.map(str::to_ascii_lowercase)
}

fn plain_key(column: &str) -> IndexKey {
    IndexKey {
        expr: column.to_string(),
        expression: false,
        opclass: None,
        descending: false,
        nulls_first: None,
        collation: None,
    }
}

fn expression_key(expr: String) -> IndexKey {
    IndexKey {
        expr,
        expression: true,
        opclass: None,
        descending: false,
        nulls_first: None,
        collation: None,
    }
}

/// Drops a NULLS option that restates the default (NULLS LAST for ASC, NULLS FIRST for DESC).
pub fn normalize_key(mut key: IndexKey) -> IndexKey {
    if key.nulls_first == Some(key.descending) {
        key.nulls_first = None;
    }
    key
}

/// `col [opclass] [ASC|DESC] [NULLS FIRST|LAST]`, the column possibly double-quoted.
fn parse_key_text(text: &str) -> Option<IndexKey> {
    let text = text.trim();
    let (column, rest) = if let Some(stripped) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = stripped.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|(_, c)| *c) == Some('"') {
                    chars.next();
                    name.push('"');
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        (name, &stripped[end?..])
    } else {
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        (text[..end].to_string(), &text[end..])
    };
    let words: Vec<String> = rest
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut key = plain_key(&column);
    let mut i = 0;
    if let Some(word) = words.first() {
        if !matches!(word.as_str(), "asc" | "desc" | "nulls") {
            key.opclass = Some(word.clone());
            i = 1;
        }
    }
    match words.get(i).map(String::as_str) {
        Some("asc") => i += 1,
        Some("desc") => {
            key.descending = true;
            i += 1;
        }
        _ => {}
    }
    if words.get(i).map(String::as_str) == Some("nulls") {
        key.nulls_first = match words.get(i + 1).map(String::as_str) {
            Some("first") => Some(true),
            Some("last") => Some(false),
            _ => return None,
        };
        i += 2;
    }
    if i != words.len() {
        return None;
    }
    Some(normalize_key(key))
}

/// A collation name as the catalog read writes it: each part unquoted then quoted only where
/// needed, `pg_catalog` and `public` dropped (`C`, `"C"` and `pg_catalog."C"` are all `"C"`).
fn collation_sql(written: &str) -> String {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    let mut chars = written.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                part.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    if parts.len() == 2 && matches!(parts[0].as_str(), "pg_catalog" | "public") {
        parts.remove(0);
    }
    let quoted: Vec<String> = parts.iter().map(|p| crate::model::quote_ident(p)).collect();
    quoted.join(".")
}
