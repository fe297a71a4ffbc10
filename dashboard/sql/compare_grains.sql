-- Which grains each indicator has stored (all aggregated at ingest), with their year span.
SELECT indicator_id, grain, count(*) AS n,
       year(min(period_start)) AS first_year, year(max(period_start)) AS last_year
FROM indicator_value
GROUP BY indicator_id, grain
ORDER BY indicator_id, grain
