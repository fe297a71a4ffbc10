-- Headline indicator of each project of an award year, for its own city, at most monthly
-- (daily values are averaged per month so a sparkline carries a few hundred points).
-- Parameter: award_year.
WITH headline AS (
    SELECT pi.project_id, pi.indicator_id, pi.grain, p.city_id
    FROM project_indicator AS pi
    JOIN project AS p USING (project_id)
    WHERE p.award_year = ?
    QUALIFY row_number() OVER (
        PARTITION BY pi.project_id
        ORDER BY CASE pi.role WHEN 'headline' THEN 0 WHEN 'target' THEN 1 ELSE 2 END, pi.indicator_id
    ) = 1
)
SELECT h.project_id,
       CASE WHEN v.grain = 'daily' THEN 'monthly' ELSE v.grain END AS grain,
       CASE WHEN v.grain = 'daily' THEN date_trunc('month', v.period_start) ELSE v.period_start END
           AS period_start,
       avg(v.value) AS value
FROM headline AS h
JOIN indicator_value AS v
  ON v.indicator_id = h.indicator_id AND v.city_id = h.city_id AND v.grain = h.grain
WHERE v.value IS NOT NULL
GROUP BY ALL
ORDER BY h.project_id, period_start
