-- Every source with its provenance, and the indicators it feeds.
WITH fed AS (
    SELECT source_id, indicator_id FROM indicator_value GROUP BY ALL
    UNION
    SELECT source_id, indicator_id FROM series GROUP BY ALL
    UNION
    SELECT source_id, indicator_id FROM station_value GROUP BY ALL
)
SELECT s.source_id, s.connector, s.publisher, s.title, s.url, s.licence, s.attribution, s.kind,
       s.third_party, s.retrieved_at, s.rows, s.period_start, s.period_end, s.note,
       list_sort(list(DISTINCT f.indicator_id) FILTER (WHERE f.indicator_id IS NOT NULL)) AS indicators
FROM source AS s
LEFT JOIN fed AS f USING (source_id)
GROUP BY ALL
ORDER BY s.kind, s.source_id
