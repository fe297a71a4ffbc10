-- Reported figures (news, press releases) per project: what descriptive results cite.
SELECT project_id, as_of, metric, value, unit, value_as_reported, lower_bound, url
FROM milestone
ORDER BY project_id, as_of_date, metric
