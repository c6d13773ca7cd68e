-- Every schema that is not a system schema (pg_*, information_schema) nor owned by an extension.
SELECT n.nspname
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
          AND d.objid = n.oid
          AND d.deptype = 'e')
ORDER BY n.nspname
