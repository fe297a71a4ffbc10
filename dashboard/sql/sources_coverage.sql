-- City x indicator coverage at one grain per indicator: its own grain where stored
-- (hourly shows as daily), else the coarsest stored. Periods present and mean coverage share.
WITH cells AS (
    SELECT indicator_id,
           city_id,
           grain,
           count(value) AS periods,
           avg(coalesce(coverage, CASE WHEN value IS NULL THEN 0.0 ELSE 1.0 END)) AS coverage,
           min(period_start) AS first_period,
           max(period_start) AS last_period
    FROM indicator_value
    GROUP BY indicator_id, city_id, grain
),
shown_grain AS (
    SELECT g.indicator_id, g.grain
    FROM (SELECT DISTINCT indicator_id, grain FROM cells) AS g
    LEFT JOIN indicator AS i USING (indicator_id)
    QUALIFY row_number() OVER (
        PARTITION BY g.indicator_id
        ORDER BY g.grain = CASE i.native_grain WHEN 'hourly' THEN 'daily' ELSE i.native_grain END DESC,
                 CASE g.grain WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1
                              WHEN 'weekly' THEN 2 WHEN 'daily' THEN 3 ELSE 4 END,
                 g.grain
    ) = 1
)
SELECT c.*
FROM cells AS c
JOIN shown_grain USING (indicator_id, grain)
ORDER BY c.indicator_id, c.city_id
