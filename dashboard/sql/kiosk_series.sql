-- A city's indicator values at the finest useful grain, daily folded into months (kiosk chart).
-- Parameters: indicator_id, city_id, wanted grain (NULL = best available).
WITH v AS (
    SELECT grain, period_start, value, value_per_capita, source_id
    FROM indicator_value
    WHERE indicator_id = ? AND city_id = ? AND value IS NOT NULL
), wanted AS (
    SELECT CAST(? AS VARCHAR) AS grain
), best AS (
    SELECT v.grain
    FROM v, wanted
    WHERE wanted.grain IS NULL OR v.grain = wanted.grain
    GROUP BY v.grain
    ORDER BY CASE v.grain WHEN 'monthly' THEN 0 WHEN 'daily' THEN 1 WHEN 'annual' THEN 2 ELSE 3 END
    LIMIT 1
)
SELECT CASE WHEN v.grain = 'daily' THEN 'monthly' ELSE v.grain END AS grain,
       CASE WHEN v.grain = 'daily' THEN CAST(date_trunc('month', v.period_start) AS DATE)
            ELSE v.period_start END AS period_start,
       avg(v.value) AS value,
       avg(v.value_per_capita) AS value_per_capita,
       count(*) AS n_points,
       min(v.source_id) AS source_id
FROM v
JOIN best ON best.grain = v.grain
GROUP BY 1, 2
ORDER BY 2
