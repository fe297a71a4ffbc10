-- Confounders, data breaks, policies and infrastructure openings with their dates.
SELECT event_id, kind, scope, project_ids, indicator_ids, date_start, date_end,
       label_en, source_url
FROM event
ORDER BY date_start, event_id
