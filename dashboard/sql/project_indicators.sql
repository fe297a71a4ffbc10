-- Target indicators of a project, headline first, with names, units and comparison cities,
-- and the indicator's own launch window where it has one. Parameter: project_id.
SELECT pi.indicator_id, pi.role, pi.expected_direction, pi.comparison_cities, pi.grain,
       i.name_en, i.name_zh, i.unit, i.unit_zh, i.direction, i.per_capita_scale, i.third_party,
       i.description_en, i.description_zh,
       pi.launch_date, pi.launch_date_min, pi.launch_date_max
FROM project_indicator AS pi
JOIN indicator AS i USING (indicator_id)
WHERE pi.project_id = ?
ORDER BY CASE pi.role WHEN 'headline' THEN 0 WHEN 'target' THEN 1 ELSE 2 END, pi.indicator_id
