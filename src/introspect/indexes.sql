-- Indexes of the tables of the requested schemas, except those backing a PRIMARY KEY, UNIQUE
-- or EXCLUDE constraint (they are the constraint) and extension-owned ones.
-- Keys come as attribute numbers (0 = an expression), operator class oids and indoption bits
-- (1 = DESC, 2 = NULLS FIRST); keys after indnkeyatts are INCLUDE columns. Only expression keys
-- and predicates are deparsed here (pg_get_indexdef, pg_get_expr): deparsing is the costly part
-- on large schemas. Plain indexes get their definition written from these columns; the whole
-- pg_get_indexdef of the others is read later, and only for the indexes repair would replace
-- (index_definitions_by_name.sql). The nulls_not_distinct placeholder is filled in by server
-- version (queries.rs): pg_index.indnullsnotdistinct from PostgreSQL 15, before it false.
SELECT i.indexrelid,
       i.indrelid,
       ic.relname AS index_name,
       i.indisunique,
       i.indisvalid,
       am.amname::text AS method,
       i.indnkeyatts::int4 AS key_count,
       i.indkey::int2[] AS attnums,
       i.indclass::oid[] AS opclasses,
       i.indoption::int2[] AS options,
       i.indcollation::oid[] AS collations,
       CASE WHEN i.indexprs IS NOT NULL THEN
           ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                 FROM pg_catalog.generate_series(1, i.indnkeyatts::int4) AS k
                 WHERE i.indkey[k - 1] = 0
                 ORDER BY k)
       END AS expressions,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       ic.reloptions IS NOT NULL AS has_options,
       c.relkind = 'p' AS on_partitioned,
       {nulls_not_distinct} AS nulls_not_distinct
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
ORDER BY i.indrelid, ic.relname
