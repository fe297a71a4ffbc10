-- The units the registry names for an indicator: each project's city and the units it is shown
-- against, headline and target uses first. Parameter: indicator_id.
SELECT p.city_id, coalesce(pi.comparison_cities, []) AS comparison_cities
FROM project_indicator AS pi
JOIN project AS p USING (project_id)
WHERE pi.indicator_id = ?
ORDER BY CASE pi.role WHEN 'headline' THEN 0 WHEN 'target' THEN 1 ELSE 2 END, p.project_id
