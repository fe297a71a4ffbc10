-- A project's reported figures of one metric with a value, each as its file gives it (the
-- page's milestone table joins figures repeated across files under one of their names).
-- Parameters: project_id, metric.
SELECT as_of, as_of_date, metric, value, unit, value_as_reported, lower_bound, reported_by, url
FROM milestone
WHERE project_id = ? AND metric = ? AND value IS NOT NULL
ORDER BY as_of_date, milestone_id
