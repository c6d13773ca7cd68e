-- Small lookup tables for naming index keys the way pg_get_indexdef does:
-- 'k': keywords that quote_ident must quote (every category but unreserved);
-- 'o': operator classes with their default flag, schema-qualified when not visible;
-- 'c': collations, quoted, schema-qualified outside pg_catalog and public.
SELECT 'k' AS kind, 0::oid AS oid, word AS name, false AS is_default
FROM pg_catalog.pg_get_keywords()
WHERE catcode <> 'U'
UNION ALL
SELECT 'o', c.oid,
       CASE WHEN pg_catalog.pg_opclass_is_visible(c.oid) THEN pg_catalog.quote_ident(c.opcname)
            ELSE pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname) END,
       c.opcdefault
FROM pg_catalog.pg_opclass c
JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
UNION ALL
SELECT 'c', co.oid,
       CASE WHEN n.nspname IN ('pg_catalog', 'public') THEN pg_catalog.quote_ident(co.collname)
            ELSE pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       false
FROM pg_catalog.pg_collation co
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
ORDER BY 1, 2, 3
