-- Award projects with their launch date and the range the sources allow.
SELECT project_id, city_id, launch_date, launch_date_min, launch_date_max, launch_confidence
FROM project
ORDER BY project_id
