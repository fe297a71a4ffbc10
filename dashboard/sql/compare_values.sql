-- City period values of one indicator at one grain, for the compare chart/table/map.
-- Every grain and per-capita value is stored at ingest (connectors/sql/derive.sql).
-- params: indicator_id, grain, city_ids (list), start (date, incl.), end (date, excl.),
--         city_ids again (rows come in the selection's city order, then by period)
SELECT city_id, period_start, value, value_per_capita, coverage, n_points, source_id
FROM indicator_value
WHERE indicator_id = ?
  AND grain = ?
  AND list_contains(?, city_id)
  AND period_start >= ?
  AND period_start < ?
ORDER BY list_position(?, city_id), period_start
