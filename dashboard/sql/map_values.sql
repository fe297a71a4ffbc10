-- One value per city for the map: the mean of the indicator's stored values at one grain
-- over [start, end) (per capita stored at ingest). params: indicator_id, grain, start, end
SELECT city_id,
       avg(value) AS value,
       avg(value_per_capita) AS value_per_capita,
       avg(coverage) AS coverage,
       count(value) AS n_periods,
       min(source_id) AS source_id
FROM indicator_value
WHERE indicator_id = ?
  AND grain = ?
  AND period_start >= ?
  AND period_start < ?
GROUP BY city_id
ORDER BY city_id
