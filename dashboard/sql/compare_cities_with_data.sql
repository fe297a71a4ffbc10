-- Cities that hold any stored value of an indicator. params: indicator_id
SELECT DISTINCT city_id FROM indicator_value WHERE indicator_id = ?
