-- Reported figures of a project, with the page each was read from. Parameter: project_id.
SELECT m.milestone_id, m.as_of, m.as_of_date, m.metric, m.value, m.unit, m.value_as_reported,
       m.lower_bound, m.reported_by, m.url, m.note, m.reported, m.source_id,
       s.publisher, s.licence, s.retrieved_at
FROM milestone AS m
LEFT JOIN source AS s USING (source_id)
WHERE m.project_id = ?
ORDER BY m.metric, m.as_of_date
