-- Cities that hold any value of an indicator (stored or raw). params: indicator_id, indicator_id
SELECT DISTINCT city_id FROM indicator_value WHERE indicator_id = ?
UNION
SELECT DISTINCT city_id FROM series WHERE indicator_id = ?
