-- Primary keys, unique, check, foreign-key and exclusion constraints of the tables of the
-- requested schemas. Column lists come as attribute numbers (named from columns.sql). An
-- exclusion constraint's elements come from its index: keys (attribute numbers, 0 for an
-- expression, deparsed by pg_get_indexdef), ordering bits, operator classes (empty when the
-- type's default), and the operators of conexclop. Constraints cloned onto partitions
-- (conparentid <> 0) are left out; constraint triggers are not modelled. The nulls_not_distinct placeholder is filled in by server version
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
       CASE WHEN con.contype IN ('c', 'x') THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition,
       {nulls_not_distinct} AS nulls_not_distinct,
       xam.amname::text AS exclusion_method,
       xi.indkey::int2[] AS exclusion_attnums,
       xi.indoption::int2[] AS exclusion_options,
       CASE WHEN xi.indexrelid IS NOT NULL THEN
           ARRAY(SELECT pg_catalog.pg_get_indexdef(xi.indexrelid, k, true)
                 FROM pg_catalog.generate_series(1, xi.indnkeyatts::int4) AS k
                 ORDER BY k)
       END AS exclusion_keys,
       CASE WHEN xi.indexrelid IS NOT NULL THEN
           ARRAY(SELECT CASE WHEN opc.opcdefault THEN '' ELSE opc.opcname::text END
                 FROM pg_catalog.unnest(xi.indclass::oid[]) WITH ORDINALITY AS cls(oid, n)
                 JOIN pg_catalog.pg_opclass opc ON opc.oid = cls.oid
                 ORDER BY cls.n)
       END AS exclusion_opclasses,
       CASE WHEN xi.indexrelid IS NOT NULL THEN
           ARRAY(SELECT op.oprname::text
                 FROM pg_catalog.unnest(con.conexclop) WITH ORDINALITY AS ex(oid, n)
                 JOIN pg_catalog.pg_operator op ON op.oid = ex.oid
                 ORDER BY ex.n)
       END AS exclusion_operators,
       pg_catalog.pg_get_expr(xi.indpred, xi.indrelid) AS exclusion_predicate
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype = 'u'
LEFT JOIN pg_catalog.pg_index xi ON xi.indexrelid = con.conindid AND con.contype = 'x'
LEFT JOIN pg_catalog.pg_class xc ON xc.oid = xi.indexrelid
LEFT JOIN pg_catalog.pg_am xam ON xam.oid = xc.relam
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'c', 'f', 'x')
  AND con.conparentid = 0
ORDER BY con.conrelid, con.contype, con.conname
