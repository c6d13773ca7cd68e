-- Catalog objects the schema model does not cover, as (kind, name, definition) rows: what
-- `verify` compares before and after a migration's second run. Extension-owned objects and the
-- system schemas are left out. Definitions are hashed where they are long.
WITH user_ns AS (
    SELECT oid, nspname
    FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
),
ext_owned AS (
    SELECT objid, classid FROM pg_depend WHERE deptype = 'e'
)
SELECT 'schema' AS kind, n.nspname::text AS name, '' AS definition
FROM user_ns n
UNION ALL
SELECT 'extension', e.extname::text, e.extversion
FROM pg_extension e
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
       p.oid::regprocedure::text,
       CASE WHEN p.prokind = 'a' THEN '' ELSE md5(pg_get_functiondef(p.oid)) END
FROM pg_proc p
JOIN user_ns n ON n.oid = p.pronamespace
WHERE NOT EXISTS (SELECT 1 FROM ext_owned d WHERE d.objid = p.oid AND d.classid = 'pg_proc'::regclass)
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                      WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                      WHEN 'c' THEN 'composite type' ELSE 'partition' END,
       format('%s.%s', n.nspname, c.relname),
       CASE WHEN c.relkind IN ('v', 'm') THEN md5(pg_get_viewdef(c.oid))
            WHEN c.relkind = 'S' THEN (SELECT format('%s increment %s cycle %s', s.seqtypid::regtype, s.seqincrement, s.seqcycle)
                                       FROM pg_sequence s WHERE s.seqrelid = c.oid)
            ELSE '' END
FROM pg_class c
JOIN user_ns n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('v', 'm', 'S', 'f', 'c') OR (c.relkind IN ('r', 'p') AND c.relispartition))
  AND NOT EXISTS (SELECT 1 FROM ext_owned d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass)
UNION ALL
SELECT 'trigger', format('%s.%s', t.tgrelid::regclass, t.tgname), md5(pg_get_triggerdef(t.oid))
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN user_ns n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
UNION ALL
SELECT 'policy', format('%s.%s', p.polrelid::regclass, p.polname),
       md5(concat_ws(' ', p.polcmd, p.polpermissive, p.polroles::text,
                     pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)))
FROM pg_policy p
UNION ALL
SELECT 'rule', format('%s.%s', r.ev_class::regclass, r.rulename), md5(pg_get_ruledef(r.oid))
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN user_ns n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'range type' END,
       format('%s.%s', n.nspname, t.typname),
       CASE WHEN t.typtype = 'd'
            THEN concat_ws(' ', format_type(t.typbasetype, t.typtypmod), t.typnotnull,
                           (SELECT string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                            FROM pg_constraint k WHERE k.contypid = t.oid))
            ELSE '' END
FROM pg_type t
JOIN user_ns n ON n.oid = t.typnamespace
WHERE t.typtype IN ('d', 'r')
  AND NOT EXISTS (SELECT 1 FROM ext_owned d WHERE d.objid = t.oid AND d.classid = 'pg_type'::regclass)
ORDER BY 1, 2
