-- One award project with its city names (kiosk slide header, launch marker).
SELECT p.project_id, p.award_year, p.name_en, p.name_zh, p.city_id,
       p.launch_date, p.launch_date_min, p.launch_date_max, p.launch_confidence,
       c.name_en AS city_name_en, c.name_zh AS city_name_zh,
       c.geo_file, c.geo_id, c.lat, c.lon, c.country
FROM project AS p
LEFT JOIN city AS c ON c.city_id = p.city_id
WHERE p.project_id = ?
