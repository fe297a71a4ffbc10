-- Data quality per city for one indicator and grain: span, periods present, missing
-- periods inside the span, mean coverage. Parameters: indicator_id, grain, city_ids (list).
WITH v AS (
    SELECT city_id, period_start, value, coverage
    FROM indicator_value
    WHERE indicator_id = ? AND grain = ? AND list_contains(?, city_id)
),
span AS (
    SELECT city_id, grain_unit,
           min(period_start) AS first_period, max(period_start) AS last_period,
           count(*) FILTER (WHERE value IS NOT NULL) AS periods_present,
           avg(coverage) AS mean_coverage
    FROM v, (SELECT ? AS grain_unit)
    GROUP BY city_id, grain_unit
)
SELECT s.city_id, c.name_en AS city_name_en, c.name_zh AS city_name_zh,
       s.first_period, s.last_period, s.periods_present, s.mean_coverage,
       CASE s.grain_unit
           WHEN 'annual' THEN date_diff('year', s.first_period, s.last_period) + 1
           WHEN 'monthly' THEN date_diff('month', s.first_period, s.last_period) + 1
           WHEN 'daily' THEN date_diff('day', s.first_period, s.last_period) + 1
       END AS periods_expected
FROM span AS s
LEFT JOIN city AS c ON c.city_id = s.city_id
ORDER BY s.city_id
