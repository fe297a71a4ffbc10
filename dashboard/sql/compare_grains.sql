-- Which grains an indicator has: stored city values ('value') and raw series ('series').
-- params: indicator_id, indicator_id
SELECT grain, 'value' AS kind, count(*) AS n,
       year(min(period_start)) AS first_year, year(max(period_start)) AS last_year
FROM indicator_value
WHERE indicator_id = ?
GROUP BY grain
UNION ALL
SELECT s.grain, 'series' AS kind, count(*) AS n,
       year(min(src.period_start)) AS first_year, year(max(src.period_end)) AS last_year
FROM series AS s
LEFT JOIN source AS src USING (source_id)
WHERE s.indicator_id = ?
GROUP BY s.grain
