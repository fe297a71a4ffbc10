-- Award projects with a launch date, per city, with the indicators each one targets.
SELECT p.city_id,
       p.project_id,
       p.name_en,
       p.name_zh,
       p.launch_date,
       p.launch_confidence,
       coalesce(list(pi.indicator_id ORDER BY pi.indicator_id)
                    FILTER (WHERE pi.indicator_id IS NOT NULL), []) AS targets
FROM project AS p
LEFT JOIN project_indicator AS pi ON pi.project_id = p.project_id
WHERE p.launch_date IS NOT NULL
GROUP BY p.city_id, p.project_id, p.name_en, p.name_zh, p.launch_date, p.launch_confidence
ORDER BY p.city_id, p.launch_date, p.project_id
