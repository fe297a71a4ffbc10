-- City-level values of one indicator, every grain (the engine picks or aggregates).
SELECT v.city_id, v.grain, v.period_start, v.value, v.value_per_capita, v.coverage,
       c.country
FROM indicator_value AS v
LEFT JOIN city AS c USING (city_id)
WHERE v.indicator_id = ?
ORDER BY v.city_id, v.grain, v.period_start
