-- Award years that have at least one project, newest first.
SELECT DISTINCT award_year
FROM project
ORDER BY award_year DESC
