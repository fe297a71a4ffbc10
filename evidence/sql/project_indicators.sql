-- Target indicators of every project, with the grain and comparison cities to use.
SELECT pi.project_id, pi.indicator_id, pi.role, pi.expected_direction,
       pi.comparison_cities, pi.grain, i.per_capita_scale, i.unit, i.name_en
FROM project_indicator AS pi
LEFT JOIN indicator AS i USING (indicator_id)
ORDER BY pi.project_id, pi.indicator_id
