-- Reported figures of one project and metric, oldest first (kiosk headline and chart).
SELECT milestone_id, as_of, as_of_date, metric, value, unit, value_as_reported, lower_bound,
       reported_by, url, note, reported, source_id
FROM milestone
WHERE project_id = ? AND metric = ? AND value IS NOT NULL
ORDER BY as_of_date, milestone_id
