SELECT city_id, country, level, name_en, name_zh, name_local, parent_id, geo_file, geo_id, lat, lon
FROM city
ORDER BY country DESC, city_id
