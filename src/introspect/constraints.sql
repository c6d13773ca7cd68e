-- Primary keys, unique, check and foreign-key constraints of the tables of the requested
-- schemas. Column lists come as attribute numbers (named from columns.sql). Constraints cloned
-- onto partitions (conparentid <> 0) are left out; exclusion constraints and constraint
-- triggers are not modelled. The nulls_not_distinct placeholder is filled in by server version
-- (queries.rs): pg_index.indnullsnotdistinct from PostgreSQL 15, before it false.
SELECT con.conrelid,
       con.conname,
       con.contype::text AS contype,
       con.conkey,
       con.confrelid,
       con.confkey,
       fn.nspname AS ref_schema,
       fc.relname AS ref_table,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.condeferrable,
       con.condeferred,
       con.convalidated,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition,
       {nulls_not_distinct} AS nulls_not_distinct
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype = 'u'
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'c', 'f')
  AND con.conparentid = 0
ORDER BY con.conrelid, con.contype, con.conname
