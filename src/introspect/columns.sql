-- Columns of the tables of the requested schemas, in attribute order.
-- A default never refers to a column, so it is printed without opening its table
-- (pg_get_expr(adbin, 0)): that spares a relation-cache build per table on large schemas. The
-- generation expression of a GENERATED column does refer to columns and gets its table.
-- The attgenerated placeholder is filled in by server version (queries.rs):
-- pg_attribute.attgenerated from PostgreSQL 12, before it a constant (nothing is generated).
SELECT a.attrelid,
       a.attnum,
       a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin,
           CASE WHEN {attgenerated} = '' THEN 0 ELSE ad.adrelid END) AS default_expr,
       a.attidentity::text AS identity,
       {attgenerated}::text AS generated,
       a.attcollation
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
