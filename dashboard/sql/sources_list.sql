-- Every source with its provenance, and the indicators its series and station values feed
-- (the indicators of its city values come from the catalog's cells: no second scan).
WITH fed AS (
    SELECT DISTINCT source_id, indicator_id FROM series
    UNION
    SELECT DISTINCT source_id, indicator_id FROM station_value
),
per_source AS (
    SELECT source_id, list_sort(list(DISTINCT indicator_id)) AS indicators
    FROM fed
    WHERE indicator_id IS NOT NULL
    GROUP BY source_id
)
SELECT s.source_id, s.connector, s.publisher, s.title, s.url, s.licence, s.attribution, s.kind,
       s.third_party, s.retrieved_at, s.rows, s.period_start, s.period_end, s.note,
       p.indicators
FROM source AS s
LEFT JOIN per_source AS p USING (source_id)
ORDER BY s.kind, s.source_id
