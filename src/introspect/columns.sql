-- Columns of the tables of the requested schemas, in attribute order.
-- A default never refers to a column, so it is printed without opening its table
-- (pg_get_expr(adbin, 0)): that spares a relation-cache build per table on large schemas. The
-- generation expression of a GENERATED column does refer to columns and gets its table.
-- collation_name is set only for a collation other than the type's default (written as
-- COLLATE in the column's definition), quoted, qualified outside pg_catalog and public.
-- An identity column's sequence (the one pg_depend ties to it with deptype 'i') gives its
-- options; other columns get NULLs.
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
       a.attcollation,
       CASE WHEN co.oid IS NULL THEN NULL
            WHEN con.nspname IN ('pg_catalog', 'public') THEN pg_catalog.quote_ident(co.collname)
            ELSE pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
       END AS collation_name,
       d.description AS comment,
       sq.seqstart AS identity_start,
       sq.seqincrement AS identity_increment,
       sq.seqmin AS identity_min,
       sq.seqmax AS identity_max,
       sq.seqcache AS identity_cache,
       sq.seqcycle AS identity_cycle
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> ty.typcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass
      AND d.objsubid = a.attnum
LEFT JOIN pg_catalog.pg_depend dep
       ON a.attidentity <> '' AND dep.classid = 'pg_catalog.pg_class'::regclass
      AND dep.refclassid = 'pg_catalog.pg_class'::regclass
      AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
LEFT JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = dep.objid
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
