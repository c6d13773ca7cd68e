-- Standalone sequences of the requested schemas with their options and owning column. Left
-- out: an identity column's own sequence (pg_depend deptype 'i': its options are read with the
-- column), a serial column's (owned by a column whose default calls nextval on it: the column
-- is `serial`), and extension-owned ones.
SELECT n.nspname,
       c.relname,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart,
       s.seqincrement,
       s.seqmin,
       s.seqmax,
       s.seqcache,
       s.seqcycle,
       own_n.nspname AS owner_schema,
       own_c.relname AS owner_table,
       own_a.attname AS owner_column
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend own
       ON own.classid = 'pg_catalog.pg_class'::regclass AND own.objid = s.seqrelid
      AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.refobjsubid > 0
      AND own.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class own_c ON own_c.oid = own.refobjid
LEFT JOIN pg_catalog.pg_namespace own_n ON own_n.oid = own_c.relnamespace
LEFT JOIN pg_catalog.pg_attribute own_a
       ON own_a.attrelid = own.refobjid AND own_a.attnum = own.refobjsubid
WHERE n.nspname = ANY ($1)
  AND own.deptype IS DISTINCT FROM 'i'
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attrdef ad
        JOIN pg_catalog.pg_depend uses
          ON uses.classid = 'pg_catalog.pg_attrdef'::regclass AND uses.objid = ad.oid
        WHERE own.deptype = 'a'
          AND ad.adrelid = own.refobjid AND ad.adnum = own.refobjsubid
          AND uses.refclassid = 'pg_catalog.pg_class'::regclass
          AND uses.refobjid = s.seqrelid)
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = s.seqrelid
          AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
