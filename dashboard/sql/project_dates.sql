-- Launch, phase and award dates of a project. Parameter: project_id.
SELECT kind, date, precision, label_en, label_zh, source_url, confidence, note
FROM project_date
WHERE project_id = ?
ORDER BY date, kind
