-- One value per city for the map: the mean of the indicator's stored values at one grain
-- over [start, end). params: per_capita_scale, indicator_id, grain, start, end
WITH pop AS (
    SELECT city_id, year(period_start) AS yr, arg_max(value, period_start) AS population
    FROM indicator_value
    WHERE indicator_id = 'population' AND grain = 'annual'
    GROUP BY ALL
)
SELECT v.city_id,
       avg(v.value) AS value,
       avg(coalesce(v.value_per_capita, v.value / nullif(p.population, 0) * ?)) AS value_per_capita,
       avg(v.coverage) AS coverage,
       count(v.value) AS n_periods,
       min(v.source_id) AS source_id
FROM indicator_value AS v
LEFT JOIN pop AS p ON p.city_id = v.city_id AND p.yr = year(v.period_start)
WHERE v.indicator_id = ?
  AND v.grain = ?
  AND v.period_start >= ?
  AND v.period_start < ?
GROUP BY v.city_id
ORDER BY v.city_id
