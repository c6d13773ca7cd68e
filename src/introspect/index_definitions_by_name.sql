-- pg_get_indexdef of the indexes named by (schema, index name): read after the comparison, and
-- only for the indexes that repair would replace and the bulk read left without a definition
-- (those with expressions, a predicate or storage options).
SELECT n.nspname, c.relname, pg_catalog.pg_get_indexdef(c.oid) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN unnest($1::text[], $2::text[]) AS wanted (schema_name, index_name)
  ON wanted.schema_name = n.nspname AND wanted.index_name = c.relname
WHERE c.relkind IN ('i', 'I')
