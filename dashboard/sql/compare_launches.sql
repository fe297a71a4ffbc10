-- Award projects with a launch date, per city; projects that target the indicator first.
-- params: indicator_id
SELECT p.city_id,
       p.project_id,
       p.name_en,
       p.name_zh,
       p.launch_date,
       p.launch_confidence,
       pi.indicator_id IS NOT NULL AS targets_indicator
FROM project AS p
LEFT JOIN project_indicator AS pi
       ON pi.project_id = p.project_id AND pi.indicator_id = ?
WHERE p.launch_date IS NOT NULL
ORDER BY p.city_id, targets_indicator DESC, p.launch_date
