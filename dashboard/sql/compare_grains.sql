-- Which grains an indicator has stored (all aggregated at ingest), with its year span.
-- params: indicator_id
SELECT grain, count(*) AS n,
       year(min(period_start)) AS first_year, year(max(period_start)) AS last_year
FROM indicator_value
WHERE indicator_id = ?
GROUP BY grain
