-- Enum types of the requested schemas with their labels in sort order; extension-owned types
-- are left out.
SELECT n.nspname,
       t.typname,
       ARRAY(SELECT e.enumlabel::text
             FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY ($1)
  AND t.typtype = 'e'
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_type'::regclass
          AND d.objid = t.oid
          AND d.deptype = 'e')
ORDER BY n.nspname, t.typname
