SELECT *
FROM project
ORDER BY award_year DESC, project_id
