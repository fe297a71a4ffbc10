-- Cities that hold any stored value, per indicator.
SELECT DISTINCT indicator_id, city_id
FROM indicator_value
ORDER BY indicator_id, city_id
