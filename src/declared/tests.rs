//! The reader's unit tests: models, positions and error messages of small files.

use miette::Diagnostic;

use super::*;
use crate::model::{FkAction, Identity, Pos, QualifiedName};

/// Tables in the large files of these tests (a few hundred: more than any one buffer).
const TABLES_PER_PART: usize = 200;

/// Reads `yaml`, which must be valid; every table and column has its position.
fn ok(yaml: &str) -> Declared {
    let declared = match parse("schema.yaml", yaml) {
        Ok(declared) => declared,
        Err(e) => panic!("{:?}", miette::Report::new(e)),
    };
    for table in declared.schema.tables.values() {
        assert!(table.pos.is_some(), "{} has no position", table.name);
        assert!(table.columns.iter().all(|c| c.pos.is_some()));
    }
    declared
}

/// Reads `yaml`, which must fail, and asserts that the error points at line `line`, at the
/// first `needle` on that line.
fn err_at(yaml: &str, line: usize, needle: &str) -> DeclaredError {
    let Err(error) = parse("schema.yaml", yaml) else {
        panic!("expected an error for:\n{yaml}");
    };
    let text = yaml.lines().nth(line - 1).expect("line exists");
    let byte = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not on line {line}: {text}"));
    let column = text[..byte].chars().count() + 1;
    assert_eq!(
        error.pos(),
        Some(Pos { line, column }),
        "wrong position for `{error}`"
    );
    error
}

/// A file with comments at the margin, quoted and qualified keys, a multi-line value, CRLF
/// line ends and a top-level key after `tables:`.
const LAID_OUT: &str = "# header\r\nversion: 1\r\nschema: app\r\ntables:\r\n\
        \x20 # the first table\r\n\
        \x20 accounts:\r\n\
        \x20   columns:\r\n\
        \x20     id: { type: bigint, primary_key: true }\r\n\
        \x20     note:\r\n\
        \x20       type: text\r\n\
        \x20       default: \"'a\r\n\
        \x20         b'\"\r\n\
        # at the margin, inside the block\r\n\
        \x20 '\"billing.x\".\"a.b\"':\r\n\
        \x20   columns:\r\n\
        \x20     id: { type: integer, references: accounts.id }\r\n\
        \x20 billing.invoices:\r\n\
        \x20   columns: { id: { type: \"numeric(12,2)\" } }\r\n\
        enums:\r\n\
        \x20 billing.mood: [happy, sad]\r\n";

#[test]
fn a_laid_out_file_with_a_key_after_the_tables() {
    let declared = ok(LAID_OUT);
    assert_eq!(declared.schema.tables.len(), 3);
    assert_eq!(
        declared.schemas(),
        vec!["app".to_string(), "billing".into(), "billing.x".into()]
    );
    let note = &declared.schema.tables[&QualifiedName::new("app", "accounts")].columns[1];
    assert_eq!(note.default.as_deref(), Some("'a b'"));
    assert_eq!(note.pos, Some(Pos { line: 9, column: 7 }));
}

#[test]
fn aliases_to_an_anchor_of_another_table() {
    let mut yaml =
        String::from("version: 1\ntables:\n  t0:\n    columns: &cols { id: { type: int } }\n");
    for n in 1..=TABLES_PER_PART {
        yaml.push_str(&format!("  t{n}:\n    columns: *cols\n"));
    }
    assert_eq!(ok(&yaml).schema.tables.len(), TABLES_PER_PART + 1);
}

/// `n` tables `t0`.. with a primary key and a foreign key to the previous one.
fn chain_of_tables(n: usize) -> String {
    let mut yaml = String::from("version: 1\ntables:\n");
    for i in 0..n {
        yaml.push_str(&format!(
            "  t{i}:\n    columns:\n      id: {{ type: bigint, primary_key: true }}\n"
        ));
        if i > 0 {
            yaml.push_str(&format!(
                "      parent: {{ type: bigint, references: t{}.id }}\n",
                i - 1
            ));
        }
        yaml.push_str(&format!(
            "    indexes:\n      - {{ name: ix_t{i}, columns: [id] }}\n"
        ));
    }
    yaml
}

#[test]
fn a_large_file_has_every_position() {
    let yaml = chain_of_tables(2 * TABLES_PER_PART + 7);
    let declared = ok(&yaml);
    assert_eq!(declared.schema.tables.len(), 2 * TABLES_PER_PART + 7);
    assert!(declared.schema.tables.values().all(|t| t.pos.is_some()
        && t.indexes.iter().all(|i| i.pos.is_some())
        && t.foreign_keys.iter().all(|f| f.pos.is_some())));
    let last = &declared.schema.tables
        [&QualifiedName::new("public", format!("t{}", 2 * TABLES_PER_PART + 6))];
    assert!(last.pos.is_some_and(|p| p.line > 2000));
}

#[test]
fn cross_table_errors_in_a_large_file_are_found_with_and_without_positions() {
    // A foreign key to a table of a later part is fine.
    let mut yaml = chain_of_tables(TABLES_PER_PART + 5);
    yaml.push_str("  t0_child:\n    columns:\n      id: { type: int }\n");
    let first = yaml.find("  t1:\n").expect("t1");
    yaml.insert_str(
        first,
        &format!(
            "  early:\n    columns:\n      x: {{ type: bigint, references: t{}.id }}\n",
            TABLES_PER_PART + 4
        ),
    );
    assert_eq!(ok(&yaml).schema.tables.len(), TABLES_PER_PART + 7);
    // A foreign key to an undeclared table, in the last part.
    let mut bad = yaml.clone();
    bad.push_str("  orphan:\n    columns:\n      x: { type: bigint, references: nowhere.id }\n");
    let line = bad.lines().count();
    let error = err_at(&bad, line, "nowhere.id");
    assert!(
        error.to_string().contains("which is not declared"),
        "{error}"
    );
    // An index name used again in another part.
    let mut bad = yaml;
    bad.push_str("  again:\n    columns: { id: { type: int } }\n    indexes:\n      - { name: ix_t2, columns: [id] }\n");
    let line = bad.lines().count();
    let error = err_at(&bad, line, "ix_t2");
    assert!(
        error.to_string().contains("`ix_t2` is used twice"),
        "{error}"
    );
}

#[test]
fn keys_written_twice_are_errors_with_and_without_positions() {
    // A table twice, in two different parts of a large file.
    let mut large = chain_of_tables(TABLES_PER_PART + 5);
    large.push_str("  t3:\n    columns: { id: { type: int } }\n");
    let last = large.lines().count() - 1;
    let cases = [
            (large.as_str(), last, "t3:", "t3"),
            // A column twice in one table, and a key twice in one column.
            (
                "version: 1\ntables:\n  a:\n    columns:\n      id: { type: int }\n      id: { type: text }\n",
                6,
                "id:",
                "id",
            ),
            (
                "version: 1\ntables:\n  a:\n    columns:\n      id: { type: int, nullable: true, type: text }\n",
                5,
                "type: text",
                "type",
            ),
        ];
    for (yaml, line, needle, key) in cases {
        let error = err_at(yaml, line, needle);
        let wanted = format!("the key `{key}` is written twice");
        assert!(error.to_string().contains(&wanted), "{error}");
    }
}

/// What PostgreSQL 15 prints (`pg_get_constraintdef`, `pg_get_expr`) for expressions a person
/// writes otherwise: `pull` writes these, so they must read back.
#[test]
fn expressions_as_postgresql_prints_them_are_valid() {
    for sql in [
        "(TRIM(BOTH FROM a) <> ''::text)",
        "(TRIM(LEADING FROM a) <> ''::text)",
        "(XMLPARSE(CONTENT '<a/>'::text STRIP WHITESPACE) IS NOT NULL)",
        "((a COLLATE \"C\") > 'a'::text)",
        "(a ~ similar_to_escape('x%'::text))",
        "(a ~~ like_escape('x'::text, '!'::text))",
        "(NOT (a IS DISTINCT FROM 'y'::text))",
        "(SUBSTRING(a FROM 1 FOR 2) <> ''::text)",
        "(OVERLAY(a PLACING 'x'::text FROM 1 FOR 1) <> ''::text)",
        "(POSITION(('x'::text) IN (a)) > 0)",
        "(EXTRACT(year FROM c) > (2000)::numeric)",
        "((c AT TIME ZONE 'UTC'::text) > '2000-01-01 00:00:00'::timestamp without time zone)",
        "(ROW(b, a) > ROW(1, 'x'::text))",
        "(CURRENT_SCHEMA <> 'q'::name)",
        "(((b)::bit(8) <> '00000000'::\"bit\"))",
        "(((d #>> '{a,b}'::text[]) IS NOT NULL))",
        "(c > (now() - make_interval(days => 1)))",
        "(a IS NORMALIZED)",
    ] {
        assert_eq!(check_expression(sql), Ok(()), "{sql}");
    }
    assert!(check_expression("TRIM(BOTH FROM").is_err());
}

#[test]
fn schemas_are_guessed_from_the_text() {
    assert_eq!(
        guess_schemas(LAID_OUT),
        vec!["app".to_string(), "billing".into(), "billing.x".into()]
    );
    assert_eq!(guess_schemas("version: 1\n"), vec!["public".to_string()]);
    assert_eq!(
        guess_schemas("version: 1\nschema: 'Sales'  # default\ntables:\n  a: {}\n"),
        vec!["Sales".to_string()]
    );
}

const PROSPECTS: &str = r#"version: 1
enums:
  outreach_status: [pending, contacted, replied]
tables:
  discovery_queries:
    columns:
      id: { type: uuid, primary_key: true, default: gen_random_uuid() }
      keyword: { type: text, nullable: false }
  prospects:
    columns:
      id:                 { type: uuid, primary_key: true, default: gen_random_uuid() }
      domain:             { type: varchar(255), nullable: false, unique: true }
      discovery_query_id: { type: uuid, references: discovery_queries.id, on_delete: set null }
      status:             { type: outreach_status, nullable: false, default: "'pending'" }
      created_at:         { type: timestamptz, nullable: false, default: now() }
    indexes:
      - { name: ix_prospects_discovery_query_id, columns: [discovery_query_id] }
      - { name: ux_prospects_domain_lower, expression: lower(domain), unique: true,
          where: "status <> 'replied'", using: btree }
    checks:
      - { name: ck_domain, expression: "domain <> ''" }
"#;

#[test]
fn reads_the_prospects_example() {
    let declared = ok(PROSPECTS);
    assert_eq!(declared.default_schema, "public");
    let prospects = &declared.schema.tables[&QualifiedName::new("public", "prospects")];
    let names: Vec<&str> = prospects.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "domain", "discovery_query_id", "status", "created_at"]
    );
    let domain = prospects.column("domain").unwrap();
    assert_eq!(domain.data_type, "character varying(255)");
    assert!(!domain.nullable);
    assert_eq!(
        prospects.column("created_at").unwrap().data_type,
        "timestamp with time zone"
    );
    assert_eq!(
        prospects.column("status").unwrap().default.as_deref(),
        Some("'pending'")
    );
    assert_eq!(prospects.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(prospects.uniques.len(), 1);
    let fk = &prospects.foreign_keys[0];
    assert_eq!(
        fk.ref_table,
        QualifiedName::new("public", "discovery_queries")
    );
    assert_eq!(fk.on_delete, FkAction::SetNull);
    assert_eq!(
        fk.pos,
        Some(Pos {
            line: 13,
            column: 53
        })
    );
    let partial = &prospects.indexes[1];
    assert!(partial.unique && partial.keys[0].expression);
    assert_eq!(partial.predicate.as_deref(), Some("status <> 'replied'"));
    assert_eq!(prospects.pos, Some(Pos { line: 9, column: 3 }));
    assert_eq!(
        prospects.column("status").unwrap().pos,
        Some(Pos {
            line: 14,
            column: 7
        })
    );
    assert_eq!(
        prospects.indexes[1].pos,
        Some(Pos {
            line: 18,
            column: 9
        })
    );
    assert_eq!(declared.schemas(), ["public"]);
}

#[test]
fn unknown_keys_point_at_the_key() {
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, nulable: false }\n";
    let error = err_at(yaml, 5, "nulable");
    assert!(error.kind() == Some(InvalidKind::Yaml));
    assert!(
        error.to_string().contains("unknown field `nulable`"),
        "{error}"
    );
    let yaml = "version: 1\ntables:\n  t:\n    colums: {}\n";
    err_at(yaml, 4, "colums");
    let yaml = "version: 1\ntabels: {}\n";
    err_at(yaml, 2, "tabels");
}

#[test]
fn foreign_key_to_an_undeclared_table_or_column() {
    let yaml = PROSPECTS.replace(
        "references: discovery_queries.id",
        "references: discovery_query.id",
    );
    let error = err_at(&yaml, 13, "discovery_query.id");
    assert!(error.kind() == Some(InvalidKind::Reference));
    assert!(
        error.to_string().contains("public.discovery_query"),
        "{error}"
    );
    let yaml = PROSPECTS.replace(
        "references: discovery_queries.id",
        "references: discovery_queries.uuid",
    );
    let error = err_at(&yaml, 13, "discovery_queries.uuid");
    assert!(
        error.to_string().contains("discovery_queries.uuid"),
        "{error}"
    );
}

#[test]
fn foreign_key_to_columns_that_are_not_unique() {
    let yaml = PROSPECTS.replace(
        "references: discovery_queries.id",
        "references: discovery_queries.keyword",
    );
    let error = err_at(&yaml, 13, "discovery_queries.keyword");
    assert!(
        error
            .to_string()
            .contains("neither its primary key nor unique"),
        "{error}"
    );
}

#[test]
fn composite_foreign_key_positions() {
    let yaml = r#"version: 1
tables:
  billing.accounts:
    columns:
      a: { type: int }
      b: { type: int }
    primary_key: [a, b]
  orders:
    columns:
      a: { type: int }
      b: { type: int }
    foreign_keys:
      - { columns: [a, b], references: { table: billing.accounts, columns: [a, c] },
          on_delete: cascade, deferrable: true, initially_deferred: true }
"#;
    let error = err_at(yaml, 13, "c]");
    assert!(error.to_string().contains("billing.accounts.c"), "{error}");
    let declared = ok(&yaml.replace("columns: [a, c]", "columns: [a, b]"));
    let orders = &declared.schema.tables[&QualifiedName::new("public", "orders")];
    let fk = &orders.foreign_keys[0];
    assert!(fk.deferrable && fk.initially_deferred);
    assert_eq!(fk.on_delete, FkAction::Cascade);
    assert_eq!(fk.ref_table, QualifiedName::new("billing", "accounts"));
    assert_eq!(declared.schemas(), ["billing", "public"]);
    let bad_table = yaml.replace("table: billing.accounts", "table: accounts");
    let error = err_at(&bad_table, 13, "accounts");
    assert!(error.to_string().contains("public.accounts"), "{error}");
}

#[test]
fn duplicate_keys_and_names() {
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n      a: { type: text }\n";
    let error = err_at(yaml, 6, "a:");
    assert!(error.kind() == Some(InvalidKind::Duplicate));
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n  public.t:\n    columns:\n      a: { type: int }\n";
    let error = err_at(yaml, 6, "public.t");
    assert!(error.kind() == Some(InvalidKind::Duplicate), "{error}");
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    indexes:\n      - { name: ix, columns: [a] }\n  u:\n    columns:\n      a: { type: int }\n    indexes:\n      - { name: ix, columns: [a] }\n";
    let error = err_at(yaml, 12, "ix");
    assert!(error.to_string().contains("`ix` is used twice"), "{error}");
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    checks:\n      - { name: c1, expression: a > 0 }\n      - { name: c1, expression: a < 9 }\n";
    let error = err_at(yaml, 8, "c1");
    assert!(error.to_string().contains("`c1` is used twice"), "{error}");
    let yaml = "version: 1\nenums:\n  mood: [a, b, a]\n";
    err_at(yaml, 3, "a]");
}

#[test]
fn malformed_types_point_at_the_type() {
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: varchar(abc) }\n";
    let error = err_at(yaml, 5, "varchar");
    assert!(error.kind() == Some(InvalidKind::Type));
    let yaml =
        "version: 1\ntables:\n  t:\n    columns:\n      a:\n        type: \"numeric(1,2,3)\"\n";
    err_at(yaml, 6, "\"numeric");
}

#[test]
fn invalid_expressions_point_at_the_expression() {
    let yaml = PROSPECTS.replace("where: \"status <> 'replied'\"", "where: \"status <> \"");
    let error = err_at(&yaml, 19, "\"status");
    assert!(error.kind() == Some(InvalidKind::Expression), "{error}");
    let yaml = PROSPECTS.replace("default: now()", "default: now(");
    err_at(&yaml, 15, "now(");
    let yaml = PROSPECTS.replace(
        "expression: \"domain <> ''\"",
        "expression: \"domain <> '' )\"",
    );
    err_at(&yaml, 21, "\"domain");
    let yaml = PROSPECTS.replace("default: \"'pending'\"", "default: pending");
    let error = err_at(&yaml, 14, "pending");
    assert!(error.to_string().contains("column name"), "{error}");
}

#[test]
fn hostile_identifiers_and_qualified_names() {
    let yaml = r#"version: 1
tables:
  "Order":
    columns:
      id: { type: bigint, primary_key: true, identity: by_default }
      user: { type: text, nullable: false }
      "a b": { type: int }
      a"b: { type: int }
    indexes:
      - { columns: ["\"a b\" DESC", "a\"b"] }
  '"odd.schema"."x.y"':
    columns:
      id: { type: serial, primary_key: true }
      ref: { type: bigint, references: '"Order".id', on_delete: cascade }
"#;
    let declared = ok(yaml);
    let order = &declared.schema.tables[&QualifiedName::new("public", "Order")];
    assert_eq!(
        order.column("id").unwrap().identity,
        Some(Identity::ByDefault)
    );
    assert!(!order.column("user").unwrap().nullable);
    let keys = &order.indexes[0].keys;
    assert_eq!(keys[0].expr, "a b");
    assert!(keys[0].descending);
    assert_eq!(keys[1].expr, "a\"b");
    let odd = &declared.schema.tables[&QualifiedName::new("odd.schema", "x.y")];
    assert_eq!(odd.column("id").unwrap().data_type, "serial");
    assert_eq!(
        odd.foreign_keys[0].ref_table,
        QualifiedName::new("public", "Order")
    );
}

#[test]
fn enums_resolve_column_types_in_their_schema() {
    let yaml = r#"version: 1
schema: app
enums:
  mood: [happy, sad]
  "Level": [low, high]
tables:
  people:
    columns:
      mood: { type: mood }
      moods: { type: "mood[]" }
      level: { type: Level }
      other: { type: public.thing }
"#;
    let declared = ok(yaml);
    let people = &declared.schema.tables[&QualifiedName::new("app", "people")];
    assert_eq!(people.column("mood").unwrap().data_type, "app.mood");
    assert_eq!(people.column("moods").unwrap().data_type, "app.mood[]");
    assert_eq!(people.column("level").unwrap().data_type, "app.\"Level\"");
    assert_eq!(people.column("other").unwrap().data_type, "thing");
    assert!(declared
        .schema
        .enums
        .contains_key(&QualifiedName::new("app", "Level")));
}

#[test]
fn index_key_forms() {
    let yaml = r#"version: 1
tables:
  t:
    columns:
      name: { type: text }
      tags: { type: "text[]" }
    indexes:
      - { columns: ["name text_pattern_ops DESC NULLS LAST"] }
      - { columns: [{ column: name, order: desc, nulls: first }] }
      - { columns: ["lower(name)", { expression: "upper(name)" }] }
      - { columns: [tags], using: GIN }
"#;
    let declared = ok(yaml);
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    let first = &t.indexes[0].keys[0];
    assert_eq!(first.opclass.as_deref(), Some("text_pattern_ops"));
    assert!(first.descending);
    assert_eq!(first.nulls_first, Some(false));
    // NULLS FIRST is the default for DESC: dropped.
    assert_eq!(t.indexes[1].keys[0].nulls_first, None);
    assert!(t.indexes[2].keys.iter().all(|k| k.expression));
    assert_eq!(t.indexes[3].method, "gin");
    let bad = yaml.replace("columns: [tags]", "columns: [tagz]");
    let error = err_at(&bad, 11, "tagz");
    assert!(error.kind() == Some(InvalidKind::Reference));
}

#[test]
fn conflicting_column_options() {
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, identity: always, default: 1 }\n";
    err_at(yaml, 5, "a:");
    let yaml =
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: text, identity: always }\n";
    err_at(yaml, 5, "text");
    let yaml =
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, identity: sometimes }\n";
    err_at(yaml, 5, "sometimes");
    let yaml =
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, on_delete: cascade }\n";
    err_at(yaml, 5, "on_delete");
    let yaml = "version: 2\n";
    err_at(yaml, 1, "2");
}

#[test]
fn ignore_lists_and_migration_tool_tables() {
    let declared = ok("version: 1\nignore: [legacy_*, audit.log]\n");
    let ignore = &declared.ignore;
    assert!(ignore.is_listed(&QualifiedName::new("public", "legacy_users")));
    assert!(ignore.is_listed(&QualifiedName::new("audit", "log")));
    assert!(!ignore.is_listed(&QualifiedName::new("public", "log")));
    assert!(ignore.skips_undeclared(&QualifiedName::new("public", "alembic_version")));
    assert!(ignore.skips_undeclared(&QualifiedName::new("public", "_prisma_migrations")));
    assert!(!ignore.skips_undeclared(&QualifiedName::new("public", "migrations")));
    assert!(!ignore.is_listed(&QualifiedName::new("public", "alembic_version")));
    err_at("version: 1\nignore: [ok, \"bad[\"]\n", 2, "\"bad");
}

#[test]
fn a_type_modifier_comma_inside_braces_is_put_back() {
    let yaml = "version: 1\ntables:\n  t:\n    columns:\n      a: { type: numeric(12,2), nullable: false }\n      b: { type: decimal(10, 3) }\n      c: { type: \"numeric(5,1)\" }\n";
    let declared = ok(yaml);
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    let types: Vec<&str> = t.columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(types, ["numeric(12,2)", "numeric(10,3)", "numeric(5,1)"]);
    assert!(!t.columns[0].nullable);
}

#[test]
fn a_comma_inside_braces_elsewhere_gets_a_quoting_hint() {
    let yaml =
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, default: greatest(1,2) }\n";
    let error = err_at(yaml, 5, "2)");
    assert_eq!(error.kind(), Some(InvalidKind::Yaml));
    let help = error.help().map(|h| h.to_string()).unwrap_or_default();
    assert!(help.contains("\"numeric(12,2)\""), "{help}");
}

#[test]
fn block_style_anchors_and_crlf_line_ends() {
    let yaml = "version: 1\r\ntables:\r\n  audit_log:\r\n    columns:\r\n      id:\r\n        type: bigint\r\n        primary_key: true\r\n      at: &stamp\r\n        type: timestamptz\r\n        nullable: false\r\n        default: now()\r\n      seen: *stamp\r\n    indexes:\r\n      - name: ix_audit_at\r\n        columns:\r\n          - at\r\n          - column: seen\r\n            order: desc\r\n";
    let declared = ok(yaml);
    let t = &declared.schema.tables[&QualifiedName::new("public", "audit_log")];
    assert_eq!(
        t.column("seen").unwrap().data_type,
        "timestamp with time zone"
    );
    assert_eq!(t.column("seen").unwrap().default.as_deref(), Some("now()"));
    assert_eq!(
        t.column("seen").unwrap().pos,
        Some(Pos {
            line: 12,
            column: 7
        })
    );
    assert_eq!(
        t.indexes[0].pos,
        Some(Pos {
            line: 14,
            column: 9
        })
    );
    assert!(t.indexes[0].keys[1].descending);
    let bad = yaml.replace("type: timestamptz", "type: timestamptz(9)");
    err_at(&bad, 9, "timestamptz(9)");
}

#[test]
fn arbitrary_yaml_is_an_error_or_a_schema_never_a_panic() {
    const PIECES: &[&str] = &[
        "version: 1\n",
        "tables:\n",
        "  t:\n",
        "    columns:\n",
        "      a: ",
        "{ type: int }",
        "{ type: ",
        "numeric(1,2)",
        " }",
        "[",
        "]",
        "\n",
        "- ",
        "    indexes:\n",
        "      - ",
        "{ columns: [a] }",
        "references: t.a",
        "\"",
        "'",
        ":",
        "&x ",
        "*x",
        "#c\n",
        "é",
        "\t",
        "{ expression: \"lower(a)\" }",
        "enums:\n",
        "  e: [a, a]\n",
        "ignore: [\"[\"]\n",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..1500 {
        let count = (next() % 14) as usize;
        let yaml: String = (0..count)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        if let Err(error) = parse("fuzz.yaml", &yaml) {
            // Every error renders and points inside the text.
            let _ = format!("{:?}", miette::Report::new(error));
        }
    }
}

#[test]
fn default_null_is_no_default() {
    for written in ["NULL", "null", "NULL::text", "(NULL)"] {
        let yaml = format!("version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: \"{written}\" }}\n");
        let declared = ok(&yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.columns[0].default, None, "{written}");
    }
}

#[test]
fn yaml_syntax_errors_have_a_position() {
    let error = err_at("version: 1\ntables:\n  t: [\n", 3, "[");
    assert!(error.kind() == Some(InvalidKind::Yaml));
}

#[test]
fn issue_15_item_8_deep_nesting_is_an_error_not_a_stack_overflow() {
    // 10,000 nested block sequences on one line.
    let yaml = format!("version: 1\ntables:\n  t:\n    {}x\n", "- ".repeat(10_000));
    let error = parse("schema.yaml", &yaml).expect_err("too deep");
    assert_eq!(error.kind(), Some(InvalidKind::Yaml));
    // The root mapping and `tables:` are two levels: the 63rd `- ` is the 65th.
    assert_eq!(
        error.pos(),
        Some(Pos {
            line: 4,
            column: 5 + 2 * 62
        })
    );
    assert!(
        error.to_string().contains("nests deeper than 64 levels"),
        "{error}"
    );
    // 3,000 nested block mappings, one more space of indentation each.
    let mut yaml = String::from("version: 1\ntables:\n");
    for depth in 0..3_000 {
        yaml.push_str(&" ".repeat(depth + 2));
        yaml.push_str("k:\n");
    }
    let error = parse("schema.yaml", &yaml).expect_err("too deep");
    assert!(
        error.to_string().contains("nests deeper than 64 levels"),
        "{error}"
    );
    assert_eq!(error.pos().map(|p| p.line), Some(4 + 62));
}

#[test]
fn issue_15_item_9_deeply_nested_flow_brackets_fail_fast() {
    for bracket in ["[", "{"] {
        let yaml = format!("version: 1\ntables: {}\n", bracket.repeat(100_000));
        let started = std::time::Instant::now();
        let error = parse("schema.yaml", &yaml).expect_err("too deep");
        // The 65th bracket (the text is cut there, before the parser looks further).
        assert_eq!(
            error.pos(),
            Some(Pos {
                line: 2,
                column: 9 + 64
            })
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        assert!(
            error.to_string().contains("nests deeper than 64 levels"),
            "{error}"
        );
    }
    // Brackets inside quotes and comments do not count.
    let deep = "[".repeat(100);
    let yaml = format!("version: 1\n# {deep}\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: \"'{deep}'\" }}\n");
    let declared = ok(&yaml);
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    assert_eq!(
        t.columns[0].default.as_deref(),
        Some(format!("'{deep}'").as_str())
    );
}

#[test]
fn issue_15_item_10_an_endless_schema_file_is_cut_off() {
    let error = read_at_most(std::path::Path::new("/dev/zero"), 1 << 20).expect_err("too large");
    assert!(
        matches!(error, DeclaredError::TooLarge { limit, .. } if limit == 1 << 20),
        "{error}"
    );
    assert!(
        error.to_string().contains("/dev/zero is larger than"),
        "{error}"
    );
    assert_eq!(
        error.code().map(|c| c.to_string()).as_deref(),
        Some("driftlint::schema::read")
    );
}

#[test]
fn issue_15_item_14_a_byte_order_mark_is_accepted() {
    let yaml = "\u{feff}version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n";
    let declared = ok(yaml);
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    assert_eq!(t.columns[0].pos, Some(Pos { line: 5, column: 7 }));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("schema.yaml");
    std::fs::write(&path, yaml).expect("written");
    assert_eq!(load(&path).expect("valid").schema.tables.len(), 1);
}

#[test]
fn issue_15_item_11_names_postgresql_cannot_store_are_rejected() {
    let long = "n".repeat(64);
    let fits = "n".repeat(63);
    let cases = [
        (format!("version: 1\nschema: {long}\n"), 2, long.as_str(), "schema"),
        (format!("version: 1\ntables:\n  {long}:\n    columns: {{ id: {{ type: int }} }}\n"), 3, long.as_str(), "table"),
        (format!("version: 1\ntables:\n  {long}.t:\n    columns: {{ id: {{ type: int }} }}\n"), 3, long.as_str(), "schema"),
        (format!("version: 1\ntables:\n  t:\n    columns:\n      {long}: {{ type: int }}\n"), 5, long.as_str(), "column"),
        (format!("version: 1\ntables:\n  t:\n    columns: {{ a: {{ type: int }} }}\n    indexes:\n      - {{ name: {long}, columns: [a] }}\n"), 6, long.as_str(), "index"),
        (format!("version: 1\ntables:\n  t:\n    columns: {{ a: {{ type: int }} }}\n    checks:\n      - {{ name: {long}, expression: a > 0 }}\n"), 6, long.as_str(), "constraint"),
        (format!("version: 1\nenums:\n  {long}: [a]\n"), 3, long.as_str(), "enum"),
        ("version: 1\ntables:\n  t:\n    columns:\n      \"a\\0b\": { type: int }\n".to_string(), 5, "\"a", "column"),
    ];
    for (yaml, line, needle, what) in &cases {
        let error = err_at(yaml, *line, needle);
        assert_eq!(error.kind(), Some(InvalidKind::Value), "{error}");
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("the {what} name `")),
            "{message}"
        );
        assert!(
            message.contains("63") || message.contains("NUL"),
            "{message}"
        );
    }
    // 63 bytes (in a multi-byte spelling too) are fine.
    let wide = "é".repeat(31);
    ok(&format!("version: 1\nschema: {fits}\ntables:\n  {fits}:\n    columns:\n      {wide}: {{ type: int }}\n"));
    let too_wide = "é".repeat(32);
    err_at(
        &format!("version: 1\ntables:\n  t:\n    columns:\n      {too_wide}: {{ type: int }}\n"),
        5,
        &too_wide,
    );
}

#[test]
fn issue_11_defect_1_sql_scalars_keep_their_text() {
    for written in [
        "25.0",
        "1.50",
        "0755",
        "1e3",
        ".5",
        "+1",
        "-0.0",
        "true",
        "FALSE",
        "2024-01-01",
    ] {
        let yaml = format!("version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: {written} }}\n    checks:\n      - {{ expression: {written} }}\n    indexes:\n      - {{ columns: [a], where: {written} }}\n");
        let declared = ok(&yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.columns[0].default.as_deref(), Some(written), "{written}");
        assert_eq!(t.checks[0].expression, written);
        assert_eq!(t.indexes[0].predicate.as_deref(), Some(written));
    }
    // Booleans and numbers still mean what they did where the format wants one.
    let declared = ok("version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, nullable: False, unique: TRUE }\n");
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    assert!(!t.columns[0].nullable);
    assert_eq!(t.uniques.len(), 1);
    let error = err_at(
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, nullable: yes }\n",
        5,
        "yes",
    );
    assert_eq!(
        error.to_string(),
        "tables.t.columns.a.nullable: invalid type: string \"yes\", expected a boolean"
    );
    let error = err_at(
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int, default: { x: 1 } }\n",
        5,
        "{ x",
    );
    assert_eq!(
        error.to_string(),
        "tables.t.columns.a.default: invalid type: map, expected a string"
    );
    err_at("version: \"1\"\n", 1, "\"1\"");
}

/// Every place schema.yaml takes SQL, for the scalar `written`: a column default, a generated
/// column, a check, an index expression (both spellings) and an index predicate.
fn every_sql_place(written: &str) -> String {
    format!(
        "version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: {written} }}\n      \
         g: {{ type: text, generated: {written} }}\n    checks:\n      - {{ expression: {written} }}\n    \
         indexes:\n      - {{ expression: {written} }}\n      - {{ columns: [{{ expression: {written} }}] }}\n      \
         - {{ columns: [a], where: {written} }}\n"
    )
}

#[test]
fn issue_11_sql_scalars_keep_their_text_whatever_yaml_type_they_parse_as() {
    // Numbers (decimal, octal-looking, exponent, signed), YAML 1.1 and 1.2
    // booleans, dates and timestamps: every one reaches the model as written.
    for written in [
        "1.50",
        "010",
        "0755",
        "1e3",
        "1E-3",
        "-1",
        "+1",
        ".5",
        "true",
        "True",
        "FALSE",
        "2024-01-01",
    ] {
        let declared = ok(&every_sql_place(written));
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.columns[0].default.as_deref(), Some(written), "{written}");
        assert_eq!(
            t.columns[1].generated.as_deref(),
            Some(written),
            "{written}"
        );
        assert_eq!(t.checks[0].expression, written, "{written}");
        for index in &t.indexes[..2] {
            assert_eq!(index.keys[0].expr, written, "{written}");
            assert!(index.keys[0].expression, "{written}");
        }
        assert_eq!(
            t.indexes[2].predicate.as_deref(),
            Some(written),
            "{written}"
        );
    }
    // YAML 1.1 booleans are words in SQL: where SQL reads them as a name they stay that name,
    // and a default that is a bare word is an error quoting the word as written.
    for written in ["yes", "no", "on", "off", "Yes", "OFF"] {
        let yaml = format!(
            "version: 1\ntables:\n  t:\n    columns:\n      {written}: {{ type: boolean }}\n    \
             checks:\n      - {{ expression: {written} }}\n    indexes:\n      - {{ columns: [{written}], where: {written} }}\n"
        );
        let declared = ok(&yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.columns[0].name, written);
        assert_eq!(t.checks[0].expression, written);
        assert_eq!(t.indexes[0].keys[0].expr, written);
        assert_eq!(t.indexes[0].predicate.as_deref(), Some(written));
        let error = err_at(
            &format!("version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: boolean, default: {written} }}\n"),
            5,
            &format!("{written} }}"),
        );
        assert!(
            error.to_string().contains(&format!("`{written}`")),
            "{written}: {error}"
        );
    }
    // `null` and `~`: SQL NULL where an expression is required (a check), and "nothing"
    // where the key is optional (no default, no predicate, not generated): what PostgreSQL
    // stores for DEFAULT NULL is no default either.
    for written in ["null", "NULL", "~"] {
        let yaml = format!(
            "version: 1\ntables:\n  t:\n    columns:\n      a: {{ type: text, default: {written}, generated: {written} }}\n    \
             indexes:\n      - {{ columns: [a], where: {written} }}\n"
        );
        let declared = ok(&yaml);
        let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.columns[0].default, None, "{written}");
        assert_eq!(t.columns[0].generated, None, "{written}");
        assert_eq!(t.indexes[0].predicate, None, "{written}");
    }
    let declared = ok("version: 1\ntables:\n  t:\n    columns:\n      a: { type: text }\n    checks:\n      - { expression: NULL }\n");
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    assert_eq!(t.checks[0].expression, "NULL");
}

#[test]
fn issue_11_index_keys_and_primary_keys_that_look_like_numbers_keep_their_text() {
    // Both were untagged enums, which read a plain `010` as the number 10 and then failed.
    let declared = ok("version: 1\ntables:\n  t:\n    columns:\n      '010': { type: int }\n      '1.50': { type: int }\n    primary_key: [010, 1.50]\n    indexes:\n      - { columns: [010, { column: 1.50, order: desc }] }\n");
    let t = &declared.schema.tables[&QualifiedName::new("public", "t")];
    let pk = t.primary_key.as_ref().expect("a primary key");
    assert_eq!(pk.columns, ["010", "1.50"]);
    let keys: Vec<(&str, bool)> = t.indexes[0]
        .keys
        .iter()
        .map(|k| (k.expr.as_str(), k.descending))
        .collect();
    assert_eq!(keys, [("010", false), ("1.50", true)]);
    // The shapes that are neither still get serde's message at the right place.
    let error = err_at(
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    primary_key: 5\n",
        6,
        "5",
    );
    assert!(error.to_string().contains("a list of columns"), "{error}");
    err_at(
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    indexes:\n      - { columns: [{ column: a, sort: desc }] }\n",
        7,
        "sort",
    );
}

#[test]
fn sequences_identity_options_and_exclusions_are_read_with_their_errors_placed() {
    let declared = ok("version: 1\nsequences:\n  billing.no: { type: int4, start: 5, cycle: true, owned_by: billing.t.a }\ntables:\n  billing.t:\n    columns:\n      a: { type: bigint, identity: always, sequence: { increment: 2 } }\n      r: { type: tsrange }\n    exclude:\n      - { elements: [{ column: r, with: \"&&\" }], where: \"a > 0\", deferrable: true }\n");
    let sequence = &declared.schema.sequences[&QualifiedName::new("billing", "no")];
    assert_eq!(sequence.options.data_type.as_deref(), Some("integer"));
    assert_eq!(
        (sequence.options.start, sequence.options.cycle),
        (Some(5), Some(true))
    );
    assert_eq!(
        sequence.owned_by,
        Some((QualifiedName::new("billing", "t"), "a".to_string()))
    );
    let t = &declared.schema.tables[&QualifiedName::new("billing", "t")];
    let options = t.columns[0].identity_options.as_deref().expect("options");
    assert_eq!((options.increment, options.start), (Some(2), None));
    assert_eq!(
        t.exclusions[0].to_sql(),
        "EXCLUDE USING gist (r WITH &&) WHERE (a > 0) DEFERRABLE"
    );
    assert!(declared.schemas().contains(&"billing".to_string()));

    for (yaml, line, needle, message) in [
        (
            "sequences:\n  s: { type: text }\n",
            3,
            "text",
            "not a sequence type",
        ),
        (
            "sequences:\n  s: { min_value: 5, max_value: 5 }\n",
            3,
            "5, max",
            "less than",
        ),
        (
            "sequences:\n  s: { start: 0, min_value: 1 }\n",
            3,
            "0, min",
            "outside",
        ),
        (
            "sequences:\n  s: { owned_by: t.nope }\n",
            3,
            "t.nope",
            "not declared",
        ),
        (
            "sequences:\n  s: { owned_by: nope }\n",
            3,
            "nope",
            "not a column reference",
        ),
    ] {
        let yaml =
            format!("version: 1\n{yaml}tables:\n  t:\n    columns:\n      a: {{ type: int }}\n");
        let error = err_at(&yaml, line, needle);
        assert!(error.to_string().contains(message), "{yaml}: {error}");
    }
    for (column, needle, message) in [
        (
            "{ type: int, sequence: { start: 1 } }",
            "sequence",
            "not an identity",
        ),
        (
            "{ type: int, identity: always, sequence: { type: int } }",
            "type: int }",
            "not an option",
        ),
        (
            "{ type: int, identity: always, sequence: { cache: 0 } }",
            "0",
            "cache",
        ),
    ] {
        let yaml = format!("version: 1\ntables:\n  t:\n    columns:\n      a: {column}\n");
        let error = err_at(&yaml, 5, needle);
        assert!(error.to_string().contains(message), "{column}: {error}");
    }
    let error = err_at(
        "version: 1\ntables:\n  t:\n    columns:\n      a: { type: int }\n    exclude:\n      - { elements: [{ column: a, with: \"a b\" }] }\n",
        7,
        "\"a b\"",
    );
    assert!(error.to_string().contains("not an operator"), "{error}");
}
