-- Target indicators of every project, with the grain, comparison cities and scale to use, and the
-- indicator's own launch window where it has one (NULL: the project's).
SELECT pi.project_id, pi.indicator_id, pi.role, pi.expected_direction,
       pi.comparison_cities, pi.grain, pi.per_capita, i.per_capita_scale, i.unit, i.name_en,
       pi.launch_date, pi.launch_date_min, pi.launch_date_max, pi.launch_confidence
FROM project_indicator AS pi
LEFT JOIN indicator AS i USING (indicator_id)
ORDER BY pi.project_id, pi.indicator_id
