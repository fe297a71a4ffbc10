-- City-level values of one indicator at one grain for a set of cities, with coverage.
-- Parameters: indicator_id, grain, city_ids (list).
SELECT v.city_id, c.name_en AS city_name_en, c.name_zh AS city_name_zh,
       v.period_start, v.value, v.value_per_capita, v.coverage, v.n_points, v.source_id
FROM indicator_value AS v
LEFT JOIN city AS c ON c.city_id = v.city_id
WHERE v.indicator_id = ? AND v.grain = ? AND list_contains(?, v.city_id)
ORDER BY v.city_id, v.period_start
