-- What is stored per indicator, city and grain (all aggregated at ingest): periods present,
-- mean coverage share, first and last period, and the sources of the values.
SELECT indicator_id,
       city_id,
       grain,
       count(value) AS periods,
       avg(coalesce(coverage, CASE WHEN value IS NULL THEN 0.0 ELSE 1.0 END)) AS coverage,
       min(period_start) AS first_period,
       max(period_start) AS last_period,
       list(DISTINCT source_id ORDER BY source_id) AS source_ids
FROM indicator_value
GROUP BY indicator_id, city_id, grain
ORDER BY indicator_id, city_id, grain
