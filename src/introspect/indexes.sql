-- Indexes of the tables of tables.sql, except those backing a PRIMARY KEY, UNIQUE or EXCLUDE
-- constraint (they are the constraint) and extension-owned ones.
-- Per key: the column name, or for an expression pg_get_indexdef(index, k, true); the operator
-- class only when it is not the default one for its type; indoption bits (1 = DESC,
-- 2 = NULLS FIRST). Keys after indnkeyatts are INCLUDE columns.
SELECT i.indrelid,
       ic.relname AS index_name,
       i.indisunique,
       i.indisvalid,
       am.amname::text AS method,
       i.indnkeyatts::int4 AS key_count,
       ARRAY(SELECT CASE WHEN k.attnum <> 0 THEN a.attname::text
                         ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int4, true) END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS keys,
       ARRAY(SELECT k.attnum <> 0
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             ORDER BY k.ord) AS key_is_column,
       ARRAY(SELECT CASE WHEN opc.opcdefault THEN NULL ELSE opc.opcname::text END
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opcoid, ord)
             JOIN pg_catalog.pg_opclass opc ON opc.oid = k.opcoid
             ORDER BY k.ord) AS opclasses,
       i.indoption::int2[] AS options,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       /*NULLS_NOT_DISTINCT*/false AS nulls_not_distinct
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint con
        WHERE con.conindid = i.indexrelid
          AND con.conrelid = i.indrelid
          AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = i.indexrelid
          AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, ic.relname
