-- One project with its city names. Parameter: project_id.
SELECT p.*, c.name_en AS city_name_en, c.name_zh AS city_name_zh, c.country
FROM project AS p
LEFT JOIN city AS c ON c.city_id = p.city_id
WHERE p.project_id = ?
