-- pg_get_indexdef of the given indexes: only run for plain indexes whose definition cannot be
-- written from the bulk columns (a key with a non-default collation).
SELECT i.indexrelid, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
FROM pg_catalog.pg_index i
WHERE i.indexrelid = ANY ($1)
ORDER BY i.indexrelid
