-- Award projects of one year with their cities (kiosk title slide).
SELECT p.project_id, p.name_en, p.name_zh, c.name_en AS city_name_en, c.name_zh AS city_name_zh
FROM project AS p
LEFT JOIN city AS c ON c.city_id = p.city_id
WHERE p.award_year = ?
ORDER BY p.project_id
