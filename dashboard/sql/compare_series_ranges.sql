-- Where each raw series lives in the observation table (rowid span), with its city and
-- source. One scan per data version; compare_buckets uses the spans to prune row groups.
WITH spans AS (
    SELECT series_id, min(rowid) AS lo, max(rowid) AS hi, count(*) AS n_rows
    FROM observation
    GROUP BY series_id
)
SELECT s.series_id, s.indicator_id, s.city_id, s.grain, s.source_id, p.lo, p.hi, p.n_rows
FROM series AS s
JOIN spans AS p USING (series_id)
ORDER BY s.indicator_id, s.city_id, s.series_id
