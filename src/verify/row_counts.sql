-- The exact row count of every user table, in one statement: each count runs through
-- query_to_xml, so no second round trip builds per-table queries. `ONLY`: a parent's count does
-- not include its inheritance children or partitions (they are counted themselves).
SELECT format('%s.%s', n.nspname, c.relname) AS name,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM ONLY %I.%I', n.nspname, c.relname),
                           false, true, '')))[1]::text::bigint AS n
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY 1
