-- City period values of one indicator at one grain, for the compare chart/table/map.
-- Per capita: the stored value_per_capita, else value / same-year population * scale.
-- params: per_capita_scale, indicator_id, grain, city_ids (list), start (date, incl.), end (date, excl.)
WITH pop AS (
    SELECT city_id, year(period_start) AS yr, arg_max(value, period_start) AS population
    FROM indicator_value
    WHERE indicator_id = 'population' AND grain = 'annual'
    GROUP BY ALL
)
SELECT v.city_id,
       v.period_start,
       v.value,
       coalesce(v.value_per_capita, v.value / nullif(p.population, 0) * ?) AS value_per_capita,
       v.coverage,
       v.n_points,
       v.source_id
FROM indicator_value AS v
LEFT JOIN pop AS p ON p.city_id = v.city_id AND p.yr = year(v.period_start)
WHERE v.indicator_id = ?
  AND v.grain = ?
  AND list_contains(?, v.city_id)
  AND v.period_start >= ?
  AND v.period_start < ?
ORDER BY v.city_id, v.period_start
