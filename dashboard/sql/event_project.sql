-- Confounders, policies and data breaks bearing on a project and indicator:
-- scoped to the project's city, its country or the world, and naming the project
-- and indicator or none. Parameters: city_id, country, project_id, indicator_id.
SELECT event_id, kind, scope, date_start, date_end, label_en, label_zh, source_url, note
FROM event
WHERE scope IN (?, ?, 'global')
  AND (project_ids IS NULL OR len(project_ids) = 0 OR list_contains(project_ids, ?))
  AND (indicator_ids IS NULL OR len(indicator_ids) = 0 OR list_contains(indicator_ids, ?))
ORDER BY date_start, event_id
