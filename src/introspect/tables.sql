-- Tables and partitioned tables of the requested schemas.
-- Partition children (relispartition) and extension-owned tables are left out. The comment is
-- joined from pg_description rather than asked of obj_description() row by row.
SELECT c.oid,
       n.nspname,
       c.relname,
       c.relkind = 'p' AS partitioned,
       c.reltuples::float8 AS reltuples,
       c.relpages,
       d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = c.oid
          AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
