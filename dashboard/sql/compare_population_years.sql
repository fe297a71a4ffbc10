-- Registered population per city and year, for per-capita values of aggregated series.
SELECT city_id, year(period_start) AS year, arg_max(value, period_start) AS population
FROM indicator_value
WHERE indicator_id = 'population' AND grain = 'annual'
GROUP BY ALL
