-- Column names of tables outside the requested schemas that foreign keys refer to.
SELECT a.attrelid, a.attnum, a.attname
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY ($1)
  AND a.attnum > 0
ORDER BY a.attrelid, a.attnum
