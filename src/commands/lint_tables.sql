-- lint --database-url: every table's estimated rows and size, and its columns' types, in one
-- read-only query (pg_class.reltuples is -1 for a table never analyzed).
SELECT n.nspname::text AS nspname,
       c.relname::text AS relname,
       c.reltuples::float8 AS reltuples,
       c.relpages::int8 * current_setting('block_size')::int8 AS bytes,
       a.attname::text AS attname,
       format_type(a.atttypid, a.atttypmod) AS type
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a
       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%'
ORDER BY n.nspname, c.relname, a.attnum
