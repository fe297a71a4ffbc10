-- City x indicator coverage: periods present and mean coverage share, per grain.
SELECT indicator_id,
       city_id,
       grain,
       count(value) AS periods,
       avg(coalesce(coverage, CASE WHEN value IS NULL THEN 0.0 ELSE 1.0 END)) AS coverage,
       min(period_start) AS first_period,
       max(period_start) AS last_period
FROM indicator_value
GROUP BY ALL
ORDER BY indicator_id, city_id, grain
